package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// remindWorld is the demo county on a clock the test moves, with chats for the cadre P001,
// the handler P002 and the county office's two members.
type remindWorld struct {
	s                             *store.Store
	now                           *time.Time
	loc                           *time.Location
	cadre, other, office, office2 int64
	unit, region                  int64
}

func newRemindWorld(t *testing.T, start time.Time, limits store.Limits) *remindWorld {
	t.Helper()
	ctx := context.Background()
	w := &remindWorld{loc: start.Location()}
	now := start
	w.now = &now
	w.s = storetest.NewStore(t, store.Options{Location: w.loc, Now: func() time.Time { return *w.now }, Limits: limits})
	if _, probs, err := w.s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	for code, id := range map[string]*int64{"P001": &w.cadre, "P002": &w.other, "P017": &w.office, "P018": &w.office2} {
		if err := w.s.Pool().QueryRow(ctx, "UPDATE people SET chat_id = 1000 + id WHERE code = $1 RETURNING id", code).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	w.unit, w.region = storetest.UnitID(t, w.s, "E001")
	return w
}

func (w *remindWorld) at(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", s, w.loc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// assigned files a case for E001 and has the office assign it to the cadre now.
func (w *remindWorld) assigned(t *testing.T, complexity string) string {
	t.Helper()
	ctx := context.Background()
	c, err := w.s.Submit(ctx, store.SubmitParams{RegionID: w.region, UnitID: &w.unit, Description: "厂区道路需要硬化处理"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: c.TicketNo, ActorID: w.office},
		AssigneeID: w.cadre, Complexity: complexity}); err != nil {
		t.Fatal(err)
	}
	return c.TicketNo
}

func (w *remindWorld) pending(t *testing.T, no string) []string {
	t.Helper()
	rs, err := w.s.PendingReminders(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Kind+" "+r.Limit+" "+r.SendAt.In(w.loc).Format("01-02 15:04"))
	}
	return out
}

// sent are the reminder notifications enqueued so far, as "message→chat".
func (w *remindWorld) sent(t *testing.T) []string {
	t.Helper()
	rows, err := w.s.Pool().Query(context.Background(), `SELECT args->>'msg', args->>'chat_id' FROM river_job
		WHERE kind = 'notification' AND args->>'msg' LIKE 'remind_%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var m, c string
		err := r.Scan(&m, &c)
		return m + "→" + c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *remindWorld) sweep(t *testing.T) int {
	t.Helper()
	r, err := w.s.SendDueReminders(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	return r.Sent
}

// A case assigned on Friday 18 September 2026 at 19:30, the week before 中秋节 with Sunday
// the 20th worked instead, is reminded at exactly these local times: in calendar days and in
// working days, each moved into working hours (08:30–18:00 of a working day), a due-soon
// reminder dropped when working hours bring it no earlier than its limit. Each goes out when
// its time comes and not a minute before.
func TestAFridayEveningAssignmentIsRemindedOnTime(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	friday := time.Date(2026, 9, 18, 19, 30, 0, 0, loc)
	all := map[string]bool{store.LimitSign: true, store.LimitFeedback: true, store.LimitResolve: true}
	for _, tc := range []struct {
		name    string
		working map[string]bool
		want    []string
	}{
		{"calendar days", nil, []string{
			"overdue sign 09-20 08:30", // Saturday 19:30 lapses; Sunday the 20th is worked
			"due_soon feedback 09-21 15:30",
			"overdue feedback 09-22 08:30",
			"overdue resolve 09-28 08:30", // Friday the 25th is 中秋节: no due-soon before the limit
			"named resolve 10-10 08:30",   // five working days on, across 国庆节, a worked Saturday
		}},
		{"working days", all, []string{
			"due_soon sign 09-20 15:30", // the worked Sunday is the first working day
			"overdue sign 09-21 08:30",
			"due_soon feedback 09-22 15:30",
			"overdue feedback 09-23 08:30",
			"due_soon resolve 09-29 15:30",
			"overdue resolve 09-30 08:30",
			"named resolve 10-13 08:30",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newRemindWorld(t, friday, store.Limits{WorkingDays: tc.working})
			no := w.assigned(t, store.Ordinary)
			if got := w.pending(t, no); !slices.Equal(got, tc.want) {
				t.Fatalf("scheduled\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			cadreChat := fmt.Sprint(1000 + w.cadre)
			officeChats := []string{fmt.Sprint(1000 + w.office), fmt.Sprint(1000 + w.office2)}
			before := 0
			for i, line := range tc.want {
				f := strings.Fields(line)
				due := w.at(t, "2026-"+f[2]+" "+f[3])
				*w.now = due.Add(-time.Minute)
				if n := w.sweep(t); n != 0 {
					t.Fatalf("%d reminders went out a minute before %s", n, line)
				}
				*w.now = due
				if n := w.sweep(t); n != 1 {
					t.Fatalf("%d reminders went out at %s, want 1", n, line)
				}
				if got := w.pending(t, no); !slices.Equal(got, tc.want[i+1:]) {
					t.Fatalf("after %s pending %v", line, got)
				}
				msgs := w.sent(t)
				got := msgs[before:]
				before = len(msgs)
				want := map[string][]string{
					"due_soon": {"remind_due_soon→" + cadreChat},
					"overdue":  {"remind_overdue→" + cadreChat, "remind_overdue_office→" + officeChats[0], "remind_overdue_office→" + officeChats[1]},
					"named":    {"remind_named→" + cadreChat, "remind_named→" + officeChats[0], "remind_named→" + officeChats[1]},
				}[f[0]]
				if !slices.Equal(got, want) {
					t.Errorf("%s told %v, want %v", line, got, want)
				}
			}
			// Each reminder is on the case's record.
			var n int
			if err := w.s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
				WHERE c.ticket_no = $1 AND e.kind = 'reminded' AND e.internal`, no).Scan(&n); err != nil || n != len(tc.want) {
				t.Errorf("%d reminders recorded (%v), want %d", n, err, len(tc.want))
			}
		})
	}
}

