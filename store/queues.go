package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WorkLine is a case as a handler's or an office's list shows it.
type WorkLine struct {
	TicketNo    string    `db:"ticket_no"`
	Status      Status    `db:"status"`
	Description string    `db:"description"`
	UnitName    string    `db:"unit_name"`
	CreatedAt   time.Time `db:"created_at"`
	// DueAt is the next limit of the case (sign, first feedback or resolve), nil when none
	// runs; Limit names it: "sign", "feedback" or "resolve".
	DueAt *time.Time `db:"due_at"`
	Limit string     `db:"due_limit"`
	// Why, in an office's queue: "new", "handed_back", "escalated", "unsatisfied" or
	// "extension".
	Why      string `db:"why"`
	Assignee string `db:"assignee"`
	// Unverified: its reporter named the unit without an invite and no office has confirmed
	// them.
	Unverified bool `db:"unverified"`
	// Urgent: marked urgent by its reporter or an office.
	Urgent bool `db:"urgent"`
}

// The limits (a work line names the first three; Limits.WorkingDays names any), and why a
// case waits in an office's queue.
const (
	LimitSign     = "sign"
	LimitFeedback = "feedback"
	LimitResolve  = "resolve"
	LimitComplex  = "complex"
	LimitHandBack = "handback"
	LimitRating   = "rating"

	WhyNew         = "new"
	WhyHandedBack  = "handed_back"
	WhyEscalated   = "escalated"
	WhyUnsatisfied = "unsatisfied"
	WhyExtension   = "extension"
)

// nextDue is the next limit of an open case: signing while it is assigned; then the first
// feedback (13710: within 3 days) until there is one, when that falls before resolving; then
// resolving.
const nextDue = `CASE WHEN c.status = 'assigned' THEN c.sign_due_at
	WHEN c.first_feedback_at IS NULL AND c.feedback_due_at < c.resolve_due_at THEN c.feedback_due_at
	ELSE c.resolve_due_at END`

const nextLimit = `CASE WHEN c.status = 'assigned' THEN 'sign'
	WHEN c.first_feedback_at IS NULL AND c.feedback_due_at < c.resolve_due_at THEN 'feedback'
	ELSE 'resolve' END`

const lineColumns = `c.ticket_no, c.status, c.description, coalesce(u.name, '') AS unit_name, c.created_at,
	` + nextDue + ` AS due_at, ` + nextLimit + ` AS due_limit, coalesce(p.name, '') AS assignee, ` + unverified + ` AS unverified,
	c.urgency = 'urgent' AS urgent`

// unverified is true of a case filed through a reporter's link to its unit that is not
// verified now: not since confirmed by an office, nor by an invite the reporter used.
const unverified = `(c.unverified_reporter AND NOT EXISTS (SELECT 1 FROM person_roles vr
	WHERE vr.person_id = c.reporter_id AND vr.role = 'reporter' AND vr.unit_id = c.unit_id AND vr.verified))`

