package wecom

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
)

func parseEnvelope(b []byte) (envelope, error) {
	var env envelope
	if err := xml.Unmarshal(b, &env); err != nil {
		return env, fmt.Errorf("wecom: not an encrypted callback: %w", err)
	}
	if env.Encrypt == "" {
		return env, errors.New("wecom: not an encrypted callback: no Encrypt")
	}
	return env, nil
}

// WeCom's limits on what an app sends.
const (
	// MaxTextBytes is the most a text message holds (消息内容，最长不超过2048个字节).
	MaxTextBytes = 2048
	// cardButtons is the most buttons a button-interaction card holds, and cardButtonRunes
	// the longest button text it shows whole.
	cardButtons     = 6
	cardButtonRunes = 10
	// cardTextRunes is the longest sub_title_text a card shows.
	cardTextRunes = 112
)

// messageFor is how long what the app knows of a message it sent is kept: as long as WeCom
// lets a card be updated (72 hours).
const messageFor = 72 * time.Hour

// sent is what the app keeps of a message it sent: its choices, and for a card, once it is
// pressed, the code that updates it and the choice pressed.
type sent struct {
	Buttons []dialog.Button `json:"b,omitempty"`
}

func (a *App) messageKey(id int64) string { return a.keys + "m:" + strconv.FormatInt(id, 10) }
func (a *App) listKey(chat int64) string  { return a.keys + "list:" + strconv.FormatInt(chat, 10) }

// pressed completes a choice: a card's press keeps the code that updates the card; a number
// typed while a numbered list is the chat's latest choice becomes that choice.
func (a *App) pressed(ctx context.Context, in *dialog.Input) error {
	switch {
	case in.Kind == dialog.KindButton && in.CallbackID != "":
		if err := a.opts.Redis.HSet(ctx, a.messageKey(in.MessageID), "rc", in.CallbackID, "pk", in.Data).Err(); err != nil {
			return err
		}
	case in.Kind == dialog.KindText:
		n, err := strconv.Atoi(strings.TrimSpace(in.Text))
		if err != nil || n < 1 {
			return nil
		}
		id, err := a.opts.Redis.Get(ctx, a.listKey(in.ChatID)).Int64()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		var m sent
		raw, err := a.opts.Redis.HGet(ctx, a.messageKey(id), "s").Result()
		if errors.Is(err, redis.Nil) || (err == nil && (json.Unmarshal([]byte(raw), &m) != nil || n > len(m.Buttons))) {
			return nil // the list is gone, or has no such number: the number is text
		}
		if err != nil {
			return err
		}
		in.Kind, in.Data, in.MessageID, in.Text = dialog.KindButton, m.Buttons[n-1].Data, id, ""
		in.CallbackID = "n" + strconv.FormatInt(in.UpdateID, 10)
	default:
		return nil
	}
	// The engine answers a press apart from its chat (Telegram's answer to a callback query):
	// the press remembers its chat, for a notice to find it.
	return a.opts.Redis.Set(ctx, a.pressKey(in.CallbackID), in.ChatID, time.Hour).Err()
}

func (a *App) pressKey(callbackID string) string { return a.keys + "press:" + callbackID }

