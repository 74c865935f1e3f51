package store_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// reporter is a verified reporter of E001, who may rate the cases they file.
func (w *remindWorld) reporter(t *testing.T) int64 {
	t.Helper()
	return storetest.AddReporter(t, w.s, w.unit, "王厂长", 880002, true)
}

// rated files a case of reporter at when, has handler sign for it and resolve it an hour
// later, and the reporter rate it then.
func (w *remindWorld) rated(t *testing.T, when string, reporter, handler int64, satisfaction string) {
	t.Helper()
	ctx := context.Background()
	*w.now = w.at(t, when)
	c, err := w.s.Submit(ctx, store.SubmitParams{RegionID: w.region, UnitID: &w.unit, ReporterID: &reporter, Description: "厂区路灯损坏"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: c.TicketNo, ActorID: w.office}, AssigneeID: handler}); err != nil {
		t.Fatal(err)
	}
	*w.now = w.now.Add(time.Hour)
	for _, act := range []func(context.Context, store.ActParams) (store.Case, error){w.s.Sign, w.s.Resolve} {
		if _, err := act(ctx, store.ActParams{Ticket: c.TicketNo, ActorID: handler, Note: "已修复"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.s.Feedback(ctx, store.FeedbackParams{ActParams: store.ActParams{Ticket: c.TicketNo, ActorID: reporter},
		Solved: true, Satisfaction: satisfaction}); err != nil {
		t.Fatal(err)
	}
}

// The bulletin of the county for the week of 16 November, on Monday the 23rd: its figures
// and the week before's are the store's figures of those weeks, and so is each week of the
// trend; the named list holds the case still in hand five working days after its resolve
// limit, with its unit and handler, and not the one overdue for only two; the unit whose
// reporters were satisfied once in two is under the floor of 85 %, the one satisfied each
// time is not.
func TestTheBulletinOfAWeek(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 10, 26, 10, 0, 0, 0, loc), store.Limits{})
	ctx := context.Background()
	var county int64
	if err := w.s.Pool().QueryRow(ctx, "SELECT region_id FROM offices WHERE code = 'OF-YL'").Scan(&county); err != nil {
		t.Fatal(err)
	}
	named := w.assignAt(t, "2026-10-26 10:00", w.cadre)   // resolve limit 2 Nov: named from 9 Nov
	w.assignAt(t, "2026-11-10 10:00", w.other)            // the week before: found and assigned
	overdue := w.assignAt(t, "2026-11-12 10:00", w.other) // resolve limit 19 Nov: named on 26 Nov
	rep := w.reporter(t)
	w.rated(t, "2026-11-17 10:00", rep, w.cadre, store.Satisfied)
	w.rated(t, "2026-11-18 10:00", rep, w.cadre, store.Unsatisfied)
	w.rated(t, "2026-11-19 10:00", rep, w.other, store.BasicSatisfied)
	*w.now = w.at(t, "2026-11-23 09:00")

	b, err := w.s.Bulletin(ctx, store.BulletinParams{RegionID: county, Week: w.at(t, "2026-11-18 12:00")})
	if err != nil {
		t.Fatal(err)
	}
	this, err := w.s.Figures(ctx, store.FiguresParams{RegionID: county, From: w.at(t, "2026-11-16 00:00"), To: w.at(t, "2026-11-23 00:00")})
	if err != nil {
		t.Fatal(err)
	}
	last, err := w.s.Figures(ctx, store.FiguresParams{RegionID: county, From: w.at(t, "2026-11-09 00:00"), To: w.at(t, "2026-11-16 00:00")})
	if err != nil {
		t.Fatal(err)
	}
	if b.Region != "云岭县" || !b.This.From.Equal(this.From) || b.This.Found != this.Found || b.This.Resolved != this.Resolved ||
		b.This.Satisfaction() != this.Satisfaction() || b.Last.Found != last.Found || b.Last.Assigned != last.Assigned {
		t.Fatalf("bulletin %s this %+v last %+v, figures this %+v last %+v", b.Region, b.This, b.Last, this, last)
	}
	if this.Found != 3 || this.Resolved != 3 || this.Satisfied != 2 || this.Feedbacks != 3 || last.Found != 2 {
		t.Fatalf("the weeks' figures: this %d found, %d resolved, %d/%d satisfied; last %d found",
			this.Found, this.Resolved, this.Satisfied, this.Feedbacks, last.Found)
	}
	if len(b.Trend) != store.BulletinWeeks || !b.Trend[7].Monday.Equal(this.From) || b.Trend[7].Found != 3 || b.Trend[6].Found != 2 ||
		!b.Trend[0].Monday.Equal(w.at(t, "2026-09-28 00:00")) {
		t.Fatalf("trend %+v", b.Trend)
	}
	for _, wk := range b.Trend {
		f, err := w.s.Figures(ctx, store.FiguresParams{RegionID: county, From: wk.Monday, To: wk.Monday.AddDate(0, 0, 7)})
		if err != nil || f.Found != wk.Found || f.Resolved != wk.Resolved {
			t.Fatalf("week of %s: trend %+v, figures %d/%d (%v)", wk.Monday.Format(time.DateOnly), wk, f.Found, f.Resolved, err)
		}
	}
	if len(b.Named) != 1 || b.Named[0].TicketNo != named || b.Named[0].Unit != "县发展和改革委员会" || b.Named[0].Handler != "李春梅" {
		t.Fatalf("named list %+v, want only %s (not %s)", b.Named, named, overdue)
	}
	if b.Floor != 85 || len(b.BelowFloor) != 1 || b.BelowFloor[0].Key != "县发展和改革委员会" || b.BelowFloor[0].Satisfaction().Percent() != 50 {
		t.Fatalf("floor %g, below it %+v", b.Floor, b.BelowFloor)
	}
}

