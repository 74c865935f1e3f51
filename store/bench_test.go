package store_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// BenchmarkSubmit measures filing one case: the ticket number, the case, its event and its
// notification job, in one transaction. With -cpu to vary the parallelism it also shows the
// cost of the per-day counter row that serialises concurrent creators.
func BenchmarkSubmit(b *testing.B) {
	s := storetest.NewStore(b, store.Options{})
	region, err := s.PutRegion(context.Background(), store.Region{Code: "bench", Name: "基准县", Level: store.LevelCounty})
	if err != nil {
		b.Fatal(err)
	}
	n := &store.Notification{ChatID: 1, Lang: "zh-CN", MessageID: "case_received"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Submit(context.Background(), store.SubmitParams{RegionID: region.ID,
				Description: "企业用电线路需要增容改造", Notify: n}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkReminderSweep measures one round of the reminder sweep among many open cases and
// their pending reminders, generated with SQL: BANGBAN_BENCH_CASES of them (default 100,000;
// the figure is 1,000,000), each in progress with a resolve limit spread over 30
// days and three reminders. Each iteration moves the clock on a minute and sends what fell due
// (some 70 reminders a minute per million cases), as the periodic job does.
func BenchmarkReminderSweep(b *testing.B) {
	ctx := context.Background()
	n := 100000
	if v := os.Getenv("BANGBAN_BENCH_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, loc) // a Monday morning
	now := start
	s := storetest.NewStore(b, store.Options{Location: loc, Now: func() time.Time { return now },
		Limits: store.Limits{WorkStart: time.Nanosecond, WorkEnd: 24*time.Hour - time.Nanosecond}})
	if _, probs, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		b.Fatalf("demo: %v %+v", err, probs)
	}
	setup := time.Now()
	for _, q := range []string{
		`UPDATE people SET chat_id = 1000 + id`,
		`INSERT INTO cases (ticket_no, status, region_id, office_id, description, assignee_id, assigned_at, signed_at,
			first_feedback_at, sign_due_at, feedback_due_at, resolve_due_at, created_at, updated_at)
		SELECT 'BM-' || g, 'in_progress', r.id, o.id, '企业用电线路需要增容改造', h.ids[1 + g % array_length(h.ids, 1)],
			$1::timestamptz, $1, $1, $1, $1, $1::timestamptz + (g % 43200) * interval '1 minute', $1, $1
		FROM generate_series(1, $2::int) g,
			(SELECT id FROM regions WHERE code = 'HQ-YL-QS') r, (SELECT id FROM offices WHERE code = 'OF-YL') o,
			(SELECT array_agg(person_id) AS ids FROM person_roles WHERE role = 'handler') h`,
		`INSERT INTO reminders (case_id, kind, due_limit, limit_at, send_at)
		SELECT c.id, k.kind, 'resolve', c.resolve_due_at, c.resolve_due_at + k.shift
		FROM cases c, (VALUES ('due_soon', interval '-4 hours'), ('overdue', interval '0'), ('named', interval '7 days')) k(kind, shift)
		WHERE c.ticket_no LIKE 'BM-%'`,
		`VACUUM ANALYZE cases`,
		`VACUUM ANALYZE reminders`,
	} {
		args := []any{}
		if strings.Contains(q, "$1") {
			args = []any{start, n}
		}
		if _, err := s.Pool().Exec(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d cases and %d reminders generated in %s", n, 3*n, time.Since(setup).Round(time.Second))
	for _, q := range []string{
		`EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM cases WHERE id IN (
			SELECT DISTINCT case_id FROM (SELECT case_id FROM reminders WHERE sent_at IS NULL AND cancelled_at IS NULL AND send_at <= $1
				ORDER BY send_at LIMIT 500) due) ORDER BY id FOR UPDATE SKIP LOCKED`,
		`EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM reminders WHERE case_id = ANY(ARRAY(SELECT id FROM cases WHERE ticket_no LIKE 'BM-%' LIMIT 500))
			AND sent_at IS NULL AND cancelled_at IS NULL AND send_at <= $1 ORDER BY send_at, id FOR UPDATE`,
	} {
		rows, err := s.Pool().Query(ctx, q, start.Add(time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		plan, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		fmt.Fprintf(os.Stderr, "plan:\n%s\n", strings.Join(plan, "\n"))
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapBefore := ms.HeapAlloc
	b.ReportAllocs()
	b.ResetTimer()
	sent := 0
	for b.Loop() {
		now = now.Add(time.Minute)
		r, err := s.SendDueReminders(ctx, 500)
		if err != nil {
			b.Fatal(err)
		}
		sent += r.Sent
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(sent)/float64(b.N), "sent/op")
	fmt.Fprintf(os.Stderr, "heap before %d KiB, after %d KiB over %d rounds\n", heapBefore/1024, ms.HeapAlloc/1024, b.N)
}
