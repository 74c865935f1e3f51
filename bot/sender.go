package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/bangban/bangban/conversations/dialog"
)

// Sender is the one place that puts bangban's messages on Telegram: replies to a user's own
// action and notifications from the job queue alike. Keeping it single is what lets the rate
// limits be kept across the whole bot.
type Sender struct {
	tg *tgbot.Bot
	// api takes the calls that carry no file, with a JSON body.
	api *textAPI
	lim *limiter
	log *slog.Logger
	// copies, when set, holds the city's copy of every file: one Telegram no longer knows by
	// its id (the bot's token changed) is uploaded from it instead.
	copies fileCopies
	// elsewhere sends what the workers have for people bound on another platform.
	elsewhere Elsewhere
}

// errNoTelegram refuses, for good, what is for a Telegram chat when the bot runs without
// Telegram (a person bound there before WeCom ran alone).
var errNoTelegram = errors.New("no telegram: the bot runs without a token")

// Elsewhere is another platform the job workers send to: notifications, reminders and
// bulletins for a chat it owns (a person who was bound there last) go through its Deliver
// rather than to Telegram. Its own limits apply there; it has no command menus.
type Elsewhere struct {
	Owns    func(chat int64) bool
	Deliver dialog.Deliver
	// Keeps tells whether a file id is one the other platform keeps; Fetch downloads such
	// a file, at most maxBytes of it (more tells it is too large), for the archive.
	Keeps func(fileID string) bool
	Fetch func(ctx context.Context, fileID string, maxBytes int64) ([]byte, error)
	// Answering tells whether a chat it owns is being answered now (its engine's
	// dialog.Engine.Answering): a notice, or an edit of a notice, caused by what the person
	// just did waits for the answer to it. Nil: the bot's own engine is asked.
	Answering func(ctx context.Context, chat int64) (bool, error)
}

// answering is the check of whether a chat's person is being answered, asked of the engine
// of the chat's platform: the Telegram engine knows nothing of a WeCom chat's answer.
func (e Elsewhere) answering(own func(ctx context.Context, chat int64) (bool, error)) func(ctx context.Context, chat int64) (bool, error) {
	if e.Owns == nil || e.Answering == nil {
		return own
	}
	return func(ctx context.Context, chat int64) (bool, error) {
		if e.Owns(chat) {
			return e.Answering(ctx, chat)
		}
		return own(ctx, chat)
	}
}

// replyPatience is how long a reply to a person's own action waits for its turn; replyTries
// is how often a reply is tried when Telegram asks to wait (429) or fails on its side (5xx, no
// answer), with replyBackoff before the second try and doubling after.
const (
	replyPatience = 20 * time.Second
	replyTries    = 3
	replyBackoff  = 500 * time.Millisecond
)

// Send renders one output in answer to a person's own action: an answer to a button press, an
// edit of an earlier message, or a new message. It goes ahead of notifications and waits its
// turn under the send limits. A 429 is waited out and a failure on Telegram's side tried
// again, a few times. A press that can no longer be answered (Telegram allows some seconds)
// does not stop the message that follows it. It returns the id of the message sent or edited,
// 0 when the output was no message.
func (s *Sender) Send(ctx context.Context, out dialog.Output) (int64, error) {
	if out.CallbackID != "" {
		err := s.retry(ctx, func() error {
			return s.api.answerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: out.CallbackID, Text: out.Notice})
		})
		if err != nil {
			s.log.WarnContext(ctx, "button press not answered", "chat", out.ChatID, "error", err)
		}
		out.CallbackID = ""
	}
	var id int64
	err := s.retry(ctx, func() error {
		var err error
		id, err = s.send(ctx, out, false)
		return err
	})
	return id, err
}

// retry runs fn until it succeeds, fails for good, or has been tried replyTries times.
func (s *Sender) retry(ctx context.Context, fn func() error) error {
	wait := replyBackoff
	for try := 1; ; try++ {
		err := fn()
		if err == nil || refusedForGood(err) || try == replyTries || ctx.Err() != nil {
			return err
		}
		var tooMany *tgbot.TooManyRequestsError
		pause := wait
		if errors.As(err, &tooMany) {
			pause = time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		} else {
			wait *= 2
		}
		if err := sleep(ctx, pause); err != nil {
			return err
		}
	}
}