// What a case's reminders become as it changes: signing drops the signing ones; a reminder
// already sent is not sent again when a later change reschedules; an extension moves the
// resolving ones; reassigning starts the new handler's; closing leaves none.
func TestChangesRescheduleAndCancelReminders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 23, 10, 0, 0, 0, loc), store.Limits{})
	no := w.assigned(t, store.Ordinary)
	kinds := func() []string {
		var out []string
		for _, l := range w.pending(t, no) {
			f := strings.Fields(l)
			out = append(out, f[0]+" "+f[1])
		}
		return out
	}
	if got := kinds(); !slices.Contains(got, "overdue sign") {
		t.Fatalf("assigned: %v", got)
	}
	// The feedback reminder due soon goes out, then the handler signs: signing reminders go,
	// and the one sent is not written again.
	*w.now = w.at(t, "2026-11-24 10:00") // sign overdue (the limit was 11-24 10:00)
	if n := w.sweep(t); n != 1 {
		t.Fatalf("swept %d", n)
	}
	if _, err := w.s.Sign(ctx, store.ActParams{Ticket: no, ActorID: w.cadre}); err != nil {
		t.Fatal(err)
	}
	if got := kinds(); slices.Contains(got, "overdue sign") || slices.Contains(got, "due_soon sign") || !slices.Contains(got, "overdue resolve") {
		t.Fatalf("signed: %v", got)
	}
	if _, err := w.s.Urge(ctx, store.ActParams{Ticket: no, ActorID: w.office}); err != nil {
		t.Fatal(err)
	}
	before := len(w.sent(t))
	if n := w.sweep(t); n != 0 {
		t.Fatalf("after an urge %d reminders went out again", n)
	}
	// A progress note meets the first-feedback limit.
	if _, err := w.s.Progress(ctx, store.ActParams{Ticket: no, ActorID: w.cadre, Note: "已联系施工队"}); err != nil {
		t.Fatal(err)
	}
	if got := kinds(); slices.ContainsFunc(got, func(k string) bool { return strings.HasSuffix(k, "feedback") }) {
		t.Fatalf("after progress: %v", got)
	}
	// An extension granted moves the resolving reminders to the new limit.
	c, _ := w.s.CaseByTicket(ctx, no)
	until := c.ResolveDueAt.AddDate(0, 0, 7)
	if _, err := w.s.RequestExtension(ctx, store.ExtensionParams{ActParams: store.ActParams{Ticket: no, ActorID: w.cadre, Note: "等待材料"}, Until: until}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.DecideExtension(ctx, store.ActParams{Ticket: no, ActorID: w.office}, true); err != nil {
		t.Fatal(err)
	}
	rs, _ := w.s.PendingReminders(ctx, no)
	for _, r := range rs {
		if !r.LimitAt.Equal(until) {
			t.Errorf("after the extension a reminder for %s", r.LimitAt)
		}
	}
	// Reassigned: the new handler's reminders, from now.
	if _, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: w.office}, AssigneeID: w.other}); err != nil {
		t.Fatal(err)
	}
	if got := kinds(); !slices.Contains(got, "overdue sign") {
		t.Fatalf("reassigned: %v", got)
	}
	// Resolved: nothing is pending, and nothing goes out when the old times come.
	if _, err := w.s.Sign(ctx, store.ActParams{Ticket: no, ActorID: w.other}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Resolve(ctx, store.ActParams{Ticket: no, ActorID: w.other, Note: "道路已硬化"}); err != nil {
		t.Fatal(err)
	}
	if got := kinds(); len(got) != 0 {
		t.Fatalf("resolved: %v", got)
	}
	*w.now = w.now.AddDate(0, 1, 0)
	w.sweep(t)
	if got := w.sent(t); len(got) != before {
		t.Fatalf("reminders after resolving: %v", got[before:])
	}
}

