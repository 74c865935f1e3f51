package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// lifecycle is the demo county with chats for the people a case passes through: the
// reporter of E001 (P025), its linked cadre (P001), another handler (P002), the county
// office (P017) and an office of a county next door (X-OF), which covers none of the demo.
type lifecycle struct {
	s                                       *store.Store
	now                                     *time.Time
	reporter, cadre, other, office, outside int64
}

func newLifecycle(t *testing.T) *lifecycle {
	t.Helper()
	ctx := context.Background()
	s, now := demoStore(t)
	l := &lifecycle{s: s, now: now}
	var office2 int64
	for code, id := range map[string]*int64{"P025": &l.reporter, "P001": &l.cadre, "P002": &l.other, "P017": &l.office, "P018": &office2} {
		if err := s.Pool().QueryRow(ctx, "UPDATE people SET chat_id = 1000 + id WHERE code = $1 RETURNING id", code).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	l.outside = storetest.AddCounty(t, s, "XX", "邻县", storetest.Person{Name: "邻县干部", ChatID: 99}).MemberID
	return l
}

// file submits a problem for E001 without routing, so that it waits for triage.
func (l *lifecycle) file(t *testing.T) store.Case {
	t.Helper()
	unit, region := storetest.UnitID(t, l.s, "E001")
	c, err := l.s.Submit(context.Background(), store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &l.reporter,
		Description: "厂区变压器容量不足，需要增容"})
	if err != nil {
		t.Fatal(err)
	}
	return c.Case
}

