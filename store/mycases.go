package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/intake"
)

// CaseLine is a case as a list shows it.
type CaseLine struct {
	TicketNo    string    `db:"ticket_no"`
	Status      Status    `db:"status"`
	CategoryZH  *string   `db:"name_zh"`
	CategoryEN  *string   `db:"name_en"`
	Description string    `db:"description"`
	CreatedAt   time.Time `db:"created_at"`
	// Flagged: the reporter was not satisfied and the office decides.
	Flagged bool `db:"feedback_flagged"`
	// Urgent: marked urgent by the reporter or an office.
	Urgent bool `db:"urgent"`
}

// ReporterCases lists a reporter's cases, newest first, a page at a time, with the total.
func (s *Store) ReporterCases(ctx context.Context, personID int64, limit, offset int) ([]CaseLine, int, error) {
	var total int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM cases WHERE reporter_id = $1", personID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cases of reporter %d: %w", personID, err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT c.ticket_no, c.status, k.name_zh, k.name_en, c.description, c.created_at, c.feedback_flagged,
			c.urgency = 'urgent' AS urgent
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
	UnitKind   string
	CategoryZH string
	CategoryEN string
	Assignee   string
	// Events is the timeline: every event the viewer may see, but the refusals.
	Events []Event
	// Refusals sums up the refused attempts on the case, for its handler and offices (who
	// alone see them); each is kept as an event, for audit.
	Refusals Refusals
	// Reporter is set when the viewer is the case's own reporter (who may add to it and rate
	// it), not a follower of a case merged into it; Handler when it is assigned to them;
	// Office when one of their offices covers it.
	Reporter, Handler, Office bool
	// Evidence sums up its photos, documents and place, as the viewer may receive them
	// (nothing for a reporter who only follows it).
	Evidence Evidence
	// Unverified: filed by a reporter who named its unit without an invite and is not
	// verified now; LinkPending while their link to the unit waits for an office's decision
	// (confirm or reject), which it no longer does once rejected.
	Unverified, LinkPending bool
}

// CaseFor finds a case for a person who may see it: its reporter (or the reporter of a case
// merged into it, who follows it now), the handler it is assigned to, or an office whose
// regions it is in or to which it was escalated. For anyone else it is ErrNotFound, exactly
// as for a ticket that does not exist, so a ticket number reveals nothing. Internal notes are
// shown to the handler and the offices only.
func (s *Store) CaseFor(ctx context.Context, personID int64, ticket string) (CaseView, error) {
	var v CaseView
	c, err := s.CaseByTicket(ctx, ticket)
	if err != nil {
		return v, err
	}
	v.Case = c
	v.Reporter = c.ReporterID != nil && *c.ReporterID == personID
	v.Handler = c.AssigneeID != nil && *c.AssigneeID == personID
	if !v.Reporter && !v.Handler {
		a, err := s.ActorByID(ctx, personID)
		if err != nil {
			return v, err
		}
		if v.Office, err = officeCovers(ctx, s.pool, a, c.RegionID); err != nil {
			return v, err
		}
		if !v.Office && c.OfficeID != nil {
			for _, g := range a.Grants {
				v.Office = v.Office || (g.Role == RoleOffice && g.OfficeID != nil && *g.OfficeID == *c.OfficeID)
			}
		}
	}
	if !v.Reporter && !v.Handler && !v.Office {
		var follower bool
		if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM cases WHERE merged_into_id = $1 AND reporter_id = $2)",
			c.ID, personID).Scan(&follower); err != nil {
			return v, fmt.Errorf("case %s: %w", ticket, err)
		}
		if !follower {
			return v, fmt.Errorf("case %s: %w", ticket, ErrNotFound)
		}
	}
	err = s.pool.QueryRow(ctx, `SELECT coalesce(u.name, ''), coalesce(u.kind, ''), coalesce(k.name_zh, ''), coalesce(k.name_en, ''), coalesce(p.name, ''),
			`+unverified+`, c.unverified_reporter AND EXISTS (SELECT 1 FROM person_roles r
				WHERE r.person_id = c.reporter_id AND r.role = 'reporter' AND r.unit_id = c.unit_id AND NOT r.verified)
		FROM cases c LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN categories k ON k.id = c.category_id
		LEFT JOIN people p ON p.id = c.assignee_id WHERE c.id = $1`, v.ID).Scan(&v.UnitName, &v.UnitKind, &v.CategoryZH, &v.CategoryEN, &v.Assignee,
		&v.Unverified, &v.LinkPending)
	if err != nil {
		return v, fmt.Errorf("case %s: %w", ticket, err)
	}
	rows, err := s.pool.Query(ctx, timelineSQL, v.ID, v.Handler || v.Office)
	if err != nil {
		return v, fmt.Errorf("timeline of case %s: %w", ticket, err)
	}
	if v.Events, err = pgx.CollectRows(rows, pgx.RowToStructByName[Event]); err != nil {
		return v, fmt.Errorf("timeline of case %s: %w", ticket, err)
	}
	if v.Reporter || v.Handler || v.Office {
		if v.Evidence, err = evidenceOf(ctx, s.pool, v.Case, v.Handler || v.Office); err != nil {
			return v, err
		}
	}
	if v.Handler || v.Office {
		if err := s.pool.QueryRow(ctx, refusalsSQL, v.ID).Scan(&v.Refusals.Count, &v.Refusals.LastAt, &v.Refusals.LastAction); err != nil {
			return v, fmt.Errorf("refusals on case %s: %w", ticket, err)
		}
	}
	return v, nil
}

