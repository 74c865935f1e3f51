package store_test

import (
	"testing"

	"github.com/bangban/bangban/store"
)

func TestCreditCodeCheckCharacter(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{
		"91350100M000100Y43": true,  // the standard's own example
		"91110000802100433B": true,  // a published company code
		"91350100M000100Y44": false, // wrong check character
		"91350100M000100Y4":  false, // 17 characters
		"91350100M0001O0Y43": false, // O is not in the alphabet
		"":                   false,
	} {
		if got := store.ValidCreditCode(code); got != want {
			t.Errorf("ValidCreditCode(%q) = %v, want %v", code, got, want)
		}
	}
	if got := store.NormalizeCreditCode(" 91350100m000100y43 "); !store.ValidCreditCode(got) {
		t.Errorf("normalized %q is not valid", got)
	}
}
