package bot

import (
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/bangban/bangban/conversations/dialog"
)

// anonymousAdminID is @GroupAnonymousBot, the sender Telegram shows for what a group's admin
// posts anonymously: any admin of any group, never one known person.
const anonymousAdminID = 1087968824

// input turns a Telegram update into the engine's platform-neutral input. ok is false for
// updates the bot has nothing to do with (channel posts, edits, membership changes…), for
// what no one person sent in their own name (see onePerson), and for commands addressed to
// another bot.
func input(upd *models.Update, botUsername string) (in dialog.Input, ok bool) {
	in.UpdateID = upd.ID
	switch {
	case upd.Message != nil:
		m := upd.Message
		if m.SenderChat != nil || !onePerson(m.From) {
			return in, false
		}
		in.ChatID, in.Group = m.Chat.ID, m.Chat.Type != models.ChatTypePrivate
		in.UserID, in.FirstName, in.LangCode = m.From.ID, m.From.FirstName, m.From.LanguageCode
		return in, messageInput(&in, m, botUsername)
	case upd.CallbackQuery != nil:
		q := upd.CallbackQuery
		if !onePerson(&q.From) {
			return in, false
		}
		in.Kind = dialog.KindButton
		in.UserID, in.FirstName, in.LangCode = q.From.ID, q.From.FirstName, q.From.LanguageCode
		in.CallbackID, in.Data = q.ID, q.Data
		if m := q.Message.Message; m != nil {
			in.ChatID, in.MessageID, in.Group = m.Chat.ID, int64(m.ID), m.Chat.Type != models.ChatTypePrivate
		} else if m := q.Message.InaccessibleMessage; m != nil {
			in.ChatID, in.MessageID, in.Group = m.Chat.ID, int64(m.MessageID), m.Chat.Type != models.ChatTypePrivate
		} else {
			in.ChatID = q.From.ID
		}
		return in, true
	}
	return in, false
}

// onePerson tells whether an account is one person who can be bound to a role and act on
// cases. Not so: a message without a sender; a bot; the anonymous admin of a group. A message
// sent on behalf of a chat (a channel, or a group's anonymous admin: sender_chat) is not
// either, whatever its from says.
func onePerson(u *models.User) bool {
	return u != nil && u.ID > 0 && !u.IsBot && u.ID != anonymousAdminID
}

// messageInput fills in what a message carries. It returns false for a command addressed to
// another bot ("/help@otherbot" in a group), which is not for us, nor an answer to anything.
func messageInput(in *dialog.Input, m *models.Message, botUsername string) bool {
	switch {
	case len(m.Photo) > 0:
		in.Kind, in.Text = dialog.KindPhoto, m.Caption
		// Telegram sends several sizes; the last is the largest.
		p := m.Photo[len(m.Photo)-1]
		in.Files = []dialog.File{{ID: p.FileID, UniqueID: p.FileUniqueID, Size: int64(p.FileSize), Photo: true}}
	case m.Document != nil:
		d := m.Document
		in.Kind, in.Text = dialog.KindDocument, m.Caption
		in.Files = []dialog.File{{ID: d.FileID, UniqueID: d.FileUniqueID, Name: d.FileName, MimeType: d.MimeType, Size: d.FileSize}}
	case m.Venue != nil:
		// A named place: its point, and what it is called.
		in.Kind = dialog.KindLocation
		v := m.Venue
		name := v.Title
		if v.Address != "" && v.Address != v.Title {
			name = strings.TrimSpace(v.Title + " " + v.Address)
		}
		in.Location = &dialog.Location{Latitude: v.Location.Latitude, Longitude: v.Location.Longitude, Name: name}
	case m.Location != nil:
		in.Kind = dialog.KindLocation
		in.Location = &dialog.Location{Latitude: m.Location.Latitude, Longitude: m.Location.Longitude}
	case m.Contact != nil:
		in.Kind, in.Phone = dialog.KindContact, m.Contact.PhoneNumber
	case isCommand(m):
		in.Kind, in.Text = dialog.KindCommand, m.Text
		word, args, _ := strings.Cut(m.Text, " ")
		cmd, target, addressed := strings.Cut(strings.TrimPrefix(word, "/"), "@")
		if addressed && !strings.EqualFold(target, botUsername) {
			return false
		}
		in.Command, in.Args = strings.ToLower(cmd), strings.TrimSpace(args)
	case m.Text != "":
		in.Kind, in.Text = dialog.KindText, m.Text
	default:
		in.Kind = dialog.KindOther
	}
	return true
}

func isCommand(m *models.Message) bool {
	for _, e := range m.Entities {
		if e.Type == models.MessageEntityTypeBotCommand && e.Offset == 0 {
			return true
		}
	}
	return false
}
