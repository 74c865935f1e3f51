package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// benchCases is how many cases the benchmarks of the figures make: BANGBAN_BENCH_CASES, or
// 100,000 (the figure is also 1,000,000: BANGBAN_BENCH_CASES=1000000).
func benchCases(b *testing.B) int {
	if v := os.Getenv("BANGBAN_BENCH_CASES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 100000
}

// cityOfCases is the demo city grown to ten counties of three townships each, with n cases
// filed through 2026 up to 1 December across their townships, each with the events the
// lifecycle would have left: filed, assigned (with its limits), signed for, resolved, rated
// and closed. Those of the last ten days stand at every step; of the older ones, one in fifty
// is still in hand, long overdue, and the rest are closed. It is "now" 3 December 2026, 09:00.
func cityOfCases(b *testing.B, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, loc)
	s := storetest.NewStore(b, store.Options{Location: loc, Now: func() time.Time { return now }})
	if _, probs, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		b.Fatalf("demo: %v %+v", err, probs)
	}
	setup := time.Now()
	for _, q := range []string{
		`INSERT INTO regions (code, name, level, parent_id)
		SELECT 'HQ-B' || i, '基准县' || i, 'county', (SELECT id FROM regions WHERE code = 'HQ') FROM generate_series(1, 9) i`,
		`INSERT INTO regions (code, name, level, parent_id)
		SELECT r.code || '-' || j, r.name || '第' || j || '镇', 'township', r.id FROM regions r, generate_series(1, 3) j WHERE r.code LIKE 'HQ-B%'`,
		`WITH t AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM regions WHERE level = 'township'),
		h AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM people WHERE code BETWEEN 'P001' AND 'P016'),
		c AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM categories WHERE unit_kind = 'enterprise'),
		g AS (SELECT i, at, CASE WHEN at > timestamptz '2026-11-20 00:00+08' THEN (ARRAY['assigned', 'in_progress', 'resolved', 'closed', 'closed'])[1 + i % 5]
				WHEN i % 50 = 4 THEN 'in_progress' ELSE 'closed' END AS status
			FROM (SELECT i, timestamptz '2026-01-01 00:00+08' + (i * interval '334 days' / $1) AS at FROM generate_series(0, $1 - 1) i) x)
		INSERT INTO cases (ticket_no, status, region_id, category_id, description, urgency, complexity,
			assignee_id, assigned_at, signed_at, first_feedback_at, resolved_at, closed_at,
			sign_due_at, feedback_due_at, resolve_due_at, urge_count, solved, satisfaction, created_at, updated_at)
		SELECT 'BM-' || lpad(g.i::text, 8, '0'), g.status,
			t.id, c.id, '厂区道路积水，货车无法进出', CASE WHEN g.i % 9 = 0 THEN 'urgent' ELSE 'normal' END, 'ordinary',
			h.id, g.at + interval '1 hour', CASE WHEN g.status <> 'assigned' THEN g.at + interval '5 hours' END,
			CASE WHEN g.status <> 'assigned' THEN g.at + interval '2 days' END,
			CASE WHEN g.status IN ('resolved', 'closed') THEN g.at + interval '6 days' END,
			CASE WHEN g.status = 'closed' THEN g.at + interval '9 days' END,
			g.at + interval '25 hours', g.at + interval '73 hours', g.at + interval '169 hours', g.i % 3,
			CASE WHEN g.status = 'closed' THEN g.i % 4 > 0 END,
			CASE WHEN g.status = 'closed' THEN (ARRAY['satisfied', 'basic', 'unsatisfied'])[1 + g.i % 3] END, g.at, g.at
		FROM g JOIN t ON t.k = g.i % (SELECT count(*) FROM t) JOIN h ON h.k = g.i % 16 JOIN c ON c.k = g.i % 11`,
		`INSERT INTO case_events (case_id, at, kind, from_status, to_status, sign_due_at, resolve_due_at, data)
		SELECT id, created_at, 'submitted', NULL, 'submitted', NULL, NULL, '{}'::jsonb FROM cases
		UNION ALL SELECT id, assigned_at, 'assigned', 'submitted', 'assigned', sign_due_at, resolve_due_at, '{}' FROM cases
		UNION ALL SELECT id, signed_at, 'signed', 'assigned', 'in_progress', NULL, NULL, '{}' FROM cases WHERE signed_at IS NOT NULL
		UNION ALL SELECT id, resolved_at, 'resolved', 'in_progress', 'resolved', NULL, NULL, '{}' FROM cases WHERE resolved_at IS NOT NULL
		UNION ALL SELECT id, closed_at, 'feedback', 'resolved', 'closed', NULL, NULL,
			jsonb_build_object('Solved', solved, 'Satisfaction', satisfaction) FROM cases WHERE closed_at IS NOT NULL
		ORDER BY 2`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{n}
		}
		if _, err := s.Pool().Exec(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q[:40], err)
		}
	}
	// The cases generated are marked, as any written: all counted into the kept days here at
	// once, as migration 00022 counts a ledger's cases (figure_rebuild), so that the figures'
	// timings are those of a read; then the statistics are taken.
	if _, err := s.Pool().Exec(ctx, "SELECT figure_rebuild($1)", s.Location().String()); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, "TRUNCATE figure_dirty"); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d cases and their events generated and counted in %s", n, time.Since(setup).Round(time.Second))
	return s
}

