package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CaseLine is a case as a list shows it.
type CaseLine struct {
	TicketNo    string    `db:"ticket_no"`
	Status      Status    `db:"status"`
	CategoryZH  *string   `db:"name_zh"`
	CategoryEN  *string   `db:"name_en"`
	Description string    `db:"description"`
	CreatedAt   time.Time `db:"created_at"`
}

// ReporterCases lists a reporter's cases, newest first, a page at a time, with the total.
func (s *Store) ReporterCases(ctx context.Context, personID int64, limit, offset int) ([]CaseLine, int, error) {
	var total int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM cases WHERE reporter_id = $1", personID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cases of reporter %d: %w", personID, err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT c.ticket_no, c.status, k.name_zh, k.name_en, c.description, c.created_at
		FROM cases c LEFT JOIN categories k ON k.id = c.category_id
		WHERE c.reporter_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3`, personID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("cases of reporter %d: %w", personID, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByName[CaseLine])
	if err != nil {
		return nil, 0, fmt.Errorf("cases of reporter %d: %w", personID, err)
	}
	return lines, total, nil
}

// CaseView is a case with what its timeline shows.
type CaseView struct {
	Case
	UnitName   string
	CategoryZH string
	CategoryEN string
	Assignee   string
	Events     []Event
}

// CaseFor finds a case for a person who may see it: its reporter, or the handler it is
// assigned to. For anyone else it is ErrNotFound, exactly as for a ticket that does not
// exist, so a ticket number reveals nothing. Internal notes are left out for the reporter.
func (s *Store) CaseFor(ctx context.Context, personID int64, ticket string) (CaseView, error) {
	var v CaseView
	rows, err := s.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE ticket_no = $1 AND (reporter_id = $2 OR assignee_id = $2)`, ticket, personID)
	if err != nil {
		return v, fmt.Errorf("case %s: %w", ticket, err)
	}
	v.Case, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case])
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fmt.Errorf("case %s: %w", ticket, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("case %s: %w", ticket, err)
	}
	err = s.pool.QueryRow(ctx, `SELECT coalesce(u.name, ''), coalesce(k.name_zh, ''), coalesce(k.name_en, ''), coalesce(p.name, '')
		FROM cases c LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN categories k ON k.id = c.category_id
		LEFT JOIN people p ON p.id = c.assignee_id WHERE c.id = $1`, v.ID).Scan(&v.UnitName, &v.CategoryZH, &v.CategoryEN, &v.Assignee)
	if err != nil {
		return v, fmt.Errorf("case %s: %w", ticket, err)
	}
	evs, err := s.Events(ctx, v.ID)
	if err != nil {
		return v, err
	}
	reporter := v.ReporterID != nil && *v.ReporterID == personID
	for _, e := range evs {
		if e.Internal && reporter {
			continue
		}
		v.Events = append(v.Events, e)
	}
	return v, nil
}
