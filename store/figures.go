package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Figures are the campaign's figures (DESIGN.md §5) for a region, its sub-regions included,
// and a period of the city's local days. They are computed from the ledger and its events
// alone, so the same question asked twice gives the same answer. Each is defined once, here:
//
//   - Found: cases filed in the period.
//   - Assigned, Signed, Resolved, Closed, Rejected, Merged, HandedBack, Rehandled: cases
//     with at least one such event in the period (assigned: any event that leaves the case
//     assigned — an assignment, a reassignment, a re-handle; closed: any that closes it —
//     the reporter's rating, no rating in the window, a write-off). A case counts once
//     however many times it went through the step.
//   - Open (by status) and Overdue: now, whatever the period. Open is every case not yet
//     closed out (submitted, assigned, in progress, resolved and waiting for its rating);
//     overdue is an assigned or in-progress case whose next limit has passed, as /overdue
//     lists them.
//   - Feedbacks, Solved, Satisfied: the reporters' answers given in the period (a case
//     re-handled is asked again, and each answer counts).
//   - the response and on-time resolution rates: see Figures.Response and
//     Figures.OnTimeResolution.
type Figures struct {
	// RegionID is the region asked about; 0 is the whole city.
	RegionID int64
	// From and To are the local midnights that bound the period: [From, To).
	From, To time.Time
	// Now is the moment "now" means for the open, overdue and limits that have passed.
	Now time.Time

	Found, Assigned, Signed, Resolved, Closed, Rejected, Merged, HandedBack, Rehandled int

	// The open cases now, by status: waiting for triage, for sign-for, in hand, and resolved
	// waiting for the reporter's rating.
	OpenSubmitted, OpenAssigned, OpenInProgress, OpenResolved int
	Overdue                                                   int

	Feedbacks, Solved, Satisfied int

	// Assignments made in the period whose answer is due: answered (signed for or handed
	// back), or still unanswered past their sign-for limit. An assignment replaced (by a
	// reassignment, a merge) before its limit without an answer, and one still within its
	// limit, are left out. ResponsesInTime: answered by the limit.
	ResponsesDue, ResponsesInTime int
	// Resolve limits that fell in the period and have passed: one for each assignment (its
	// limit, or the one a granted extension moved it to), counted where that limit falls.
	// An assignment that ended without a result (handed back, reassigned, merged) before its
	// limit is left out. ResolvesInTime: resolved by the limit.
	ResolvesDue, ResolvesInTime int

	// The breakdowns, each with its rows ordered by found, then open, then name.
	BySubRegion, ByCategory, ByWorkingGroup, ByHandlingUnit []FigureRow
}

// FigureRow is one line of a breakdown: what its cases did in the period and how they
// stand now.
type FigureRow struct {
	// Key identifies the line: a region's code; a category's id; a working group's code; a
	// handling unit's name. "" is the cases with none (no category, a category of no working
	// group, not assigned).
	Key string
	// Name and NameEn name the line in Chinese and English (one name for a handling unit).
	Name, NameEn string
	// Self, in BySubRegion: the cases filed in the region itself, not in one below it.
	Self bool

	Found, Resolved, Open, Overdue int
	// The line's open cases now by status (they add up to Open), and its reporters' answers
	// in the period, as for the whole.
	OpenSubmitted, OpenAssigned, OpenInProgress, OpenResolved int
	Feedbacks, Satisfied                                      int
}

// Satisfaction (满意率) of the line, defined as Figures.Satisfaction.
func (r FigureRow) Satisfaction() Rate { return Rate{r.Satisfied, r.Feedbacks} }

// Open is how many cases are not closed out now.
func (f Figures) Open() int {
	return f.OpenSubmitted + f.OpenAssigned + f.OpenInProgress + f.OpenResolved
}

// Rate is a ratio and its parts; with no denominator it is undefined (shown "—").
type Rate struct{ Num, Den int }

// Defined tells whether the rate has a denominator.
func (r Rate) Defined() bool { return r.Den > 0 }

// Percent is the rate in per cent; 0 when undefined.
func (r Rate) Percent() float64 {
	if r.Den == 0 {
		return 0
	}
	return 100 * float64(r.Num) / float64(r.Den)
}