// explain prints the plan of the figures' counts for a region and November, as Postgres ran
// it, to standard error.
func explain(b *testing.B, s *store.Store, name string, region int64, p store.FiguresParams) {
	b.Helper()
	ctx := context.Background()
	args := []any{region, p.From, p.To, s.Now()}
	if region != 0 {
		var regions []int64
		if err := s.Pool().QueryRow(ctx, "SELECT array_agg(id) FROM regions WHERE id = $1 OR parent_id = $1", region).Scan(&regions); err != nil {
			b.Fatal(err)
		}
		args = append(args, regions)
	}
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, "SET LOCAL jit = off"); err != nil {
		b.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+store.FigureCountsSQL(region), args...)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "plan of the figures' counts, %s:\n%s\n", name, strings.Join(plan, "\n"))
}

// BenchmarkFigures measures the figures of November (store.Figures: the counts, the
// breakdowns and the two rates, three queries) for the whole city and for one county of ten,
// among BANGBAN_BENCH_CASES cases; and the weekly bulletin of the city for the last week of
// November, which asks for the figures of eight weeks and the named list. The aims: 200 ms
// for the figures and 1 s for the bulletin at 1,000,000 cases.
//
//	BANGBAN_BENCH_CASES=1000000 go test -run '^$' -bench Figures -benchtime 5x ./store/
func BenchmarkFigures(b *testing.B) {
	n := benchCases(b)
	s := cityOfCases(b, n)
	ctx := context.Background()
	var county int64
	if err := s.Pool().QueryRow(ctx, "SELECT id FROM regions WHERE code = 'HQ-B1'").Scan(&county); err != nil {
		b.Fatal(err)
	}
	loc := s.Location()
	november := store.FiguresParams{From: time.Date(2026, 11, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 12, 1, 0, 0, 0, 0, loc)}
	for _, tc := range []struct {
		name   string
		region int64
	}{{"city", 0}, {"county", county}} {
		explain(b, s, tc.name, tc.region, november)
		b.Run(fmt.Sprintf("%s/%d", tc.name, n), func(b *testing.B) {
			p := november
			p.RegionID = tc.region
			for b.Loop() {
				f, err := s.Figures(ctx, p)
				if err != nil || f.Found == 0 {
					b.Fatalf("%d found: %v", f.Found, err)
				}
			}
		})
	}
	// The periodic flush's work: 500 cases written meanwhile (marked), counted into the kept
	// days; ns/op is the flush of the 500.
	b.Run(fmt.Sprintf("flush500/%d", n), func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if _, err := s.Pool().Exec(ctx, "SELECT figure_mark(ARRAY(SELECT id FROM cases ORDER BY random() LIMIT 500))"); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if n, err := s.FlushFigures(ctx); err != nil || n != 500 {
				b.Fatalf("%d flushed: %v", n, err)
			}
		}
	})
	b.Run(fmt.Sprintf("bulletin/%d", n), func(b *testing.B) {
		for b.Loop() {
			bl, err := s.Bulletin(ctx, store.BulletinParams{Week: time.Date(2026, 11, 25, 0, 0, 0, 0, loc)})
			if err != nil || bl.This.Found == 0 {
				b.Fatalf("%d found: %v", bl.This.Found, err)
			}
		}
	})
}
