package store

import "strings"

// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from an
// alphabet without I, O, S, V and Z; the last is a check character over the first 17.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeCreditCode upper-cases and trims a code as people type it.
func NormalizeCreditCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// ValidCreditCode reports whether s (normalized) is a well-formed code with a correct check
// character.
func ValidCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditAlphabet, s[i])
		if v < 0 {
			return false
		}
		sum += v * creditWeights[i]
	}
	check := (31 - sum%31) % 31
	return s[17] == creditAlphabet[check]
}
