package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/intake"
)

// Event kinds of handling and supervision.
const (
	EventHandedBack       = "handed_back"
	EventEscalated        = "escalated"
	EventExtensionAsked   = "extension_asked"
	EventExtensionGranted = "extension_granted"
	EventExtensionRefused = "extension_refused"
	EventUrged            = "urged"
	EventRefused          = "refused"
	// EventUrgencyChanged: an office marked the case urgent or not (data From, To, By).
	EventUrgencyChanged = "urgency_changed"
)

// ExtensionParams are a handler's request for more time (延期): the reason and the new date.
type ExtensionParams struct {
	ActParams
	Until time.Time
}

// HandBack (退回): the handler gives a case back, with the reason, within the hand-back window
// after its assignment; it returns to its office's triage queue, and the office is told.
func (s *Store) HandBack(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "hand back", p, func(ctx context.Context, t *act) error {
		if err := t.assignee(); err != nil {
			return err
		}
		if err := t.from(StatusAssigned); err != nil {
			return err
		}
		if intake.Blank(p.Note) {
			return fmt.Errorf("no reason: %w", ErrInvalid)
		}
		if t.c.AssignedAt != nil && t.now.After(s.after(LimitHandBack, *t.c.AssignedAt, s.limits.HandBackDays)) {
			return fmt.Errorf("past the hand-back window: %w", ErrTooLate)
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET status = 'submitted', assignee_id = NULL, assigned_at = NULL, sign_due_at = NULL,
			feedback_due_at = NULL, resolve_due_at = NULL, extension_until = NULL, extension_reason = '',
			handback_count = handback_count + 1, updated_at = $2 WHERE id = $1`, t.c.ID, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventHandedBack, StatusSubmitted, p, false, map[string]any{"Assignee": t.a.Name}); err != nil {
			return err
		}
		return t.notifyOffice(ctx, t.c.OfficeID, NoticeHandedBack, map[string]any{"Assignee": t.a.Name, "Note": strings.TrimSpace(p.Note)})
	})
}

// Escalate (提级) lifts a case to the office of the next level up: from a county's office to
// the city's; from the city's to the working group of the case's category. The handler or an
// office that covers the case may ask it; the receiving office is told.
func (s *Store) Escalate(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "escalate", p, func(ctx context.Context, t *act) error {
		if t.assignee() != nil {
			if err := t.office(ctx, t.c.RegionID); err != nil {
				return err
			}
		}
		if err := t.from(StatusSubmitted, StatusAssigned, StatusInProgress); err != nil {
			return err
		}
		if intake.Blank(p.Note) {
			return fmt.Errorf("no reason: %w", ErrInvalid)
		}
		to, name, err := upperOffice(ctx, t.tx, t.c)
		if err != nil {
			return err
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET office_id = $2, escalation_level = escalation_level + 1, escalation_pending = true, updated_at = $3 WHERE id = $1`,
			t.c.ID, to, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventEscalated, "", p, false, map[string]any{"Office": name}); err != nil {
			return err
		}
		return t.notifyOffice(ctx, &to, NoticeEscalated, map[string]any{"Note": strings.TrimSpace(p.Note), "Description": t.c.Description})
	})
}

// HandOverParams give a case to a working group (专班) at triage: its office takes the case
// over and assigns it within the whole city.
type HandOverParams struct {
	ActParams
	OfficeID int64
	// CategoryID and Complexity, when set, correct the case's category and class as the
	// office judged them.
	CategoryID *int64
	Complexity string
}

