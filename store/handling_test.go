package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
)

func (l *lifecycle) personID(t *testing.T, code string) int64 {
	t.Helper()
	var id int64
	if err := l.s.Pool().QueryRow(context.Background(), "UPDATE people SET chat_id = 1000 + id WHERE code = $1 RETURNING id", code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (l *lifecycle) assigned(t *testing.T) string {
	t.Helper()
	no := l.file(t).TicketNo
	if _, err := l.s.Assign(context.Background(), store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.cadre}); err != nil {
		t.Fatal(err)
	}
	return no
}

func whys(lines []store.WorkLine) []string {
	var out []string
	for _, w := range lines {
		out = append(out, w.TicketNo+" "+w.Why)
	}
	return out
}

// A hand-back within two days returns the case to its office's queue, counted and told; after
// two days it is refused. The office's queue shows what waits and why.
func TestHandBackReturnsTheCaseToTriage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	a, b := l.assigned(t), l.assigned(t)
	if _, err := l.s.HandBack(ctx, act(a, l.cadre, "")); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("without a reason: %v", err)
	}
	if _, err := l.s.HandBack(ctx, act(a, l.other, "不归我管")); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("by another handler: %v", err)
	}
	*l.now = l.now.Add(47 * time.Hour)
	got, err := l.s.HandBack(ctx, act(a, l.cadre, "属于自然资源局职责"))
	if err != nil || got.Status != store.StatusSubmitted || got.AssigneeID != nil || got.HandbackCount != 1 || got.SignDueAt != nil {
		t.Fatalf("hand back: %+v %v", got, err)
	}
	*l.now = l.now.Add(2 * time.Hour)
	if _, err := l.s.HandBack(ctx, act(b, l.cadre, "属于自然资源局职责")); !errors.Is(err, store.ErrTooLate) {
		t.Errorf("after two days: %v", err)
	}
	if n := l.notices(t); n[len(n)-2] != "office_handed_back→P017" || n[len(n)-1] != "office_handed_back→P018" {
		t.Errorf("notifications %v", n)
	}
	lines, total, err := l.s.Queue(ctx, l.office, 10, 0)
	if err != nil || total != 1 || !slices.Equal(whys(lines), []string{a + " handed_back"}) {
		t.Fatalf("queue %v (%d) %v", whys(lines), total, err)
	}
	if _, _, err := l.s.Queue(ctx, l.cadre, 10, 0); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("a handler's queue: %v", err)
	}
}

// Escalation lifts a case from the county's office to the city's, then to the working group
// of its category; each receiving office finds it in its queue until it acts on it.
func TestEscalationGoesOneLevelUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	city, group := l.personID(t, "P019"), l.personID(t, "P022") // OF-HQ; the production factors group (utilities)
	no := l.assigned(t)
	var utilities int64
	if err := l.s.Pool().QueryRow(ctx, "SELECT id FROM categories WHERE unit_kind = 'enterprise' AND code = 'utilities'").Scan(&utilities); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.Pool().Exec(ctx, "UPDATE cases SET category_id = $2 WHERE ticket_no = $1", no, utilities); err != nil {
		t.Fatal(err)
	}

	if _, err := l.s.Escalate(ctx, act(no, l.reporter, "太慢了")); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("by the reporter: %v", err)
	}
	got, err := l.s.Escalate(ctx, act(no, l.cadre, "涉及电网改造，县级无法协调"))
	if err != nil || got.EscalationLevel != 1 || !got.EscalationPending {
		t.Fatalf("escalate: %+v %v", got, err)
	}
	lines, _, err := l.s.Queue(ctx, city, 10, 0)
	if err != nil || !slices.Equal(whys(lines), []string{no + " escalated"}) {
		t.Fatalf("city queue %v %v", whys(lines), err)
	}
	if lines, _, _ := l.s.Queue(ctx, l.office, 10, 0); len(lines) != 0 {
		t.Errorf("the county still has it: %v", whys(lines))
	}
	if _, err := l.s.Escalate(ctx, act(no, city, "需专班协调")); err != nil {
		t.Fatal(err)
	}
	lines, _, _ = l.s.Queue(ctx, group, 10, 0)
	if !slices.Equal(whys(lines), []string{no + " escalated"}) {
		t.Fatalf("working group queue %v", whys(lines))
	}
	if _, err := l.s.Escalate(ctx, act(no, group, "再往上")); !errors.Is(err, store.ErrIllegalTransition) {
		t.Errorf("above the working group: %v", err)
	}
	if _, err := l.s.Urge(ctx, act(no, group, "请三日内拿出方案")); err != nil {
		t.Fatal(err)
	}
	if lines, _, _ := l.s.Queue(ctx, group, 10, 0); len(lines) != 0 {
		t.Errorf("urged, still waiting: %v", whys(lines))
	}
	n := l.notices(t)
	want := []string{"office_escalated→P019", "office_escalated→P022", "case_urged→P001"}
	if !slices.Equal(n[len(n)-3:], want) {
		t.Errorf("notifications %v", n)
	}
	c, _ := l.s.CaseByTicket(ctx, no)
	if c.UrgeCount != 1 || c.EscalationLevel != 2 {
		t.Errorf("counters %+v", c)
	}
}