// refusedForGood tells Telegram's refusals that no retry will change: a malformed or
// outdated request (400: the message to edit is gone, or not modified), a person who blocked
// the bot (403), a chat that does not exist (404).
func refusedForGood(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) || errors.Is(err, tgbot.ErrorForbidden) || errors.Is(err, tgbot.ErrorNotFound)
}

// Notify sends a notification or a reminder, or edits an earlier message (out.EditMessageID):
// within the share of the limits left for them, and returning a *laterError when the chat's
// turn is too far off to wait for. It returns the id of the message sent or edited.
func (s *Sender) Notify(ctx context.Context, out dialog.Output) (int64, error) {
	if s.elsewhere.Owns != nil && s.elsewhere.Owns(out.ChatID) {
		if out.Text == "" && out.Photo == nil && len(out.Media) == 0 {
			return 0, nil // a command menu: the other platform has none
		}
		ids, err := s.elsewhere.Deliver(ctx, []dialog.Output{out})
		if err != nil || len(ids) == 0 {
			return 0, err
		}
		return ids[0], nil
	}
	return s.send(ctx, out, true)
}

// laterError says a notification should go later: its chat may not take another message yet.
type laterError struct{ wait time.Duration }

func (e *laterError) Error() string { return fmt.Sprintf("chat busy for %s", e.wait) }

// notifyPatience is how long a notification waits for its chat's turn before it is put off.
const notifyPatience = 2 * time.Second

// take waits for a message's place under the limits; inPlace: it edits the message whose
// button was just pressed.
func (s *Sender) take(ctx context.Context, chat int64, bulk, inPlace bool) error {
	if s.lim == nil {
		return nil
	}
	if !bulk {
		if ok, err := s.lim.usePlaced(ctx, chat, inPlace); ok {
			return err
		}
	}
	patience := replyPatience
	if bulk {
		patience = notifyPatience
	}
	wait, err := s.lim.reserve(ctx, chat, bulk, inPlace, patience)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		// Redis is down: the message goes unmetered rather than not at all (a "try again"
		// must reach the person); a 429 from Telegram still slows the notifications.
		s.log.WarnContext(ctx, "send limits unavailable", "chat", chat, "error", err)
		return nil
	}
	if wait > 0 {
		return &laterError{wait: wait}
	}
	return nil
}

// firstPlace is whether sending out takes a place under the limits, and whether it counts as
// the edit in place of a pressed message (only in its chat's limit): as send takes it.
func firstPlace(out dialog.Output) (limited, inPlace bool) {
	switch {
	case len(out.Media) > 0 || out.Location != nil:
		return true, false
	case out.Text == "" && out.Document == nil:
		return out.ClearButtons && out.EditMessageID != 0, out.Pressed
	}
	return true, out.Pressed && out.EditMessageID != 0 && out.Photo == nil && out.Document == nil
}