// notices are the notifications enqueued so far, as "message→person", in order.
func (l *lifecycle) notices(t *testing.T) []string {
	t.Helper()
	rows, err := l.s.Pool().Query(context.Background(), `
		SELECT j.args->>'msg', coalesce(p.code, p.name) FROM river_job j JOIN people p ON p.chat_id = (j.args->>'chat_id')::bigint
		WHERE j.kind = 'notification' ORDER BY j.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var msg, who string
		if err := rows.Scan(&msg, &who); err != nil {
			t.Fatal(err)
		}
		out = append(out, msg+"→"+who)
	}
	return out
}

func (l *lifecycle) kinds(t *testing.T, c store.Case) []string {
	t.Helper()
	evs, err := l.s.Events(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func act(no string, actor int64, note string) store.ActParams {
	return store.ActParams{Ticket: no, ActorID: actor, Note: note}
}

// The loop of DESIGN.md §3 as the store runs it: assign, sign, progress, resolve, a "not
// satisfied" answer that flags the case for the office, re-handle, resolve again, satisfied,
// closed. Each step tells exactly the people it should, and the 13710 deadlines follow the
// clock.
func TestTheCaseLoopNotifiesEachParty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	c := l.file(t)
	no := c.TicketNo

	got, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.cadre, Complexity: store.Complex})
	if err != nil {
		t.Fatal(err)
	}
	loc := l.s.Location()
	start := l.now.In(loc)
	if got.Status != store.StatusAssigned || *got.AssigneeID != l.cadre || got.Complexity != store.Complex ||
		!got.SignDueAt.Equal(start.AddDate(0, 0, 1)) || !got.FeedbackDueAt.Equal(start.AddDate(0, 0, 3)) || !got.ResolveDueAt.Equal(start.AddDate(0, 1, 0)) {
		t.Fatalf("assigned: %+v", got)
	}
	if _, err := l.s.Sign(ctx, act(no, l.cadre, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.Progress(ctx, act(no, l.cadre, "已联系供电公司现场勘查")); err != nil {
		t.Fatal(err)
	}
	got, err = l.s.Resolve(ctx, act(no, l.cadre, "已增容至 800kVA"))
	if err != nil || got.Status != store.StatusResolved || got.ResolvedAt == nil {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	got, err = l.s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.reporter, "电压仍不稳"), Solved: false, Satisfaction: store.Unsatisfied})
	if err != nil || got.Status != store.StatusResolved || !got.Flagged || *got.Satisfaction != store.Unsatisfied {
		t.Fatalf("unsatisfied: %+v %v", got, err)
	}
	if _, err := l.s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.reporter, ""), Solved: true, Satisfaction: store.Satisfied}); !errors.Is(err, store.ErrIllegalTransition) {
		t.Fatalf("second answer: %v", err)
	}
	*l.now = l.now.Add(time.Hour)
	got, err = l.s.Rehandle(ctx, act(no, l.office, "请核实电压问题"))
	if err != nil || got.Status != store.StatusAssigned || got.Flagged || got.RehandleCount != 1 || !got.SignDueAt.Equal(l.now.AddDate(0, 0, 1)) {
		t.Fatalf("re-handle: %+v %v", got, err)
	}
	for _, step := range []func() (store.Case, error){
		func() (store.Case, error) { return l.s.Sign(ctx, act(no, l.cadre, "")) },
		func() (store.Case, error) { return l.s.Resolve(ctx, act(no, l.cadre, "已加装稳压设备")) },
		func() (store.Case, error) {
			return l.s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.reporter, ""), Solved: true, Satisfaction: store.BasicSatisfied})
		},
	} {
		if got, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	if got.Status != store.StatusClosed || *got.CloseReason != "feedback" || !*got.Solved {
		t.Fatalf("closed: %+v", got)
	}
	want := []string{"submitted", "assigned", "signed", "progress", "resolved", "feedback", "rehandled", "signed", "resolved", "feedback"}
	if k := l.kinds(t, got); !slices.Equal(k, want) {
		t.Errorf("events %v\nwant   %v", k, want)
	}
	wantN := []string{
		"office_new_case→P017", "office_new_case→P018",
		"case_assigned_to_you→P001", "n_assigned→P025", "n_signed→P025", "n_progress→P025", "n_resolved→P025",
		"n_unsatisfied→P017", "n_unsatisfied→P018",
		"case_rehandle_to_you→P001", "n_rehandled→P025", "n_signed→P025", "n_resolved→P025",
	}
	if n := l.notices(t); !slices.Equal(n, wantN) {
		t.Errorf("notifications %v\nwant          %v", n, wantN)
	}
	var fb []byte
	l.s.Pool().QueryRow(ctx, `SELECT args->'buttons' FROM river_job WHERE args->>'msg' = 'n_resolved' ORDER BY id LIMIT 1`).Scan(&fb)
	if want := fmt.Sprintf(`[[{"msg": "btn_fb_solved", "data": "fb:%s:y"}, {"msg": "btn_fb_unsolved", "data": "fb:%s:n"}]]`, no, no); string(fb) != want {
		t.Errorf("feedback buttons %s", fb)
	}
}

// Who may do what: the handler a case is assigned to signs and resolves it, an office within
// its region assigns, rejects and merges, the reporter rates; anyone else is refused, and a
// refusal changes nothing. A stranger to a case learns nothing of it.
func TestTransitionsCheckTheActor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	c := l.file(t)
	no := c.TicketNo
	before := l.notices(t)
	for name, try := range map[string]func() error{
		"outside office assigns": func() error {
			_, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.outside, ""), AssigneeID: l.cadre})
			return wantErr(err, store.ErrForbidden)
		},
		"handler assigns": func() error {
			_, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.cadre, ""), AssigneeID: l.cadre})
			return wantErr(err, store.ErrForbidden)
		},
		"reporter rejects": func() error {
			_, err := l.s.Reject(ctx, act(no, l.reporter, "重复"))
			return wantErr(err, store.ErrForbidden)
		},
		"outside office rejects": func() error {
			_, err := l.s.Reject(ctx, act(no, l.outside, "重复"))
			return wantErr(err, store.ErrForbidden)
		},
		"office assigns a non-handler": func() error {
			_, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.reporter})
			return wantErr(err, store.ErrInvalid)
		},
		"signing before assignment": func() error { _, err := l.s.Sign(ctx, act(no, l.cadre, "")); return wantErr(err, store.ErrForbidden) },
		"unknown ticket": func() error {
			_, err := l.s.Reject(ctx, act("XC-20261124-9999", l.office, "x"))
			return wantErr(err, store.ErrNotFound)
		},
		"reject without reason": func() error { _, err := l.s.Reject(ctx, act(no, l.office, " ")); return wantErr(err, store.ErrInvalid) },
	} {
		if err := try(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.cadre}); err != nil {
		t.Fatal(err)
	}
	after := l.notices(t)
	for name, try := range map[string]func() error{
		"another handler signs": func() error { _, err := l.s.Sign(ctx, act(no, l.other, "")); return wantErr(err, store.ErrForbidden) },
		"office signs":          func() error { _, err := l.s.Sign(ctx, act(no, l.office, "")); return wantErr(err, store.ErrForbidden) },
		"resolve before sign": func() error {
			_, err := l.s.Resolve(ctx, act(no, l.cadre, "好了"))
			return wantErr(err, store.ErrIllegalTransition)
		},
		"reporter rates early": func() error {
			_, err := l.s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.reporter, ""), Satisfaction: store.Satisfied})
			return wantErr(err, store.ErrIllegalTransition)
		},
		"someone else rates": func() error {
			_, err := l.s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.other, ""), Satisfaction: store.Satisfied})
			return wantErr(err, store.ErrNotFound)
		},
		"reject once assigned": func() error {
			_, err := l.s.Reject(ctx, act(no, l.office, "重复"))
			return wantErr(err, store.ErrIllegalTransition)
		},
	} {
		if err := try(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := l.s.Sign(ctx, act(no, l.cadre, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.Sign(ctx, act(no, l.cadre, "")); !errors.Is(err, store.ErrIllegalTransition) {
		t.Errorf("second sign: %v", err)
	}
	if k := l.kinds(t, c); !slices.Equal(k, []string{"submitted", "assigned", "signed"}) {
		t.Errorf("refusals left events: %v", k)
	}
	// Before: the office's two members told of the new case in triage.
	if n := l.notices(t); len(before) != 2 || len(after) != 4 || len(n) != 5 {
		t.Errorf("notifications: before %v, after assign %v, after sign %v", before, after, n)
	}
}

func wantErr(err, want error) error {
	if !errors.Is(err, want) {
		return fmt.Errorf("got %w, want %w", err, want)
	}
	return nil
}

// Reject tells the reporter why; merge tells the duplicate's reporter which case goes on,
// lets them follow it, and keeps the note of the merge from the surviving case's reporter.
func TestRejectAndMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	a, b, c := l.file(t), l.file(t), l.file(t)
	if got, err := l.s.Reject(ctx, act(a.TicketNo, l.office, "属于司法程序，不予受理")); err != nil || got.Status != store.StatusRejected {
		t.Fatalf("reject: %+v %v", got, err)
	}
	if _, err := l.s.Merge(ctx, store.MergeParams{ActParams: act(b.TicketNo, l.office, ""), Into: a.TicketNo}); !errors.Is(err, store.ErrIllegalTransition) {
		t.Errorf("merge into a rejected case: %v", err)
	}
	if _, err := l.s.Merge(ctx, store.MergeParams{ActParams: act(b.TicketNo, l.office, ""), Into: b.TicketNo}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("merge into itself: %v", err)
	}
	if _, err := l.s.Merge(ctx, store.MergeParams{ActParams: act(b.TicketNo, l.outside, ""), Into: c.TicketNo}); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("merge by an outside office: %v", err)
	}
	got, err := l.s.Merge(ctx, store.MergeParams{ActParams: act(b.TicketNo, l.office, "同一问题"), Into: c.TicketNo})
	if err != nil || got.Status != store.StatusMerged || got.MergedIntoID == nil || *got.MergedIntoID != c.ID {
		t.Fatalf("merge: %+v %v", got, err)
	}
	var msgs []string
	rows, _ := l.s.Pool().Query(ctx, "SELECT args->>'msg' || ' ' || coalesce(args->'data'->>'Note', args->'data'->>'Into') FROM river_job WHERE kind = 'notification' AND args->>'msg' LIKE 'n!_%' ESCAPE '!' ORDER BY id")
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if want := []string{"n_rejected 属于司法程序，不予受理", "n_merged " + c.TicketNo}; !slices.Equal(msgs, want) {
		t.Errorf("notifications %v", msgs)
	}
	v, err := l.s.CaseFor(ctx, l.reporter, c.TicketNo)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.Events {
		if e.Internal {
			t.Errorf("the reporter sees the internal event %s", e.Kind)
		}
	}
	if k := l.kinds(t, c); !slices.Equal(k, []string{"submitted", "merged_in"}) {
		t.Errorf("surviving case events %v", k)
	}
}

// The feedback window: a resolve schedules its timeout; when it comes the case closes as "no
// feedback" and the reporter is told; a timeout of an earlier resolve, or one for a case
// answered meanwhile, changes nothing.
func TestUnansweredFeedbackClosesTheCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	c := l.file(t)
	no := c.TicketNo
	for _, step := range []func() (store.Case, error){
		func() (store.Case, error) {
			return l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.cadre})
		},
		func() (store.Case, error) { return l.s.Sign(ctx, act(no, l.cadre, "")) },
		func() (store.Case, error) { return l.s.Resolve(ctx, act(no, l.cadre, "已解决")) },
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	var job store.FeedbackTimeout
	var at time.Time
	if err := l.s.Pool().QueryRow(ctx, `SELECT (args->>'case_id')::bigint, (args->>'event_id')::bigint, scheduled_at FROM river_job
		WHERE kind = 'feedback_timeout'`).Scan(&job.CaseID, &job.EventID, &at); err != nil {
		t.Fatal(err)
	}
	if !at.Equal(l.now.AddDate(0, 0, 7)) {
		t.Errorf("timeout scheduled at %v, want %v", at, l.now.AddDate(0, 0, 7))
	}
	closed, wait, err := l.s.CloseUnanswered(ctx, job)
	if err != nil || closed || wait != 7*24*time.Hour {
		t.Fatalf("before the window ends: closed %v, wait %v, %v", closed, wait, err)
	}
	*l.now = l.now.AddDate(0, 0, 7)
	if closed, _, err := l.s.CloseUnanswered(ctx, store.FeedbackTimeout{CaseID: job.CaseID, EventID: job.EventID - 1}); err != nil || closed {
		t.Fatalf("an earlier resolve's timeout closed the case: %v %v", closed, err)
	}
	if closed, _, err := l.s.CloseUnanswered(ctx, job); err != nil || !closed {
		t.Fatalf("timeout: %v %v", closed, err)
	}
	got, _ := l.s.CaseByTicket(ctx, no)
	if got.Status != store.StatusClosed || *got.CloseReason != "no_feedback" || got.Satisfaction != nil {
		t.Fatalf("after the window: %+v", got)
	}
	if closed, _, err := l.s.CloseUnanswered(ctx, job); err != nil || closed {
		t.Fatalf("timeout run twice: %v %v", closed, err)
	}
	if n := l.notices(t); n[len(n)-1] != "n_no_feedback→P025" {
		t.Errorf("notifications %v", n)
	}
	if k := l.kinds(t, got); k[len(k)-1] != "no_feedback" || len(k) != 5 {
		t.Errorf("events %v", k)
	}
}

// An office writes off a case the reporter was not satisfied with, with a reason; it cannot
// write off a case nobody complained about.
func TestWriteOffNeedsAComplaint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	no := l.file(t).TicketNo
	for _, step := range []func() (store.Case, error){
		func() (store.Case, error) {
			return l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.cadre})
		},
		func() (store.Case, error) { return l.s.Sign(ctx, act(no, l.cadre, "")) },
		func() (store.Case, error) { return l.s.Resolve(ctx, act(no, l.cadre, "已解决")) },
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.s.WriteOff(ctx, act(no, l.office, "无法再办")); !errors.Is(err, store.ErrIllegalTransition) {
		t.Errorf("write off without a complaint: %v", err)
	}
	if _, err := l.s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.reporter, ""), Satisfaction: store.Unsatisfied}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.WriteOff(ctx, act(no, l.outside, "无法再办")); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("outside office: %v", err)
	}
	got, err := l.s.WriteOff(ctx, act(no, l.office, "政策不允许，已向企业解释"))
	if err != nil || got.Status != store.StatusClosed || *got.CloseReason != "written_off" || got.Flagged {
		t.Fatalf("write off: %+v %v", got, err)
	}
}

// An update redelivered after its action committed (the process died before it noted the
// update as done) acts once: the same source returns the case as it stands.
func TestARedeliveredActionActsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	no := l.file(t).TicketNo
	if _, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.cadre}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.Sign(ctx, act(no, l.cadre, "")); err != nil {
		t.Fatal(err)
	}
	p := store.ActParams{Ticket: no, ActorID: l.cadre, Note: "已现场勘查", Source: "chat:1:update:77"}
	for i := 0; i < 2; i++ {
		if _, err := l.s.Progress(ctx, p); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	c, _ := l.s.CaseByTicket(ctx, no)
	if k := l.kinds(t, c); !slices.Equal(k, []string{"submitted", "assigned", "signed", "progress"}) {
		t.Errorf("events %v", k)
	}
	if n := l.notices(t); len(n) != 6 { // the office's two of the new case, then four
		t.Errorf("notifications %v", n)
	}
}

// The reporter of a merged case follows the surviving one: each change is told to them too,
// without the feedback buttons they cannot use, and its end; the merged case's handler is
// told to stop. Two offices merging a pair of cases into each other at once leave one merge.
func TestFollowersOfAMergedCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	second := l.personID(t, "P026") // E002's reporter
	var unit, region int64
	l.s.Pool().QueryRow(ctx, "SELECT id, region_id FROM units WHERE code = 'E002'").Scan(&unit, &region)
	dup, err := l.s.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &second, Description: "厂门口道路塌陷"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(dup.TicketNo, l.office, ""), AssigneeID: l.other}); err != nil {
		t.Fatal(err)
	}
	c1, c2 := l.file(t).TicketNo, l.file(t).TicketNo
	var errs [2]error
	var wg sync.WaitGroup
	for i, pair := range [][2]string{{c1, c2}, {c2, c1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = l.s.Merge(ctx, store.MergeParams{ActParams: act(pair[0], l.office, ""), Into: pair[1]})
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs[0], errs[1]), store.ErrIllegalTransition) {
		t.Fatalf("crossed merges: %v / %v", errs[0], errs[1])
	}

	no := l.file(t).TicketNo
	if _, err := l.s.Merge(ctx, store.MergeParams{ActParams: act(dup.TicketNo, l.office, ""), Into: no}); err != nil {
		t.Fatal(err)
	}
	before := len(l.notices(t))
	if _, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.cadre}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() (store.Case, error){
		func() (store.Case, error) { return l.s.Sign(ctx, act(no, l.cadre, "")) },
		func() (store.Case, error) { return l.s.Resolve(ctx, act(no, l.cadre, "道路已修复")) },
		func() (store.Case, error) {
			return l.s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.reporter, ""), Solved: true, Satisfaction: store.Satisfied})
		},
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	n := l.notices(t)
	want := []string{"case_assigned_to_you→P001", "n_assigned→P025", "n_assigned→P026", "n_signed→P025", "n_signed→P026",
		"n_resolved→P025", "n_followed_resolved→P026", "n_followed_closed→P026"}
	if !slices.Equal(n[before:], want) {
		t.Errorf("notifications %v\nwant %v", n[before:], want)
	}
	if !slices.Contains(n[:before], "case_merged_away→P002") || !slices.Contains(n[:before], "n_merged→P026") {
		t.Errorf("at the merge: %v", n[:before])
	}
	var buttons int
	l.s.Pool().QueryRow(ctx, "SELECT count(*) FROM river_job WHERE args->>'msg' = 'n_followed_resolved' AND args ? 'buttons'").Scan(&buttons)
	if buttons != 0 {
		t.Error("a follower was offered the feedback buttons")
	}
}
