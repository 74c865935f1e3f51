package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
)

// Cases driven through random transitions: the ledger of a region and a period lists, once
// each and oldest first, exactly the cases the figures count as found, each under the
// sub-region line the figures count it in; and each limit's outcome is what the case's raw
// events say of its last assignment.
func TestLedgerRowsAreTheFoundCases(t *testing.T) {
	t.Parallel()
	d := newLedgerDriver(t, 20261130)
	start := *d.now
	for i := 0; i < 900; i++ {
		*d.now = d.now.Add(time.Duration(d.rnd.IntN(240)) * time.Minute)
		if len(d.tickets) < 90 && (len(d.tickets) == 0 || d.rnd.IntN(900) < 180) {
			d.file()
			continue
		}
		d.step()
	}
	ctx := context.Background()
	l := readLedger(t, d.s)
	byID := map[int64]ledgerCase{}
	for _, c := range l.cases {
		byID[c.id] = c
	}
	first, last := d.s.Day(start), d.s.Day(*d.now).AddDate(0, 0, 1)
	periods := [][2]time.Time{{first, last}, {first, first.AddDate(0, 0, 3)}, {first.AddDate(0, 0, 3), last}}
	seen := map[store.LimitOutcome]int{}
	for _, region := range []int64{0, d.county, d.units[0].region} {
		for _, p := range periods {
			f, err := d.s.Figures(ctx, store.FiguresParams{RegionID: region, From: p[0], To: p[1]})
			if err != nil {
				t.Fatal(err)
			}
			perSub := map[string]int{}
			var n int
			var prev time.Time
			tickets := map[string]bool{}
			err = d.s.Ledger(ctx, store.LedgerParams{FiguresParams: store.FiguresParams{RegionID: region, From: p[0], To: p[1]}}, func(r store.LedgerRow) error {
				n++
				if tickets[r.TicketNo] || r.FiledAt.Before(prev) || r.FiledAt.Before(p[0]) || !r.FiledAt.Before(p[1]) {
					t.Fatalf("row %s filed %s: repeated, out of order or out of the period", r.TicketNo, r.FiledAt)
				}
				tickets[r.TicketNo], prev = true, r.FiledAt
				perSub[r.SubRegionCode]++
				c := byID[r.ID]
				if c.status != r.Status {
					t.Fatalf("row %s: status %s, case %s", r.TicketNo, r.Status, c.status)
				}
				sign, feedback, resolve := expectedOutcomes(l.events[r.ID], c, *d.now)
				if r.Sign != sign || r.Feedback != feedback || r.Resolve != resolve {
					t.Fatalf("row %s: limits %q %q %q, its events say %q %q %q", r.TicketNo, r.Sign, r.Feedback, r.Resolve, sign, feedback, resolve)
				}
				seen[r.Sign]++
				seen[r.Resolve]++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != f.Found {
				t.Fatalf("region %d %s–%s: %d rows, found %d", region, p[0], p[1], n, f.Found)
			}
			for _, s := range f.BySubRegion {
				if perSub[s.Key] != s.Found {
					t.Fatalf("region %d: line %s found %d, %d rows", region, s.Key, s.Found, perSub[s.Key])
				}
			}
		}
	}
	for _, o := range []store.LimitOutcome{store.LimitNone, store.LimitMet, store.LimitMissed} {
		if seen[o] == 0 {
			t.Fatalf("no limit came out %q: %v", o, seen)
		}
	}

	// Bounded by a moment, as the workbook bounds it by its figures' now: the cases filed by
	// then, that one included.
	bound := l.cases[len(l.cases)/2].created
	want := 0
	for _, c := range l.cases {
		if !c.created.After(bound) {
			want++
		}
	}
	n := 0
	if err := d.s.Ledger(ctx, store.LedgerParams{FiguresParams: store.FiguresParams{From: first, To: last}, FiledBefore: bound},
		func(store.LedgerRow) error { n++; return nil }); err != nil || n != want || n == len(l.cases) {
		t.Fatalf("filed by %s: %d rows, %d cases of %d (%v)", bound, n, want, len(l.cases), err)
	}

	stop := errors.New("stop")
	if err := d.s.Ledger(ctx, store.LedgerParams{FiguresParams: store.FiguresParams{From: first, To: last}}, func(store.LedgerRow) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("an error from the callback: %v", err)
	}
	if err := d.s.Ledger(ctx, store.LedgerParams{FiguresParams: store.FiguresParams{From: last, To: first}}, nil); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a period backwards: %v", err)
	}
}

// expectedOutcomes judges the limits of a case's last assignment from its events, in words:
// a limit is met when its step came by it, missed when it came later or has not come and
// the limit has passed, not yet due while it may still come; an assignment ended without the
// step (merged; for feedback and resolve also handed back) before its limit owes nothing.
func expectedOutcomes(evs []ledgerEvent, c ledgerCase, now time.Time) (sign, feedback, resolve store.LimitOutcome) {
	a := -1
	for i, e := range evs {
		if e.to != nil && *e.to == "assigned" && e.signDue != nil {
			a = i
		}
	}
	if a < 0 {
		return "", "", ""
	}
	after := func(kinds ...string) *time.Time {
		for _, e := range evs[a+1:] {
			for _, k := range kinds {
				if e.kind == k {
					return &e.at
				}
			}
		}
		return nil
	}
	judge := func(due, done, ended *time.Time) store.LimitOutcome {
		switch {
		case due == nil:
			return ""
		case done != nil && (ended == nil || !done.After(*ended)):
			if done.After(*due) {
				return store.LimitMissed
			}
			return store.LimitMet
		case ended != nil && !ended.After(*due):
			return ""
		case ended != nil || now.After(*due):
			return store.LimitMissed
		}
		return store.LimitOpen
	}
	var resolveDue *time.Time
	for _, e := range evs[a:] {
		if e.resolveDue != nil {
			resolveDue = e.resolveDue
		}
	}
	feedbackDue := c.feedbackDue
	return judge(evs[a].signDue, after("signed", "handed_back"), after("merged")),
		judge(feedbackDue, after("progress", "resolved"), after("handed_back", "merged")),
		judge(resolveDue, after("resolved"), after("handed_back", "merged"))
}