// Response (响应率): assignments answered (signed for or handed back) within their sign-for
// limit ÷ assignments made in the period whose answer is due (13710's 1).
func (f Figures) Response() Rate { return Rate{f.ResponsesInTime, f.ResponsesDue} }

// OnTimeResolution (按时办结率): resolved by their resolve limit ÷ resolve limits that fell in
// the period.
func (f Figures) OnTimeResolution() Rate { return Rate{f.ResolvesInTime, f.ResolvesDue} }

// Solution (解决率): answers "solved" ÷ answers given in the period.
func (f Figures) Solution() Rate { return Rate{f.Solved, f.Feedbacks} }

// Satisfaction (满意率): answers "satisfied" or "basically satisfied" ÷ answers given in the
// period.
func (f Figures) Satisfaction() Rate { return Rate{f.Satisfied, f.Feedbacks} }

// RehandleRate (重办率): cases re-handled in the period ÷ cases resolved in the period.
func (f Figures) RehandleRate() Rate { return Rate{f.Rehandled, f.Resolved} }

// HandBackRate (退回率): cases handed back in the period ÷ cases assigned in the period.
func (f Figures) HandBackRate() Rate { return Rate{f.HandedBack, f.Assigned} }

// Day is the local midnight of t's day in the city.
func (s *Store) Day(t time.Time) time.Time {
	l := t.In(s.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.loc)
}

// FiguresParams ask for the figures of a region and a period.
type FiguresParams struct {
	// RegionID is the region, its sub-regions included; 0 is the whole city.
	RegionID int64
	// From and To are days (their date in the city counts, not their hour): the period runs
	// from the start of From up to, not including, the start of To.
	From, To time.Time
}

// figuresScope is the region tree under the region asked about ($1; 0 for every top
// region), each region with the sub-region it is counted under in BySubRegion: the region
// itself for its own cases, else the direct child it lies under (for the whole city, the
// top region).
const figuresScope = `WITH RECURSIVE scope(id, top, depth) AS (
		SELECT id, id, 0 FROM regions WHERE ($1::bigint = 0 AND parent_id IS NULL) OR id = $1::bigint
		UNION ALL
		SELECT r.id, CASE WHEN s.depth = 0 AND $1::bigint <> 0 THEN r.id ELSE s.top END, s.depth + 1
		FROM regions r JOIN scope s ON r.parent_id = s.id)`

// Figures computes the figures of a region and a period, at the store's now.
func (s *Store) Figures(ctx context.Context, p FiguresParams) (Figures, error) {
	f := Figures{RegionID: p.RegionID, From: s.Day(p.From), To: s.Day(p.To), Now: s.now()}
	if !f.From.Before(f.To) {
		return Figures{}, fmt.Errorf("figures from %s to %s: %w", f.From.Format(time.DateOnly), f.To.Format(time.DateOnly), ErrInvalid)
	}
	if err := s.figuresReady(ctx); err != nil {
		return Figures{}, fmt.Errorf("figures of region %d: %w", f.RegionID, err)
	}
	// One snapshot for the three queries, so that their figures reconcile however the ledger
	// moves meanwhile. Without JIT: the queries are planned anew for each period, and
	// compiling them cost seconds at a million cases, more than running them.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Figures{}, fmt.Errorf("figures of region %d: %w", f.RegionID, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a read-only transaction: nothing to undo
	if _, err := tx.Exec(ctx, "SET LOCAL jit = off"); err != nil {
		return Figures{}, fmt.Errorf("figures of region %d: %w", f.RegionID, err)
	}
	args, err := s.figureArgs(ctx, tx, &f)
	if err != nil {
		return Figures{}, err
	}
	if err := s.figureCounts(ctx, tx, &f, args); err != nil {
		return Figures{}, err
	}
	if err := s.figureResponses(ctx, tx, &f, args); err != nil {
		return Figures{}, err
	}
	if err := s.figureResolves(ctx, tx, &f, args); err != nil {
		return Figures{}, err
	}
	return f, nil
}

// figuresReady makes figure_days ready to be read: in the store's time zone, and with every
// case written since the last flush counted afresh.
func (s *Store) figuresReady(ctx context.Context) error {
	if err := s.figureZone(ctx); err != nil {
		return err
	}
	_, err := s.FlushFigures(ctx)
	return err
}

// flushBatch is how many marked cases one transaction of a flush counts afresh: a writer of
// one of them waits for that transaction.
const flushBatch = 500