// bulletinJobs are the bulletin jobs enqueued so far.
func (w *remindWorld) bulletinJobs(t *testing.T) []string {
	t.Helper()
	rows, err := w.s.Pool().Query(context.Background(), `SELECT concat(args->>'chat_id', ' ', args->>'week', ' ', args->>'lang')
		FROM river_job WHERE kind = 'bulletin' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// On Monday at 09:00 each office member is sent the bulletin of the week just ended, in their
// language, once: not before 09:00, and not again when the job runs again, or three times at
// once as three replicas might; the next Monday, the next week's. A member of an office whose
// region had a quiet week gets none.
func TestEachOfficeMemberGetsOneBulletinAWeek(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 17, 10, 0, 0, 0, loc), store.Limits{})
	w.officeLangs(t)
	ctx := context.Background()
	var offices int
	if err := w.s.Pool().QueryRow(ctx, `SELECT count(DISTINCT r.person_id) FROM person_roles r JOIN people p ON p.id = r.person_id
		WHERE r.role = 'office' AND p.chat_id IS NOT NULL`).Scan(&offices); err != nil {
		t.Fatal(err)
	}
	// A member of the office of the county next door, where nothing happened.
	storetest.AddCounty(t, w.s, "XX", "邻县", storetest.Person{Name: "邻县干部", ChatID: 99})
	w.assignAt(t, "2026-11-17 10:00", w.cadre) // resolve by the 24th: overdue on the 30th
	*w.now = w.at(t, "2026-11-23 08:59")
	if n, err := w.s.SendBulletins(ctx); err != nil || n != 0 {
		t.Fatalf("%d bulletins before 09:00 (%v)", n, err)
	}
	*w.now = w.at(t, "2026-11-23 09:00")
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.s.SendBulletins(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	*w.now = w.at(t, "2026-11-24 15:00")
	if n, err := w.s.SendBulletins(ctx); err != nil || n != 0 {
		t.Fatalf("%d bulletins the day after (%v)", n, err)
	}
	got := w.bulletinJobs(t)
	if offices != 2 || len(got) != offices {
		t.Fatalf("%d bulletins for %d office members: %v", len(got), offices, got)
	}
	want := map[string]bool{}
	for _, s := range []string{formatJob(w.chat(w.office), "2026-11-16", "zh-CN"), formatJob(w.chat(w.office2), "2026-11-16", "en")} {
		want[s] = true
	}
	for _, s := range got {
		if !want[s] {
			t.Fatalf("bulletins %v", got)
		}
	}
	*w.now = w.at(t, "2026-11-30 09:30")
	if n, err := w.s.SendBulletins(ctx); err != nil || n != 2 {
		t.Fatalf("%d bulletins the next Monday (%v)", n, err)
	}
}

func formatJob(chat int64, week, lang string) string {
	return strconv.FormatInt(chat, 10) + " " + week + " " + lang
}

// monthlyJobs are the monthly report jobs enqueued so far.
func (w *remindWorld) monthlyJobs(t *testing.T) []string {
	t.Helper()
	rows, err := w.s.Pool().Query(context.Background(), `SELECT concat(args->>'chat_id', ' ', args->>'month', ' ', args->>'lang')
		FROM river_job WHERE kind = 'monthly_report' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// On the 1st of the month at 09:00 each office member is sent the report of the month just
// ended, in their language, once: not before 09:00, not again when the job runs again or
// three times at once as three replicas might, and not again later in the month; the
// weekly bulletin of the same Monday is another report, recorded apart. The next 1st, the
// next month's.
func TestEachOfficeMemberGetsOneMonthlyReport(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 17, 10, 0, 0, 0, loc), store.Limits{})
	w.officeLangs(t)
	ctx := context.Background()
	w.assignAt(t, "2026-11-17 10:00", w.cadre)
	*w.now = w.at(t, "2026-12-01 08:59")
	if n, err := w.s.SendMonthlyReports(ctx); err != nil || n != 0 {
		t.Fatalf("%d reports before 09:00 (%v)", n, err)
	}
	*w.now = w.at(t, "2026-12-01 09:00")
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.s.SendMonthlyReports(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	*w.now = w.at(t, "2026-12-15 15:00")
	if n, err := w.s.SendMonthlyReports(ctx); err != nil || n != 0 {
		t.Fatalf("%d reports later in the month (%v)", n, err)
	}
	got := w.monthlyJobs(t)
	want := []string{formatJob(w.chat(w.office), "2026-11-01", "zh-CN"), formatJob(w.chat(w.office2), "2026-11-01", "en")}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("monthly reports %v, want %v", got, want)
	}
	if len(w.bulletinJobs(t)) != 0 {
		t.Fatalf("bulletins %v sent with the monthly reports", w.bulletinJobs(t))
	}
	*w.now = w.at(t, "2027-01-01 09:30")
	if n, err := w.s.SendMonthlyReports(ctx); err != nil || n != 2 {
		t.Fatalf("%d reports the next 1st (%v)", n, err)
	}
}

