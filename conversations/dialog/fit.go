package dialog

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bangban/bangban/intake"
)

// Telegram refuses a message longer than it carries, and a refused message reaches nobody.
// Everything bangban says is therefore made to fit by design (each view gives each of its
// parts a budget, lists are capped) and then, whatever the data, cut to fit as a last
// resort. Lengths are UTF-16 code units, as Telegram counts them (intake.Len).
const (
	// MaxText is the longest text of one message.
	MaxText = 4096
	// MaxCaption is the longest caption of a photo.
	MaxCaption = 1024
	// maxNotice is the longest notice answering a button press.
	maxNotice = 200
)

// ellipsis marks text that was cut.
const ellipsis = "…"

// Clip shortens s to at most limit UTF-16 units, ending it with an ellipsis when it had to
// cut. It cuts between characters, never inside a surrogate pair nor between a character
// and the marks, joiners or modifiers that complete it.
func Clip(s string, limit int) string {
	if intake.Len(s) <= limit {
		return s
	}
	if limit < 1 {
		return ""
	}
	return strings.TrimRightFunc(s[:cutAt(s, limit-1)], unicode.IsSpace) + ellipsis
}

// FitText is the last guard of every message: s cut to at most limit UTF-16 units. It ends at
// a line break when one lies in the last quarter of what fits, so that the message ends
// with whole lines, and otherwise between characters as Clip does; either way an ellipsis
// says that something was left out.
func FitText(s string, limit int) string {
	if intake.Len(s) <= limit {
		return s
	}
	if limit < 2 {
		return ""
	}
	cut := cutAt(s, limit-1)
	if nl := strings.LastIndexByte(s[:cut], '\n'); nl > 0 && intake.Len(s[:nl]) >= limit*3/4 {
		// s[:nl] leaves out at least the line break itself, so the two units added fit.
		return strings.TrimRightFunc(s[:nl], unicode.IsSpace) + "\n" + ellipsis
	}
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace) + ellipsis
}

// FitOutput makes an output fit what Telegram carries: its text (a caption, with a photo)
// and the notice answering a press.
func FitOutput(o Output) Output {
	limit := MaxText
	if o.Photo != nil || o.Document != nil || len(o.Media) > 0 {
		limit = MaxCaption
	}
	o.Text = FitText(o.Text, limit)
	o.Notice = FitText(o.Notice, maxNotice)
	return o
}

// MinField is the length below which a field is not shortened to make a message fit.
const MinField = 16

// Fit renders message id like T, within limit UTF-16 units: while the message is too long,
// its longest text field is clipped by what is too much (the reason or the note stays
// whole while a long description gives way), and what still does not fit is cut by
// FitText. data is not changed.
func (t *Translator) Fit(lang, id string, data map[string]any, limit int) string {
	s := t.T(lang, id, data)
	for range 8 {
		over := intake.Len(s) - limit
		if over <= 0 {
			return s
		}
		k, n := longestField(data)
		if n <= MinField {
			break
		}
		data = maps.Clone(data)
		data[k] = Clip(data[k].(string), max(n-over, MinField))
		s = t.T(lang, id, data)
	}
	return FitText(s, limit)
}

// longestField is the longest string in data and its length; among equals the first by
// key, so that the same data is always shortened the same way.
func longestField(data map[string]any) (string, int) {
	best, n := "", -1
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if v, ok := data[k].(string); ok {
			if l := intake.Len(v); l > n {
				best, n = k, l
			}
		}
	}
	return best, n
}

// cutAt is the end (a byte index) of the longest start of s of at most n UTF-16 units that
// ends between two characters a reader sees as separate.
func cutAt(s string, n int) int {
	used, end := 0, len(s)
	for i, r := range s {
		u := utf16.RuneLen(r) // a byte that is not UTF-8 comes as U+FFFD, one unit
		if used+u > n {
			end = i
			break
		}
		used += u
	}
	for end > 0 && end < len(s) && joined(s, end) {
		_, w := utf8.DecodeLastRuneInString(s[:end])
		end -= w
	}
	return end
}

// joined reports whether the characters on either side of byte index i belong together: a
// combining mark, a variation selector, a skin tone, a keycap or a tag after i, a zero-width
// joiner before it, or the second regional indicator of a flag.
func joined(s string, i int) bool {
	next, _ := utf8.DecodeRuneInString(s[i:])
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	switch {
	case unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc), next == 0x200D, next == 0x20E3,
		next >= 0xFE00 && next <= 0xFE0F, next >= 0x1F3FB && next <= 0x1F3FF, next >= 0xE0020 && next <= 0xE007F:
		return true
	case prev == 0x200D:
		return true
	case regional(prev) && regional(next):
		// Flags pair regional indicators from the start of a run: cutting after an odd
		// number of them would split a flag.
		k := 0
		for j := i; j > 0; {
			r, w := utf8.DecodeLastRuneInString(s[:j])
			if !regional(r) {
				break
			}
			k++
			j -= w
		}
		return k%2 == 1
	}
	return false
}

func regional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
