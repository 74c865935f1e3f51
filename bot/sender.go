package bot

import (
	"bytes"
	"context"
	"fmt"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/bangban/bangban/conversations"
)

// Sender is the one place that puts bangban's messages on Telegram: replies to a user's own
// action and notifications from the job queue alike. Keeping it single is what lets the rate
// limits be kept across the whole bot.
type Sender struct {
	tg *tgbot.Bot
}

// Send renders one output: an answer to a button press, an edit of an earlier message, or a
// new message. An output may both answer a press and send text.
func (s *Sender) Send(ctx context.Context, out conversations.Output) error {
	if out.CallbackID != "" {
		if _, err := s.tg.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{
			CallbackQueryID: out.CallbackID, Text: out.Notice,
		}); err != nil {
			return fmt.Errorf("answer button press: %w", err)
		}
	}
	if len(out.Menu) > 0 {
		cmds := make([]models.BotCommand, len(out.Menu))
		for i, c := range out.Menu {
			cmds[i] = models.BotCommand{Command: c.Command, Description: c.Description}
		}
		if _, err := s.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds,
			Scope: &models.BotCommandScopeChat{ChatID: out.ChatID}}); err != nil {
			return fmt.Errorf("set the command menu of chat %d: %w", out.ChatID, err)
		}
	}
	if out.Text == "" {
		if out.ClearButtons && out.EditMessageID != 0 {
			if _, err := s.tg.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: out.ChatID,
				MessageID: int(out.EditMessageID), ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}}); err != nil {
				return fmt.Errorf("clear buttons of message %d in chat %d: %w", out.EditMessageID, out.ChatID, err)
			}
		}
		return nil
	}
	markup := keyboard(out.Buttons)
	if out.Photo != nil {
		p := &tgbot.SendPhotoParams{ChatID: out.ChatID, Caption: out.Text,
			Photo: &models.InputFileUpload{Filename: "poster.png", Data: bytes.NewReader(out.Photo)}}
		if markup != nil {
			p.ReplyMarkup = markup
		}
		if _, err := s.tg.SendPhoto(ctx, p); err != nil {
			return fmt.Errorf("send photo to chat %d: %w", out.ChatID, err)
		}
		return nil
	}
	if out.EditMessageID != 0 {
		p := &tgbot.EditMessageTextParams{ChatID: out.ChatID, MessageID: int(out.EditMessageID), Text: out.Text}
		if markup != nil {
			p.ReplyMarkup = markup
		}
		if _, err := s.tg.EditMessageText(ctx, p); err != nil {
			return fmt.Errorf("edit message %d in chat %d: %w", out.EditMessageID, out.ChatID, err)
		}
		return nil
	}
	p := &tgbot.SendMessageParams{ChatID: out.ChatID, Text: out.Text}
	if markup != nil {
		p.ReplyMarkup = markup
	}
	if _, err := s.tg.SendMessage(ctx, p); err != nil {
		return fmt.Errorf("send message to chat %d: %w", out.ChatID, err)
	}
	return nil
}

func keyboard(rows [][]conversations.Button) *models.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, len(rows))}
	for i, row := range rows {
		for _, b := range row {
			kb.InlineKeyboard[i] = append(kb.InlineKeyboard[i], models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data})
		}
	}
	return kb
}
