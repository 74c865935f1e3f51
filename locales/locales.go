// Package locales holds every user-facing string of bangban, in Simplified Chinese and
// English, as go-i18n TOML message files embedded in the binary. Both files carry the same
// message IDs; a test fails when one has an ID the other lacks.
package locales

import "embed"

// FS holds the message files, named active.<language tag>.toml.
//
//go:embed active.*.toml
var FS embed.FS

// Files are the message files in FS, one per supported language; the first is the fallback.
var Files = []string{"active.zh-CN.toml", "active.en.toml"}
