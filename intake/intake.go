// Package intake holds the rules for what the bot takes in from people, shared by the
// dialogs that ask for it and the store that keeps it: text counted as Telegram counts it
// (UTF-16 code units), the characters no report needs, text that shows nothing, and points
// that lie on the globe.
package intake

import (
	"errors"
	"fmt"
	"math"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// What people write is kept only if it can be shown back to them. Telegram counts a message
// in UTF-16 code units, so an emoji counts two; the limits on what is written (a
// description, a note) count the same way, or a text accepted here could never be shown in
// one message. The dialogs apply these rules to every answer, and the
// store applies them again to what it keeps.

// MaxPlace is the longest name of a shared place taken and kept, in UTF-16 units.
const MaxPlace = 200

// Len is the length of s as Telegram counts it: UTF-16 code units.
func Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// ErrUnusable: the text holds characters no report needs and that cannot be shown or kept
// as they are.
var ErrUnusable = errors.New("control or broken characters")

// UnusableRune reports whether r has no place in what people write: control characters
// (Unicode category Cc, NUL among them, which Postgres cannot even store) other than the
// line feed and the tab; U+FFFD, which stands for bytes that were not text; the
// noncharacters; and the bidirectional embeddings, overrides and isolates, which can make a
// line read as something other than what it holds (a ticket number, a name).
func UnusableRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case unicode.Is(unicode.Cc, r), r == utf8.RuneError:
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Check refuses text that is not valid UTF-8 or holds an unusable character.
func Check(s string) error {
	if !utf8.ValidString(s) {
		return ErrUnusable
	}
	for _, r := range s {
		if UnusableRune(r) {
			return fmt.Errorf("U+%04X: %w", r, ErrUnusable)
		}
	}
	return nil
}

// invisible runes show nothing: spaces of every kind, the format characters (zero-width
// space, joiners, BOM, word joiner, soft hyphen…), and the fillers that render as blanks.
func invisible(r rune) bool {
	switch r {
	case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800:
		return true
	}
	return unicode.IsSpace(r) || unicode.In(r, unicode.White_Space, unicode.Cf)
}

// Blank reports whether s shows nothing at all: it is empty or made of invisible characters
// only. Such a text counts as empty wherever a text is required.
func Blank(s string) bool {
	for _, r := range s {
		if !invisible(r) {
			return false
		}
	}
	return true
}

// ValidLocation reports whether a point lies on the globe: a finite latitude within ±90 and
// a finite longitude within ±180.
func ValidLocation(lat, lon float64) bool {
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	return finite(lat) && finite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}
