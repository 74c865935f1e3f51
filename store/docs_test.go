package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bangban/bangban/store"
)

// lifecycleDoc is the page whose diagram draws the case's statuses and transitions.
const lifecycleDoc = "../docs/lifecycle.md"

// TestLifecycleDiagramIsTheStores keeps the diagram of docs/lifecycle.md true to the store:
// every arrow it draws is a transition the store makes, and every transition the store makes
// is drawn.
//
// The store has no table of transitions to compare with: each verb checks the statuses it
// starts from (act.from) and sets the one it ends in, in its own SQL. A second table would be
// one more thing to keep in step, so the transitions are found by doing, not by reading: a
// case is brought into every status the schema's CHECK allows (and the sub-states that open
// other verbs: a reporter in doubt, an urgent case, an extension asked for, a "not satisfied"
// answer waiting for the office); every verb is tried on it by each kind of person who may
// act (the county's office, the city's office, the handler, the reporter); and the feedback
// window is let run out. A transition is what the case's timeline records as one: an event
// with a to-status (from none, for a new case). Reassignment, assigned to assigned, is one.
// The test also checks that no verb moves a case without recording it, and that each verb
// acted at least once, since a verb refused everywhere would prove nothing.
//
// The arrows are then compared with the diagram's both ways. "[*] --> s" marks where a case
// starts; "s --> [*]" marks a status no verb leaves. A new verb is caught too: every method
// of *store.Store that returns a Case must be in the list below, tried or named as a read.
func TestLifecycleDiagramIsTheStores(t *testing.T) {
	drawn := diagramEdges(t, lifecycleDoc)

	ctx := context.Background()
	l := newLifecycle(t)
	s := l.s
	city := l.personID(t, "P019") // the city's office: over every region, self-registered units too
	var group int64
	if err := s.Pool().QueryRow(ctx, "SELECT id FROM offices WHERE working_group IS NOT NULL ORDER BY id LIMIT 1").Scan(&group); err != nil {
		t.Fatalf("a working group's office: %v", err)
	}

	must := func(_ store.Case, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	account := int64(900000)
	// Each start brings a new case into a status, and returns its ticket.
	type start struct {
		name   string
		status store.Status
		make   func() string
	}
	starts := []start{
		{"submitted", store.StatusSubmitted, func() string { return l.file(t).TicketNo }},
		{"submitted, reporter in doubt", store.StatusSubmitted, func() string {
			account++
			return selfRegister(t, s, account, "").TicketNo
		}},
		{"assigned", store.StatusAssigned, func() string { return l.assigned(t) }},
		{"assigned, urgent", store.StatusAssigned, func() string {
			no := l.assigned(t)
			must(s.SetUrgency(ctx, act(no, l.office, ""), true))
			return no
		}},
		{"assigned, extension asked", store.StatusAssigned, func() string {
			no := l.assigned(t)
			c, _ := s.CaseByTicket(ctx, no)
			must(s.RequestExtension(ctx, store.ExtensionParams{ActParams: act(no, l.cadre, "等待批复"), Until: c.ResolveDueAt.AddDate(0, 0, 5)}))
			return no
		}},
		{"in_progress", store.StatusInProgress, func() string {
			no := l.assigned(t)
			must(s.Sign(ctx, act(no, l.cadre, "")))
			return no
		}},
		{"in_progress, extension asked", store.StatusInProgress, func() string {
			no := l.assigned(t)
			must(s.Sign(ctx, act(no, l.cadre, "")))
			c, _ := s.CaseByTicket(ctx, no)
			must(s.RequestExtension(ctx, store.ExtensionParams{ActParams: act(no, l.cadre, "等待批复"), Until: c.ResolveDueAt.AddDate(0, 0, 5)}))
			return no
		}},
		{"resolved", store.StatusResolved, func() string {
			no := l.assigned(t)
			must(s.Sign(ctx, act(no, l.cadre, "")))
			must(s.Resolve(ctx, act(no, l.cadre, "已增容")))
			return no
		}},
		{"resolved, not satisfied", store.StatusResolved, func() string {
			no := l.assigned(t)
			must(s.Sign(ctx, act(no, l.cadre, "")))
			must(s.Resolve(ctx, act(no, l.cadre, "已增容")))
			must(s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.reporter, "电压仍不稳"), Satisfaction: store.Unsatisfied}))
			return no
		}},
		{"closed", store.StatusClosed, func() string {
			no := l.assigned(t)
			must(s.Sign(ctx, act(no, l.cadre, "")))
			must(s.Resolve(ctx, act(no, l.cadre, "已增容")))
			must(s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, l.reporter, ""), Solved: true, Satisfaction: store.Satisfied}))
			return no
		}},
		{"rejected", store.StatusRejected, func() string {
			no := l.file(t).TicketNo
			must(s.Reject(ctx, act(no, l.office, "不属于活动范围")))
			return no
		}},
		{"merged", store.StatusMerged, func() string {
			no := l.file(t).TicketNo
			must(s.Merge(ctx, store.MergeParams{ActParams: act(no, l.office, "重复"), Into: l.file(t).TicketNo}))
			return no
		}},
	}

	// Each verb acts on a case for someone; the feedback window's end acts for no one.
	type verb func(no string, by int64) error
	ok := func(_ store.Case, err error) error { return err }
	until := l.now.AddDate(0, 3, 0)
	verbs := map[string]verb{
		"Assign": func(no string, by int64) error {
			return ok(s.Assign(ctx, store.AssignParams{ActParams: act(no, by, ""), AssigneeID: l.other}))
		},
		"Sign":     func(no string, by int64) error { return ok(s.Sign(ctx, act(no, by, ""))) },
		"Progress": func(no string, by int64) error { return ok(s.Progress(ctx, act(no, by, "已现场勘查"))) },
		"Resolve":  func(no string, by int64) error { return ok(s.Resolve(ctx, act(no, by, "已解决"))) },
		"Reject":   func(no string, by int64) error { return ok(s.Reject(ctx, act(no, by, "不属于活动范围"))) },
		"Merge": func(no string, by int64) error {
			return ok(s.Merge(ctx, store.MergeParams{ActParams: act(no, by, "重复"), Into: l.file(t).TicketNo}))
		},
		"Feedback satisfied": func(no string, by int64) error {
			return ok(s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, by, ""), Solved: true, Satisfaction: store.Satisfied}))
		},
		"Feedback basically satisfied": func(no string, by int64) error {
			return ok(s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, by, ""), Solved: false, Satisfaction: store.BasicSatisfied}))
		},
		"Feedback not satisfied": func(no string, by int64) error {
			return ok(s.Feedback(ctx, store.FeedbackParams{ActParams: act(no, by, "没解决"), Solved: false, Satisfaction: store.Unsatisfied}))
		},
		"Rehandle": func(no string, by int64) error { return ok(s.Rehandle(ctx, act(no, by, "请再核实"))) },
		"WriteOff": func(no string, by int64) error { return ok(s.WriteOff(ctx, act(no, by, "超出职权范围"))) },
		"HandBack": func(no string, by int64) error { return ok(s.HandBack(ctx, act(no, by, "不归我管"))) },
		"Escalate": func(no string, by int64) error { return ok(s.Escalate(ctx, act(no, by, "县级无法协调"))) },
		"HandOver": func(no string, by int64) error {
			return ok(s.HandOver(ctx, store.HandOverParams{ActParams: act(no, by, "交专班"), OfficeID: group}))
		},
		"RequestExtension": func(no string, by int64) error {
			return ok(s.RequestExtension(ctx, store.ExtensionParams{ActParams: act(no, by, "等待批复"), Until: until}))
		},
		"DecideExtension grant": func(no string, by int64) error {
			return ok(s.DecideExtension(ctx, act(no, by, ""), true))
		},
		"DecideExtension refuse": func(no string, by int64) error {
			return ok(s.DecideExtension(ctx, act(no, by, "理由不足"), false))
		},
		"Urge":              func(no string, by int64) error { return ok(s.Urge(ctx, act(no, by, "请加快"))) },
		"SetUrgency urgent": func(no string, by int64) error { return ok(s.SetUrgency(ctx, act(no, by, ""), true)) },
		"SetUrgency normal": func(no string, by int64) error { return ok(s.SetUrgency(ctx, act(no, by, ""), false)) },
		"ConfirmReporter":   func(no string, by int64) error { return ok(s.ConfirmReporter(ctx, act(no, by, ""))) },
		"RejectReporter":    func(no string, by int64) error { return ok(s.RejectReporter(ctx, act(no, by, ""))) },
		"AddInfo":           func(no string, by int64) error { return s.AddInfo(ctx, by, no, "补充：现场照片", "", nil) },
		"feedback window ends": func(no string, _ int64) error {
			var job store.FeedbackTimeout
			if err := s.Pool().QueryRow(ctx, `SELECT c.id, coalesce(max(e.id), 0) FROM cases c
				LEFT JOIN case_events e ON e.case_id = c.id AND e.kind = $2 WHERE c.ticket_no = $1 GROUP BY c.id`,
				no, store.EventResolved).Scan(&job.CaseID, &job.EventID); err != nil {
				return err
			}
			saved := *l.now
			*l.now = l.now.AddDate(0, 1, 0)
			defer func() { *l.now = saved }()
			closed, _, err := s.CloseUnanswered(ctx, job)
			if err == nil && !closed {
				err = fmt.Errorf("left open")
			}
			return err
		},
	}
	// Reads return a case and change none.
	reads := []string{"CaseByTicket"}

	// A new verb must be tried here before the diagram can be said to be complete.
	caseType := reflect.TypeFor[store.Case]()
	st := reflect.TypeFor[*store.Store]()
	for i := range st.NumMethod() {
		m := st.Method(i)
		if m.Type.NumOut() != 2 || m.Type.Out(0) != caseType || slices.Contains(reads, m.Name) {
			continue
		}
		tried := false
		for name := range verbs {
			tried = tried || name == m.Name || strings.HasPrefix(name, m.Name+" ")
		}
		if !tried {
			t.Errorf("(*Store).%s returns a case but is not tried here: add it to the verbs", m.Name)
		}
	}

	// Every status the schema allows is a start.
	var check string
	if err := s.Pool().QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'cases'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%'`).Scan(&check); err != nil {
		t.Fatalf("the statuses of the schema: %v", err)
	}
	statuses := regexp.MustCompile(`'([a-z_]+)'`).FindAllStringSubmatch(check, -1)
	if len(statuses) == 0 {
		t.Fatalf("no statuses in %s", check)
	}
	for _, m := range statuses {
		if !slices.ContainsFunc(starts, func(st start) bool { return string(st.status) == m[1] }) {
			t.Errorf("status %s has no start here", m[1])
		}
	}

	names := make([]string, 0, len(verbs))
	for name := range verbs {
		names = append(names, name)
	}
	slices.Sort(names)
	acted := map[string]bool{}
	for _, start := range starts {
		for _, name := range names {
			no := start.make()
			c, err := s.CaseByTicket(ctx, no)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != start.status {
				t.Fatalf("%s: the start is %s", start.name, c.Status)
			}
			var reporter int64
			if c.ReporterID != nil {
				reporter = *c.ReporterID
			}
			for _, by := range []int64{l.office, city, l.cadre, reporter} {
				var last int64
				if err := s.Pool().QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM case_events").Scan(&last); err != nil {
					t.Fatal(err)
				}
				if err := verbs[name](no, by); err != nil {
					continue // refused: nothing changed
				}
				acted[name] = true
				after, err := s.CaseByTicket(ctx, no)
				if err != nil {
					t.Fatal(err)
				}
				if after.Status != start.status {
					var recorded bool
					if err := s.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_events
						WHERE id > $1 AND case_id = $2 AND from_status = $3 AND to_status = $4)`,
						last, c.ID, start.status, after.Status).Scan(&recorded); err != nil {
						t.Fatal(err)
					}
					if !recorded {
						t.Errorf("%s on %s moved it to %s without recording it", name, start.name, after.Status)
					}
				}
				break // the case has moved on: the next verb takes a new one
			}
		}
	}

	// A verb refused everywhere was not tried at all: its start or its arguments are wrong.
	for _, name := range names {
		if !acted[name] {
			t.Errorf("%s acted on no case: the test does not try it", name)
		}
	}

	// What the store did, as the timelines record it.
	made := map[string]bool{}
	rows, err := s.Pool().Query(ctx, `SELECT DISTINCT coalesce(from_status, '[*]'), to_status FROM case_events WHERE to_status IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	leaves := map[string]bool{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			t.Fatal(err)
		}
		made[from+" --> "+to] = true
		leaves[from] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, m := range statuses {
		if !leaves[m[1]] {
			made[m[1]+" --> [*]"] = true
		}
	}

	for _, e := range sortedKeys(made) {
		if !drawn[e] {
			t.Errorf("the store makes %q, which %s does not draw", e, lifecycleDoc)
		}
	}
	for _, e := range sortedKeys(drawn) {
		if !made[e] {
			t.Errorf("%s draws %q, which the store does not make", lifecycleDoc, e)
		}
	}
}

// diagramEdges reads the arrows "a --> b" of the Mermaid stateDiagram-v2 on a page, labels
// dropped. A line with an arrow it cannot read fails the test rather than being skipped.
func diagramEdges(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	arrow := regexp.MustCompile(`^\s*(\[\*\]|[a-z_]+)\s*-->\s*(\[\*\]|[a-z_]+)\s*(:.*)?$`)
	edges := map[string]bool{}
	in, diagrams := false, 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```mermaid"):
			in = true
		case in && strings.HasPrefix(line, "```"):
			in = false
		case in && strings.TrimSpace(line) == "stateDiagram-v2":
			diagrams++
		case in && strings.Contains(line, "-->"):
			m := arrow.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("%s:%d: an arrow the test cannot read: %q", path, n, line)
			}
			edges[m[1]+" --> "+m[2]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if diagrams != 1 || len(edges) == 0 {
		t.Fatalf("%s: want one Mermaid stateDiagram-v2 with arrows, found %d diagrams and %d arrows", path, diagrams, len(edges))
	}
	return edges
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