// FlushFigures counts afresh the cases written since they were last counted (migration
// 00022: the transactions that write a case only mark it), in transactions of flushBatch,
// and returns how many. A case whose writer has not committed yet is left for the next
// flush.
func (s *Store) FlushFigures(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		if err := s.pool.QueryRow(ctx, "SELECT figure_flush($1)", flushBatch).Scan(&n); err != nil {
			return total, fmt.Errorf("count written cases afresh: %w", err)
		}
		total += n
		if n < flushBatch {
			return total, nil
		}
	}
}

// figureZone makes sure that figure_days counts the days of the store's time zone, and
// counts them afresh when the zone was another (figure_rebuild): with a city's ledger, once,
// when the zone is first set or changed.
func (s *Store) figureZone(ctx context.Context) error {
	zone := s.loc.String()
	var was string
	if err := s.pool.QueryRow(ctx, "SELECT zone FROM figure_zone").Scan(&was); err != nil {
		return fmt.Errorf("figures in time zone %s: %w", zone, err)
	}
	if was == zone {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT zone FROM figure_zone FOR UPDATE").Scan(&was); err != nil || was == zone {
			return err
		}
		slog.InfoContext(ctx, "figures: counting the days afresh in the city's time zone", "was", was, "zone", zone)
		_, err := tx.Exec(ctx, "SELECT figure_rebuild($1)", zone)
		return err
	})
	if err != nil {
		return fmt.Errorf("figures in time zone %s: %w", zone, err)
	}
	return nil
}

// inScope is the condition that the case c lies in the region asked about: none for the
// whole city, where every case does, so that the planner reads no more than it must.
func inScope(region int64) string { return inRegions(region, "$5") }

// inRegions is inScope with the regions in the parameter param.
func inRegions(region int64, param string) string { return inRegionsOf(region, "c", param) }

// inRegionsOf is inRegions of the rows named alias.
func inRegionsOf(region int64, alias, param string) string {
	if region == 0 {
		return "true"
	}
	return alias + ".region_id = ANY(" + param + ")"
}

// eventInRegions is the condition that the case of the event e lies in the region asked
// about, its regions in the parameter param: none for the whole city, else a semi-join on
// the region's cases.
func eventInRegions(region int64, param string) string {
	if region == 0 {
		return "true"
	}
	return "e.case_id IN (SELECT c.id FROM cases c WHERE " + inRegions(region, param) + ")"
}

// figureArgs are the arguments of the figures' queries: the region, the period, now, and for
// a region other than the whole city the regions it spans ($5), as an array the planner sees
// the length of, so that it reads a county's cases by their region rather than the city's.
func (s *Store) figureArgs(ctx context.Context, tx pgx.Tx, f *Figures) ([]any, error) {
	args := []any{f.RegionID, f.From, f.To, f.Now}
	if f.RegionID == 0 {
		return args, nil
	}
	regions, err := scopeRegions(ctx, tx, f.RegionID)
	if err != nil {
		return nil, fmt.Errorf("figures of region %d: %w", f.RegionID, err)
	}
	return append(args, regions), nil
}

// scopeRegions are the ids of a region and all below it.
func scopeRegions(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, region int64) ([]int64, error) {
	var regions []int64
	err := q.QueryRow(ctx, figuresScope+" SELECT coalesce(array_agg(id), '{}') FROM scope", region).Scan(&regions)
	return regions, err
}