// HandOver gives a case to a working group's office instead of a handler: an office that
// covers the case may; the working group is told and finds it in its queue.
func (s *Store) HandOver(ctx context.Context, p HandOverParams) (Case, error) {
	return s.transition(ctx, "hand over", p.ActParams, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if err := t.from(StatusSubmitted, StatusAssigned, StatusInProgress); err != nil {
			return err
		}
		var name string
		err := t.tx.QueryRow(ctx, "SELECT name FROM offices WHERE id = $1 AND working_group IS NOT NULL", p.OfficeID).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && t.c.OfficeID != nil && *t.c.OfficeID == p.OfficeID) {
			return fmt.Errorf("office %d is no other working group: %w", p.OfficeID, ErrInvalid)
		}
		if err != nil {
			return err
		}
		if p.Complexity != "" && p.Complexity != Ordinary && p.Complexity != Complex {
			return fmt.Errorf("complexity %q: %w", p.Complexity, ErrInvalid)
		}
		if p.CategoryID != nil {
			if err := t.setCategory(ctx, *p.CategoryID); err != nil {
				return err
			}
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET office_id = $2, escalation_pending = true, complexity = coalesce(nullif($3, ''), complexity),
			updated_at = $4 WHERE id = $1`, t.c.ID, p.OfficeID, p.Complexity, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventEscalated, "", p.ActParams, false, map[string]any{"Office": name}); err != nil {
			return err
		}
		return t.notifyOffice(ctx, &p.OfficeID, NoticeEscalated, map[string]any{"Note": strings.TrimSpace(p.Note), "Description": t.c.Description})
	})
}

// WorkingGroup is a working group's office, to which a case may be handed over.
type WorkingGroup struct {
	OfficeID int64  `db:"id"`
	Name     string `db:"name"`
	// Code is the working group's, as categories name it.
	Code string `db:"working_group"`
	// Matches: the working group of the case's category.
	Matches bool `db:"matches"`
}

// WorkingGroups lists the working groups' offices a case may be handed over to (not the one
// it answers to), the one of its category first.
func (s *Store) WorkingGroups(ctx context.Context, ticket string) ([]WorkingGroup, error) {
	rows, err := s.pool.Query(ctx, `SELECT o.id, o.name, o.working_group, coalesce(o.working_group = k.working_group, false) AS matches
		FROM offices o LEFT JOIN cases c ON c.ticket_no = $1 LEFT JOIN categories k ON k.id = c.category_id
		WHERE o.working_group IS NOT NULL AND o.id IS DISTINCT FROM c.office_id ORDER BY matches DESC, o.id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("working groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[WorkingGroup])
	if err != nil {
		return nil, fmt.Errorf("working groups: %w", err)
	}
	return out, nil
}

// upperOffice is the office above the one a case answers to: the nearest office of a region
// above that office's region, or at the top, the working group of the case's category.
func upperOffice(ctx context.Context, tx pgx.Tx, c Case) (int64, string, error) {
	var id int64
	var name string
	err := tx.QueryRow(ctx, `
		WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT r.id, r.parent_id, 0 FROM offices o JOIN regions r ON r.id = o.region_id WHERE o.id = $1
			UNION ALL SELECT r.id, r.parent_id, up.depth + 1 FROM regions r JOIN up ON r.id = up.parent_id)
		SELECT o.id, o.name FROM up JOIN offices o ON o.region_id = up.id WHERE up.depth > 0
		ORDER BY up.depth, o.id LIMIT 1`, c.OfficeID).Scan(&id, &name)
	if err == nil {
		return id, name, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, "", fmt.Errorf("upper office: %w", err)
	}
	err = tx.QueryRow(ctx, `SELECT o.id, o.name FROM categories k JOIN offices o ON o.working_group = k.working_group
		WHERE k.id = $1 AND o.id IS DISTINCT FROM $2 ORDER BY o.id LIMIT 1`, c.CategoryID, c.OfficeID).Scan(&id, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", fmt.Errorf("no office above: %w", ErrIllegalTransition)
	}
	if err != nil {
		return 0, "", fmt.Errorf("working group office: %w", err)
	}
	return id, name, nil
}

// RequestExtension (延期): the handler asks for a later resolve date, with the reason, before
// the limit lapses; the case's office decides.
func (s *Store) RequestExtension(ctx context.Context, p ExtensionParams) (Case, error) {
	return s.transition(ctx, "request an extension of", p.ActParams, func(ctx context.Context, t *act) error {
		if err := t.assignee(); err != nil {
			return err
		}
		if err := t.from(StatusAssigned, StatusInProgress); err != nil {
			return err
		}
		if intake.Blank(p.Note) {
			return fmt.Errorf("no reason: %w", ErrInvalid)
		}
		if t.c.ExtensionUntil != nil {
			return fmt.Errorf("one is waiting already: %w", ErrIllegalTransition)
		}
		if t.c.ResolveDueAt == nil || !p.Until.After(*t.c.ResolveDueAt) {
			return fmt.Errorf("new date %s not after the limit: %w", p.Until.Format(time.DateOnly), ErrInvalid)
		}
		if !t.now.Before(*t.c.ResolveDueAt) {
			return fmt.Errorf("the limit has lapsed: %w", ErrTooLate)
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET extension_until = $2, extension_reason = $3, updated_at = $4 WHERE id = $1`,
			t.c.ID, p.Until, strings.TrimSpace(p.Note), t.now); err != nil {
			return err
		}
		until := p.Until.In(s.loc).Format(time.DateOnly)
		if _, err := t.event(ctx, EventExtensionAsked, "", p.ActParams, true, map[string]any{"Until": until}); err != nil {
			return err
		}
		return t.notifyOffice(ctx, t.c.OfficeID, NoticeExtensionAsked, map[string]any{"Assignee": t.a.Name, "Until": until,
			"Note": strings.TrimSpace(p.Note)})
	})
}

// DecideExtension: an office that covers the case grants the extension asked for, moving
// the resolve limit, or refuses it with a reason. The handler is told either way.
func (s *Store) DecideExtension(ctx context.Context, p ActParams, grant bool) (Case, error) {
	return s.transition(ctx, "decide the extension of", p, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if t.c.ExtensionUntil == nil || (t.c.Status != StatusAssigned && t.c.Status != StatusInProgress) {
			return fmt.Errorf("no extension waiting: %w", ErrIllegalTransition)
		}
		if !grant && intake.Blank(p.Note) {
			return fmt.Errorf("no reason: %w", ErrInvalid)
		}
		kind, msg, due := EventExtensionRefused, NoticeExtensionRefused, t.c.ResolveDueAt
		if grant {
			kind, msg, due = EventExtensionGranted, NoticeExtensionGranted, t.c.ExtensionUntil
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET resolve_due_at = $2, extension_until = NULL, extension_reason = '', updated_at = $3
			WHERE id = $1`, t.c.ID, due, t.now); err != nil {
			return err
		}
		until := t.c.ExtensionUntil.In(s.loc).Format(time.DateOnly)
		var moved *time.Time
		if grant {
			moved = due
		}
		if _, err := t.eventDue(ctx, kind, "", p, true, map[string]any{"Until": until}, nil, moved); err != nil {
			return err
		}
		return t.notify(ctx, t.c.AssigneeID, msg, map[string]any{"Until": until, "Note": strings.TrimSpace(p.Note)}, viewButton(t.c.TicketNo))
	})
}

// Urge (催办): an office that covers an open case presses its handler; the urge is counted
// and recorded on the case.
func (s *Store) Urge(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "urge", p, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if err := t.from(StatusAssigned, StatusInProgress); err != nil {
			return err
		}
		if _, err := t.tx.Exec(ctx, "UPDATE cases SET urge_count = urge_count + 1, escalation_pending = false, updated_at = $2 WHERE id = $1", t.c.ID, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventUrged, "", p, false, map[string]any{"Office": t.a.Name}); err != nil {
			return err
		}
		return t.notify(ctx, t.c.AssigneeID, NoticeUrged, map[string]any{"Note": strings.TrimSpace(p.Note), "Office": t.a.Name,
			"Description": t.c.Description}, viewButton(t.c.TicketNo))
	})
}

