package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
)

// file files a case for E001, urgent or not, routed to its linked cadre (P001) when route.
func (w *remindWorld) file(t *testing.T, urgent, route bool) store.Submitted {
	t.Helper()
	c, err := w.s.Submit(context.Background(), store.SubmitParams{RegionID: w.region, UnitID: &w.unit, Description: "厂区停电，生产线全部停工",
		Urgent: urgent, Route: route})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// assignUrgent files an urgent case for E001 and has the office assign it to the cadre now.
func (w *remindWorld) assignUrgent(t *testing.T) store.Case {
	t.Helper()
	c, err := w.s.Assign(context.Background(), store.AssignParams{ActParams: store.ActParams{Ticket: w.file(t, true, false).TicketNo, ActorID: w.office},
		AssigneeID: w.cadre})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// notice is a notification enqueued, as the tests look at it.
type notice struct {
	Msg        string
	Chat       int64
	ButtonsFor int64
	Urgent     bool
	Data       map[string]any
}

// noticesOf are the notifications enqueued so far about case no, in order.
func (w *remindWorld) noticesOf(t *testing.T, no string) []notice {
	t.Helper()
	rows, err := w.s.Pool().Query(context.Background(), `SELECT args->>'msg', (args->>'chat_id')::bigint, coalesce((args->>'buttons_for')::bigint, 0),
			coalesce((args->'data'->>'Urgent')::boolean, false), coalesce(args->'data', '{}'::jsonb)
		FROM river_job WHERE kind = 'notification' AND args->'data'->>'TicketNo' = $1 ORDER BY id`, no)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (notice, error) {
		var n notice
		return n, r.Scan(&n.Msg, &n.Chat, &n.ButtonsFor, &n.Urgent, &n.Data)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *remindWorld) chat(person int64) int64 { return 1000 + person }

// An urgent case is signed for within four working hours of its assignment (08:30–18:00 of
// the calendar's working days), wherever the assignment falls: late on a Friday, in the
// evening, before a holiday, before a Saturday worked instead. Its due-soon reminder comes
// halfway through those hours, its overdue one at the limit; an ordinary case assigned at the
// same moment keeps its day. The first feedback and resolving keep their limits.
func TestAnUrgentCaseIsSignedForWithinFourWorkingHours(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	for _, tc := range []struct {
		name, at, sign, soon, ordinarySign string
	}{
		// 1 h on Friday, 3 h on Monday.
		{"Friday at 17:00", "2026-11-20 17:00", "11-23 11:30", "11-23 09:30", "11-21 17:00"},
		// Nothing on Friday evening: Monday from 08:30.
		{"Friday evening", "2026-11-20 20:00", "11-23 12:30", "11-23 10:30", "11-21 20:00"},
		// 中秋节 is Friday 25 to Sunday 27 September: 1 h on Thursday, 3 h on Monday.
		{"before a holiday", "2026-09-24 17:00", "09-28 11:30", "09-28 09:30", "09-25 17:00"},
		// Saturday 10 October is worked instead of a day of 国庆节.
		{"before a Saturday worked", "2026-10-09 17:00", "10-10 11:30", "10-10 09:30", "10-10 17:00"},
		// A working morning: within the day.
		{"Monday morning", "2026-11-23 10:00", "11-23 14:00", "11-23 12:00", "11-24 10:00"},
		// 2 h on Monday, 2 h on Tuesday.
		{"Monday afternoon", "2026-11-23 16:00", "11-24 10:30", "11-24 08:30", "11-24 16:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			start, err := time.ParseInLocation("2006-01-02 15:04", tc.at, loc)
			if err != nil {
				t.Fatal(err)
			}
			w := newRemindWorld(t, start, store.Limits{})
			at := func(t2 *time.Time) string { return t2.In(loc).Format("01-02 15:04") }
			ordinary, err := w.s.CaseByTicket(ctx, w.assigned(t, store.Ordinary))
			if err != nil {
				t.Fatal(err)
			}
			c := w.assignUrgent(t)
			if got := at(c.SignDueAt); got != tc.sign {
				t.Errorf("urgent: sign for by %s, want %s", got, tc.sign)
			}
			if got := at(ordinary.SignDueAt); got != tc.ordinarySign {
				t.Errorf("ordinary: sign for by %s, want %s", got, tc.ordinarySign)
			}
			if at(c.FeedbackDueAt) != at(ordinary.FeedbackDueAt) || at(c.ResolveDueAt) != at(ordinary.ResolveDueAt) {
				t.Errorf("urgent: feedback %s, resolve %s; want the ordinary %s, %s", at(c.FeedbackDueAt), at(c.ResolveDueAt),
					at(ordinary.FeedbackDueAt), at(ordinary.ResolveDueAt))
			}
			signing := func(no string) []string {
				var out []string
				for _, p := range w.pending(t, no) {
					if strings.Contains(p, " sign ") {
						out = append(out, p)
					}
				}
				return out
			}
			want := []string{"due_soon sign " + tc.soon, "overdue sign " + tc.sign}
			if got := signing(c.TicketNo); !slices.Equal(got, want) {
				t.Fatalf("signing reminders %v, want %v", got, want)
			}
			// Each goes out at its time, to the cadre, marked urgent; not a minute before.
			for _, r := range []struct{ kind, when, msg string }{{"due_soon", tc.soon, store.NoticeDueSoon}, {"overdue", tc.sign, store.NoticeOverdue}} {
				due := w.at(t, fmt.Sprint(start.Year())+"-"+r.when)
				*w.now = due.Add(-time.Minute)
				w.sweep(t)
				if slices.ContainsFunc(w.noticesOf(t, c.TicketNo), func(n notice) bool { return n.Msg == r.msg }) {
					t.Fatalf("the %s reminder went out before %s", r.kind, r.when)
				}
				*w.now = due
				w.sweep(t)
				i := slices.IndexFunc(w.noticesOf(t, c.TicketNo), func(n notice) bool { return n.Msg == r.msg })
				if i < 0 {
					t.Fatalf("no %s reminder at %s", r.kind, r.when)
				}
				if n := w.noticesOf(t, c.TicketNo)[i]; n.Chat != w.chat(w.cadre) || !n.Urgent {
					t.Errorf("the %s reminder went to %d, urgent %v", r.kind, n.Chat, n.Urgent)
				}
			}
			// Filed at the same moment and routed to the unit's linked cadre at once, an urgent
			// case has the same limit and the same reminders.
			*w.now = start
			routed := w.file(t, true, true)
			if routed.Status != store.StatusAssigned || routed.AssigneeID == nil || *routed.AssigneeID != w.cadre || at(routed.SignDueAt) != tc.sign {
				t.Fatalf("routed: %s to %v, sign for by %s; want assigned to the cadre by %s", routed.Status, routed.AssigneeID, at(routed.SignDueAt), tc.sign)
			}
			if got := signing(routed.TicketNo); !slices.Equal(got, want) {
				t.Fatalf("routed: signing reminders %v, want %v", got, want)
			}
		})
	}
}

// Counted in working days, an ordinary case signed for in a day is still due later than an
// urgent one; the urgent limit follows the working hours configured.
func TestTheUrgentLimitFollowsTheWorkingHoursConfigured(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	friday := time.Date(2026, 11, 20, 16, 0, 0, 0, loc)
	w := newRemindWorld(t, friday, store.Limits{WorkStart: 9 * time.Hour, WorkEnd: 17 * time.Hour, UrgentSignHours: 2,
		WorkingDays: map[string]bool{store.LimitSign: true}})
	c := w.assignUrgent(t)
	if got := c.SignDueAt.In(loc).Format("01-02 15:04"); got != "11-23 10:00" {
		t.Errorf("2 working hours from Friday 16:00, ending at 17:00: due %s, want Monday 10:00", got)
	}
	ordinary, _ := w.s.CaseByTicket(context.Background(), w.assigned(t, store.Ordinary))
	if got := ordinary.SignDueAt.In(loc).Format("01-02 15:04"); got != "11-23 16:00" {
		t.Errorf("ordinary, one working day: due %s, want Monday 16:00", got)
	}
	if _, err := store.New(w.s.Pool(), store.Options{Limits: store.Limits{WorkStart: 18 * time.Hour, WorkEnd: 9 * time.Hour}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a working day that ends before it starts: %v", err)
	}
	if _, err := store.New(w.s.Pool(), store.Options{Limits: store.Limits{UrgentSignHours: -1}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("negative urgent hours: %v", err)
	}
	for _, l := range []store.Limits{{ResolveDays: store.MaxLimits.ResolveDays + 1}, {SignDays: -1}, {EscalateAfter: 21}} {
		if _, err := store.New(w.s.Pool(), store.Options{Limits: l}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("limits %+v out of range: %v", l, err)
		}
	}
	if _, err := store.New(w.s.Pool(), store.Options{Limits: store.MaxLimits}); err != nil {
		t.Errorf("the largest limits are refused: %v", err)
	}
}

// An urgent case routed straight to the unit's linked cadre starts the short limit too, and
// every member of its office is told at once, each with the case's buttons worked out for
// them when it is sent; so is the office of an urgent case left for triage. A case that is
// not urgent tells the office nothing. The time of day does not hold the notice back.
func TestTheOfficeIsToldOfAnUrgentCaseAtOnce(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	night := time.Date(2026, 11, 20, 23, 10, 0, 0, loc) // a Friday night
	w := newRemindWorld(t, night, store.Limits{})
	ctx := context.Background()

	routed := w.file(t, true, true)
	if routed.Status != store.StatusAssigned || routed.AssigneeID == nil || *routed.AssigneeID != w.cadre {
		t.Fatalf("routed %+v", routed.Case)
	}
	if got := routed.SignDueAt.In(loc).Format("01-02 15:04"); got != "11-23 12:30" {
		t.Errorf("routed on Friday night: sign for by %s, want Monday 12:30", got)
	}
	var got []string
	for _, n := range w.noticesOf(t, routed.TicketNo) {
		got = append(got, fmt.Sprintf("%s→%d for %d urgent %v", n.Msg, n.Chat, n.ButtonsFor, n.Urgent))
		if n.Msg == store.NoticeUrgentNew && (n.Data["Assignee"] != "李春梅" || n.Data["Due"] != "2026-11-23 12:30" || n.Data["Unit"] != "云岭精密机械有限公司") {
			t.Errorf("the office is told %v", n.Data)
		}
	}
	want := []string{
		fmt.Sprintf("%s→%d for 0 urgent true", store.NoticeAssignedToYou, w.chat(w.cadre)),
		fmt.Sprintf("%s→%d for %d urgent true", store.NoticeUrgentNew, w.chat(w.office), w.office),
		fmt.Sprintf("%s→%d for %d urgent true", store.NoticeUrgentNew, w.chat(w.office2), w.office2),
	}
	if !slices.Equal(got, want) {
		t.Fatalf("notified\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Sent now, not at the next working morning.
	var later int
	if err := w.s.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notification' AND scheduled_at > now() + interval '1 minute'`).Scan(&later); err != nil || later != 0 {
		t.Errorf("%d notifications put off (%v)", later, err)
	}

	triage := w.file(t, true, false)
	var msgs []string
	for _, n := range w.noticesOf(t, triage.TicketNo) {
		msgs = append(msgs, fmt.Sprintf("%s→%d", n.Msg, n.Chat))
		if n.Data["Assignee"] != "" || n.Data["Due"] != nil {
			t.Errorf("a case waiting for triage is told as assigned: %v", n.Data)
		}
	}
	if want := []string{fmt.Sprintf("%s→%d", store.NoticeUrgentNew, w.chat(w.office)), fmt.Sprintf("%s→%d", store.NoticeUrgentNew, w.chat(w.office2))}; !slices.Equal(msgs, want) {
		t.Errorf("triage: notified %v, want %v", msgs, want)
	}

	for _, route := range []bool{true, false} {
		plain := w.file(t, false, route)
		for _, n := range w.noticesOf(t, plain.TicketNo) {
			if n.Msg == store.NoticeUrgentNew || n.Urgent {
				t.Errorf("a case that is not urgent (routed %v): %+v", route, n)
			}
		}
	}
}

// The office marks cases urgent and not urgent while they are to be handled: an assigned
// case waiting to be signed for takes the urgent limit from its assignment, with its
// reminders, and goes back to its day when no longer urgent; each change is on the record,
// and told to the handler and, when made urgent, to the office's other members. Nobody but
// an office covering the case may; marking it as it already is, or a resolved case, is
// refused; none of these changes anything.
func TestTheOfficeMarksACaseUrgentAndNot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 20, 17, 0, 0, 0, loc), store.Limits{})
	no := w.assigned(t, store.Ordinary)
	signing := func() []string {
		var out []string
		for _, p := range w.pending(t, no) {
			if strings.Contains(p, " sign ") {
				out = append(out, p)
			}
		}
		return out
	}
	// In calendar days its day ends on Saturday, whose reminders wait for Monday morning.
	if got, want := signing(), []string{"overdue sign 11-23 08:30"}; !slices.Equal(got, want) {
		t.Fatalf("ordinary: %v, want %v", got, want)
	}

	*w.now = w.at(t, "2026-11-20 17:20")
	mark := func(actor int64, urgent bool) (store.Case, error) {
		return w.s.SetUrgency(ctx, store.ActParams{Ticket: no, ActorID: actor}, urgent)
	}
	before := len(w.noticesOf(t, no))
	c, err := mark(w.office, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Urgency != store.Urgent || c.SignDueAt.In(loc).Format("01-02 15:04") != "11-23 11:30" {
		t.Fatalf("marked urgent: %s, sign for by %s; want urgent by Monday 11:30", c.Urgency, c.SignDueAt.In(loc))
	}
	if got, want := signing(), []string{"due_soon sign 11-23 09:30", "overdue sign 11-23 11:30"}; !slices.Equal(got, want) {
		t.Errorf("urgent: %v, want %v", got, want)
	}
	var told []string
	for _, n := range w.noticesOf(t, no)[before:] {
		told = append(told, fmt.Sprintf("%s→%d for %d urgent %v due %v", n.Msg, n.Chat, n.ButtonsFor, n.Urgent, n.Data["Due"]))
	}
	if want := []string{
		fmt.Sprintf("%s→%d for %d urgent true due 2026-11-23 11:30", store.NoticeUrgencyChanged, w.chat(w.cadre), w.cadre),
		fmt.Sprintf("%s→%d for %d urgent true due 2026-11-23 11:30", store.NoticeUrgentMarked, w.chat(w.office2), w.office2),
	}; !slices.Equal(told, want) {
		t.Errorf("told\n%s\nwant\n%s", strings.Join(told, "\n"), strings.Join(want, "\n"))
	}
	evs, err := w.s.Events(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Kind != store.EventUrgencyChanged || last.Data["From"] != store.Normal || last.Data["To"] != store.Urgent || last.Data["By"] != "高静" ||
		last.ActorID == nil || *last.ActorID != w.office || last.Internal {
		t.Errorf("recorded %+v", last)
	}

	// Refused: as it is already, by anyone but an office over the case, a closed case.
	unchanged := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", what, err, want)
		}
		now, _ := w.s.CaseByTicket(ctx, no)
		if now.Urgency != c.Urgency || !now.SignDueAt.Equal(*c.SignDueAt) || !now.UpdatedAt.Equal(c.UpdatedAt) {
			t.Errorf("%s changed the case: %+v", what, now)
		}
	}
	_, err = mark(w.office2, true)
	unchanged("urgent again", err, store.ErrIllegalTransition)
	_, err = mark(w.cadre, false)
	unchanged("its handler", err, store.ErrForbidden)
	_, err = mark(w.other, false)
	unchanged("another handler", err, store.ErrForbidden)

	// Not urgent: back to the day from its assignment.
	*w.now = w.at(t, "2026-11-20 17:40")
	before = len(w.noticesOf(t, no))
	if c, err = mark(w.office2, false); err != nil {
		t.Fatal(err)
	}
	if c.Urgency != store.Normal || c.SignDueAt.In(loc).Format("01-02 15:04") != "11-21 17:00" {
		t.Fatalf("not urgent: %s, sign for by %s", c.Urgency, c.SignDueAt.In(loc))
	}
	if got, want := signing(), []string{"overdue sign 11-23 08:30"}; !slices.Equal(got, want) {
		t.Errorf("not urgent again: %v, want %v", got, want)
	}
	told = nil
	for _, n := range w.noticesOf(t, no)[before:] {
		told = append(told, fmt.Sprintf("%s→%d urgent %v", n.Msg, n.Chat, n.Urgent))
	}
	if want := []string{fmt.Sprintf("%s→%d urgent false", store.NoticeUrgencyChanged, w.chat(w.cadre))}; !slices.Equal(told, want) {
		t.Errorf("told %v, want %v", told, want)
	}

	// Signed for, it may still be marked; its limits stay as they were.
	if _, err := w.s.Sign(ctx, store.ActParams{Ticket: no, ActorID: w.cadre}); err != nil {
		t.Fatal(err)
	}
	signed, _ := w.s.CaseByTicket(ctx, no)
	if c, err = mark(w.office, true); err != nil || !c.SignDueAt.Equal(*signed.SignDueAt) || !c.ResolveDueAt.Equal(*signed.ResolveDueAt) {
		t.Fatalf("in progress, marked urgent: %v, %+v", err, c)
	}
	if _, err := w.s.Resolve(ctx, store.ActParams{Ticket: no, ActorID: w.cadre, Note: "已恢复供电"}); err != nil {
		t.Fatal(err)
	}
	c, _ = w.s.CaseByTicket(ctx, no)
	_, err = mark(w.office, false)
	unchanged("a resolved case", err, store.ErrIllegalTransition)

	// Marked urgent in triage, a case is assigned under the urgent limit.
	*w.now = w.at(t, "2026-11-23 10:00")
	waiting := w.file(t, false, false)
	if _, err := w.s.SetUrgency(ctx, store.ActParams{Ticket: waiting.TicketNo, ActorID: w.office}, true); err != nil {
		t.Fatal(err)
	}
	for _, n := range w.noticesOf(t, waiting.TicketNo) {
		if n.Msg == store.NoticeNewCase {
			continue // told as new when it was filed, in working hours
		}
		if n.Msg != store.NoticeUrgentMarked || n.Chat != w.chat(w.office2) {
			t.Errorf("marked in triage: %s→%d", n.Msg, n.Chat)
		}
	}
	a, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: waiting.TicketNo, ActorID: w.office2}, AssigneeID: w.other})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.SignDueAt.In(loc).Format("01-02 15:04"); got != "11-23 14:00" {
		t.Errorf("assigned urgent at 10:00: sign for by %s, want 14:00", got)
	}
}

