package conversations_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/locales"
	"github.com/bangban/bangban/store"
)

func TestTranslateRendersTemplateData(t *testing.T) {
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	zh := tr.T(dialog.LangZH, conversations.MsgCaseReceived, map[string]any{"TicketNo": "XC-20261124-0007"})
	en := tr.T(dialog.LangEN, conversations.MsgCaseReceived, map[string]any{"TicketNo": "XC-20261124-0007"})
	if !strings.Contains(zh, "XC-20261124-0007") || !strings.Contains(zh, "受理") {
		t.Errorf("zh-CN = %q", zh)
	}
	if !strings.Contains(en, "XC-20261124-0007") || !strings.Contains(en, "ticket") {
		t.Errorf("en = %q", en)
	}
}

// Every message ID constant in messages.go exists in every locale file.
func TestMessageConstantsExistInLocales(t *testing.T) {
	var ids []string
	// The dialogs' messages, the engine's, and the notifications the store enqueues.
	for _, file := range []string{"messages.go", "dialog/messages.go", "../store/notices.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := len(ids)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && (g.Tok == token.CONST || g.Tok == token.VAR) {
				ast.Inspect(g, func(n ast.Node) bool {
					if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						ids = append(ids, s)
					}
					return true
				})
			}
		}
		if len(ids)-n < 5 {
			t.Fatalf("found only %d message IDs in %s", len(ids)-n, file)
		}
	}
	// Timelines name each event kind and status.
	for _, k := range []string{store.EventSubmitted, store.EventAssigned, store.EventInfoAdded, store.EventSigned, store.EventProgress,
		store.EventResolved, store.EventRejected, store.EventMerged, store.EventMergedIn, store.EventFeedback, store.EventRehandled,
		store.EventWrittenOff, store.EventNoFeedback, store.EventHandedBack, store.EventEscalated, store.EventExtensionAsked,
		store.EventExtensionGranted, store.EventExtensionRefused, store.EventUrged, store.EventRefused, store.EventReminded, store.EventFileNotKept,
		store.EventUrgencyChanged} {
		ids = append(ids, "ev_"+k)
	}
	for _, s := range []store.Status{store.StatusSubmitted, store.StatusAssigned, store.StatusInProgress, store.StatusResolved,
		store.StatusClosed, store.StatusRejected, store.StatusMerged} {
		ids = append(ids, "status_"+string(s))
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

// An urgent case is marked alike wherever it shows, in each language: every message that
// can mark a case renders the mark (urgent_mark) for an urgent one and nothing of it for
// another, and every other message that shows the mark's emoji spells the mark so.
func TestTheUrgentMarkIsTheSameEverywhere(t *testing.T) {
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	item := map[string]any{"TicketNo": "XC-20261124-0007", "Msg": store.NoticeOverdue, "Limit": store.LimitSign, "Due": "2026-11-25 10:00"}
	for _, file := range locales.Files {
		var msgs map[string]string
		if _, err := toml.DecodeFS(locales.FS, file, &msgs); err != nil {
			t.Fatal(err)
		}
		lang := strings.TrimSuffix(strings.TrimPrefix(file, "active."), ".toml")
		mark := tr.T(lang, conversations.MsgUrgentMark, nil)
		if !strings.HasPrefix(mark, "🔴 ") {
			t.Fatalf("%s: the mark is %q", file, mark)
		}
		marking := 0
		for id, tmpl := range msgs {
			switch {
			case strings.Contains(tmpl, ".Urgent"):
				marking++
				for _, urgent := range []bool{true, false} {
					data := map[string]any{"TicketNo": "XC-20261124-0007", "Limit": store.LimitSign, "Due": "2026-11-25 10:00", "Msg": store.NoticeDueSoon,
						"Count": 1, "Items": []map[string]any{maps.Clone(item)}, "Urgent": urgent}
					data["Items"].([]map[string]any)[0]["Urgent"] = urgent
					got := tr.T(lang, id, data)
					if urgent && !strings.Contains(got, mark+" ") {
						t.Errorf("%s %s, urgent: %q lacks the mark %q", file, id, got, mark)
					}
					if !urgent && strings.Contains(got, "🔴") {
						t.Errorf("%s %s, not urgent: %q is marked", file, id, got)
					}
				}
			case strings.Contains(tmpl, "🔴") && id != conversations.MsgUrgentMark && id != conversations.MsgBtnMarkUrgent:
				if strings.Count(tmpl, "🔴") != strings.Count(tmpl, mark) {
					t.Errorf("%s %s: %q marks otherwise than %q", file, id, tmpl, mark)
				}
			}
		}
		// The lists, the views, the notices to handlers and offices and the reminders.
		if marking < 18 {
			t.Errorf("%s: only %d messages can mark a case", file, marking)
		}
	}
}
