package intake_test

import (
	"errors"
	"math"
	"testing"

	"github.com/bangban/bangban/intake"
)

func TestTextIsCountedAsTelegramCountsIt(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "停电了": 3, "⚡": 1, "😡": 2, "👨‍👩‍👧": 8, "🇨🇳": 4, "a\nb\tc": 5} {
		if got := intake.Len(s); got != want {
			t.Errorf("Len(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestUnusableAndBlankText(t *testing.T) {
	for _, s := range []string{"a\x00b", "a\rb", "\x1b[2J", "\u007f", "\u0085", "a\ufffdb", "a\uffffb", "\ufdd0", "\U0001fffe",
		"a\u202eb", "a\u2067b", "\xff\xfe"} {
		if err := intake.Check(s); !errors.Is(err, intake.ErrUnusable) {
			t.Errorf("Check(%q) = %v, want ErrUnusable", s, err)
		}
	}
	for _, s := range []string{"", "停电了 ⚡😡", "line one\nline two\tcolumn", "👨‍👩‍👧 🇨🇳 ❤️", "a\u200bb", "\ue000 private use"} {
		if err := intake.Check(s); err != nil {
			t.Errorf("Check(%q) = %v, want nil", s, err)
		}
	}
	for s, want := range map[string]bool{"": true, " \t\n": true, "\u200b\u200c\u200d\ufeff\u2060": true, "\u3000\u00a0\u2003": true,
		"\u3164\u115f\u2800\u00ad": true, "a": false, "\u200b停": false, "·": false, "\u0301": false} {
		if got := intake.Blank(s); got != want {
			t.Errorf("Blank(%q) = %v, want %v", s, got, want)
		}
	}
	for _, p := range [][2]float64{{0, 0}, {90, 180}, {-90, -180}, {34.7466, 113.6253}} {
		if !intake.ValidLocation(p[0], p[1]) {
			t.Errorf("ValidLocation(%v) = false", p)
		}
	}
	for _, p := range [][2]float64{{90.0001, 0}, {0, -180.5}, {math.NaN(), 0}, {0, math.Inf(1)}, {200, 200}} {
		if intake.ValidLocation(p[0], p[1]) {
			t.Errorf("ValidLocation(%v) = true", p)
		}
	}
}
