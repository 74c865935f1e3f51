package wecom

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A text over WeCom's 2048 bytes goes in parts, each within the limit, cut at line ends where
// there are some and never inside a character; nothing is lost.
func TestLongTextsAreSplitWithinWeComsLimit(t *testing.T) {
	lines := strings.Repeat("问题台账第一行，共计十六个汉字。\n", 200)
	oneLine := strings.Repeat("问", 1500)
	for name, text := range map[string]string{"lines": lines, "one line": oneLine, "short": "好"} {
		parts := splitText(text, MaxTextBytes)
		joined := ""
		for i, p := range parts {
			if len(p) > MaxTextBytes || !utf8.ValidString(p) || p == "" {
				t.Fatalf("%s: part %d of %d bytes, valid %v", name, i, len(p), utf8.ValidString(p))
			}
			if name == "lines" && i < len(parts)-1 && !strings.HasSuffix(p, "。") {
				t.Fatalf("%s: part %d cut inside a line: …%q", name, i, p[len(p)-12:])
			}
			joined += p
			if name == "lines" && i < len(parts)-1 {
				joined += "\n"
			}
		}
		if joined != text {
			t.Fatalf("%s: %d bytes in, %d out", name, len(text), len(joined))
		}
	}
}
