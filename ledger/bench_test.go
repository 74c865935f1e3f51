package ledger_test

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/ledger"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// BenchmarkWorkbook writes the workbook of a month of N cases, made by SQL inserts across
// the demo county's townships, each assigned, most signed for and resolved, some rated.
// It is the workbook the 1st of the month sends, its report sheet with the two charts. Beside
// ns/op and allocations it reports peak-heap-MB, the most heap in use while writing: it
// should stay about the same from 10,000 to 100,000 rows, as the rows are streamed and the
// sheets spill to disk.
//
//	go test -run '^$' -bench Workbook -benchmem ./ledger/
func BenchmarkWorkbook(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			s := monthOfCases(b, n)
			tr, err := dialog.NewTranslator("zh-CN")
			if err != nil {
				b.Fatal(err)
			}
			p := conversations.MonthlyParams(context.Background(), tr, "zh-CN", s, 0, "城市", november.From, november.To)
			ctx := context.Background()
			peak := heapPeak(b)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rows, err := ledger.WriteXLSX(ctx, io.Discard, s, p)
				if err != nil || rows != n {
					b.Fatalf("%d rows: %v", rows, err)
				}
			}
			b.StopTimer()
			b.ReportMetric(peak()/(1<<20), "peak-heap-MB")
		})
	}
}

// heapPeak samples the heap in use until the returned function is called, which gives the
// highest it saw.
func heapPeak(b *testing.B) func() float64 {
	runtime.GC()
	var mu sync.Mutex
	var most uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				mu.Lock()
				most = max(most, m.HeapInuse)
				mu.Unlock()
			}
		}
	})
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(most)
	}
}

// monthOfCases is the demo organisation with n cases filed in November 2026, inserted in
// bulk as the lifecycle would leave them.
func monthOfCases(b *testing.B, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, shanghai)
	s := storetest.NewStore(b, store.Options{Now: func() time.Time { return now }})
	if _, probs, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		b.Fatalf("demo: %v %+v", err, probs)
	}
	_, err := s.Pool().Exec(ctx, `
		WITH u AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, region_id FROM units),
		h AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM people WHERE code BETWEEN 'P001' AND 'P016'),
		c AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM categories WHERE unit_kind = 'enterprise'),
		g AS (SELECT i, timestamptz '2026-11-01 00:00+08' + (i * interval '29 days' / $1) AS at FROM generate_series(0, $1 - 1) i)
		INSERT INTO cases (ticket_no, status, region_id, unit_id, category_id, description, urgency, complexity,
			assignee_id, assigned_at, signed_at, first_feedback_at, resolved_at, closed_at,
			sign_due_at, feedback_due_at, resolve_due_at, urge_count, solved, satisfaction, created_at, updated_at)
		SELECT 'BM-' || lpad(g.i::text, 7, '0'),
			(ARRAY['assigned', 'in_progress', 'resolved', 'closed', 'closed'])[1 + g.i % 5],
			u.region_id, u.id, c.id, '厂区道路积水，货车无法进出', CASE WHEN g.i % 9 = 0 THEN 'urgent' ELSE 'normal' END, 'ordinary',
			h.id, g.at + interval '1 hour', CASE WHEN g.i % 5 > 0 THEN g.at + interval '5 hours' END,
			CASE WHEN g.i % 5 > 1 THEN g.at + interval '2 days' END, CASE WHEN g.i % 5 > 1 THEN g.at + interval '6 days' END,
			CASE WHEN g.i % 5 > 2 THEN g.at + interval '7 days' END,
			g.at + interval '25 hours', g.at + interval '73 hours', g.at + interval '169 hours', g.i % 3,
			CASE WHEN g.i % 5 > 2 THEN g.i % 4 > 0 END, CASE WHEN g.i % 5 > 2 THEN (ARRAY['satisfied', 'basic', 'unsatisfied'])[1 + g.i % 3] END,
			g.at, g.at
		FROM g JOIN u ON u.k = g.i % (SELECT count(*) FROM u) JOIN h ON h.k = g.i % 16 JOIN c ON c.k = g.i % 11`, n)
	if err != nil {
		b.Fatal(err)
	}
	_, err = s.Pool().Exec(ctx, `
		INSERT INTO case_events (case_id, at, kind, from_status, to_status, sign_due_at, resolve_due_at)
		SELECT id, created_at, 'submitted', NULL, 'submitted', NULL, NULL FROM cases
		UNION ALL SELECT id, assigned_at, 'assigned', 'submitted', 'assigned', sign_due_at, resolve_due_at FROM cases
		UNION ALL SELECT id, signed_at, 'signed', 'assigned', 'in_progress', NULL, NULL FROM cases WHERE signed_at IS NOT NULL
		UNION ALL SELECT id, resolved_at, 'resolved', 'in_progress', 'resolved', NULL, NULL FROM cases WHERE resolved_at IS NOT NULL
		ORDER BY 2`)
	if err != nil {
		b.Fatal(err)
	}
	// The cases written are marked, as any: counted into the figures' kept days here, as the
	// periodic flush would have, before the statistics are taken.
	if _, err := s.FlushFigures(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return s
}
