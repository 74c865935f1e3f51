package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LedgerRow is one row of the ledger (问题台账) as the monthly workbook lists it: a case filed
// in the period, where it stands now, the dates of its steps and whether its limits were met.
type LedgerRow struct {
	ID       int64  `db:"id"`
	TicketNo string `db:"ticket_no"`
	// Unit and CreditCode (统一社会信用代码) name the unit the problem was raised for; "" when
	// it was raised for none.
	Unit       string `db:"unit"`
	CreditCode string `db:"credit_code"`
	// Region is where the case was filed; SubRegion the line of Figures.BySubRegion it is
	// counted under (the region asked about itself, or the sub-region it lies in).
	RegionCode    string `db:"region_code"`
	Region        string `db:"region"`
	SubRegionCode string `db:"sub_region_code"`
	SubRegion     string `db:"sub_region"`
	// SubRegionSelf: the case was filed in the region asked about, not in one below it.
	SubRegionSelf bool `db:"sub_region_self"`
	// Category and WorkingGroup in Chinese and English; the working group is the category's,
	// as Figures.ByWorkingGroup counts it. "" when none.
	Category       string `db:"category"`
	CategoryEn     string `db:"category_en"`
	WorkingGroup   string `db:"working_group"`
	WorkingGroupEn string `db:"working_group_en"`
	Complexity     string `db:"complexity"`
	Urgency        string `db:"urgency"`
	Status         Status `db:"status"`
	// Handler is the person the case is assigned to now; "" when none.
	Handler string `db:"handler"`

	// The dates of the steps, as the case holds them now (a re-handle or a reassignment
	// starts the later ones again).
	FiledAt         time.Time  `db:"filed_at"`
	AssignedAt      *time.Time `db:"assigned_at"`
	SignedAt        *time.Time `db:"signed_at"`
	FirstFeedbackAt *time.Time `db:"first_feedback_at"`
	ResolvedAt      *time.Time `db:"resolved_at"`
	ClosedAt        *time.Time `db:"closed_at"`

	// The limits of the case's last assignment (13710, DESIGN.md §4.1), each met, missed or
	// not yet due; LimitNone for a case never assigned.
	Sign, Feedback, Resolve LimitOutcome `db:"-"`

	Urges      int `db:"urge_count"`
	Extensions int `db:"extensions"`
	Rehandles  int `db:"rehandle_count"`
	HandBacks  int `db:"handback_count"`
	// Solved and Satisfaction are the reporter's last answer; nil before any.
	Solved       *bool   `db:"solved"`
	Satisfaction *string `db:"satisfaction"`

	// The raw times the outcomes are judged from, kept out of the workbook.
	SignDue      *time.Time `db:"sign_due"`
	Answered     *time.Time `db:"answered"`
	FeedbackDue  *time.Time `db:"feedback_due"`
	FedBack      *time.Time `db:"fed_back"`
	ResolveDue   *time.Time `db:"resolve_due"`
	ResolvedOnce *time.Time `db:"resolved_once"`
	Ended        *time.Time `db:"ended"`
	MergedAt     *time.Time `db:"merged_at"`
}

// LimitOutcome is how a case stands against one of its limits.
type LimitOutcome string

const (
	LimitNone   LimitOutcome = ""       // never assigned: no limit
	LimitMet    LimitOutcome = "met"    // done by the limit
	LimitMissed LimitOutcome = "missed" // done after it, or not done and the limit has passed
	LimitOpen   LimitOutcome = "open"   // not done yet, and the limit has not come
)

// outcome judges one limit: done is when it was done, ended when the assignment ended
// without it (a merge; for feedback and resolve also a hand-back). An assignment that ended
// before its limit owes nothing, as the figures leave it out.
func outcome(due, done, ended *time.Time, now time.Time) LimitOutcome {
	switch {
	case due == nil:
		return LimitNone
	case done != nil && (ended == nil || !ended.Before(*done)):
		if done.After(*due) {
			return LimitMissed
		}
		return LimitMet
	case ended != nil:
		if ended.After(*due) {
			return LimitMissed
		}
		return LimitNone
	case now.After(*due):
		return LimitMissed
	}
	return LimitOpen
}

// LedgerParams ask for the ledger of a region and a period, as FiguresParams do.
type LedgerParams struct {
	FiguresParams
	// FiledBefore, when set, leaves out the cases filed after it: given the Now of
	// figures computed first, the rows are the cases those figures found, even for a period
	// still running while cases are filed.
	FiledBefore time.Time
}