// The trend of a month, as the monthly report draws it: one span a week, the first and the
// last cut to the month, each counting what the store's figures of that span count, and
// together what the month's figures count.
func TestTheTrendOfAMonth(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 10, 30, 10, 0, 0, 0, loc), store.Limits{})
	ctx := context.Background()
	var county int64
	if err := w.s.Pool().QueryRow(ctx, "SELECT region_id FROM offices WHERE code = 'OF-YL'").Scan(&county); err != nil {
		t.Fatal(err)
	}
	w.assignAt(t, "2026-10-30 10:00", w.cadre)
	rep := w.reporter(t)
	for _, d := range []string{"2026-11-01 10:00", "2026-11-03 10:00", "2026-11-16 09:00", "2026-11-30 20:00", "2026-12-01 09:00"} {
		w.rated(t, d, rep, w.cadre, store.Satisfied)
	}
	w.assignAt(t, "2026-11-20 10:00", w.other)
	*w.now = w.at(t, "2026-12-02 10:00")
	from, to := w.at(t, "2026-11-01 00:00"), w.at(t, "2026-12-01 00:00")
	for _, region := range []int64{county, 0} {
		weeks, err := w.s.Trend(ctx, region, from, to)
		if err != nil {
			t.Fatal(err)
		}
		// 1 Nov is a Sunday: the first span is that day, the last 30 Nov, a Monday.
		if len(weeks) != 6 || !weeks[0].Monday.Equal(from) || !weeks[1].Monday.Equal(w.at(t, "2026-11-02 00:00")) ||
			!weeks[5].Monday.Equal(w.at(t, "2026-11-30 00:00")) {
			t.Fatalf("spans %+v", weeks)
		}
		found, resolved := 0, 0
		for i, wk := range weeks {
			end := to
			if i+1 < len(weeks) {
				end = weeks[i+1].Monday
			}
			f, err := w.s.Figures(ctx, store.FiguresParams{RegionID: region, From: wk.Monday, To: end})
			if err != nil || f.Found != wk.Found || f.Resolved != wk.Resolved {
				t.Fatalf("span from %s: trend %+v, figures %d/%d (%v)", wk.Monday.Format(time.DateOnly), wk, f.Found, f.Resolved, err)
			}
			found, resolved = found+wk.Found, resolved+wk.Resolved
		}
		f, err := w.s.Figures(ctx, store.FiguresParams{RegionID: region, From: from, To: to})
		if err != nil || f.Found != found || f.Resolved != resolved || found != 5 || resolved != 4 {
			t.Fatalf("the month: figures %d/%d, the trend's spans %d/%d (%v)", f.Found, f.Resolved, found, resolved, err)
		}
	}
}