// chatOfPress is the chat of a press the engine answers; 0 when it is forgotten.
func (a *App) chatOfPress(ctx context.Context, callbackID string) (int64, error) {
	chat, err := a.opts.Redis.Get(ctx, a.pressKey(callbackID)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return chat, err
}

// Deliver sends outputs of the engine as app messages, in order, and returns the numbers the
// app gave them. An output WeCom refuses for good (the member left the app) is skipped.
func (a *App) Deliver(ctx context.Context, outs []dialog.Output) ([]int64, error) {
	ids := make([]int64, 0, len(outs))
	for _, out := range outs {
		if out.ChatID == 0 && out.CallbackID != "" {
			// The answer to a press: WeCom shows none, but a notice is told in the chat.
			chat, err := a.chatOfPress(ctx, out.CallbackID)
			if err != nil {
				return ids, fmt.Errorf("chat of a press: %w", err)
			}
			if out.Notice == "" || chat == 0 {
				ids = append(ids, 0)
				continue
			}
			out.ChatID = chat
		}
		userid, err := a.userOf(ctx, out.ChatID)
		if err != nil {
			return ids, err
		}
		id, err := a.render(ctx, userid, out)
		if err != nil {
			if refusedForGood(err) {
				a.log.Warn("reply refused by wecom, skipped", "chat", out.ChatID, "error", err)
				ids = append(ids, 0)
				continue
			}
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Notify sends what the job workers have for WeCom members (bot.Elsewhere's Deliver):
// notifications, reminders and reports as Deliver sends them, and the edits that retire a
// notice's buttons when its case moves on, which only touch the notice's card.
func (a *App) Notify(ctx context.Context, outs []dialog.Output) ([]int64, error) {
	ids := make([]int64, 0, len(outs))
	for _, out := range outs {
		if out.EditMessageID == 0 {
			got, err := a.Deliver(ctx, []dialog.Output{out})
			ids = append(ids, got...)
			if err != nil {
				return ids, err
			}
			continue
		}
		userid, err := a.userOf(ctx, out.ChatID)
		if err != nil {
			return ids, err
		}
		id, err := a.retire(ctx, userid, out)
		if err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// render sends one output. Telegram's edit of a pressed prompt becomes here a new message
// with what follows (the card was updated to the choice made when it was pressed); taking a
// prompt's buttons off (ClearButtons) is nothing more.
func (a *App) render(ctx context.Context, userid string, out dialog.Output) (int64, error) {
	text := out.Text
	if text == "" && out.Notice != "" {
		text = out.Notice // WeCom shows no notice on a press: it is told as a message
	}
	if out.Location != nil {
		text = strings.TrimSpace(fmt.Sprintf("%s\n%.6f, %.6f", out.Location.Name, out.Location.Latitude, out.Location.Longitude))
	}
	if out.Photo != nil {
		mediaID, err := a.api.upload(ctx, "picture.png", out.Photo, true)
		if err != nil {
			return 0, err
		}
		if err := a.api.sendMedia(ctx, userid, mediaID, true); err != nil {
			return 0, err
		}
	}
	for _, m := range out.Media {
		// A file another platform keeps (Telegram's file id) is not WeCom's to send; one
		// WeCom no longer keeps (after three days) is skipped.
		mediaID, ours := strings.CutPrefix(m.FileID, FilePrefix)
		if !ours {
			continue
		}
		if err := a.api.sendMedia(ctx, userid, mediaID, m.Photo); err != nil && !isBadMedia(err) {
			return 0, err
		}
	}
	var buttons []dialog.Button
	for _, row := range out.Buttons {
		for _, b := range row {
			if b.URL == "" && b.Data != "" {
				buttons = append(buttons, b)
			}
		}
	}
	if text == "" && len(buttons) == 0 {
		return 0, nil
	}
	id, err := a.opts.Redis.Incr(ctx, a.keys+"msgs").Result()
	if err != nil {
		return 0, fmt.Errorf("number wecom message: %w", err)
	}
	// What the message offers is kept before it is sent: a member may press or answer it as
	// soon as it shows.
	card := len(buttons) > 0 && fitsCard(buttons)
	if err := a.keep(ctx, out.ChatID, id, buttons, card); err != nil {
		return 0, err
	}
	lang := a.tr.Match(out.Lang)
	switch {
	case len(buttons) == 0:
		err = a.sendLong(ctx, userid, text)
	case card:
		err = a.sendCard(ctx, userid, id, text, buttons, lang)
	default:
		var list strings.Builder
		list.WriteString(text)
		list.WriteString("\n")
		for i, b := range buttons {
			fmt.Fprintf(&list, "\n%d. %s", i+1, b.Text)
		}
		list.WriteString("\n\n" + a.tr.T(lang, MsgReplyNumber, nil))
		err = a.sendLong(ctx, userid, list.String())
	}
	if err != nil {
		return 0, err
	}
	return id, nil
}

// keep remembers a message's choices, and whether it is the chat's numbered list now: any
// other message the chat is sent ends the list, so that a number typed later is text.
func (a *App) keep(ctx context.Context, chat, id int64, buttons []dialog.Button, card bool) error {
	pipe := a.opts.Redis.TxPipeline()
	if len(buttons) > 0 {
		raw, _ := json.Marshal(sent{Buttons: buttons})
		pipe.HSet(ctx, a.messageKey(id), "s", raw)
		pipe.Expire(ctx, a.messageKey(id), messageFor)
	}
	if len(buttons) > 0 && !card {
		pipe.Set(ctx, a.listKey(chat), id, messageFor)
	} else {
		pipe.Del(ctx, a.listKey(chat))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("keep wecom message %d: %w", id, err)
	}
	return nil
}

func fitsCard(buttons []dialog.Button) bool {
	if len(buttons) > cardButtons {
		return false
	}
	for _, b := range buttons {
		if utf8.RuneCountInString(b.Text) > cardButtonRunes || len(b.Data) > 1024 {
			return false
		}
	}
	return true
}

// sendCard sends choices as a card; a text too long for the card goes before it.
func (a *App) sendCard(ctx context.Context, userid string, id int64, text string, buttons []dialog.Button, lang string) error {
	if utf8.RuneCountInString(text) > cardTextRunes {
		if err := a.sendLong(ctx, userid, text); err != nil {
			return err
		}
		text = a.tr.T(lang, MsgChoose, nil)
	}
	c := card{CardType: "button_interaction", SubTitleText: text, TaskID: taskPrefix + strconv.FormatInt(id, 10)}
	for _, b := range buttons {
		c.ButtonList = append(c.ButtonList, cardButton{Text: b.Text, Key: b.Data})
	}
	code, err := a.api.sendCard(ctx, userid, c)
	if err != nil || code == "" {
		return err
	}
	// Kept to retire the card when its case moves on; a failure leaves it as it is.
	if err := a.opts.Redis.HSet(ctx, a.messageKey(id), "sc", code).Err(); err != nil {
		a.log.Warn("wecom card will not be retired", "message", id, "error", err)
	}
	return nil
}

// retire takes a card's buttons away once its case has moved on (the retire worker's edit of
// a notice): with the code its sending gave, good for one update, the card shows one button
// that cannot be pressed, reading what became of it. A card pressed already shows the choice
// made; a card that keeps some of its buttons stays as it is (a press is checked anyway), as
// does a numbered list, which cannot be changed.
func (a *App) retire(ctx context.Context, userid string, out dialog.Output) (int64, error) {
	id := out.EditMessageID
	for _, row := range out.Buttons {
		if len(row) > 0 {
			return id, nil
		}
	}
	vals, err := a.opts.Redis.HMGet(ctx, a.messageKey(id), "sc", "pk").Result()
	if err != nil {
		return 0, fmt.Errorf("wecom card %d: %w", id, err)
	}
	code, _ := vals[0].(string)
	if pk, _ := vals[1].(string); code == "" || pk != "" {
		return id, nil
	}
	err = a.api.updateCard(ctx, userid, code, a.tr.T(a.tr.Match(out.Lang), MsgRetired, nil))
	var ae *APIError
	if errors.As(err, &ae) {
		// Refused (the code was used by a press, or is too old): the card stays as it is.
		a.log.Warn("wecom card not retired", "message", id, "error", err)
	} else if err != nil {
		return 0, err
	}
	return id, a.opts.Redis.HDel(ctx, a.messageKey(id), "sc").Err()
}

// settleCard updates a pressed card to show the choice made, once: the code WeCom gave with
// the press is good for one update.
func (a *App) settleCard(ctx context.Context, userid string, id int64) error {
	vals, err := a.opts.Redis.HMGet(ctx, a.messageKey(id), "rc", "pk", "s").Result()
	if err != nil {
		return fmt.Errorf("wecom card %d: %w", id, err)
	}
	rc, _ := vals[0].(string)
	if rc == "" {
		return nil
	}
	pk, _ := vals[1].(string)
	raw, _ := vals[2].(string)
	var m sent
	_ = json.Unmarshal([]byte(raw), &m)
	chosen := pk
	for _, b := range m.Buttons {
		if b.Data == pk {
			chosen = b.Text
		}
	}
	err = a.api.updateCard(ctx, userid, rc, chosen)
	var ae *APIError
	if err != nil && !errors.As(err, &ae) {
		return err
	}
	if err != nil {
		// Refused (the code was used, or is too old): the card stays as it is.
		a.log.Warn("wecom card not updated", "message", id, "error", err)
	}
	return a.opts.Redis.HDel(ctx, a.messageKey(id), "rc").Err()
}

// sendLong sends text in as many messages as WeCom's byte limit needs, split at line ends
// where it can be.
func (a *App) sendLong(ctx context.Context, userid, text string) error {
	for _, part := range splitText(text, MaxTextBytes) {
		if err := a.api.sendText(ctx, userid, part); err != nil {
			return err
		}
	}
	return nil
}

// splitText cuts text into parts of at most limit bytes, at the last line end of each part
// when there is one, else at the last whole character.
func splitText(text string, limit int) []string {
	var parts []string
	for len(text) > limit {
		cut := strings.LastIndexByte(text[:limit+1], '\n')
		if cut <= 0 {
			cut = limit
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
		}
		parts = append(parts, text[:cut])
		text = strings.TrimPrefix(text[cut:], "\n")
	}
	return append(parts, text)
}

// isBadMedia tells whether WeCom refused a media id it does not know (40007).
func isBadMedia(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == 40007
}

// Keeps tells whether a file id is one WeCom keeps: a picture or file a member sent the app.
func (a *App) Keeps(fileID string) bool { return strings.HasPrefix(fileID, FilePrefix) }

// Fetch downloads a file a member sent the app (temporary media, kept by WeCom three days),
// at most maxBytes and one more, for the city's archive.
func (a *App) Fetch(ctx context.Context, fileID string, maxBytes int64) ([]byte, error) {
	mediaID, ok := strings.CutPrefix(fileID, FilePrefix)
	if !ok {
		return nil, fmt.Errorf("wecom: %q is not a WeCom file", fileID)
	}
	return a.api.media(ctx, mediaID, maxBytes)
}
