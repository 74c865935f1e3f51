package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// EditWindow is how long after it was sent Telegram lets a bot edit a message; a message
// older than that keeps its buttons (pressing them is still refused on the server).
const EditWindow = 48 * time.Hour

// CaseMessage is a message in a chat that carries buttons of a case: its text and buttons as
// they stand in the chat.
type CaseMessage struct {
	ID        int64
	CaseID    int64
	TicketNo  string // of the case: filled in when read, or naming it when recorded
	ChatID    int64
	MessageID int64
	PersonID  *int64 // who the chat is; nil when no one has bound it
	Lang      string
	Text      string
	Buttons   [][]MessageButton
	SentAt    time.Time
}

// MessageButton is a button as shown: its label and the callback data it sends.
type MessageButton struct {
	Text string `json:"text"`
	Data string `json:"data"`
}

// RecordCaseMessage remembers a message with buttons of case, sent to chat, so that its
// buttons can be retired when the case moves on. The chat's person is found by the chat.
// Recording the same message again (an edit that changed it) replaces what was kept.
func (s *Store) RecordCaseMessage(ctx context.Context, m CaseMessage) error {
	if m.CaseID == 0 {
		return fmt.Errorf("record case message of chat %d: no case: %w", m.ChatID, ErrInvalid)
	}
	return s.recordCaseMessage(ctx, m)
}

// RecordCaseMessageByTicket is RecordCaseMessage for a case named by its ticket number
// (m.TicketNo), in the same one statement.
func (s *Store) RecordCaseMessageByTicket(ctx context.Context, m CaseMessage) error {
	if m.TicketNo == "" {
		return fmt.Errorf("record case message of chat %d: no ticket: %w", m.ChatID, ErrInvalid)
	}
	return s.recordCaseMessage(ctx, m)
}

func (s *Store) recordCaseMessage(ctx context.Context, m CaseMessage) error {
	if m.ChatID == 0 || m.MessageID == 0 {
		return fmt.Errorf("record case message: chat %d, message %d: %w", m.ChatID, m.MessageID, ErrInvalid)
	}
	var caseID *int64
	if m.CaseID != 0 {
		caseID = &m.CaseID
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO case_messages (case_id, chat_id, message_id, person_id, lang, text, buttons, sent_at)
		VALUES (coalesce($1, (SELECT id FROM cases WHERE ticket_no = $8)), $2, $3, (SELECT id FROM people WHERE chat_id = $2),
			$4, $5, $6, $7)
		ON CONFLICT (chat_id, message_id) DO UPDATE SET case_id = EXCLUDED.case_id, person_id = EXCLUDED.person_id,
			lang = EXCLUDED.lang, text = EXCLUDED.text, buttons = EXCLUDED.buttons`,
		caseID, m.ChatID, m.MessageID, m.Lang, m.Text, m.Buttons, m.SentAt, m.TicketNo)
	if err != nil {
		return fmt.Errorf("record message %d of chat %d for case %d %s: %w", m.MessageID, m.ChatID, m.CaseID, m.TicketNo, err)
	}
	return nil
}

// CaseMessages are the messages with buttons of a case, oldest first. Those older than the
// edit window are forgotten on the way: nothing can be done with them any more.
func (s *Store) CaseMessages(ctx context.Context, caseID int64) ([]CaseMessage, error) {
	if _, err := s.pool.Exec(ctx, "DELETE FROM case_messages WHERE case_id = $1 AND sent_at < $2", caseID, time.Now().Add(-EditWindow)); err != nil {
		return nil, fmt.Errorf("forget old messages of case %d: %w", caseID, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT m.id, m.case_id, c.ticket_no, m.chat_id, m.message_id, m.person_id, m.lang, m.text,
		m.buttons, m.sent_at FROM case_messages m JOIN cases c ON c.id = m.case_id WHERE m.case_id = $1 ORDER BY m.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("messages of case %d: %w", caseID, err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CaseMessage, error) {
		var m CaseMessage
		err := r.Scan(&m.ID, &m.CaseID, &m.TicketNo, &m.ChatID, &m.MessageID, &m.PersonID, &m.Lang, &m.Text, &m.Buttons, &m.SentAt)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("messages of case %d: %w", caseID, err)
	}
	return ms, nil
}

// UpdateCaseMessage keeps what a message shows after an edit; with no buttons left, the
// message is forgotten.
func (s *Store) UpdateCaseMessage(ctx context.Context, id int64, text string, buttons [][]MessageButton) error {
	var err error
	if len(buttons) == 0 {
		_, err = s.pool.Exec(ctx, "DELETE FROM case_messages WHERE id = $1", id)
	} else {
		_, err = s.pool.Exec(ctx, "UPDATE case_messages SET text = $2, buttons = $3 WHERE id = $1", id, text, buttons)
	}
	if err != nil {
		return fmt.Errorf("case message %d: %w", id, err)
	}
	return nil
}

// RetireButtons asks for the buttons of a case's messages to be brought in line with the
// case as it now stands. It is enqueued with every change of a case, in its transaction.
type RetireButtons struct {
	CaseID int64 `json:"case_id"`
}

// Kind names the job for river.
func (RetireButtons) Kind() string { return "retire_buttons" }

// InsertOpts put it on the queue of outgoing messages, since it edits them. Each change has
// its own: one that is running may have read the case before the change.
func (RetireButtons) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: NotifyQueue, MaxAttempts: 10}
}

// retireButtonsTx enqueues RetireButtons for a case in the transaction that changed it.
func (s *Store) retireButtonsTx(ctx context.Context, tx pgx.Tx, caseID int64) error {
	if _, err := s.jobs.InsertTx(ctx, tx, RetireButtons{CaseID: caseID}, nil); err != nil {
		return fmt.Errorf("retire the buttons of case %d: %w", caseID, err)
	}
	return nil
}

// ForgetCaseMessage forgets a message that no longer shows what was remembered of it (a press
// turned it into something else).
func (s *Store) ForgetCaseMessage(ctx context.Context, chat, message int64) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM case_messages WHERE chat_id = $1 AND message_id = $2", chat, message); err != nil {
		return fmt.Errorf("forget message %d of chat %d: %w", message, chat, err)
	}
	return nil
}