// Refusals are the refused attempts on a case, summed up.
type Refusals struct {
	Count  int
	LastAt *time.Time
	// LastAction is the message ID of the action last refused ("act_sign").
	LastAction string
}

// timelineSQL is a case's timeline without its refusals; internal events only for the
// handler and the offices ($2).
const timelineSQL = `SELECT id, case_id, at, actor_id, kind, from_status, to_status, note, internal, data
	FROM case_events WHERE case_id = $1 AND kind <> 'refused' AND (NOT internal OR $2) ORDER BY id`

// refusalsSQL sums up a case's refusals from their own index, however many there are.
const refusalsSQL = `SELECT count(*), max(at), coalesce((SELECT data->>'Action' FROM case_events
		WHERE case_id = $1 AND kind = 'refused' ORDER BY id DESC LIMIT 1), '')
	FROM case_events WHERE case_id = $1 AND kind = 'refused'`

// RecentOpenCase finds a reporter's case for the same unit and category filed in the last
// days and still open, so that a second report of the same problem can be added to it.
func (s *Store) RecentOpenCase(ctx context.Context, reporterID, unitID, categoryID int64, days int) (string, bool, error) {
	var no string
	err := s.pool.QueryRow(ctx, `SELECT ticket_no FROM cases
		WHERE reporter_id = $1 AND unit_id = $2 AND category_id = $3 AND created_at > $4
		AND status IN ('submitted', 'assigned', 'in_progress') ORDER BY created_at DESC LIMIT 1`,
		reporterID, unitID, categoryID, s.now().AddDate(0, 0, -days)).Scan(&no)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("recent case of reporter %d: %w", reporterID, err)
	}
	return no, true, nil
}

// EventInfoAdded is a reporter adding to their open case.
const EventInfoAdded = "info_added"

// AddInfo appends a reporter's further text and files to their own open case, and tells the
// handler it is assigned to. Idempotent by source, like Submit.
func (s *Store) AddInfo(ctx context.Context, reporterID int64, ticket, text, source string, files []Attachment) error {
	text = strings.TrimSpace(text)
	if intake.Blank(text) {
		text = ""
	}
	if err := checkWritten("added text", text, MaxDescription); err != nil {
		return fmt.Errorf("add to case %s: %w", ticket, err)
	}
	if text == "" && len(files) == 0 {
		return fmt.Errorf("add to case %s: nothing to add: %w", ticket, ErrInvalid)
	}
	return s.InTx(ctx, func(tx pgx.Tx) error {
		var id int64
		var status Status
		var chat *int64
		var lang *string
		err := tx.QueryRow(ctx, `SELECT c.id, c.status, p.chat_id, p.lang FROM cases c LEFT JOIN people p ON p.id = c.assignee_id
			WHERE c.ticket_no = $1 AND c.reporter_id = $2 FOR UPDATE OF c`, ticket, reporterID).Scan(&id, &status, &chat, &lang)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("add to case %s: %w", ticket, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("add to case %s: %w", ticket, err)
		}
		if status != StatusSubmitted && status != StatusAssigned && status != StatusInProgress {
			return fmt.Errorf("add to case %s (%s): %w", ticket, status, ErrIllegalTransition)
		}
		var seen bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_events WHERE case_id = $1 AND data->>'source' = $2)`, id, source).Scan(&seen); err != nil {
			return fmt.Errorf("add to case %s: %w", ticket, err)
		}
		if seen {
			return nil // a redelivered confirm: added already
		}
		var evID int64
		if err := tx.QueryRow(ctx, `INSERT INTO case_events (case_id, at, actor_id, kind, note, data)
			VALUES ($1, $2, $3, $4, $5, jsonb_build_object('source', $6::text)) RETURNING id`,
			id, s.now(), reporterID, EventInfoAdded, text, source).Scan(&evID); err != nil {
			return fmt.Errorf("add to case %s: %w", ticket, err)
		}
		if err := s.insertAttachments(ctx, tx, id, &evID, files); err != nil {
			return fmt.Errorf("add to case %s: %w", ticket, err)
		}
		if chat != nil {
			n := Notification{ChatID: *chat, MessageID: NoticeInfoAdded, CaseID: id, Data: map[string]any{"TicketNo": ticket, "Text": text}}
			if len(files) > 0 {
				// What was added, and a button that sends just that.
				ev := filesEvidence(files)
				n.Evidence = &ev
				n.Buttons = [][]NotificationButton{{{MessageID: NoticeBtnEvidence, Data: EvidenceButton + ":" + ticket + ":" + strconv.FormatInt(evID, 10)}}}
			}
			if lang != nil {
				n.Lang = *lang
			}
			return s.NotifyTx(ctx, tx, n)
		}
		return nil
	})
}
