package conversations_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/locales"
)

func TestMatchPicksTheUsersLanguage(t *testing.T) {
	tr, err := conversations.NewTranslator(conversations.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{
		"zh-hans": conversations.LangZH,
		"zh":      conversations.LangZH,
		"zh-CN":   conversations.LangZH,
		"zh-hant": conversations.LangZH, // Traditional readers read Simplified better than English
		"en":      conversations.LangEN,
		"en-US":   conversations.LangEN,
		"en-GB":   conversations.LangEN,
		"ru":      conversations.LangEN, // the configured default
		"":        conversations.LangEN,
		"!!":      conversations.LangEN,
	} {
		if got := tr.Match(code); got != want {
			t.Errorf("Match(%q) = %s, want %s", code, got, want)
		}
	}
	zh, err := conversations.NewTranslator(conversations.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	if got := zh.Match("ru"); got != conversations.LangZH {
		t.Errorf("with default zh-CN, Match(ru) = %s", got)
	}
	if _, err := conversations.NewTranslator("fr"); err == nil {
		t.Error("NewTranslator(fr) succeeded; want an error naming the supported languages")
	}
}

func TestTranslateRendersTemplateData(t *testing.T) {
	tr, err := conversations.NewTranslator(conversations.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	zh := tr.T(conversations.LangZH, conversations.MsgCaseReceived, map[string]any{"TicketNo": "XC-20261124-0007"})
	en := tr.T(conversations.LangEN, conversations.MsgCaseReceived, map[string]any{"TicketNo": "XC-20261124-0007"})
	if !strings.Contains(zh, "XC-20261124-0007") || !strings.Contains(zh, "受理") {
		t.Errorf("zh-CN = %q", zh)
	}
	if !strings.Contains(en, "XC-20261124-0007") || !strings.Contains(en, "ticket") {
		t.Errorf("en = %q", en)
	}
}

// Every message ID constant in messages.go exists in every locale file.
func TestMessageConstantsExistInLocales(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "messages.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, _ := strconv.Unquote(lit.Value)
			ids = append(ids, s)
		}
		return true
	})
	if len(ids) < 5 {
		t.Fatalf("found only %d message IDs in messages.go", len(ids))
	}
	for _, file := range locales.Files {
		var m map[string]any
		if _, err := toml.DecodeFS(locales.FS, file, &m); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if _, ok := m[id]; !ok {
				t.Errorf("%s lacks message %q used in code", file, id)
			}
		}
	}
}