// Many reminders due at once for one person come as one digest; the office's members get one
// each.
func TestManyDueCasesMakeOneDigest(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 23, 10, 0, 0, 0, loc), store.Limits{})
	for range 4 {
		w.assigned(t, store.Ordinary)
	}
	*w.now = w.at(t, "2026-11-24 10:00") // every signing limit lapses now
	if n := w.sweep(t); n != 4 {
		t.Fatalf("swept %d, want 4", n)
	}
	want := []string{"remind_digest→" + fmt.Sprint(1000+w.cadre), "remind_digest→" + fmt.Sprint(1000+w.office), "remind_digest→" + fmt.Sprint(1000+w.office2)}
	if got := w.sent(t); !slices.Equal(got, want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
	var items int
	var buttons int
	if err := w.s.Pool().QueryRow(context.Background(), `SELECT (args->'data'->>'Count')::int, jsonb_array_length(args->'buttons') FROM river_job
		WHERE args->>'msg' = 'remind_digest' AND (args->>'chat_id')::bigint = $1`, 1000+w.cadre).Scan(&items, &buttons); err != nil {
		t.Fatal(err)
	}
	if items != 4 || buttons != 4 {
		t.Fatalf("digest of %d cases with %d buttons", items, buttons)
	}
}

// A digest of many cases names the first twenty, with a button for the first ten, and counts
// the rest, so that it fits one message whatever the number.
func TestADigestNamesTwentyAndCountsTheRest(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 23, 10, 0, 0, 0, loc), store.Limits{})
	for range 45 {
		w.assigned(t, store.Ordinary)
	}
	*w.now = w.at(t, "2026-11-24 10:00")
	if n := w.sweep(t); n != 45 {
		t.Fatalf("swept %d, want 45", n)
	}
	var count, named, more, buttons int
	if err := w.s.Pool().QueryRow(context.Background(), `SELECT (args->'data'->>'Count')::int, jsonb_array_length(args->'data'->'Items'),
			coalesce((args->'data'->>'More')::int, 0), jsonb_array_length(args->'buttons') FROM river_job
		WHERE args->>'msg' = 'remind_digest' AND (args->>'chat_id')::bigint = $1`, 1000+w.cadre).Scan(&count, &named, &more, &buttons); err != nil {
		t.Fatal(err)
	}
	if count != 45 || named != 20 || more != 25 || buttons != 10 {
		t.Fatalf("digest of %d cases naming %d, %d more, %d buttons", count, named, more, buttons)
	}
}

// A case handed back for the third time is escalated to the city office at once; a complex
// case past its month is escalated when its limit lapses.
func TestRepeatedHandBacksAndLateComplexCasesEscalate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 23, 10, 0, 0, 0, loc), store.Limits{})
	var city int64
	if err := w.s.Pool().QueryRow(ctx, "UPDATE people SET chat_id = 1000 + id WHERE code = 'P019' RETURNING id").Scan(&city); err != nil {
		t.Fatal(err)
	}
	escalations := func() int {
		n := 0
		for _, m := range w.sent(t) {
			if m == "remind_escalated→"+fmt.Sprint(1000+city) {
				n++
			}
		}
		return n
	}
	no := w.assigned(t, store.Ordinary)
	for i := range 3 {
		if _, err := w.s.HandBack(ctx, store.ActParams{Ticket: no, ActorID: w.cadre, Note: "不属于本部门职责"}); err != nil {
			t.Fatal(err)
		}
		w.sweep(t)
		if got, want := escalations(), map[bool]int{true: 1, false: 0}[i == 2]; got != want {
			t.Fatalf("after %d hand-backs %d escalations", i+1, got)
		}
		if i < 2 {
			if _, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: w.office}, AssigneeID: w.cadre}); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, _ := w.s.CaseByTicket(ctx, no)
	if !c.EscalationPending || c.EscalationLevel != 1 {
		t.Fatalf("escalated case %+v", c)
	}
	w.sweep(t)
	if escalations() != 1 {
		t.Fatal("escalated twice")
	}

	complexNo := w.assigned(t, store.Complex)
	if _, err := w.s.Sign(ctx, store.ActParams{Ticket: complexNo, ActorID: w.cadre}); err != nil {
		t.Fatal(err)
	}
	*w.now = w.at(t, "2026-12-23 10:00") // a month on, in working hours
	w.sweep(t)
	if escalations() != 2 {
		t.Fatalf("%d escalations after the complex case's month", escalations())
	}
}

