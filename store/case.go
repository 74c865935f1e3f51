package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Status is where a case stands in its lifecycle (DESIGN.md §3).
type Status string

const (
	StatusSubmitted  Status = "submitted"   // 已提交: waiting for triage
	StatusAssigned   Status = "assigned"    // 已交办: waiting for sign-for
	StatusInProgress Status = "in_progress" // 办理中
	StatusResolved   Status = "resolved"    // 已办结: waiting for the reporter's feedback
	StatusClosed     Status = "closed"      // 已销号
	StatusRejected   Status = "rejected"    // 不予受理
	StatusMerged     Status = "merged"      // 并案
)

// Event kinds appended to a case's timeline.
const (
	EventSubmitted = "submitted"
)

// Case is one row of the ledger (问题台账).
type Case struct {
	ID          int64     `db:"id"`
	TicketNo    string    `db:"ticket_no"`
	Status      Status    `db:"status"`
	RegionID    int64     `db:"region_id"`
	UnitID      *int64    `db:"unit_id"`
	ReporterID  *int64    `db:"reporter_id"`
	CategoryID  *int64    `db:"category_id"`
	Description string    `db:"description"`
	Urgency     string    `db:"urgency"`
	Complexity  string    `db:"complexity"`
	Latitude    *float64  `db:"latitude"`
	Longitude   *float64  `db:"longitude"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

const caseColumns = `id, ticket_no, status, region_id, unit_id, reporter_id, category_id, description,
	urgency, complexity, latitude, longitude, created_at, updated_at`

// Event is one immutable entry of a case's timeline.
type Event struct {
	ID         int64     `db:"id"`
	CaseID     int64     `db:"case_id"`
	At         time.Time `db:"at"`
	ActorID    *int64    `db:"actor_id"`
	Kind       string    `db:"kind"`
	FromStatus *Status   `db:"from_status"`
	ToStatus   *Status   `db:"to_status"`
	Note       string    `db:"note"`
	Internal   bool      `db:"internal"`
}

// MaxDescription is the longest description a case takes, in characters.
const MaxDescription = 2000

// SubmitParams describe a new problem.
type SubmitParams struct {
	RegionID    int64
	UnitID      *int64
	ReporterID  *int64
	CategoryID  *int64
	Description string
	Urgent      bool
	Latitude    *float64
	Longitude   *float64
	// Notify, when set, is enqueued in the same transaction, with the new ticket number
	// added to its data as "TicketNo".
	Notify *Notification
}

// Submit records a new problem: the case with its ticket number, its first event and the
// notification it causes, in one transaction.
func (s *Store) Submit(ctx context.Context, p SubmitParams) (Case, error) {
	desc := strings.TrimSpace(p.Description)
	if desc == "" || utf8.RuneCountInString(desc) > MaxDescription {
		return Case{}, fmt.Errorf("submit case: description of %d characters: %w", utf8.RuneCountInString(desc), ErrInvalid)
	}
	urgency := "normal"
	if p.Urgent {
		urgency = "urgent"
	}
	now := s.now()
	var c Case
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		no, err := s.nextTicketNo(ctx, tx, now)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO cases (ticket_no, region_id, unit_id, reporter_id, category_id, description,
				urgency, latitude, longitude, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
			RETURNING `+caseColumns,
			no, p.RegionID, p.UnitID, p.ReporterID, p.CategoryID, desc, urgency, p.Latitude, p.Longitude, now)
		if err != nil {
			return fmt.Errorf("insert case %s: %w", no, err)
		}
		c, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case])
		if err != nil {
			return fmt.Errorf("insert case %s: %w", no, err)
		}
		if err := appendEvent(ctx, tx, Event{CaseID: c.ID, At: now, ActorID: p.ReporterID,
			Kind: EventSubmitted, ToStatus: ptr(StatusSubmitted)}); err != nil {
			return fmt.Errorf("case %s: %w", no, err)
		}
		if p.Notify != nil {
			n := *p.Notify
			n.Data = withData(n.Data, "TicketNo", c.TicketNo)
			n.CaseID = c.ID
			if err := s.NotifyTx(ctx, tx, n); err != nil {
				return fmt.Errorf("case %s: %w", no, err)
			}
		}
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	return c, nil
}

// CaseByTicket finds a case by its ticket number. It does not check access: callers that act
// for a person go through the access-checked methods.
func (s *Store) CaseByTicket(ctx context.Context, no string) (Case, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket_no = $1`, no)
	if err != nil {
		return Case{}, fmt.Errorf("case %s: %w", no, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case])
	if errors.Is(err, pgx.ErrNoRows) {
		return Case{}, fmt.Errorf("case %s: %w", no, ErrNotFound)
	}
	if err != nil {
		return Case{}, fmt.Errorf("case %s: %w", no, err)
	}
	return c, nil
}

// Events is the timeline of a case, oldest first.
func (s *Store) Events(ctx context.Context, caseID int64) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, case_id, at, actor_id, kind, from_status, to_status, note, internal
		FROM case_events WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("events of case %d: %w", caseID, err)
	}
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Event])
	if err != nil {
		return nil, fmt.Errorf("events of case %d: %w", caseID, err)
	}
	return evs, nil
}

func appendEvent(ctx context.Context, tx pgx.Tx, e Event) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO case_events (case_id, at, actor_id, kind, from_status, to_status, note, internal)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.CaseID, e.At, e.ActorID, e.Kind, e.FromStatus, e.ToStatus, e.Note, e.Internal)
	if err != nil {
		return fmt.Errorf("append %s event: %w", e.Kind, err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
