package dialog_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
)

func TestClipCutsBetweenWholeCharacters(t *testing.T) {
	family, flags := "👨‍👩‍👧", "🇨🇳🇺🇸🇯🇵"
	for _, c := range []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"a bit longer than that", 10, "a bit lon…"},
		{"words and   spaces", 11, "words and…"},
		{strings.Repeat("🔌", 10), 5, "🔌🔌…"},
		{strings.Repeat("🔌", 10), 4, "🔌…"},
		{strings.Repeat("停电", 10), 5, "停电停电…"},
		{family + family, 12, family + "…"},
		{family + family, 9, family + "…"},
		{flags, 5, "🇨🇳…"},
		{flags, 9, "🇨🇳🇺🇸…"},
		{"cafe\u0301 cafe\u0301", 6, "cafe\u0301…"},
		{"❤\ufe0f❤\ufe0f❤\ufe0f", 4, "❤\ufe0f…"},
		{"👍🏽👍🏽", 5, "👍🏽…"},
		{"anything", 0, ""},
	} {
		got := dialog.Clip(c.in, c.limit)
		if got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
		if intake.Len(got) > c.limit {
			t.Errorf("Clip(%q, %d) is %d units long", c.in, c.limit, intake.Len(got))
		}
	}
}

func TestFitTextEndsWithWholeLines(t *testing.T) {
	var lines []string
	for i := range 200 {
		lines = append(lines, strings.Repeat("停", 10)+strings.Repeat("🔌", 20)+string(rune('A'+i%26)))
	}
	s := strings.Join(lines, "\n")
	got := dialog.FitText(s, dialog.MaxText)
	if n := intake.Len(got); n > dialog.MaxText || n < dialog.MaxText*3/4 {
		t.Fatalf("fitted to %d units", n)
	}
	body, ok := strings.CutSuffix(got, "\n…")
	if !ok || !strings.HasPrefix(s, body+"\n") {
		t.Fatalf("not cut at a line: ...%q", got[len(got)-80:])
	}
	// One long line is cut between characters.
	one := strings.Repeat("🔌", 3000)
	got = dialog.FitText(one, dialog.MaxText)
	if got != strings.Repeat("🔌", 2047)+"…" {
		t.Fatalf("one line fitted to %d units", intake.Len(got))
	}
	if fit := dialog.FitText(s[:100], dialog.MaxText); fit != s[:100] {
		t.Fatalf("a text that fits was changed: %q", fit)
	}
}

// Whatever the text, what FitText and Clip leave fits, is valid text if the input was, and
// is the start of the input.
func FuzzFitText(f *testing.F) {
	for _, s := range []string{"", "abc", "a\nb\nc", "🔌🔌🔌", "👨‍👩‍👧👨‍👩‍👧", "🇨🇳🇺🇸", "e\u0301e\u0301", "\n\n\n🔌\n", "a \xff b"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 2 || limit > 5000 {
			return
		}
		for name, got := range map[string]string{"FitText": dialog.FitText(s, limit), "Clip": dialog.Clip(s, limit)} {
			if intake.Len(got) > limit {
				t.Fatalf("%s(%q, %d) = %q: %d units", name, s, limit, got, intake.Len(got))
			}
			if utf8.ValidString(s) && !utf8.ValidString(got) {
				t.Fatalf("%s(%q, %d) = %q: broken", name, s, limit, got)
			}
			body := strings.TrimSuffix(strings.TrimSuffix(got, "…"), "\n")
			if got != s && !strings.HasPrefix(s, body) {
				t.Fatalf("%s(%q, %d) = %q: not a start of the text", name, s, limit, got)
			}
		}
	})
}

// A notice whose fields are each within their limits but together too long keeps the
// shorter field whole and clips the longest.
func TestFitClipsTheLongestField(t *testing.T) {
	const escalated = "office_escalated" // a notice of locales/ with a ticket, a note and a description
	tr, err := dialog.NewTranslator(dialog.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	note := strings.Repeat("需要市级协调。", 280)
	data := map[string]any{"TicketNo": "XC-20261124-0007", "Note": note, "Description": strings.Repeat("🔌", 2000)}
	got := tr.Fit(dialog.LangEN, escalated, data, dialog.MaxText)
	if n := intake.Len(got); n > dialog.MaxText || n < dialog.MaxText-20 {
		t.Fatalf("fitted to %d units", n)
	}
	if !strings.Contains(got, note+"\n🔌🔌") || !strings.HasSuffix(got, "🔌…") {
		t.Fatalf("fitted as %q…%q", got[:80], got[len(got)-20:])
	}
	if intake.Len(data["Description"].(string)) != 4000 {
		t.Fatal("the data was changed")
	}
	short := tr.Fit(dialog.LangEN, escalated, map[string]any{"TicketNo": "XC-1", "Note": "n", "Description": "d"}, dialog.MaxText)
	if short != tr.T(dialog.LangEN, escalated, map[string]any{"TicketNo": "XC-1", "Note": "n", "Description": "d"}) {
		t.Fatalf("a notice that fits was changed: %q", short)
	}
}