// send renders out and returns the id of the message it sent or edited (0 when none).
func (s *Sender) send(ctx context.Context, out dialog.Output, bulk bool) (int64, error) {
	if s.tg == nil {
		return 0, errNoTelegram
	}
	if out.CallbackID != "" {
		if err := s.api.answerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{
			CallbackQueryID: out.CallbackID, Text: out.Notice,
		}); err != nil {
			return 0, fmt.Errorf("answer button press: %w", err)
		}
	}
	if len(out.Menu) > 0 {
		cmds := make([]models.BotCommand, len(out.Menu))
		for i, c := range out.Menu {
			cmds[i] = models.BotCommand{Command: c.Command, Description: c.Description}
		}
		if _, err := s.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds,
			Scope: &models.BotCommandScopeChat{ChatID: out.ChatID}}); err != nil {
			return 0, fmt.Errorf("set the command menu of chat %d: %w", out.ChatID, err)
		}
	}
	if len(out.Media) > 0 || out.Location != nil {
		if err := s.take(ctx, out.ChatID, bulk, false); err != nil {
			return 0, err
		}
		id, err := s.sendFiles(ctx, out, nil)
		if !unknownFileID(err) || s.copies == nil || len(out.Media) == 0 {
			return id, err
		}
		// Telegram no longer knows a file by its id: sent again from the city's copies.
		up, rerr := s.uploads(ctx, out.Media)
		if rerr != nil {
			s.log.WarnContext(ctx, "a file Telegram no longer knows has no copy to upload", "chat", out.ChatID, "error", rerr)
			return id, err
		}
		if err := s.take(ctx, out.ChatID, bulk, false); err != nil {
			return 0, err
		}
		return s.sendFiles(ctx, out, up)
	}
	if out.Text == "" && out.Document == nil {
		if limited, inPlace := firstPlace(out); limited {
			if err := s.take(ctx, out.ChatID, bulk, inPlace); err != nil {
				return 0, err
			}
			if err := s.api.editMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: out.ChatID,
				MessageID: int(out.EditMessageID), ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}}); err != nil {
				return 0, fmt.Errorf("clear buttons of message %d in chat %d: %w", out.EditMessageID, out.ChatID, err)
			}
			return out.EditMessageID, nil
		}
		return 0, nil
	}
	markup := keyboard(out.Buttons)
	_, inPlace := firstPlace(out)
	if err := s.take(ctx, out.ChatID, bulk, inPlace); err != nil {
		return 0, err
	}
	if out.Photo != nil {
		p := &tgbot.SendPhotoParams{ChatID: out.ChatID, Caption: out.Text,
			Photo: &models.InputFileUpload{Filename: "poster.png", Data: bytes.NewReader(out.Photo)}}
		if markup != nil {
			p.ReplyMarkup = markup
		}
		m, err := s.tg.SendPhoto(ctx, p)
		if err != nil {
			return 0, fmt.Errorf("send photo to chat %d: %w", out.ChatID, err)
		}
		return int64(m.ID), nil
	}
	if out.Document != nil {
		// A file made here (a workbook) is uploaded under its own name.
		p := &tgbot.SendDocumentParams{ChatID: out.ChatID, Caption: out.Text,
			Document: &models.InputFileUpload{Filename: out.Document.Name, Data: bytes.NewReader(out.Document.Data)}}
		if markup != nil {
			p.ReplyMarkup = markup
		}
		m, err := s.tg.SendDocument(ctx, p)
		if err != nil {
			return 0, fmt.Errorf("send document %q to chat %d: %w", out.Document.Name, out.ChatID, err)
		}
		return int64(m.ID), nil
	}
	if out.EditMessageID != 0 {
		p := &tgbot.EditMessageTextParams{ChatID: out.ChatID, MessageID: int(out.EditMessageID), Text: out.Text}
		if markup != nil {
			p.ReplyMarkup = markup
		}
		if err := s.api.editMessageText(ctx, p); err != nil {
			return 0, fmt.Errorf("edit message %d in chat %d: %w", out.EditMessageID, out.ChatID, err)
		}
		return out.EditMessageID, nil
	}
	p := &tgbot.SendMessageParams{ChatID: out.ChatID, Text: out.Text}
	if markup != nil {
		p.ReplyMarkup = markup
	}
	id, err := s.api.sendMessage(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("send message to chat %d: %w", out.ChatID, err)
	}
	return id, nil
}