// Inbox lists the open cases assigned to a handler, the urgent first, then soonest limit
// first, a page at a time, with the total.
func (s *Store) Inbox(ctx context.Context, personID int64, limit, offset int) ([]WorkLine, int, error) {
	var total int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM cases WHERE assignee_id = $1 AND status IN ('assigned', 'in_progress')",
		personID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("inbox of %d: %w", personID, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+lineColumns+`, '' AS why
		FROM cases c LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN people p ON p.id = c.assignee_id
		WHERE c.assignee_id = $1 AND c.status IN ('assigned', 'in_progress')
		ORDER BY urgent DESC, due_at NULLS LAST, c.id LIMIT $2 OFFSET $3`, personID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("inbox of %d: %w", personID, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByName[WorkLine])
	if err != nil {
		return nil, 0, fmt.Errorf("inbox of %d: %w", personID, err)
	}
	return lines, total, nil
}

// officeIDs are the offices a person works in.
func (s *Store) officeIDs(ctx context.Context, personID int64) ([]int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT DISTINCT office_id FROM person_roles WHERE person_id = $1 AND role = 'office' AND office_id IS NOT NULL", personID)
	if err != nil {
		return nil, fmt.Errorf("offices of %d: %w", personID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("offices of %d: %w", personID, err)
	}
	return ids, nil
}

// Queue lists what waits for an office's decision, the urgent first, then oldest first: new
// and handed-back cases to judge and assign, cases escalated to it, extensions asked for, and
// results a reporter was not satisfied with. Someone in no office is ErrForbidden.
func (s *Store) Queue(ctx context.Context, personID int64, limit, offset int) ([]WorkLine, int, error) {
	offices, err := s.officeIDs(ctx, personID)
	if err != nil {
		return nil, 0, err
	}
	if len(offices) == 0 {
		return nil, 0, fmt.Errorf("queue of %d: %w", personID, ErrForbidden)
	}
	const where = `c.office_id = ANY($1) AND (c.status = 'submitted' OR c.feedback_flagged OR c.extension_until IS NOT NULL OR c.escalation_pending)`
	var total int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM cases c WHERE "+where, offices).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("queue of %d: %w", personID, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+lineColumns+`,
			CASE WHEN c.feedback_flagged THEN 'unsatisfied' WHEN c.extension_until IS NOT NULL THEN 'extension'
				WHEN c.escalation_pending THEN 'escalated' WHEN c.handback_count > 0 THEN 'handed_back' ELSE 'new' END AS why
		FROM cases c LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN people p ON p.id = c.assignee_id
		WHERE `+where+` ORDER BY urgent DESC, c.created_at, c.id LIMIT $2 OFFSET $3`, offices, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("queue of %d: %w", personID, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByName[WorkLine])
	if err != nil {
		return nil, 0, fmt.Errorf("queue of %d: %w", personID, err)
	}
	return lines, total, nil
}

// Overdue lists the open cases in an office's regions (its region and all below; a working
// group's lead, the whole city) whose next limit has passed, the latest first. Someone in no
// office is ErrForbidden.
func (s *Store) Overdue(ctx context.Context, personID int64, limit, offset int) ([]WorkLine, int, error) {
	a, err := s.ActorByID(ctx, personID)
	if err != nil {
		return nil, 0, err
	}
	all, regions := officeScope(a)
	if !all && len(regions) == 0 {
		return nil, 0, fmt.Errorf("overdue for %d: %w", personID, ErrForbidden)
	}
	const from = `WITH RECURSIVE scope(id) AS (
			SELECT id FROM regions WHERE $1 OR id = ANY($2)
			UNION SELECT r.id FROM regions r JOIN scope s ON r.parent_id = s.id)
		SELECT %s FROM cases c LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN people p ON p.id = c.assignee_id
		WHERE c.region_id IN (SELECT id FROM scope) AND c.status IN ('assigned', 'in_progress') AND ` + nextDue + ` < $3`
	now := s.now()
	var total int
	if err := s.pool.QueryRow(ctx, fmt.Sprintf(from, "count(*)"), all, regions, now).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("overdue for %d: %w", personID, err)
	}
	rows, err := s.pool.Query(ctx, fmt.Sprintf(from, lineColumns+", '' AS why")+` ORDER BY due_at, c.id LIMIT $4 OFFSET $5`,
		all, regions, now, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("overdue for %d: %w", personID, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByName[WorkLine])
	if err != nil {
		return nil, 0, fmt.Errorf("overdue for %d: %w", personID, err)
	}
	return lines, total, nil
}

// officeScope is where an actor's office roles reach: everywhere for a working group's lead,
// else the offices' regions (and, by the callers, all below them).
func officeScope(a Actor) (all bool, regions []int64) {
	for _, g := range a.Grants {
		if g.Role != RoleOffice {
			continue
		}
		if g.WorkingGroup != nil {
			all = true
		} else if g.RegionID != nil {
			regions = append(regions, *g.RegionID)
		}
	}
	return all, regions
}

// ActorByID is a person with their roles.
func (s *Store) ActorByID(ctx context.Context, personID int64) (Actor, error) {
	var a Actor
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		a, err = actorTx(ctx, tx, personID)
		return err
	})
	return a, err
}

// Candidate is a handler an office may assign a case to.
type Candidate struct {
	ID         int64  `db:"id"`
	Name       string `db:"name"`
	Department string `db:"department"`
	// Linked: a cadre linked to the case's unit (包联干部), offered first.
	Linked bool `db:"linked"`
}

// Assignees are the handlers an office member may assign a case to: those of the office's
// regions (a working group's lead: the city's), the unit's linked cadres first, at most
// limit of them.
func (s *Store) Assignees(ctx context.Context, personID int64, ticket string, limit int) ([]Candidate, error) {
	a, err := s.ActorByID(ctx, personID)
	if err != nil {
		return nil, err
	}
	all, regions := officeScope(a)
	if !all && len(regions) == 0 {
		return nil, fmt.Errorf("assignees for %d: %w", personID, ErrForbidden)
	}
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE scope(id) AS (
			SELECT id FROM regions WHERE $1 OR id = ANY($2)
			UNION SELECT r.id FROM regions r JOIN scope s ON r.parent_id = s.id)
		SELECT p.id, p.name, p.department,
			EXISTS (SELECT 1 FROM links l JOIN cases c ON c.unit_id = l.unit_id WHERE l.person_id = p.id AND c.ticket_no = $3) AS linked
		FROM people p
		WHERE p.region_id IN (SELECT id FROM scope)
			AND EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role = 'handler')
		ORDER BY linked DESC, p.code NULLS LAST, p.id LIMIT $4`, all, regions, ticket, limit)
	if err != nil {
		return nil, fmt.Errorf("assignees for %d: %w", personID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Candidate])
	if err != nil {
		return nil, fmt.Errorf("assignees for %d: %w", personID, err)
	}
	return out, nil
}
