package dialog_test

import (
	"testing"

	"github.com/bangban/bangban/conversations/dialog"
)

func TestMatchPicksTheUsersLanguage(t *testing.T) {
	tr, err := dialog.NewTranslator(dialog.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{
		"zh-hans": dialog.LangZH,
		"zh":      dialog.LangZH,
		"zh-CN":   dialog.LangZH,
		"zh-hant": dialog.LangZH, // Traditional readers read Simplified better than English
		"en":      dialog.LangEN,
		"en-US":   dialog.LangEN,
		"en-GB":   dialog.LangEN,
		"ru":      dialog.LangEN, // the configured default
		"":        dialog.LangEN,
		"!!":      dialog.LangEN,
	} {
		if got := tr.Match(code); got != want {
			t.Errorf("Match(%q) = %s, want %s", code, got, want)
		}
	}
	zh, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	if got := zh.Match("ru"); got != dialog.LangZH {
		t.Errorf("with default zh-CN, Match(ru) = %s", got)
	}
	if _, err := dialog.NewTranslator("fr"); err == nil {
		t.Error("NewTranslator(fr) succeeded; want an error naming the supported languages")
	}
}