// Three replicas sweeping one database at once send each of many reminders exactly once.
func TestThreeReplicasSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 23, 10, 0, 0, 0, loc), store.Limits{})
	// Spread over cadres, so that each reminder is its own message.
	var handlers []int64
	rows, err := w.s.Pool().Query(ctx, `UPDATE people SET chat_id = 5000 + id WHERE id IN (SELECT person_id FROM person_roles WHERE role = 'handler') RETURNING id`)
	if err != nil {
		t.Fatal(err)
	}
	if handlers, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	const cases = 120
	for i := range cases {
		c, err := w.s.Submit(ctx, store.SubmitParams{RegionID: w.region, UnitID: &w.unit, Description: "厂区道路需要硬化处理"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: c.TicketNo, ActorID: w.office},
			AssigneeID: handlers[i%len(handlers)]}); err != nil {
			t.Fatal(err)
		}
	}
	*w.now = w.at(t, "2026-11-24 10:00")
	replicas := []*store.Store{w.s}
	for range 2 {
		s, err := store.New(w.s.Pool(), store.Options{Location: loc, Now: func() time.Time { return *w.now }})
		if err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, s)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				res, err := r.SendDueReminders(ctx, 7)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += res.Sent
				mu.Unlock()
				if res.Sent+res.Cancelled == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if total != cases {
		t.Fatalf("%d reminders handled, want %d", total, cases)
	}
	// Every case is named to its handler once: alone, or in a digest.
	var named, distinct int
	if err := w.s.Pool().QueryRow(ctx, `
		WITH told AS (
			SELECT args->'data'->>'TicketNo' AS no FROM river_job WHERE args->>'msg' = 'remind_overdue'
			UNION ALL
			SELECT i->>'TicketNo' FROM river_job, jsonb_array_elements(args->'data'->'Items') i
				WHERE args->>'msg' = 'remind_digest' AND (args->>'chat_id')::bigint >= 5000)
		SELECT count(*), count(DISTINCT no) FROM told`).Scan(&named, &distinct); err != nil {
		t.Fatal(err)
	}
	if named != cases || distinct != cases {
		t.Fatalf("handlers were told of %d cases, %d distinct, want %d", named, distinct, cases)
	}
	var reminded int
	if err := w.s.Pool().QueryRow(ctx, "SELECT count(*) FROM case_events WHERE kind = 'reminded'").Scan(&reminded); err != nil {
		t.Fatal(err)
	}
	if reminded != cases {
		t.Fatalf("%d reminders recorded, want %d", reminded, cases)
	}
}

// A change that fails leaves no reminder behind: they are written in its transaction.
func TestARolledBackChangeSchedulesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 23, 10, 0, 0, 0, loc), store.Limits{})
	c, err := w.s.Submit(ctx, store.SubmitParams{RegionID: w.region, UnitID: &w.unit, Description: "厂区道路需要硬化处理"})
	if err != nil {
		t.Fatal(err)
	}
	village := int64(0)
	if err := w.s.Pool().QueryRow(ctx, "SELECT id FROM categories WHERE unit_kind = 'village' LIMIT 1").Scan(&village); err != nil {
		t.Fatal(err)
	}
	// An enterprise's case cannot take a village category: the assignment is refused inside
	// its transaction, and the whole of it rolled back.
	if _, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: c.TicketNo, ActorID: w.office},
		AssigneeID: w.cadre, CategoryID: &village}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("assign with a village category: %v", err)
	}
	if got := w.pending(t, c.TicketNo); len(got) != 0 {
		t.Fatalf("a failed assignment left %v", got)
	}
	*w.now = w.now.AddDate(0, 0, 30)
	if n := w.sweep(t); n != 0 {
		t.Fatalf("%d reminders for a case never assigned", n)
	}
}

// The store's periodic jobs are all run by default, or only those named.
func TestPeriodicJobsByName(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t, store.Options{})
	if n := len(s.PeriodicJobs()); n != 6 {
		t.Errorf("%d periodic jobs, want the reminder sweep, the archive sweep, the figures' flush, the board, the bulletin and the monthly report", n)
	}
	all := []string{store.PeriodicReminders, store.PeriodicArchive, store.PeriodicFigures, store.PeriodicBoard, store.PeriodicBulletin,
		store.PeriodicMonthly}
	if n := len(s.PeriodicJobs(all...)); n != len(all) {
		t.Errorf("%d periodic jobs for their %d names", n, len(all))
	}
	if n := len(s.PeriodicJobs(store.PeriodicReminders, store.PeriodicArchive)); n != 2 {
		t.Errorf("%d periodic jobs for two names", n)
	}
}