// weekCounts counts Found and Resolved, as Figures defines them (cases filed in a span;
// cases resolved at least once in it), for each span between two bounds (local midnights),
// in one pass over figure_days: the trend of the bulletin and of the monthly report, which
// would otherwise ask for all the figures of every week.
func (s *Store) weekCounts(ctx context.Context, region int64, bounds []time.Time) ([]WeekCount, error) {
	if err := s.figuresReady(ctx); err != nil {
		return nil, fmt.Errorf("trend of region %d: %w", region, err)
	}
	days := make([]string, len(bounds))
	for i, b := range bounds {
		days[i] = b.In(s.loc).Format(time.DateOnly)
	}
	args := []any{days, days[0], days[len(days)-1]}
	if region != 0 {
		regions, err := scopeRegions(ctx, s.pool, region)
		if err != nil {
			return nil, fmt.Errorf("trend of region %d: %w", region, err)
		}
		args = append(args, regions)
	}
	// Each day's rows in the span they fall in (width_bucket), a case resolved counted on
	// its first day in that span.
	rows, err := s.pool.Query(ctx, `
		SELECT w, coalesce(sum(found), 0), coalesce(sum(resolved) FILTER (WHERE prev < ($1::date[])[w]), 0)
		FROM (SELECT width_bucket(d.day, $1::date[]) AS w, d.found, d.resolved, d.prev FROM figure_days d
			WHERE d.day >= $2::date AND d.day < $3::date AND d.assignee_id = -1 AND `+inRegionsOf(region, "d", "$4")+`) x
		GROUP BY w`, args...)
	if err != nil {
		return nil, fmt.Errorf("trend of region %d: %w", region, err)
	}
	out := make([]WeekCount, len(bounds)-1)
	for i := range out {
		out[i].Monday = bounds[i]
	}
	var bucket, found, resolved int
	_, err = pgx.ForEachRow(rows, []any{&bucket, &found, &resolved}, func() error {
		if bucket >= 1 && bucket <= len(out) {
			out[bucket-1].Found, out[bucket-1].Resolved = found, resolved
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("trend of region %d: %w", region, err)
	}
	return out, nil
}

// figureLine is one row of the counts' query: the totals (g = 15) or one line of a
// breakdown (g names the grouping set, as GROUPING() numbers it).
type figureLine struct {
	G            int     `db:"g"`
	Top          *int64  `db:"top"`
	CategoryID   *int64  `db:"category_id"`
	WorkingGroup *string `db:"working_group"`
	Unit         *string `db:"unit"`
	RegionCode   *string `db:"region_code"`
	NameZh       *string `db:"name_zh"`
	NameEn       *string `db:"name_en"`

	Found      int `db:"found"`
	Assigned   int `db:"assigned"`
	Signed     int `db:"signed"`
	Resolved   int `db:"resolved"`
	Closed     int `db:"closed"`
	Rejected   int `db:"rejected"`
	Merged     int `db:"merged"`
	HandedBack int `db:"handed_back"`
	Rehandled  int `db:"rehandled"`
	Feedbacks  int `db:"feedbacks"`
	Solved     int `db:"solved"`
	Satisfied  int `db:"satisfied"`
	Submitted  int `db:"open_submitted"`
	AssignedN  int `db:"open_assigned"`
	InProgress int `db:"open_in_progress"`
	ResolvedN  int `db:"open_resolved"`
	Overdue    int `db:"overdue"`
}

// The grouping sets of the counts' query, as GROUPING(top, category_id, working_group, unit)
// numbers them.
const (
	groupTotal    = 15
	groupRegion   = 7
	groupCategory = 11
	groupGroup    = 13
	groupUnit     = 14
)

// figureCountsSQL is the counts' query of a region: $1 the region, [$2, $3) the period's
// days, $4 now, $5 the regions it spans (figureArgs). What the cases did
// in the period is summed from figure_days (migration 00022), each case once a step: the day
// it first went through it in the period is the one whose prev falls before it; the open
// and overdue are read from the open cases now. The lines of the breakdowns by region,
// category and working group are summed from its rows by category, those by handling unit
// from its rows by assignee, and a line is there when one of its cases was filed, did
// something or is open.
func figureCountsSQL(region int64) string {
	sums := `sum(d.found) AS found, sum(d.assigned) AS assigned, sum(d.signed) AS signed,
				sum(d.resolved) AS resolved, sum(d.closed) AS closed, sum(d.rejected) AS rejected, sum(d.merged) AS merged,
				sum(d.handed_back) AS handed_back, sum(d.rehandled) AS rehandled, sum(d.touched) AS touched,
				sum(d.feedbacks) AS feedbacks, sum(d.solved) AS solved, sum(d.satisfied) AS satisfied,
				0 AS open_submitted, 0 AS open_assigned, 0 AS open_in_progress, 0 AS open_resolved, 0 AS overdue`
	open := `0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				count(*) FILTER (WHERE c.status = 'submitted'), count(*) FILTER (WHERE c.status = 'assigned'),
				count(*) FILTER (WHERE c.status = 'in_progress'), count(*) FILTER (WHERE c.status = 'resolved'),
				count(*) FILTER (WHERE c.status IN ('assigned', 'in_progress') AND ` + nextDue + ` < $4)`
	days := `figure_days d WHERE d.day >= $2::date AND d.day < $3::date AND d.prev < $2::date AND ` + inRegionsOf(region, "d", "$5")
	opened := `cases c WHERE c.status IN ('submitted', 'assigned', 'in_progress', 'resolved') AND ` + inScope(region)
	counts := `sum(found)::bigint AS found, sum(assigned)::bigint AS assigned, sum(signed)::bigint AS signed,
				sum(resolved)::bigint AS resolved, sum(closed)::bigint AS closed, sum(rejected)::bigint AS rejected,
				sum(merged)::bigint AS merged, sum(handed_back)::bigint AS handed_back, sum(rehandled)::bigint AS rehandled,
				sum(feedbacks)::bigint AS feedbacks, sum(solved)::bigint AS solved, sum(satisfied)::bigint AS satisfied,
				sum(open_submitted)::bigint AS open_submitted, sum(open_assigned)::bigint AS open_assigned,
				sum(open_in_progress)::bigint AS open_in_progress, sum(open_resolved)::bigint AS open_resolved,
				sum(overdue)::bigint AS overdue`
	some := `sum(found) + sum(touched) + sum(open_submitted) + sum(open_assigned) + sum(open_in_progress) + sum(open_resolved) > 0`
	return figuresScope + `,
		by_category AS (
			SELECT d.region_id, nullif(d.category_id, 0) AS category_id, ` + sums + `
			FROM ` + days + ` AND d.assignee_id = -1 GROUP BY d.region_id, d.category_id
			UNION ALL
			SELECT c.region_id, c.category_id, ` + open + `
			FROM ` + opened + ` GROUP BY c.region_id, c.category_id),
		by_assignee AS (
			SELECT d.region_id, nullif(d.assignee_id, 0) AS assignee_id, ` + sums + `
			FROM ` + days + ` AND d.category_id = -1 GROUP BY d.region_id, d.assignee_id
			UNION ALL
			SELECT c.region_id, c.assignee_id, ` + open + `
			FROM ` + opened + ` GROUP BY c.region_id, c.assignee_id),
		grouped AS (
			SELECT 2 * GROUPING(s.top, x.category_id, k.working_group) + 1 AS g, s.top, x.category_id, k.working_group,
				NULL::text AS unit, ` + counts + `
			FROM by_category x JOIN scope s ON s.id = x.region_id LEFT JOIN categories k ON k.id = x.category_id
			GROUP BY GROUPING SETS ((), (s.top), (x.category_id), (k.working_group))
			HAVING GROUPING(s.top, x.category_id, k.working_group) = 7 OR ` + some + `
			UNION ALL
			SELECT 14, NULL, NULL, NULL, coalesce(nullif(h.department, ''), h.name), ` + counts + `
			FROM by_assignee x JOIN scope s ON s.id = x.region_id LEFT JOIN people h ON h.id = x.assignee_id
			GROUP BY coalesce(nullif(h.department, ''), h.name)
			HAVING ` + some + `)
		SELECT g.g, g.top, g.category_id, g.working_group, g.unit, r.code AS region_code,
			coalesce(r.name, k.name_zh, w.name_zh) AS name_zh, coalesce(r.name, k.name_en, w.name_en) AS name_en,
			coalesce(g.found, 0) AS found, coalesce(g.assigned, 0) AS assigned, coalesce(g.signed, 0) AS signed,
			coalesce(g.resolved, 0) AS resolved, coalesce(g.closed, 0) AS closed, coalesce(g.rejected, 0) AS rejected,
			coalesce(g.merged, 0) AS merged, coalesce(g.handed_back, 0) AS handed_back, coalesce(g.rehandled, 0) AS rehandled,
			coalesce(g.feedbacks, 0) AS feedbacks, coalesce(g.solved, 0) AS solved, coalesce(g.satisfied, 0) AS satisfied,
			coalesce(g.open_submitted, 0) AS open_submitted, coalesce(g.open_assigned, 0) AS open_assigned,
			coalesce(g.open_in_progress, 0) AS open_in_progress, coalesce(g.open_resolved, 0) AS open_resolved,
			coalesce(g.overdue, 0) AS overdue
		FROM grouped g LEFT JOIN regions r ON g.g = 7 AND r.id = g.top
			LEFT JOIN categories k ON g.g = 11 AND k.id = g.category_id
			LEFT JOIN working_groups w ON g.g = 13 AND w.code = g.working_group`
}

// figureCounts fills the counts and the breakdowns in one query: the period's rows of
// figure_days read by day (its primary key), the cases open now from the index that covers
// them (cases_open_figures_idx).
func (s *Store) figureCounts(ctx context.Context, tx pgx.Tx, f *Figures, args []any) error {
	rows, err := tx.Query(ctx, figureCountsSQL(f.RegionID), args...)
	if err != nil {
		return fmt.Errorf("figures of region %d: %w", f.RegionID, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByName[figureLine])
	if err != nil {
		return fmt.Errorf("figures of region %d: %w", f.RegionID, err)
	}
	for _, l := range lines {
		f.add(l)
	}
	for _, rs := range []*[]FigureRow{&f.BySubRegion, &f.ByCategory, &f.ByWorkingGroup, &f.ByHandlingUnit} {
		slices.SortFunc(*rs, func(a, b FigureRow) int {
			if a.Found != b.Found {
				return b.Found - a.Found
			}
			if a.Open != b.Open {
				return b.Open - a.Open
			}
			if a.Name != b.Name {
				if a.Name < b.Name {
					return -1
				}
				return 1
			}
			if a.Key < b.Key {
				return -1
			}
			return 1
		})
	}
	return nil
}

// add puts one line of the counts' query where it belongs.
func (f *Figures) add(l figureLine) {
	row := FigureRow{Name: deref(l.NameZh), NameEn: deref(l.NameEn), Found: l.Found, Resolved: l.Resolved,
		Open: l.Submitted + l.AssignedN + l.InProgress + l.ResolvedN, Overdue: l.Overdue,
		OpenSubmitted: l.Submitted, OpenAssigned: l.AssignedN, OpenInProgress: l.InProgress, OpenResolved: l.ResolvedN,
		Feedbacks: l.Feedbacks, Satisfied: l.Satisfied}
	switch l.G {
	case groupTotal:
		f.Found, f.Assigned, f.Signed, f.Resolved, f.Closed = l.Found, l.Assigned, l.Signed, l.Resolved, l.Closed
		f.Rejected, f.Merged, f.HandedBack, f.Rehandled = l.Rejected, l.Merged, l.HandedBack, l.Rehandled
		f.Feedbacks, f.Solved, f.Satisfied = l.Feedbacks, l.Solved, l.Satisfied
		f.OpenSubmitted, f.OpenAssigned, f.OpenInProgress, f.OpenResolved = l.Submitted, l.AssignedN, l.InProgress, l.ResolvedN
		f.Overdue = l.Overdue
	case groupRegion:
		row.Key = deref(l.RegionCode)
		row.Self = l.Top != nil && *l.Top == f.RegionID
		f.BySubRegion = append(f.BySubRegion, row)
	case groupCategory:
		if l.CategoryID != nil {
			row.Key = strconv.FormatInt(*l.CategoryID, 10)
		}
		f.ByCategory = append(f.ByCategory, row)
	case groupGroup:
		row.Key = deref(l.WorkingGroup)
		f.ByWorkingGroup = append(f.ByWorkingGroup, row)
	case groupUnit:
		row.Key = deref(l.Unit)
		row.Name, row.NameEn = row.Key, row.Key
		f.ByHandlingUnit = append(f.ByHandlingUnit, row)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// figureResponses counts the assignments of the period whose answer is due, and those
// answered in time (13710's 1: signed for, or handed back, within the limit), from
// figure_days; those not answered nor replaced yet are due once their limit has passed,
// which is told now from figure_case_days.
func (s *Store) figureResponses(ctx context.Context, tx pgx.Tx, f *Figures, args []any) error {
	err := tx.QueryRow(ctx, `
		SELECT coalesce(sum(d.responses_due), 0) + (
				SELECT count(*) FROM figure_case_days p WHERE p.pending_sign_due IS NOT NULL AND p.day >= $1::date AND p.day < $2::date
					AND p.pending_sign_due < $3 AND `+inRegionsOf(f.RegionID, "p", "$4")+`),
			coalesce(sum(d.responses_in_time), 0)
		FROM figure_days d WHERE d.day >= $1::date AND d.day < $2::date AND d.assignee_id = -1 AND `+inRegionsOf(f.RegionID, "d", "$4"),
		args[1:]...).Scan(&f.ResponsesDue, &f.ResponsesInTime)
	if err != nil {
		return fmt.Errorf("response rate of region %d: %w", f.RegionID, err)
	}
	return nil
}

// figureResolves counts the resolve limits that fell in the period and have passed, and
// those met: of the days before today from figure_days; of today, up to now, from the
// events that set them (an assignment, a granted extension), found by the time they fall
// (case_events_resolve_due_idx), one a later extension moved being the later one's to count.
func (s *Store) figureResolves(ctx context.Context, tx pgx.Tx, f *Figures, args []any) error {
	today := s.Day(f.Now)
	before := f.To
	if today.Before(before) {
		before = today
	}
	if f.From.Before(before) {
		err := tx.QueryRow(ctx, `
			SELECT coalesce(sum(d.resolves_due), 0), coalesce(sum(d.resolves_in_time), 0)
			FROM figure_days d WHERE d.day >= $1::date AND d.day < $2::date AND d.assignee_id = -1 AND `+inRegionsOf(f.RegionID, "d", "$3"),
			append([]any{f.From, before}, args[4:]...)...).Scan(&f.ResolvesDue, &f.ResolvesInTime)
		if err != nil {
			return fmt.Errorf("on-time resolution of region %d: %w", f.RegionID, err)
		}
	}
	from, to := f.From, f.To
	if from.Before(today) {
		from = today
	}
	if f.Now.Before(to) {
		to = f.Now
	}
	if !from.Before(to) {
		return nil
	}
	var due, inTime int
	err := tx.QueryRow(ctx, `
		WITH l AS (
			SELECT e.id, e.case_id, e.resolve_due_at AS due FROM case_events e
			WHERE e.resolve_due_at >= $1 AND e.resolve_due_at < $2 AND `+eventInRegions(f.RegionID, "$3")+`),
		outcome AS (
			SELECT CASE WHEN n.kind = 'extension_granted' THEN false
					WHEN n.kind = 'resolved' OR n.kind IS NULL THEN true
					ELSE n.at >= l.due END AS due,
				coalesce(n.kind = 'resolved' AND n.at <= l.due, false) AS in_time
			FROM l LEFT JOIN LATERAL (
				SELECT n.kind, n.at FROM case_events n
				WHERE n.case_id = l.case_id AND n.id > l.id
					AND (n.kind IN ('resolved', 'handed_back', 'merged', 'extension_granted') OR n.to_status = 'assigned')
				ORDER BY n.id LIMIT 1) n ON true)
		SELECT count(*) FILTER (WHERE due), count(*) FILTER (WHERE due AND in_time) FROM outcome`,
		append([]any{from, to}, args[4:]...)...).Scan(&due, &inTime)
	if err != nil {
		return fmt.Errorf("on-time resolution of region %d: %w", f.RegionID, err)
	}
	f.ResolvesDue += due
	f.ResolvesInTime += inTime
	return nil
}

// FiguresRegion is the region whose figures a person sees, and its name: an admin and a
// working group's lead see the whole city (0, and the name of the top region); an office,
// the region of its office (the first, for a member of several). Anyone else is
// ErrForbidden.
func (s *Store) FiguresRegion(ctx context.Context, a Actor) (int64, string, error) {
	all, regions := officeScope(a)
	var id int64
	switch {
	case all || a.Has(RoleAdmin):
	case len(regions) > 0:
		id = regions[0]
	default:
		return 0, "", fmt.Errorf("figures for %d: %w", a.PersonID, ErrForbidden)
	}
	name, err := s.RegionName(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, "", fmt.Errorf("figures for %d: %w", a.PersonID, err)
	}
	return id, name, nil
}

// RegionName is the name of a region as the figures name it: 0 is the whole city, named as
// its top region.
func (s *Store) RegionName(ctx context.Context, id int64) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, "SELECT name FROM regions WHERE id = $1 OR ($1 = 0 AND parent_id IS NULL) ORDER BY id LIMIT 1", id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("region %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("region %d: %w", id, err)
	}
	return name, nil
}