// sendFiles sends what the platform keeps already, by file id: an album of photos (one
// request, which the limits count as one message), a single photo or document with its
// caption and buttons, or a pin on the map. With up, the files it holds are uploaded from
// the city's copies instead, and the ids Telegram gives them recorded. It returns the id of
// the first message.
func (s *Sender) sendFiles(ctx context.Context, out dialog.Output, up map[string]upload) (int64, error) {
	markup := keyboard(out.Buttons)
	input := func(f dialog.Media) models.InputFile {
		if u, ok := up[f.FileID]; ok {
			return &models.InputFileUpload{Filename: u.name, Data: bytes.NewReader(u.data)}
		}
		return &models.InputFileString{Data: f.FileID}
	}
	switch {
	case out.Location != nil:
		p := &tgbot.SendLocationParams{ChatID: out.ChatID, Latitude: out.Location.Latitude, Longitude: out.Location.Longitude}
		if markup != nil {
			p.ReplyMarkup = markup
		}
		m, err := s.tg.SendLocation(ctx, p)
		if err != nil {
			return 0, fmt.Errorf("send a location to chat %d: %w", out.ChatID, err)
		}
		return int64(m.ID), nil
	case len(out.Media) == 1 && out.Media[0].Photo:
		p := &tgbot.SendPhotoParams{ChatID: out.ChatID, Caption: out.Text, Photo: input(out.Media[0])}
		if markup != nil {
			p.ReplyMarkup = markup
		}
		m, err := s.tg.SendPhoto(ctx, p)
		if err != nil {
			return 0, fmt.Errorf("send photo %s to chat %d: %w", out.Media[0].FileID, out.ChatID, err)
		}
		s.renamed(ctx, up, out.Media[0].FileID, m)
		return int64(m.ID), nil
	case len(out.Media) == 1:
		p := &tgbot.SendDocumentParams{ChatID: out.ChatID, Caption: out.Text, Document: input(out.Media[0])}
		if markup != nil {
			p.ReplyMarkup = markup
		}
		m, err := s.tg.SendDocument(ctx, p)
		if err != nil {
			return 0, fmt.Errorf("send document %s to chat %d: %w", out.Media[0].FileID, out.ChatID, err)
		}
		s.renamed(ctx, up, out.Media[0].FileID, m)
		return int64(m.ID), nil
	}
	// An album carries no buttons: Telegram refuses a keyboard on one.
	media := make([]models.InputMedia, len(out.Media))
	for i, f := range out.Media {
		caption := ""
		if i == 0 {
			caption = out.Text
		}
		ref, attached := f.FileID, io.Reader(nil)
		if u, ok := up[f.FileID]; ok {
			ref, attached = "attach://file"+strconv.Itoa(i), bytes.NewReader(u.data)
		}
		if f.Photo {
			media[i] = &models.InputMediaPhoto{Media: ref, Caption: caption, MediaAttachment: attached}
		} else {
			media[i] = &models.InputMediaDocument{Media: ref, Caption: caption, MediaAttachment: attached}
		}
	}
	ms, err := s.tg.SendMediaGroup(ctx, &tgbot.SendMediaGroupParams{ChatID: out.ChatID, Media: media})
	if err != nil {
		return 0, fmt.Errorf("send an album of %d to chat %d: %w", len(media), out.ChatID, err)
	}
	for i, m := range ms {
		if i < len(out.Media) {
			s.renamed(ctx, up, out.Media[i].FileID, m)
		}
	}
	if len(ms) == 0 {
		return 0, nil
	}
	return int64(ms[0].ID), nil
}

// unknownFileID tells Telegram's refusal of a file id it does not know (one another token of
// the bot was given, or one it forgot).
func unknownFileID(err error) bool {
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "wrong file identifier") || strings.Contains(msg, "file_id") || strings.Contains(msg, "wrong remote file")
}

// upload is the city's copy of a file: its bytes, its name, and the attachment it belongs to.
type upload struct {
	data       []byte
	name       string
	attachment int64
}

// uploads are the copies of the files of media, by file id; an error when one has none (not
// kept yet, or not kept at all).
func (s *Sender) uploads(ctx context.Context, media []dialog.Media) (map[string]upload, error) {
	up := make(map[string]upload, len(media))
	for _, f := range media {
		data, name, attachment, err := s.copies.copyOf(ctx, f.FileID)
		if err != nil {
			return nil, fmt.Errorf("copy of file %s: %w", f.FileID, err)
		}
		up[f.FileID] = upload{data: data, name: name, attachment: attachment}
	}
	return up, nil
}

// renamed records the id Telegram gave a file uploaded from its copy, so that it is sent by
// id again. A failure costs only another upload next time.
func (s *Sender) renamed(ctx context.Context, up map[string]upload, old string, m *models.Message) {
	u, ok := up[old]
	if !ok || m == nil {
		return
	}
	var id, unique string
	switch {
	case len(m.Photo) > 0:
		id, unique = m.Photo[len(m.Photo)-1].FileID, m.Photo[len(m.Photo)-1].FileUniqueID
	case m.Document != nil:
		id, unique = m.Document.FileID, m.Document.FileUniqueID
	}
	if id == "" {
		return
	}
	if err := s.copies.renamed(ctx, u.attachment, id, unique); err != nil {
		s.log.WarnContext(ctx, "the new id of a file uploaded again is not kept", "attachment", u.attachment, "error", err)
	}
}

func keyboard(rows [][]dialog.Button) *models.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, len(rows))}
	for i, row := range rows {
		for _, b := range row {
			kb.InlineKeyboard[i] = append(kb.InlineKeyboard[i], models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
	}
	return kb
}