// SetUrgency: an office that covers a case not yet resolved marks it urgent (紧急), or not
// urgent, as it judges the problem; the reporter's word at filing is only the first say.
// Urgent cases come first in the office's queue and in the handler's inbox, and an urgent
// case waiting to be signed for must be signed for within Limits.UrgentSignHours working
// hours of its assignment: marking it either way moves its sign-for limit, counted from the
// assignment as every 13710 limit is, and its reminders with it. The handler is told either
// way; the office's other members are told of a case made urgent, each with its buttons.
func (s *Store) SetUrgency(ctx context.Context, p ActParams, urgent bool) (Case, error) {
	to, verb := Normal, "mark not urgent"
	if urgent {
		to, verb = Urgent, "mark urgent"
	}
	return s.transition(ctx, verb, p, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if err := t.from(StatusSubmitted, StatusAssigned, StatusInProgress); err != nil {
			return err
		}
		if t.c.Urgency == to {
			return fmt.Errorf("%s already: %w", to, ErrIllegalTransition)
		}
		sign := t.c.SignDueAt
		if t.c.Status == StatusAssigned && t.c.AssignedAt != nil {
			due := s.signDue(*t.c.AssignedAt, to)
			sign = &due
		}
		if _, err := t.tx.Exec(ctx, "UPDATE cases SET urgency = $2, sign_due_at = $3, updated_at = $4 WHERE id = $1",
			t.c.ID, to, sign, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventUrgencyChanged, "", p, false, map[string]any{"From": t.c.Urgency, "To": to, "By": t.a.Name}); err != nil {
			return err
		}
		t.c.Urgency, t.c.SignDueAt = to, sign
		data := map[string]any{"By": t.a.Name, "Description": t.c.Description}
		if t.c.Status == StatusAssigned && sign != nil {
			data["Due"] = t.when(*sign)
		}
		if t.c.Status == StatusAssigned || t.c.Status == StatusInProgress {
			if err := t.notifyActing(ctx, t.c.AssigneeID, NoticeUrgencyChanged, data); err != nil {
				return err
			}
		}
		if !urgent {
			return nil
		}
		return t.notifyOfficeActing(ctx, t.c.OfficeID, t.a.PersonID, NoticeUrgentMarked, data)
	})
}