// Ledger calls each for every case filed in the period in the region or below it (and not
// after p.FiledBefore, when set), oldest
// first, one row at a time, so that a city's hundreds of thousands of cases are never held
// at once. Its rows are the cases Figures counts as found. An error from each stops it and
// is returned.
//
// The limits are those the case's last assignment recorded (sign-for, and resolve as a
// granted extension moved it, as the figures read them), and the feedback limit the case
// holds from that assignment. Answering the sign-for limit is signing for or handing back;
// the feedback limit, the first progress or result after the assignment.
func (s *Store) Ledger(ctx context.Context, p LedgerParams, each func(LedgerRow) error) error {
	from, to, now := s.Day(p.From), s.Day(p.To), s.now()
	var before *time.Time
	if !p.FiledBefore.IsZero() {
		before = &p.FiledBefore
	}
	if !from.Before(to) {
		return fmt.Errorf("ledger from %s to %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), ErrInvalid)
	}
	rows, err := s.pool.Query(ctx, figuresScope+`
		SELECT c.id, c.ticket_no, coalesce(u.name, '') AS unit, coalesce(u.credit_code, '') AS credit_code,
			r.code AS region_code, r.name AS region, t.code AS sub_region_code, t.name AS sub_region,
			s.top = $1::bigint AS sub_region_self,
			coalesce(k.name_zh, '') AS category, coalesce(k.name_en, '') AS category_en,
			coalesce(w.name_zh, '') AS working_group, coalesce(w.name_en, '') AS working_group_en,
			c.complexity, c.urgency, c.status, coalesce(h.name, '') AS handler,
			c.created_at AS filed_at, c.assigned_at, c.signed_at, c.first_feedback_at, c.resolved_at, c.closed_at,
			c.urge_count, c.rehandle_count, c.handback_count, c.solved, c.satisfaction,
			e.extensions, a.sign_due_at AS sign_due,
			CASE WHEN a.id IS NOT NULL THEN c.feedback_due_at END AS feedback_due,
			e.resolve_due, e.answered, e.fed_back, e.resolved_once, e.ended, e.merged_at
		FROM cases c JOIN scope s ON s.id = c.region_id
			JOIN regions r ON r.id = c.region_id JOIN regions t ON t.id = s.top
			LEFT JOIN units u ON u.id = c.unit_id
			LEFT JOIN categories k ON k.id = c.category_id LEFT JOIN working_groups w ON w.code = k.working_group
			LEFT JOIN people h ON h.id = c.assignee_id
			LEFT JOIN LATERAL (
				SELECT x.id, x.sign_due_at FROM case_events x
				WHERE x.case_id = c.id AND x.to_status = 'assigned' AND x.sign_due_at IS NOT NULL
				ORDER BY x.id DESC LIMIT 1) a ON true
			LEFT JOIN LATERAL (
				SELECT count(*) FILTER (WHERE x.kind = 'extension_granted')::int AS extensions,
					(array_agg(x.resolve_due_at ORDER BY x.id DESC) FILTER (WHERE x.id >= a.id AND x.resolve_due_at IS NOT NULL))[1] AS resolve_due,
					min(x.at) FILTER (WHERE x.id > a.id AND x.kind IN ('signed', 'handed_back')) AS answered,
					min(x.at) FILTER (WHERE x.id > a.id AND x.kind IN ('progress', 'resolved')) AS fed_back,
					min(x.at) FILTER (WHERE x.id > a.id AND x.kind = 'resolved') AS resolved_once,
					min(x.at) FILTER (WHERE x.id > a.id AND x.kind IN ('handed_back', 'merged')) AS ended,
					min(x.at) FILTER (WHERE x.id > a.id AND x.kind = 'merged') AS merged_at
				FROM case_events x WHERE x.case_id = c.id) e ON true
		WHERE c.created_at >= $2 AND c.created_at < $3 AND ($4::timestamptz IS NULL OR c.created_at <= $4)
		ORDER BY c.created_at, c.id`, p.RegionID, from, to, before)
	if err != nil {
		return fmt.Errorf("ledger of region %d: %w", p.RegionID, err)
	}
	defer rows.Close()
	// Scanned by position into one row, not by name: naming the fields by reflection took
	// half the time of a city's month of rows.
	var r LedgerRow
	dest := []any{&r.ID, &r.TicketNo, &r.Unit, &r.CreditCode, &r.RegionCode, &r.Region, &r.SubRegionCode, &r.SubRegion,
		&r.SubRegionSelf, &r.Category, &r.CategoryEn, &r.WorkingGroup, &r.WorkingGroupEn, &r.Complexity, &r.Urgency, &r.Status,
		&r.Handler, &r.FiledAt, &r.AssignedAt, &r.SignedAt, &r.FirstFeedbackAt, &r.ResolvedAt, &r.ClosedAt,
		&r.Urges, &r.Rehandles, &r.HandBacks, &r.Solved, &r.Satisfaction, &r.Extensions, &r.SignDue, &r.FeedbackDue,
		&r.ResolveDue, &r.Answered, &r.FedBack, &r.ResolvedOnce, &r.Ended, &r.MergedAt}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("ledger of region %d: %w", p.RegionID, err)
		}
		r.Sign = outcome(r.SignDue, r.Answered, r.MergedAt, now)
		r.Feedback = outcome(r.FeedbackDue, r.FedBack, r.Ended, now)
		r.Resolve = outcome(r.ResolveDue, r.ResolvedOnce, r.Ended, now)
		if err := each(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger of region %d: %w", p.RegionID, err)
	}
	return nil
}

// LedgerRegion is the region a ledger is asked for by its code, and its name: "" is the whole
// city (0, named as its top region). An unknown code is ErrNotFound.
func (s *Store) LedgerRegion(ctx context.Context, code string) (int64, string, error) {
	var id int64
	var name string
	err := s.pool.QueryRow(ctx, `SELECT CASE WHEN $1 = '' THEN 0 ELSE id END, name FROM regions
		WHERE code = $1 OR ($1 = '' AND parent_id IS NULL) ORDER BY id LIMIT 1`, code).Scan(&id, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", fmt.Errorf("region %q: %w", code, ErrNotFound)
	}
	if err != nil {
		return 0, "", fmt.Errorf("region %q: %w", code, err)
	}
	return id, name, nil
}
