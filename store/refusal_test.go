package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
)

// A person's refusals are kept once per case in ten minutes and thirty an hour in all, each
// person counted apart; a case's view sums them up in one line's worth of data and leaves
// them out of its timeline.
func TestRefusalsAreKeptWithinLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	no := l.assigned(t)
	refuse := func(no string, who int64) bool {
		t.Helper()
		kept, err := l.s.RecordRefusal(ctx, no, who, "act_sign", store.ErrNotFound)
		if err != nil {
			t.Fatal(err)
		}
		return kept
	}
	start := *l.now
	for i, step := range []struct {
		after time.Duration
		who   int64
		kept  bool
	}{
		{0, l.outside, true},
		{0, l.outside, false},
		{9 * time.Minute, l.outside, false},
		{9 * time.Minute, l.other, true},
		{store.RefusalGap + time.Second, l.outside, true},
		{store.RefusalGap + time.Second, l.other, false},
	} {
		*l.now = start.Add(step.after)
		if got := refuse(no, step.who); got != step.kept {
			t.Fatalf("step %d: kept %v, want %v", i, got, step.kept)
		}
	}
	if kept, err := l.s.RecordRefusal(ctx, "XC-20991231-0001", l.outside, "act_sign", store.ErrNotFound); err != nil || kept {
		t.Fatalf("unknown ticket: kept %v, %v", kept, err)
	}
	// Thirty an hour: two are kept already in this hour.
	kept := 0
	for range 40 {
		if refuse(l.file(t).TicketNo, l.outside) {
			kept++
		}
	}
	if kept != store.RefusalsPerHour-2 {
		t.Fatalf("%d of 40 kept within the hour, want %d", kept, store.RefusalsPerHour-2)
	}
	*l.now = start.Add(store.RefusalGap + time.Hour + 2*time.Second)
	if !refuse(l.file(t).TicketNo, l.outside) {
		t.Fatal("a refusal an hour later was not kept")
	}

	v, err := l.s.CaseFor(ctx, l.office, no)
	if err != nil {
		t.Fatal(err)
	}
	if v.Refusals.Count != 3 || v.Refusals.LastAction != "act_sign" || v.Refusals.LastAt == nil || !v.Refusals.LastAt.Equal(start.Add(store.RefusalGap+time.Second)) {
		t.Fatalf("refusals %+v", v.Refusals)
	}
	for _, e := range v.Events {
		if e.Kind == store.EventRefused {
			t.Fatalf("a refusal in the timeline: %+v", v.Events)
		}
	}
	if r, err := l.s.CaseFor(ctx, l.reporter, no); err != nil || r.Refusals.Count != 0 {
		t.Fatalf("the reporter learns of refusals: %+v %v", r.Refusals, err)
	}
}

// The queries run at every refusal and every view of a case read their indexes, not the
// whole table of events, in a ledger of a hundred thousand events.
func TestRefusalQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	for _, q := range []string{
		`INSERT INTO cases (ticket_no, region_id, description, created_at, updated_at)
		SELECT 'PL-' || g, r.id, '企业用电线路需要增容改造', now(), now() FROM generate_series(1, 2000) g, (SELECT id FROM regions WHERE code = 'HQ') r`,
		`INSERT INTO case_events (case_id, at, actor_id, kind, internal, data)
		SELECT c.id, now() - (g % 5000) * interval '1 minute', p.ids[1 + g % array_length(p.ids, 1)],
			CASE WHEN g % 100 = 0 THEN 'refused' ELSE 'progress' END, g % 100 = 0, '{}'
		FROM generate_series(1, 100000) g JOIN cases c ON c.ticket_no = 'PL-' || (1 + g % 2000),
			(SELECT array_agg(id) AS ids FROM people) p`,
		`ANALYZE case_events`,
		`ANALYZE cases`,
	} {
		if _, err := l.s.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var caseID int64
	if err := l.s.Pool().QueryRow(ctx, "SELECT id FROM cases WHERE ticket_no = 'PL-7'").Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, c := range []struct {
		name, sql string
		args      []any
		index     string
	}{
		{"record a refusal", store.RecordRefusalSQL, []any{"PL-7", now, l.outside, "act_sign", "not_found", now.Add(-store.RefusalGap),
			now.Add(-time.Hour), store.RefusalsPerHour}, "case_events_refused_actor_idx"},
		{"a case's refusals", store.RefusalsSQL, []any{caseID}, "case_events_refused_case_idx"},
		{"a case's timeline", store.TimelineSQL, []any{caseID, true}, "case_events_case_idx"},
	} {
		rows, err := l.s.Pool().Query(ctx, "EXPLAIN "+c.sql, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, c.index) || strings.Contains(plan, "Seq Scan on case_events") {
			t.Errorf("%s is planned without %s:\n%s", c.name, c.index, plan)
		}
		if testing.Verbose() {
			fmt.Printf("%s:\n%s\n", c.name, plan)
		}
	}
}
