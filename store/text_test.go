package store_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// What the store keeps follows the same rules as the dialogs: descriptions, notes and
// additions within their limits in UTF-16 units, no control characters, no text of
// invisible characters only, no location off the globe. Nothing refused is kept.
func TestTheStoreKeepsOnlyUsableText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	unit, region := storetest.UnitID(t, l.s, "E001")
	submit := func(desc string, lat, lon *float64) error {
		_, err := l.s.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &l.reporter, Description: desc,
			Latitude: lat, Longitude: lon})
		return err
	}
	f := func(v float64) *float64 { return &v }
	for name, err := range map[string]error{
		"2,000 emoji":     submit(strings.Repeat("😡", 1000)+"!", nil, nil),
		"a NUL":           submit("停电\x00了很多次，影响生产", nil, nil),
		"an escape":       submit("停电了很多次\x1b[31m，影响生产", nil, nil),
		"invisible":       submit("\u200b\u3000\ufeff", nil, nil),
		"latitude 95":     submit("停电了很多次，影响生产", f(95), f(113)),
		"longitude NaN":   submit("停电了很多次，影响生产", f(34), f(math.NaN())),
		"half a location": submit("停电了很多次，影响生产", f(34), nil),
	} {
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("submit with %s: %v, want ErrInvalid", name, err)
		}
	}
	var n int
	if err := l.s.Pool().QueryRow(ctx, "SELECT count(*) FROM cases").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d cases kept (%v)", n, err)
	}
	if err := submit(strings.Repeat("😡", 1000), f(-33.8688), f(151.2093)); err != nil {
		t.Fatalf("1,000 emoji, 2,000 units: %v", err)
	}

	no := l.assigned(t)
	if _, err := l.s.Sign(ctx, act(no, l.cadre, "")); err != nil {
		t.Fatal(err)
	}
	for name, note := range map[string]string{"1,001 emoji": strings.Repeat("🔌", 1001), "a NUL": "已联系\x00施工队",
		"invisible": "\u200b \u2060"} {
		if _, err := l.s.Progress(ctx, act(no, l.cadre, note)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("progress with %s: %v, want ErrInvalid", name, err)
		}
		if err := l.s.AddInfo(ctx, l.reporter, no, note, "src-"+name, nil); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("addition with %s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := l.s.Progress(ctx, act(no, l.cadre, strings.Repeat("🔌", 1000))); err != nil {
		t.Fatalf("a note of 2,000 units: %v", err)
	}
	c, _ := l.s.CaseByTicket(ctx, no)
	if got := l.kinds(t, c); len(got) != 4 || got[3] != store.EventProgress {
		t.Fatalf("events %v", got)
	}
}
