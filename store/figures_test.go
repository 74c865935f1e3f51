package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
)

// ledgerDriver drives cases of the demo county through random legal transitions with a
// clock that moves forward, through the store's own methods.
type ledgerDriver struct {
	t        *testing.T
	s        *store.Store
	now      *time.Time
	rnd      *rand.Rand
	office   int64
	handlers []int64
	units    []struct{ id, region, reporter int64 }
	county   int64
	cats     []int64
	cases    map[string]store.Case // by ticket, as the store last returned it
	tickets  []string
}

func newLedgerDriver(t *testing.T, seed uint64) *ledgerDriver {
	t.Helper()
	ctx := context.Background()
	s, now := demoStore(t)
	d := &ledgerDriver{t: t, s: s, now: now, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), cases: map[string]store.Case{}}
	q := func(sql string, args ...any) []int64 {
		rows, err := s.Pool().Query(ctx, sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	d.office = q("SELECT id FROM people WHERE code = 'P017'")[0]
	d.handlers = q("SELECT id FROM people WHERE code BETWEEN 'P001' AND 'P016' ORDER BY code")
	d.county = q("SELECT id FROM regions WHERE code = 'HQ-YL'")[0]
	d.cats = q("SELECT id FROM categories WHERE unit_kind = 'enterprise' ORDER BY position")
	rows, err := s.Pool().Query(ctx, `SELECT u.id, u.region_id, r.person_id FROM units u JOIN person_roles r ON r.unit_id = u.id AND r.role = 'reporter'
		WHERE u.kind = 'enterprise' ORDER BY u.code`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u struct{ id, region, reporter int64 }
		if err := rows.Scan(&u.id, &u.region, &u.reporter); err != nil {
			t.Fatal(err)
		}
		d.units = append(d.units, u)
	}
	if rows.Err() != nil || len(d.units) == 0 || len(d.handlers) != 16 {
		t.Fatalf("demo: %v, %d units, %d handlers", rows.Err(), len(d.units), len(d.handlers))
	}
	return d
}

// file submits a new case: mostly for a unit, some filed at the county itself, some with
// no category; a few go straight to the unit's linked cadre.
func (d *ledgerDriver) file() {
	u := d.units[d.rnd.IntN(len(d.units))]
	p := store.SubmitParams{RegionID: u.region, UnitID: &u.id, ReporterID: &u.reporter, Description: "问题 " + strconv.Itoa(len(d.tickets)),
		Route: d.rnd.IntN(4) == 0, Urgent: d.rnd.IntN(8) == 0}
	if d.rnd.IntN(6) == 0 {
		p.RegionID = d.county
	}
	if d.rnd.IntN(10) > 0 {
		p.CategoryID = &d.cats[d.rnd.IntN(len(d.cats))]
	}
	c, err := d.s.Submit(context.Background(), p)
	if err != nil {
		d.t.Fatalf("submit: %v", err)
	}
	d.cases[c.TicketNo] = c.Case
	d.tickets = append(d.tickets, c.TicketNo)
}

// step takes one random action on a random case, as its status allows. Refusals the rules
// give (a hand-back past its window, an extension too late) change nothing and are fine.
func (d *ledgerDriver) step() {
	ctx := context.Background()
	no := d.tickets[d.rnd.IntN(len(d.tickets))]
	c := d.cases[no]
	office := store.ActParams{Ticket: no, ActorID: d.office, Note: "处理意见"}
	var handler store.ActParams
	if c.AssigneeID != nil {
		handler = store.ActParams{Ticket: no, ActorID: *c.AssigneeID, Note: "办理情况"}
	}
	assign := func() (store.Case, error) {
		cx := store.Ordinary
		if d.rnd.IntN(5) == 0 {
			cx = store.Complex
		}
		p := store.AssignParams{ActParams: office, AssigneeID: d.handlers[d.rnd.IntN(len(d.handlers))], Complexity: cx}
		if d.rnd.IntN(4) == 0 {
			// The office corrects the category at triage: the case moves to another line.
			p.CategoryID = &d.cats[d.rnd.IntN(len(d.cats))]
		}
		got, err := d.s.Assign(ctx, p)
		if err == nil {
			d.checkStamps(got, got.SignDueAt, got.ResolveDueAt)
		}
		return got, err
	}
	merge := func() (store.Case, error) {
		into := d.tickets[d.rnd.IntN(len(d.tickets))]
		if s := d.cases[into].Status; into == no || (s != store.StatusSubmitted && s != store.StatusAssigned && s != store.StatusInProgress) {
			return c, nil
		}
		return d.s.Merge(ctx, store.MergeParams{ActParams: office, Into: into})
	}
	var got store.Case
	var err error
	r := d.rnd.IntN(100)
	switch c.Status {
	case store.StatusSubmitted:
		switch {
		case r < 75:
			got, err = assign()
		case r < 90:
			got, err = d.s.Reject(ctx, office)
		default:
			got, err = merge()
		}
	case store.StatusAssigned:
		switch {
		case r < 70:
			got, err = d.s.Sign(ctx, handler)
		case r < 82:
			got, err = d.s.HandBack(ctx, handler)
		case r < 94:
			got, err = assign()
		default:
			got, err = merge()
		}
	case store.StatusInProgress:
		switch {
		case c.ExtensionUntil != nil && r < 50:
			grant := d.rnd.IntN(2) == 0
			got, err = d.s.DecideExtension(ctx, office, grant)
			if err == nil && grant {
				d.checkStamps(got, nil, got.ResolveDueAt)
			}
		case r < 25:
			got, err = d.s.Progress(ctx, handler)
		case r < 70:
			got, err = d.s.Resolve(ctx, handler)
		case r < 80 && c.ExtensionUntil == nil && c.ResolveDueAt != nil:
			got, err = d.s.RequestExtension(ctx, store.ExtensionParams{ActParams: handler, Until: c.ResolveDueAt.Add(time.Duration(1+d.rnd.IntN(10)) * 24 * time.Hour)})
		case r < 90:
			got, err = assign()
		default:
			got, err = merge()
		}
	case store.StatusResolved:
		switch {
		case c.Satisfaction == nil && r < 70:
			sat := []string{store.Satisfied, store.BasicSatisfied, store.Unsatisfied}[d.rnd.IntN(3)]
			got, err = d.s.Feedback(ctx, store.FeedbackParams{ActParams: store.ActParams{Ticket: no, ActorID: *c.ReporterID}, Solved: d.rnd.IntN(3) > 0, Satisfaction: sat})
		case c.Satisfaction == nil:
			got, err = d.closeUnanswered(c)
		case c.Flagged && r < 60:
			got, err = d.s.Rehandle(ctx, office)
			if err == nil {
				d.checkStamps(got, got.SignDueAt, got.ResolveDueAt)
			}
		case c.Flagged:
			got, err = d.s.WriteOff(ctx, office)
		default:
			return
		}
	default:
		return
	}
	switch {
	case errors.Is(err, store.ErrTooLate), errors.Is(err, store.ErrIllegalTransition):
		return
	case err != nil:
		d.t.Fatalf("%s (%s): %v", no, c.Status, err)
	}
	if got.TicketNo == no {
		d.cases[no] = got
	}
	if got.MergedIntoID != nil {
		d.cases[no] = got
	}
}

// closeUnanswered runs the feedback timeout of the case's last resolve, as the job would.
func (d *ledgerDriver) closeUnanswered(c store.Case) (store.Case, error) {
	ctx := context.Background()
	var ev int64
	if err := d.s.Pool().QueryRow(ctx, "SELECT max(id) FROM case_events WHERE case_id = $1 AND kind = 'resolved'", c.ID).Scan(&ev); err != nil {
		d.t.Fatal(err)
	}
	closed, _, err := d.s.CloseUnanswered(ctx, store.FeedbackTimeout{CaseID: c.ID, EventID: ev})
	if err != nil || !closed {
		return c, err
	}
	return d.s.CaseByTicket(ctx, c.TicketNo)
}

// checkStamps: the event an assignment or a granted extension appended keeps the limits the
// case was given, which the figures measure by.
func (d *ledgerDriver) checkStamps(c store.Case, sign, resolve *time.Time) {
	var gotSign, gotResolve *time.Time
	if err := d.s.Pool().QueryRow(context.Background(), "SELECT sign_due_at, resolve_due_at FROM case_events WHERE case_id = $1 ORDER BY id DESC LIMIT 1",
		c.ID).Scan(&gotSign, &gotResolve); err != nil {
		d.t.Fatal(err)
	}
	same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	if !same(gotSign, sign) || !same(gotResolve, resolve) {
		d.t.Fatalf("%s: event limits %v %v, case %v %v", c.TicketNo, gotSign, gotResolve, sign, resolve)
	}
}

// ledger is everything the figures are made of, read back plainly.
type ledger struct {
	parent map[int64]*int64
	code   map[int64]string
	cases  []ledgerCase
	events map[int64][]ledgerEvent // by case, in id order
	group  map[int64]string        // a category's working group
}

type ledgerCase struct {
	id, region                                      int64
	category                                        *int64
	status                                          store.Status
	created                                         time.Time
	unit                                            string // the assignee's department (or name); "" when none
	signDue, feedbackDue, resolveDue, firstFeedback *time.Time
}

type ledgerEvent struct {
	id                  int64
	kind                string
	at                  time.Time
	to                  *string
	solved              bool
	satisfaction        string
	signDue, resolveDue *time.Time
}

func readLedger(t *testing.T, s *store.Store) ledger {
	t.Helper()
	ctx := context.Background()
	l := ledger{parent: map[int64]*int64{}, code: map[int64]string{}, events: map[int64][]ledgerEvent{}, group: map[int64]string{}}
	rows, _ := s.Pool().Query(ctx, "SELECT id, parent_id, code FROM regions")
	for rows.Next() {
		var id int64
		var p *int64
		var code string
		if err := rows.Scan(&id, &p, &code); err != nil {
			t.Fatal(err)
		}
		l.parent[id], l.code[id] = p, code
	}
	rows, _ = s.Pool().Query(ctx, "SELECT id, coalesce(working_group, '') FROM categories")
	for rows.Next() {
		var id int64
		var g string
		if err := rows.Scan(&id, &g); err != nil {
			t.Fatal(err)
		}
		l.group[id] = g
	}
	rows, _ = s.Pool().Query(ctx, `SELECT c.id, c.region_id, c.category_id, c.status, c.created_at,
		CASE WHEN c.assignee_id IS NULL THEN '' WHEN p.department = '' THEN p.name ELSE p.department END,
		c.sign_due_at, c.feedback_due_at, c.resolve_due_at, c.first_feedback_at
		FROM cases c LEFT JOIN people p ON p.id = c.assignee_id ORDER BY c.id`)
	for rows.Next() {
		var c ledgerCase
		if err := rows.Scan(&c.id, &c.region, &c.category, &c.status, &c.created, &c.unit, &c.signDue, &c.feedbackDue, &c.resolveDue, &c.firstFeedback); err != nil {
			t.Fatal(err)
		}
		l.cases = append(l.cases, c)
	}
	rows, err := s.Pool().Query(ctx, `SELECT case_id, id, kind, at, to_status, coalesce((data->>'Solved')::boolean, false),
		coalesce(data->>'Satisfaction', ''), sign_due_at, resolve_due_at FROM case_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var cid int64
		var e ledgerEvent
		if err := rows.Scan(&cid, &e.id, &e.kind, &e.at, &e.to, &e.solved, &e.satisfaction, &e.signDue, &e.resolveDue); err != nil {
			t.Fatal(err)
		}
		l.events[cid] = append(l.events[cid], e)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return l
}

// figureCounts are the figures compared: every count and the parts of every rate, and each
// breakdown as key → found, resolved, open, overdue.
type figureCounts struct {
	Found, Assigned, Signed, Resolved, Closed, Rejected, Merged, HandedBack, Rehandled int
	OpenSubmitted, OpenAssigned, OpenInProgress, OpenResolved, Overdue                 int
	Feedbacks, Solved, Satisfied                                                       int
	ResponsesDue, ResponsesInTime, ResolvesDue, ResolvesInTime                         int
	Rows                                                                               map[string][4]int
}

func countsOf(f store.Figures) figureCounts {
	c := figureCounts{f.Found, f.Assigned, f.Signed, f.Resolved, f.Closed, f.Rejected, f.Merged, f.HandedBack, f.Rehandled,
		f.OpenSubmitted, f.OpenAssigned, f.OpenInProgress, f.OpenResolved, f.Overdue, f.Feedbacks, f.Solved, f.Satisfied,
		f.ResponsesDue, f.ResponsesInTime, f.ResolvesDue, f.ResolvesInTime, map[string][4]int{}}
	for name, rows := range map[string][]store.FigureRow{"region": f.BySubRegion, "category": f.ByCategory, "group": f.ByWorkingGroup, "unit": f.ByHandlingUnit} {
		for _, r := range rows {
			c.Rows[name+":"+r.Key] = [4]int{r.Found, r.Resolved, r.Open, r.Overdue}
		}
	}
	return c
}

// recount computes the figures of a region (0: all) and [from, to) at now from the ledger,
// in Go, by the definitions of store.Figures.
func (l ledger) recount(region int64, from, to, now time.Time) figureCounts {
	out := figureCounts{Rows: map[string][4]int{}}
	// top is the sub-region a region counts under, ok whether it is in scope.
	top := func(id int64) (int64, bool) {
		for r := id; ; {
			p := l.parent[r]
			if r == region || (region == 0 && p == nil) {
				return r, true
			}
			if p == nil {
				return 0, false
			}
			if *p == region {
				return r, true
			}
			r = *p
		}
	}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, c := range l.cases {
		sub, ok := top(c.region)
		if !ok {
			continue
		}
		evs := l.events[c.id]
		has := func(match func(ledgerEvent) bool) bool {
			for _, e := range evs {
				if in(e.at) && match(e) {
					return true
				}
			}
			return false
		}
		kind := func(k string) func(ledgerEvent) bool { return func(e ledgerEvent) bool { return e.kind == k } }
		into := func(s string) func(ledgerEvent) bool {
			return func(e ledgerEvent) bool { return e.to != nil && *e.to == s }
		}
		count := func(n *int, yes bool) {
			if yes {
				*n++
			}
		}
		found, resolved := in(c.created), has(kind("resolved"))
		count(&out.Found, found)
		count(&out.Assigned, has(into("assigned")))
		count(&out.Signed, has(kind("signed")))
		count(&out.Resolved, resolved)
		count(&out.Closed, has(into("closed")))
		count(&out.Rejected, has(kind("rejected")))
		count(&out.Merged, has(kind("merged")))
		count(&out.HandedBack, has(kind("handed_back")))
		count(&out.Rehandled, has(kind("rehandled")))
		open := c.status == store.StatusSubmitted || c.status == store.StatusAssigned || c.status == store.StatusInProgress || c.status == store.StatusResolved
		count(&out.OpenSubmitted, c.status == store.StatusSubmitted)
		count(&out.OpenAssigned, c.status == store.StatusAssigned)
		count(&out.OpenInProgress, c.status == store.StatusInProgress)
		count(&out.OpenResolved, c.status == store.StatusResolved)
		overdue := false
		if c.status == store.StatusAssigned || c.status == store.StatusInProgress {
			next := c.resolveDue
			if c.status == store.StatusAssigned {
				next = c.signDue
			} else if c.firstFeedback == nil && c.feedbackDue != nil && c.resolveDue != nil && c.feedbackDue.Before(*c.resolveDue) {
				next = c.feedbackDue
			}
			overdue = next != nil && next.Before(now)
		}
		count(&out.Overdue, overdue)
		for i, e := range evs {
			if e.kind == "feedback" && in(e.at) {
				out.Feedbacks++
				count(&out.Solved, e.solved)
				count(&out.Satisfied, e.satisfaction == store.Satisfied || e.satisfaction == store.BasicSatisfied)
			}
			l.response(&out, evs[i:], from, to, now)
			l.resolve(&out, evs[i:], from, to, now)
		}
		if !found && !open && !l.counted(evs, in) {
			continue // on no line: nothing in the period, nothing now
		}
		cat, group := "", ""
		if c.category != nil {
			cat, group = strconv.FormatInt(*c.category, 10), l.group[*c.category]
		}
		for _, key := range []string{"region:" + l.code[sub], "category:" + cat, "group:" + group, "unit:" + c.unit} {
			v := out.Rows[key]
			for j, yes := range []bool{found, resolved, open, overdue} {
				if yes {
					v[j]++
				}
			}
			out.Rows[key] = v
		}
	}
	return out
}

// counted tells whether one of the events that make the period's counts falls in it (the
// cases the breakdowns have a line for, besides those filed in it or open).
func (l ledger) counted(evs []ledgerEvent, in func(time.Time) bool) bool {
	for _, e := range evs {
		if !in(e.at) {
			continue
		}
		switch e.kind {
		case "signed", "resolved", "rejected", "merged", "handed_back", "rehandled", "feedback":
			return true
		}
		if e.to != nil && (*e.to == "assigned" || *e.to == "closed") {
			return true
		}
	}
	return false
}

// response counts evs[0] when it is an assignment made in the period whose answer is due.
func (l ledger) response(out *figureCounts, evs []ledgerEvent, from, to, now time.Time) {
	a := evs[0]
	if a.to == nil || *a.to != "assigned" || a.signDue == nil || a.at.Before(from) || !a.at.Before(to) {
		return
	}
	due := *a.signDue
	for _, n := range evs[1:] {
		switch {
		case n.kind == "signed" || n.kind == "handed_back":
			out.ResponsesDue++
			if !n.at.After(due) {
				out.ResponsesInTime++
			}
			return
		case n.kind == "merged" || (n.to != nil && *n.to == "assigned"):
			if n.at.After(due) {
				out.ResponsesDue++
			}
			return
		}
	}
	if now.After(due) {
		out.ResponsesDue++
	}
}

// resolve counts evs[0] when it set a resolve limit that fell in the period, has passed and
// was not moved since.
func (l ledger) resolve(out *figureCounts, evs []ledgerEvent, from, to, now time.Time) {
	e := evs[0]
	end := to
	if now.Before(end) {
		end = now
	}
	if e.resolveDue == nil || e.resolveDue.Before(from) || !e.resolveDue.Before(end) {
		return
	}
	due := *e.resolveDue
	for _, n := range evs[1:] {
		switch {
		case n.kind == "extension_granted":
			return
		case n.kind == "resolved":
			out.ResolvesDue++
			if !n.at.After(due) {
				out.ResolvesInTime++
			}
			return
		case n.kind == "handed_back" || n.kind == "merged" || (n.to != nil && *n.to == "assigned"):
			if !n.at.Before(due) {
				out.ResolvesDue++
			}
			return
		}
	}
	out.ResolvesDue++
}

// Cases driven through random legal transitions with a moving clock: every figure the
// store computes equals the one recomputed in Go from the raw ledger, for the city, the
// county and each township, over days, weeks, months and the whole run; and each
// breakdown's lines add up to the totals.
func TestFiguresMatchTheLedger(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("BANGBAN_FIGURES_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (BANGBAN_FIGURES_SEED)", seed)
	cases, steps := 250, 2500
	if testing.Short() {
		cases, steps = 60, 500
	}
	d := newLedgerDriver(t, seed)
	start := *d.now
	for i := 0; i < steps; i++ {
		*d.now = d.now.Add(time.Duration(d.rnd.IntN(180)) * time.Minute)
		if len(d.tickets) < cases && (len(d.tickets) == 0 || d.rnd.IntN(steps) < 2*cases) {
			d.file()
			continue
		}
		d.step()
	}
	ctx := context.Background()
	l := readLedger(t, d.s)
	regions := []int64{0}
	rows, _ := d.s.Pool().Query(ctx, "SELECT id FROM regions WHERE code IN ('HQ', 'HQ-YL') OR parent_id = (SELECT id FROM regions WHERE code = 'HQ-YL') ORDER BY id")
	more, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	regions = append(regions, more...)
	first, last := d.s.Day(start), d.s.Day(*d.now).AddDate(0, 0, 1)
	type period struct{ from, to time.Time }
	periods := []period{{first, last}, {first, first.AddDate(0, 0, 1)}, {last.AddDate(0, 0, -1), last.AddDate(0, 0, 7)}}
	for day := first; day.Before(last); day = day.AddDate(0, 0, 7) {
		periods = append(periods, period{day, day.AddDate(0, 0, 7)})
	}
	for m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, d.s.Location()); m.Before(last); m = m.AddDate(0, 1, 0) {
		periods = append(periods, period{m, m.AddDate(0, 1, 0)})
	}
	var checked, rated int
	for _, region := range regions {
		for _, p := range periods {
			f, err := d.s.Figures(ctx, store.FiguresParams{RegionID: region, From: p.from, To: p.to})
			if err != nil {
				t.Fatal(err)
			}
			got, want := countsOf(f), l.recount(region, p.from, p.to, *d.now)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("region %d, %s–%s:\n got %+v\nwant %+v", region, p.from.Format(time.DateOnly), p.to.Format(time.DateOnly), got, want)
			}
			addsUp(t, f)
			checked++
			if f.Response().Defined() && f.OnTimeResolution().Defined() && f.Satisfaction().Defined() {
				rated++
			}
		}
	}
	// The county's line for each township is that township's own figures.
	county, err := d.s.Figures(ctx, store.FiguresParams{RegionID: d.county, From: first, To: last})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range county.BySubRegion {
		var id int64
		if err := d.s.Pool().QueryRow(ctx, "SELECT id FROM regions WHERE code = $1", r.Key).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if r.Self != (id == d.county) {
			t.Fatalf("line %s: self %v", r.Key, r.Self)
		}
		if r.Self {
			continue
		}
		sub, err := d.s.Figures(ctx, store.FiguresParams{RegionID: id, From: first, To: last})
		if err != nil {
			t.Fatal(err)
		}
		if [4]int{r.Found, r.Resolved, r.Open, r.Overdue} != [4]int{sub.Found, sub.Resolved, sub.Open(), sub.Overdue} {
			t.Fatalf("county's line %s %+v, its own figures %+v", r.Key, r, sub)
		}
	}
	// What every transition kept up to date is what counting every case afresh gives.
	figureDaysAfresh(t, d.s)
	// A store in another time zone counts the days afresh in its own, and its figures are
	// still the ledger's, by its days.
	utc, err := store.New(d.s.Pool(), store.Options{Location: time.UTC, Now: func() time.Time { return *d.now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []int64{0, d.county} {
		for _, p := range []period{{utc.Day(start), utc.Day(*d.now).AddDate(0, 0, 1)}, {utc.Day(start).AddDate(0, 0, 3), utc.Day(start).AddDate(0, 0, 10)},
			{utc.Day(*d.now), utc.Day(*d.now).AddDate(0, 0, 1)}} {
			f, err := utc.Figures(ctx, store.FiguresParams{RegionID: region, From: p.from, To: p.to})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := countsOf(f), l.recount(region, f.From, f.To, *d.now); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("in UTC, region %d, %s–%s:\n got %+v\nwant %+v", region, f.From, f.To, got, want)
			}
		}
	}
	figureDaysAfresh(t, d.s)
	whole := l.recount(0, first, last, *d.now)
	if whole.Found != len(d.tickets) || whole.Resolved == 0 || whole.Rehandled == 0 || whole.HandedBack == 0 || whole.Merged == 0 ||
		whole.Rejected == 0 || whole.ResolvesDue == whole.ResolvesInTime || whole.ResponsesDue == whole.ResponsesInTime || rated == 0 {
		t.Fatalf("the run did not exercise every figure: %+v (%d rated of %d)", whole, rated, checked)
	}
	t.Logf("%d cases, %d figures checked; whole run: %+v", len(d.tickets), checked, whole)
}

// addsUp: each breakdown's lines add up to the totals for what is additive (every case is
// on exactly one line of each).
func addsUp(t *testing.T, f store.Figures) {
	t.Helper()
	for name, rows := range map[string][]store.FigureRow{"sub-region": f.BySubRegion, "category": f.ByCategory,
		"working group": f.ByWorkingGroup, "handling unit": f.ByHandlingUnit} {
		var sum [4]int
		for _, r := range rows {
			sum[0], sum[1], sum[2], sum[3] = sum[0]+r.Found, sum[1]+r.Resolved, sum[2]+r.Open, sum[3]+r.Overdue
		}
		if sum != [4]int{f.Found, f.Resolved, f.Open(), f.Overdue} {
			t.Fatalf("by %s: lines add up to %v, totals %d %d %d %d", name, sum, f.Found, f.Resolved, f.Open(), f.Overdue)
		}
	}
}

// figureDaysAfresh: figure_case_days, once the cases written are flushed, holds what
// computing every case's days afresh gives; and
// figure_days, its sums (by category, by assignee), all that is not zero.
func figureDaysAfresh(t *testing.T, s *store.Store) {
	t.Helper()
	if _, err := s.FlushFigures(context.Background()); err != nil {
		t.Fatal(err)
	}
	const cols = `day, prev, region_id, found, assigned, signed, resolved, closed, rejected, merged, handed_back, rehandled, touched,
		feedbacks, solved, satisfied, responses_due, responses_in_time, resolves_due, resolves_in_time`
	const sums = `day, prev, region_id, sum(found), sum(assigned), sum(signed), sum(resolved), sum(closed), sum(rejected), sum(merged),
		sum(handed_back), sum(rehandled), sum(touched), sum(feedbacks), sum(solved), sum(satisfied), sum(responses_due),
		sum(responses_in_time), sum(resolves_due), sum(resolves_in_time)`
	for what, q := range map[string]string{
		"case days": `WITH fresh AS (SELECT * FROM figure_case_rows(ARRAY(SELECT id FROM cases), (SELECT zone FROM figure_zone)))
			SELECT count(*) FROM ((TABLE figure_case_days EXCEPT ALL TABLE fresh) UNION ALL (TABLE fresh EXCEPT ALL TABLE figure_case_days)) x`,
		"days": `WITH kept AS (
				SELECT category_id, assignee_id, ` + cols + ` FROM figure_days
				WHERE (found, assigned, signed, resolved, closed, rejected, merged, handed_back, rehandled, touched, feedbacks, solved,
					satisfied, responses_due, responses_in_time, resolves_due, resolves_in_time) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
			all_summed AS (
				SELECT category_id, -1::bigint AS assignee_id, ` + sums + ` FROM figure_case_days GROUP BY day, prev, region_id, category_id
				UNION ALL SELECT -1::bigint, assignee_id, ` + sums + ` FROM figure_case_days GROUP BY day, prev, region_id, assignee_id),
			summed AS (SELECT * FROM all_summed x WHERE x::text <> ROW(x.category_id, x.assignee_id, x.day, x.prev, x.region_id,
				0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)::text)
			SELECT count(*) FROM ((TABLE kept EXCEPT ALL TABLE summed) UNION ALL (TABLE summed EXCEPT ALL TABLE kept)) x`,
	} {
		var n int
		if err := s.Pool().QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Fatalf("%s: %d rows differ from those counted afresh", what, n)
		}
	}
	var rows int
	if err := s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM figure_case_days").Scan(&rows); err != nil || rows == 0 {
		t.Fatalf("%d case days: %v", rows, err)
	}
}

// A transaction that writes a case only marks it; the case is counted into the kept days by
// a flush (which a read of the figures runs first). A flush skips a mark a writer still
// holds, without waiting for it, and the next flush counts it once the writer committed.
func TestWrittenCasesAreCountedByTheFlush(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	e001, r1 := unitID(t, s, "E001")
	if _, err := s.FlushFigures(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := s.Submit(ctx, store.SubmitParams{RegionID: r1, UnitID: &e001, Description: "厂区门前道路积水严重", Route: true})
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := s.Pool().QueryRow(ctx, q, c.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count("SELECT count(*) FROM figure_dirty WHERE case_id = $1") != 1 || count("SELECT count(*) FROM figure_case_days WHERE case_id = $1") != 0 {
		t.Fatal("the filing counted the case itself, or did not mark it")
	}
	f, err := s.Figures(ctx, store.FiguresParams{From: s.Now(), To: s.Now().AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if f.Found != 1 || f.Assigned != 1 {
		t.Fatalf("figures read after the filing: found %d, assigned %d; want the case counted", f.Found, f.Assigned)
	}
	if count("SELECT count(*) FROM figure_dirty WHERE case_id = $1") != 0 || count("SELECT count(*) FROM figure_case_days WHERE case_id = $1") == 0 {
		t.Fatal("reading the figures did not count the marked case first")
	}

	// A writer holds the case's mark: the flush neither waits for it nor takes it.
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // committed below
	if _, err := tx.Exec(ctx, "UPDATE cases SET category_id = (SELECT min(id) FROM categories) WHERE id = $1", c.ID); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	n, err := s.FlushFigures(wctx)
	cancel()
	if err != nil || n != 0 {
		t.Fatalf("flush beside a writer = %d, %v; want none taken, at once", n, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.FlushFigures(ctx); err != nil || n != 1 {
		t.Fatalf("flush after the writer committed = %d, %v; want its case", n, err)
	}
	if count("SELECT count(*) FROM figure_case_days WHERE case_id = $1 AND category_id <> (SELECT min(id) FROM categories)") != 0 {
		t.Fatal("the case's new category is not in its kept days")
	}
}
