package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	tgbot "github.com/go-telegram/bot"
)

// textAPI calls the Bot API methods that carry no file (answers to presses, messages, edits)
// with a JSON body, as the Bot API accepts, instead of the client library's multipart form:
// the form costs a goroutine, a pipe and a multipart writer on this side, and a multipart
// parse on the other, for every step of every dialog. The parameters are the library's own
// types, whose JSON field names are the Bot API's; its errors are the library's too
// (tgbot.ErrorBadRequest, *tgbot.TooManyRequestsError, ...), so what handles the one handles
// the other. Methods with uploads, and the long poll, stay with the library.
type textAPI struct {
	client tgbot.HttpClient
	url    string // the server and the token's path, ending in a slash
	token  string // kept out of errors
}

func newTextAPI(client tgbot.HttpClient, serverURL, token string) *textAPI {
	return &textAPI{client: client, url: strings.TrimSuffix(serverURL, "/") + "/bot" + token + "/", token: token}
}

// apiReply is the envelope of every Bot API answer.
type apiReply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	Description string          `json:"description"`
	ErrorCode   int             `json:"error_code"`
	Parameters  struct {
		RetryAfter      int `json:"retry_after"`
		MigrateToChatID int `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// sentMessage is the part of a sent or edited message the bot reads back: its id.
type sentMessage struct {
	ID int64 `json:"message_id"`
}

// call posts params to method and decodes the result into dest, when dest is not nil.
func (a *textAPI) call(ctx context.Context, method string, params, dest any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encode %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("request %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			uerr.URL = strings.ReplaceAll(uerr.URL, a.token, "***")
		}
		return fmt.Errorf("call %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read the answer to %s: %w", method, err)
	}
	var r apiReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("decode the answer to %s (HTTP %d): %w", method, resp.StatusCode, err)
	}
	if !r.OK {
		return replyError(method, &r)
	}
	if dest == nil {
		return nil
	}
	if err := json.Unmarshal(r.Result, dest); err != nil {
		return fmt.Errorf("decode the result of %s: %w", method, err)
	}
	return nil
}

// replyError is the library's error for a refusal, so that the senders' retries and
// refusals read both paths alike.
func replyError(method string, r *apiReply) error {
	switch r.ErrorCode {
	case http.StatusForbidden:
		return fmt.Errorf("%w, %s", tgbot.ErrorForbidden, r.Description)
	case http.StatusBadRequest:
		if r.Parameters.MigrateToChatID != 0 {
			return &tgbot.MigrateError{Message: fmt.Sprintf("%s: %s", tgbot.ErrorBadRequest, r.Description),
				MigrateToChatID: r.Parameters.MigrateToChatID}
		}
		return fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, r.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w, %s", tgbot.ErrorUnauthorized, r.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%w, %s", tgbot.ErrorNotFound, r.Description)
	case http.StatusConflict:
		return fmt.Errorf("%w, %s", tgbot.ErrorConflict, r.Description)
	case http.StatusTooManyRequests:
		return &tgbot.TooManyRequestsError{Message: fmt.Sprintf("%s, %s", tgbot.ErrorTooManyRequests, r.Description),
			RetryAfter: r.Parameters.RetryAfter}
	default:
		return fmt.Errorf("error response from telegram for method %s, %d %s", method, r.ErrorCode, r.Description)
	}
}

// answerCallbackQuery answers a press.
func (a *textAPI) answerCallbackQuery(ctx context.Context, p *tgbot.AnswerCallbackQueryParams) error {
	return a.call(ctx, "answerCallbackQuery", p, nil)
}

// sendMessage sends a text and returns its message id.
func (a *textAPI) sendMessage(ctx context.Context, p *tgbot.SendMessageParams) (int64, error) {
	var m sentMessage
	err := a.call(ctx, "sendMessage", p, &m)
	return m.ID, err
}

// editMessageText edits a message's text and buttons.
func (a *textAPI) editMessageText(ctx context.Context, p *tgbot.EditMessageTextParams) error {
	return a.call(ctx, "editMessageText", p, nil)
}

// editMessageReplyMarkup edits a message's buttons.
func (a *textAPI) editMessageReplyMarkup(ctx context.Context, p *tgbot.EditMessageReplyMarkupParams) error {
	return a.call(ctx, "editMessageReplyMarkup", p, nil)
}
