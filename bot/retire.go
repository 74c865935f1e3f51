package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/riverqueue/river"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
	"github.com/bangban/bangban/store"
)

// retireWorker keeps the messages that carry a case's buttons true to the case: when it
// moves on, each such message loses the buttons that no longer apply to its person and says,
// in a line under its text, what happened. The edits are bulk work, under the limits left for
// notifications, so they never delay an answer.
type retireWorker struct {
	river.WorkerDefaults[store.RetireButtons]
	sender *Sender
	st     *store.Store
	tr     *dialog.Translator
	log    *slog.Logger
	// answering tells whether a chat's person is being answered: an edit caused by what they
	// just did comes after the answer to it.
	answering func(ctx context.Context, chat int64) (bool, error)
}

func (w *retireWorker) Work(ctx context.Context, job *river.Job[store.RetireButtons]) error {
	ms, err := w.st.CaseMessages(ctx, job.Args.CaseID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := w.retire(ctx, m); err != nil {
			return deliveryOutcome(err)
		}
	}
	return nil
}

// retire brings one message in line with its case.
func (w *retireWorker) retire(ctx context.Context, m store.CaseMessage) error {
	lang := m.Lang
	if !dialog.IsLanguage(lang) {
		lang = w.tr.Match("")
	}
	live, line := map[string]bool{}, ""
	if m.PersonID != nil {
		var err error
		if live, line, err = conversations.ButtonsNow(ctx, w.st, w.tr, *m.PersonID, m.TicketNo, lang); err != nil {
			return err
		}
	}
	var kept [][]store.MessageButton
	retired := false
	for _, row := range m.Buttons {
		var r []store.MessageButton
		for _, b := range row {
			if live[b.Data] {
				r = append(r, b)
			} else {
				retired = true
			}
		}
		if len(r) > 0 {
			kept = append(kept, r)
		}
	}
	if !retired {
		return nil
	}
	text := m.Text
	if line != "" {
		text = dialog.Clip(text, dialog.MaxText-intake.Len(line)-2) + "\n\n" + line
	}
	out := dialog.Output{ChatID: m.ChatID, EditMessageID: m.MessageID, Text: text}
	for _, row := range kept {
		var r []dialog.Button
		for _, b := range row {
			r = append(r, dialog.Button{Text: b.Text, Data: b.Data})
		}
		out.Buttons = append(out.Buttons, r)
	}
	if err := w.awaitAnswer(ctx, m.ChatID); err != nil {
		return err
	}
	_, err := w.sender.Notify(ctx, out)
	if err != nil && !editDone(err) {
		if !refusedForGood(err) {
			return err
		}
		// Refused for good (the person blocked the bot, say): nothing more can be done with
		// this message, and the case's other messages are still seen to.
		w.log.WarnContext(ctx, "a message's buttons cannot be retired", "chat", m.ChatID, "error", err)
		return w.st.UpdateCaseMessage(ctx, m.ID, m.Text, nil)
	}
	// The message keeps its text as first sent: a later change replaces the line.
	return w.st.UpdateCaseMessage(ctx, m.ID, m.Text, kept)
}

// awaitAnswer returns once the chat's person is not being answered, or a snooze when that
// takes longer than orderHold. Without Redis the answer cannot be seen, and the edit goes.
func (w *retireWorker) awaitAnswer(ctx context.Context, chat int64) error {
	if w.answering == nil {
		return nil
	}
	return pollTurn(ctx, func() (bool, error) {
		busy, err := w.answering(ctx, chat)
		return err == nil && busy, nil
	})
}

// editDone tells the refusals of an edit that mean there is nothing left to do: the message
// shows this already, is gone, or is too old to edit.
func editDone(err error) bool {
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		return false
	}
	for _, s := range []string{"message is not modified", "message to edit not found", "message can't be edited"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// messageButtons is buttons as a case message keeps them.
func messageButtons(rows [][]dialog.Button) [][]store.MessageButton {
	out := make([][]store.MessageButton, len(rows))
	for i, row := range rows {
		for _, b := range row {
			out[i] = append(out[i], store.MessageButton{Text: b.Text, Data: b.Data})
		}
	}
	return out
}

// remember keeps what a reply showed of a case's buttons, so that they retire when the case
// moves on, or forgets a message a press turned into something else. A failure costs only a
// later edit of the buttons, not the reply.
func (b *Bot) remember(ctx context.Context, out dialog.Output, id int64) {
	var err error
	switch {
	case out.Case != "" && id != 0:
		err = b.opts.Store.RecordCaseMessageByTicket(ctx, store.CaseMessage{TicketNo: out.Case, ChatID: out.ChatID, MessageID: id,
			Lang: out.Lang, Text: out.Text, Buttons: messageButtons(out.Buttons), SentAt: time.Now()})
	case out.Forget && out.EditMessageID != 0:
		err = b.opts.Store.ForgetCaseMessage(ctx, out.ChatID, out.EditMessageID)
	}
	if err != nil {
		b.log.WarnContext(ctx, "a reply's case buttons will not be retired", "chat", out.ChatID, "error", err)
	}
}
