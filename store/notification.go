package store

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// NotifyQueue is the job queue that carries outgoing messages.
const NotifyQueue = "notify"

// Notification is a message to one chat, carried as a durable job: it is inserted in the
// transaction of the change that causes it (so nothing is sent for a rolled-back change, and
// nothing committed goes unsent) and delivered by the sender in bot/. It holds a message ID
// and data rather than text, so it is rendered in the recipient's language when it is sent.
type Notification struct {
	ChatID    int64                  `json:"chat_id"`
	Lang      string                 `json:"lang,omitempty"`
	MessageID string                 `json:"msg"`
	Data      map[string]any         `json:"data,omitempty"`
	Buttons   [][]NotificationButton `json:"buttons,omitempty"`
	CaseID    int64                  `json:"case_id,omitempty"`
	// Evidence, when set, is summed up in a line under the message.
	Evidence *Evidence `json:"evidence,omitempty"`
	// Files, when set, are sent with the message as their caption: photos (an album of up
	// to 10), or one document.
	Files []Attachment `json:"files,omitempty"`
	// ButtonsFor, when set, is the person the message goes to: its buttons are then those
	// of the case (CaseID, Data's TicketNo) that this person may press when it is sent, and
	// Buttons stand in only when the case cannot be read then.
	ButtonsFor int64 `json:"buttons_for,omitempty"`
}

// NotificationButton is an inline button: a localized label and the callback data it sends.
type NotificationButton struct {
	MessageID string `json:"msg"`
	Data      string `json:"data"`
}

// Kind names the job for river.
func (Notification) Kind() string { return "notification" }

// InsertOpts puts notifications on their queue. Attempts are bounded: a message that still
// cannot be sent after a day of retries is given up and stays visible as a discarded job.
func (Notification) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: NotifyQueue, MaxAttempts: 20}
}

// NotifyTx enqueues n in tx. It is sent only if tx commits.
func (s *Store) NotifyTx(ctx context.Context, tx pgx.Tx, n Notification) error {
	if n.ChatID == 0 || n.MessageID == "" {
		return fmt.Errorf("notify: chat %d, message %q: %w", n.ChatID, n.MessageID, ErrInvalid)
	}
	if _, err := s.jobs.InsertTx(ctx, tx, n, nil); err != nil {
		return fmt.Errorf("notify chat %d: %w", n.ChatID, err)
	}
	return nil
}

// withData returns a copy of d with k set, leaving the caller's map untouched.
func withData(d map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(d)+1)
	maps.Copy(out, d)
	out[k] = v
	return out
}

// orderHorizon is how far ahead an earlier notification may be scheduled and still hold
// back a later one: one put off for moments (its chat's turn under the limits, a retry)
// keeps its place; one put off for hours (until working hours) does not hold the chat's
// other notifications that long.
const orderHorizon = time.Minute

// EarlierNotificationsWaiting are the notifications enqueued before job for the same chat
// that are not yet done (waiting, being sent, or put off for moments), at most 20: job should
// wait for them, so that a chat's notifications arrive in the order of the changes that
// caused them.
func (s *Store) EarlierNotificationsWaiting(ctx context.Context, job, chat int64) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id FROM river_job
		WHERE kind = 'notification' AND state IN ('available', 'running', 'retryable', 'scheduled')
			AND (args->>'chat_id')::bigint = $2 AND id < $1 AND scheduled_at < now() + $3::interval
		ORDER BY id LIMIT 20`, job, chat, orderHorizon)
	if err != nil {
		return nil, fmt.Errorf("earlier notifications of chat %d: %w", chat, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("earlier notifications of chat %d: %w", chat, err)
	}
	return ids, nil
}