// Refused attempts are kept for audit, but someone pressing a forged button again and again
// must not grow a case without bound: a person's refusal on a case is kept once in
// RefusalGap, and at most RefusalsPerHour of theirs in an hour over all cases. Views show a
// case's refusals as one line.
const (
	RefusalGap      = 10 * time.Minute
	RefusalsPerHour = 30
)

// recordRefusalSQL keeps a refusal within the limits; it answers whether the case exists and
// whether the refusal was kept. 'refused' is written out, not a parameter, so that the
// partial indexes on it serve the checks.
const recordRefusalSQL = `
	WITH c AS (SELECT id FROM cases WHERE ticket_no = $1),
	kept AS (
		INSERT INTO case_events (case_id, at, actor_id, kind, internal, data)
		SELECT c.id, $2, $3, 'refused', true, jsonb_build_object('Action', $4::text, 'Cause', $5::text) FROM c
		WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.kind = 'refused' AND e.actor_id = $3 AND e.at > $6 AND e.case_id = c.id)
		AND (SELECT count(*) FROM case_events e WHERE e.kind = 'refused' AND e.actor_id = $3 AND e.at > $7) < $8
		RETURNING 1)
	SELECT EXISTS (SELECT 1 FROM c), EXISTS (SELECT 1 FROM kept)`

// RecordRefusal appends, in a transaction of its own, that someone tried an action on a case
// and was refused, so that the case's record shows attempts beyond one's rights. It reports
// whether the refusal was kept: not for an unknown ticket, nor beyond the person's limits
// (RefusalGap, RefusalsPerHour), which the caller logs instead.
func (s *Store) RecordRefusal(ctx context.Context, ticket string, actorID int64, action string, cause error) (bool, error) {
	now := s.now()
	var found, kept bool
	if err := s.pool.QueryRow(ctx, recordRefusalSQL, ticket, now, actorID, action, refusalCause(cause),
		now.Add(-RefusalGap), now.Add(-time.Hour), RefusalsPerHour).Scan(&found, &kept); err != nil {
		return false, fmt.Errorf("record refusal on case %s: %w", ticket, err)
	}
	return kept, nil
}

func refusalCause(err error) string {
	switch {
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrIllegalTransition):
		return "illegal"
	case errors.Is(err, ErrTooLate):
		return "too_late"
	case errors.Is(err, ErrChanged):
		return "changed"
	}
	return "invalid"
}
