package store_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/bangban/bangban/store"
)

func TestTextIsCountedAsTelegramCountsIt(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "停电了": 3, "⚡": 1, "😡": 2, "👨‍👩‍👧": 8, "🇨🇳": 4, "a\nb\tc": 5} {
		if got := store.TextLen(s); got != want {
			t.Errorf("TextLen(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestUnusableAndBlankText(t *testing.T) {
	for _, s := range []string{"a\x00b", "a\rb", "\x1b[2J", "\u007f", "\u0085", "a\ufffdb", "a\uffffb", "\ufdd0", "\U0001fffe",
		"a\u202eb", "a\u2067b", "\xff\xfe"} {
		if err := store.CheckText(s); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CheckText(%q) = %v, want ErrInvalid", s, err)
		}
	}
	for _, s := range []string{"", "停电了 ⚡😡", "line one\nline two\tcolumn", "👨‍👩‍👧 🇨🇳 ❤️", "a\u200bb", "\ue000 private use"} {
		if err := store.CheckText(s); err != nil {
			t.Errorf("CheckText(%q) = %v, want nil", s, err)
		}
	}
	for s, want := range map[string]bool{"": true, " \t\n": true, "\u200b\u200c\u200d\ufeff\u2060": true, "\u3000\u00a0\u2003": true,
		"\u3164\u115f\u2800\u00ad": true, "a": false, "\u200b停": false, "·": false, "\u0301": false} {
		if got := store.Blank(s); got != want {
			t.Errorf("Blank(%q) = %v, want %v", s, got, want)
		}
	}
	for _, p := range [][2]float64{{0, 0}, {90, 180}, {-90, -180}, {34.7466, 113.6253}} {
		if !store.ValidLocation(p[0], p[1]) {
			t.Errorf("ValidLocation(%v) = false", p)
		}
	}
	for _, p := range [][2]float64{{90.0001, 0}, {0, -180.5}, {math.NaN(), 0}, {0, math.Inf(1)}, {200, 200}} {
		if store.ValidLocation(p[0], p[1]) {
			t.Errorf("ValidLocation(%v) = true", p)
		}
	}
}

// What the store keeps follows the same rules as the dialogs: descriptions, notes and
// additions within their limits in UTF-16 units, no control characters, no text of
// invisible characters only, no location off the globe. Nothing refused is kept.
func TestTheStoreKeepsOnlyUsableText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	var unit, region int64
	if err := l.s.Pool().QueryRow(ctx, "SELECT id, region_id FROM units WHERE code = 'E001'").Scan(&unit, &region); err != nil {
		t.Fatal(err)
	}
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