// An extension asked for before the limit goes to the office, which grants it (the limit
// moves) or refuses it (the limit stays); the handler is told either way.
func TestExtensionGrantedAndRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	no := l.assigned(t)
	c, _ := l.s.CaseByTicket(ctx, no)
	due := *c.ResolveDueAt
	ask := func(until time.Time, note string) error {
		_, err := l.s.RequestExtension(ctx, store.ExtensionParams{ActParams: act(no, l.cadre, note), Until: until})
		return err
	}
	if err := ask(due.Add(-time.Hour), "需要更多时间"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an earlier date: %v", err)
	}
	if err := ask(due.AddDate(0, 0, 10), "需等待省里批复"); err != nil {
		t.Fatal(err)
	}
	if err := ask(due.AddDate(0, 0, 20), "再多一点"); !errors.Is(err, store.ErrIllegalTransition) {
		t.Errorf("a second request while one waits: %v", err)
	}
	if lines, _, _ := l.s.Queue(ctx, l.office, 10, 0); !slices.Equal(whys(lines), []string{no + " extension"}) {
		t.Errorf("queue %v", whys(lines))
	}
	if _, err := l.s.DecideExtension(ctx, act(no, l.outside, ""), true); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("granted by an outside office: %v", err)
	}
	got, err := l.s.DecideExtension(ctx, act(no, l.office, ""), true)
	if err != nil || !got.ResolveDueAt.Equal(due.AddDate(0, 0, 10)) || got.ExtensionUntil != nil {
		t.Fatalf("grant: %+v %v", got, err)
	}
	if err := ask(due.AddDate(0, 0, 30), "批复仍未下达"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.DecideExtension(ctx, act(no, l.office, ""), false); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("refused without a reason: %v", err)
	}
	got, err = l.s.DecideExtension(ctx, act(no, l.office, "请先报送阶段方案"), false)
	if err != nil || !got.ResolveDueAt.Equal(due.AddDate(0, 0, 10)) || got.ExtensionUntil != nil {
		t.Fatalf("refuse: %+v %v", got, err)
	}
	n := l.notices(t)
	if want := []string{"office_extension_asked→P017", "office_extension_asked→P018", "case_extension_granted→P001",
		"office_extension_asked→P017", "office_extension_asked→P018", "case_extension_refused→P001"}; !slices.Equal(n[4:], want) {
		t.Errorf("notifications %v", n)
	}
	*l.now = due.AddDate(0, 0, 11)
	if err := ask(due.AddDate(0, 0, 40), "太晚了"); !errors.Is(err, store.ErrTooLate) {
		t.Errorf("after the limit: %v", err)
	}
}

// A handler's inbox puts the soonest limit first; an office's overdue list holds the cases
// in its regions past a limit, the latest first, and nothing of other regions.
func TestInboxAndOverdue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	a := l.assigned(t) // sign by day 1
	*l.now = l.now.Add(time.Hour)
	b := l.assigned(t)
	if _, err := l.s.Sign(ctx, act(b, l.cadre, "")); err != nil { // first feedback by day 3
		t.Fatal(err)
	}
	lines, total, err := l.s.Inbox(ctx, l.cadre, 10, 0)
	if err != nil || total != 2 || lines[0].TicketNo != a || lines[0].Limit != "sign" || lines[1].Limit != "feedback" {
		t.Fatalf("inbox %+v %d %v", lines, total, err)
	}
	if lines, _, _ := l.s.Overdue(ctx, l.office, 10, 0); len(lines) != 0 {
		t.Fatalf("overdue on day 0: %v", whys(lines))
	}
	*l.now = l.now.AddDate(0, 0, 4)
	lines, total, err = l.s.Overdue(ctx, l.office, 10, 0)
	if err != nil || total != 2 || lines[0].TicketNo != a || lines[1].TicketNo != b {
		t.Fatalf("overdue %+v %v", lines, err)
	}
	if lines, _, _ := l.s.Overdue(ctx, l.outside, 10, 0); len(lines) != 0 {
		t.Errorf("another county's office sees %v", whys(lines))
	}
	if _, _, err := l.s.Overdue(ctx, l.cadre, 10, 0); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("a handler's overdue list: %v", err)
	}
}

// An office sees the cases of its regions with internal notes; an office elsewhere, like any
// stranger, finds no such case. A refused action is recorded on the case.
func TestOfficesSeeTheirRegionsOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	no := l.assigned(t)
	c, _ := l.s.CaseByTicket(ctx, no)
	if _, err := l.s.RequestExtension(ctx, store.ExtensionParams{ActParams: act(no, l.cadre, "等待批复"), Until: c.ResolveDueAt.AddDate(0, 0, 5)}); err != nil {
		t.Fatal(err)
	}
	v, err := l.s.CaseFor(ctx, l.office, no)
	if err != nil || !v.Office || v.Events[len(v.Events)-1].Kind != store.EventExtensionAsked {
		t.Fatalf("county office: %+v %v", v, err)
	}
	if _, err := l.s.CaseFor(ctx, l.outside, no); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("outside office: %v", err)
	}
	v, err = l.s.CaseFor(ctx, l.reporter, no)
	if err != nil || v.Office || v.Events[len(v.Events)-1].Kind == store.EventExtensionAsked {
		t.Errorf("the reporter sees the internal request: %+v %v", v.Events, err)
	}
	_, err = l.s.Urge(ctx, act(no, l.outside, ""))
	if kept, err := l.s.RecordRefusal(ctx, no, l.outside, "urge", err); err != nil || !kept {
		t.Fatalf("refusal kept %v: %v", kept, err)
	}
	var data string
	l.s.Pool().QueryRow(ctx, "SELECT data::text FROM case_events WHERE kind = 'refused' AND actor_id = $1", l.outside).Scan(&data)
	if data != `{"Cause": "forbidden", "Action": "urge"}` {
		t.Errorf("refusal recorded as %q", data)
	}
}
