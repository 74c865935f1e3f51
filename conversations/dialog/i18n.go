package dialog

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/bangban/bangban/locales"
)

// Supported languages, as BANGBAN_LANG and /lang name them.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// Languages lists the supported languages; the first is the fallback of last resort.
var Languages = []string{LangZH, LangEN}

// Translator renders message IDs in a language.
type Translator struct {
	bundle     *i18n.Bundle
	matcher    language.Matcher
	tags       []language.Tag
	fallback   string
	localizers map[string]*i18n.Localizer
}

// NewTranslator loads the embedded message files. defaultLang is used for users whose
// Telegram language is neither Chinese nor English.
func NewTranslator(defaultLang string) (*Translator, error) {
	if !IsLanguage(defaultLang) {
		return nil, fmt.Errorf("unsupported language %q (want one of %s)", defaultLang, strings.Join(Languages, ", "))
	}
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(l)
	}
	b := i18n.NewBundle(tags[0])
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, f := range locales.Files {
		if _, err := b.LoadMessageFileFS(locales.FS, f); err != nil {
			return nil, fmt.Errorf("load %s: %w", f, err)
		}
	}
	t := &Translator{bundle: b, matcher: language.NewMatcher(tags), tags: tags,
		fallback: defaultLang, localizers: map[string]*i18n.Localizer{}}
	for _, l := range Languages {
		// The other language second: a message missing in one language (which the locale
		// test forbids) still reaches the user as words, not as an ID.
		t.localizers[l] = i18n.NewLocalizer(b, l, LangZH, LangEN)
	}
	return t, nil
}

// IsLanguage reports whether lang is one bangban speaks.
func IsLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Match picks the language for a Telegram language_code ("zh-hans", "en-US", "ru", ""):
// any Chinese gets Chinese, any English gets English, anything else the default.
func (t *Translator) Match(code string) string {
	if code == "" {
		return t.fallback
	}
	tag, err := language.Parse(code)
	if err != nil {
		return t.fallback
	}
	_, i, conf := t.matcher.Match(tag)
	if conf < language.Low {
		return t.fallback
	}
	return Languages[i]
}

// T renders message id in lang with data for its template.
func (t *Translator) T(lang, id string, data map[string]any) string {
	l, ok := t.localizers[lang]
	if !ok {
		l = t.localizers[t.fallback]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		// Only a message ID missing from locales/ gets here, which a test forbids; the ID is
		// still better than silence.
		return id
	}
	return s
}

// Menu describes commands in lang, for a chat's command menu: each by its message
// "cmd_<command>".
func (t *Translator) Menu(lang string, cmds []string) []MenuCommand {
	menu := make([]MenuCommand, len(cmds))
	for i, c := range cmds {
		menu[i] = MenuCommand{Command: c, Description: t.T(lang, "cmd_"+c, nil)}
	}
	return menu
}
