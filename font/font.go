// Package font holds the CJK font bangban draws Chinese with (Droid Sans Fallback, see
// NOTICE), embedded so that posters and charts look the same on a server without fonts.
package font

import _ "embed"

// CJK is Droid Sans Fallback, a TrueType font with the Chinese characters (it lacks some
// Latin letters: draw those with a Latin font where there is a choice).
//
//go:embed DroidSansFallback.ttf
var CJK []byte
