package store

import (
	"fmt"

	"github.com/bangban/bangban/intake"
)

// What people write is kept only if it can be shown back to them: the rules of package
// intake, which the dialogs apply to every answer, the store applies again to what it keeps.

// CheckText refuses text that is not valid UTF-8 or holds an unusable character
// (intake.Check), as invalid input.
func CheckText(s string) error {
	if err := intake.Check(s); err != nil {
		return fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	return nil
}

// checkWritten applies the rules of written text to what the store keeps: usable
// characters, and at most max UTF-16 units.
func checkWritten(what, s string, max int) error {
	if err := CheckText(s); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n := intake.Len(s); n > max {
		return fmt.Errorf("%s of %d UTF-16 units, over %d: %w", what, n, max, ErrInvalid)
	}
	return nil
}