// /triage puts the urgent first, then the oldest; /inbox the urgent first, then the soonest
// limit; each line says which are urgent, as does a reporter's list.
func TestUrgentCasesComeFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 11, 23, 9, 0, 0, 0, loc), store.Limits{})
	var nos []string
	for _, urgent := range []bool{false, false, true, false} {
		nos = append(nos, w.file(t, urgent, false).TicketNo)
		*w.now = w.now.Add(10 * time.Minute)
	}
	lines, total, err := w.s.Queue(ctx, w.office, 10, 0)
	if err != nil || total != 4 {
		t.Fatalf("queue: %d, %v", total, err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%s %v", l.TicketNo, l.Urgent))
	}
	if want := []string{nos[2] + " true", nos[0] + " false", nos[1] + " false", nos[3] + " false"}; !slices.Equal(got, want) {
		t.Errorf("queue %v, want %v", got, want)
	}
	// Marked urgent later, the oldest joins the urgent at the top, before the younger.
	if _, err := w.s.SetUrgency(ctx, store.ActParams{Ticket: nos[3], ActorID: w.office}, true); err != nil {
		t.Fatal(err)
	}
	lines, _, _ = w.s.Queue(ctx, w.office, 2, 0)
	if len(lines) != 2 || lines[0].TicketNo != nos[2] || lines[1].TicketNo != nos[3] || !lines[1].Urgent {
		t.Errorf("first page after marking: %+v", lines)
	}

	// The cadre's inbox: an ordinary case waiting to be signed for is due before an urgent
	// one already signed for (its first feedback is days away), yet the urgent comes first.
	for _, no := range nos[:3] {
		if _, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: w.office}, AssigneeID: w.cadre}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.s.Sign(ctx, store.ActParams{Ticket: nos[2], ActorID: w.cadre}); err != nil {
		t.Fatal(err)
	}
	lines, _, err = w.s.Inbox(ctx, w.cadre, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%s %v %s", l.TicketNo, l.Urgent, l.Limit))
	}
	if want := []string{nos[2] + " true feedback", nos[0] + " false sign", nos[1] + " false sign"}; !slices.Equal(got, want) {
		t.Errorf("inbox %v, want %v", got, want)
	}

	// Overdue lines and a reporter's lines say it too.
	*w.now = w.now.AddDate(0, 0, 4)
	lines, _, err = w.s.Overdue(ctx, w.office, 10, 0)
	if err != nil || len(lines) != 3 {
		t.Fatalf("overdue: %+v, %v", lines, err)
	}
	for _, l := range lines {
		if l.Urgent != (l.TicketNo == nos[2]) {
			t.Errorf("overdue line %s urgent %v", l.TicketNo, l.Urgent)
		}
	}
	var reporter int64
	if err := w.s.Pool().QueryRow(ctx, "INSERT INTO people (name, region_id) VALUES ('杨总', $1) RETURNING id", w.region).Scan(&reporter); err != nil {
		t.Fatal(err)
	}
	for _, urgent := range []bool{true, false} {
		if _, err := w.s.Submit(ctx, store.SubmitParams{RegionID: w.region, UnitID: &w.unit, ReporterID: &reporter, Description: "厂区道路需要硬化处理", Urgent: urgent}); err != nil {
			t.Fatal(err)
		}
	}
	mine, _, err := w.s.ReporterCases(ctx, reporter, 10, 0)
	if err != nil || len(mine) != 2 || mine[0].Urgent || !mine[1].Urgent {
		t.Errorf("a reporter's list (newest first): %+v, %v", mine, err)
	}
}
