package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
)

// menuAfter waits for a command menu set for u's chat after since that satisfies ok, and
// returns it as JSON; it must be the menu the chat has.
func (h *harness) menuAfter(t *testing.T, u telegramtest.User, since time.Time, ok func(menu string) bool) string {
	t.Helper()
	c, err := h.sim.WaitCall(waitCtx(t), "setMyCommands", func(c telegramtest.Call) bool {
		return c.At.After(since) && strings.Contains(c.Params["scope"], fmt.Sprint(u.ID)) && ok(c.Params["commands"])
	})
	if err != nil {
		t.Fatalf("no such menu for %s's chat since %s (it has %s): %v", u.FirstName, since.Format(time.StampMilli), h.sim.ChatCommands(u.ID), err)
	}
	if now := h.sim.ChatCommands(u.ID); now != c.Params["commands"] {
		t.Fatalf("%s's chat has the menu %s, set after %s", u.FirstName, now, c.Params["commands"])
	}
	return c.Params["commands"]
}

// has tells whether a menu offers each command.
func has(cmds ...string) func(menu string) bool {
	return func(menu string) bool {
		for _, c := range cmds {
			if !strings.Contains(menu, `"command":"`+c+`"`) {
				return false
			}
		}
		return true
	}
}

// lacks tells whether a menu offers none of the commands.
func lacks(cmds ...string) func(menu string) bool {
	return func(menu string) bool {
		for _, c := range cmds {
			if strings.Contains(menu, `"command":"`+c+`"`) {
				return false
			}
		}
		return true
	}
}

func both(a, b func(string) bool) func(string) bool {
	return func(menu string) bool { return a(menu) && b(menu) }
}

// importRoles imports a demo person's row again with other roles (an office's code for the
// office role).
func (h *harness) importRoles(t *testing.T, code, office string, roles ...string) {
	t.Helper()
	for _, p := range orgfile.ReadDemo().Data.People {
		if p.Code != code {
			continue
		}
		p.Roles, p.OfficeCode = roles, office
		if _, probs, err := h.store.ImportOrg(context.Background(), store.OrgData{People: []store.PersonRow{p}}, false); err != nil || len(probs) > 0 {
			t.Fatalf("import %s: %v %+v", code, err, probs)
		}
		return
	}
	t.Fatalf("no demo person %s", code)
}

// A cadre who joined as a handler is made an office member by an import: their chat's menu
// gains the office's commands, described in their language, and /help lists them; an import
// that takes the role away takes them off again; one that takes every role away leaves what
// anyone may use. No restart, and nothing the cadre does, is needed.
func TestMenuFollowsImportedRoles(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	cadre := telegramtest.User{ID: 8801, FirstName: "李春梅", LanguageCode: "zh-hans"}
	since := time.Now()
	h.join(t, cadre, "P001", store.RoleHandler)
	h.menuAfter(t, cadre, since, both(has("inbox"), lacks("triage")))

	since = time.Now()
	h.importRoles(t, "P001", "OF-YL", store.RoleHandler, store.RoleOffice)
	menu := h.menuAfter(t, cadre, since, has("triage"))
	for _, c := range []string{`"command":"triage","description":"待活动办处理的问题"`, `"command":"overdue"`, `"command":"unjoined"`, `"command":"inbox"`} {
		if !strings.Contains(menu, c) {
			t.Errorf("menu %s lacks %s", menu, c)
		}
	}
	contains(t, h.say(t, cadre, "/help"), "/triage — 待活动办处理的问题", "/overdue — ", "/unjoined — ", "/inbox — ")
	if m := h.say(t, cadre, "/triage"); strings.Contains(m.Text, "没有进行这项操作的权限") {
		t.Errorf("an office member's /triage: %q", m.Text)
	}

	since = time.Now()
	h.importRoles(t, "P001", "", store.RoleHandler)
	h.menuAfter(t, cadre, since, both(has("inbox"), lacks("triage", "overdue", "unjoined")))
	m := h.say(t, cadre, "/help")
	contains(t, m, "/inbox — ")
	if strings.Contains(m.Text, "/triage") || strings.Contains(m.Text, "/unjoined") {
		t.Errorf("/help after the office role was taken away: %q", m.Text)
	}

	since = time.Now()
	h.importRoles(t, "P001", "")
	menu = h.menuAfter(t, cadre, since, lacks("inbox"))
	anyone, err := h.sim.WaitCall(waitCtx(t), "setMyCommands", func(c telegramtest.Call) bool { return c.Params["language_code"] == "zh" })
	if err != nil {
		t.Fatal(err)
	}
	if menu != anyone.Params["commands"] {
		t.Errorf("without roles the menu is %s, want what anyone may use: %s", menu, anyone.Params["commands"])
	}
	m = h.say(t, cadre, "/help")
	contains(t, m, "/new — 反映问题", "/status — ")
	if strings.Contains(m.Text, "/inbox") {
		t.Errorf("/help without roles: %q", m.Text)
	}
}

// A cadre already joined uses a unit's invite and becomes its reporter too: their chat's
// menu gains the reporter's commands, in the language they use, beside the handler's.
func TestMenuFollowsAnInviteToAJoinedPerson(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	cadre := telegramtest.User{ID: 8811, FirstName: "Zhang", LanguageCode: "en"}
	since := time.Now()
	h.join(t, cadre, "P002", store.RoleHandler)
	h.menuAfter(t, cadre, since, both(has("inbox"), lacks("new", "rate")))

	since = time.Now()
	contains(t, h.say(t, cadre, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E010"})), "You have joined as", "· reporter")
	menu := h.menuAfter(t, cadre, since, has("new", "add", "rate", "inbox"))
	if !strings.Contains(menu, `"command":"new","description":"Report a problem"`) {
		t.Errorf("menu %s is not in English", menu)
	}
	contains(t, h.say(t, cadre, "/help"), "/new — Report a problem", "/rate — ", "/inbox — My cases to handle")
}

// A newcomer's first report makes them a reporter of the enterprise they named: their chat's
// menu gains the reporter's commands. The office then rejects the link, and the menu is
// again what anyone may use.
func TestMenuFollowsAFirstReportAndItsRejection(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	office := telegramtest.User{ID: 8821, FirstName: "Lin", LanguageCode: "en"}
	stranger := telegramtest.User{ID: 8822, FirstName: "Mr Fake", LanguageCode: "en"}
	h.join(t, office, "P018", store.RoleOffice)

	since := time.Now()
	no := h.selfRegister(t, stranger, "Qingshi Building Materials", "91410923MA40002746") // E002's
	menu := h.menuAfter(t, stranger, since, has("new", "add", "rate"))
	if !strings.Contains(menu, `"command":"rate","description":"Rate a result: /rate NUMBER"`) {
		t.Errorf("menu %s is not in English", menu)
	}

	since = time.Now()
	view := h.tap(t, office, h.say(t, office, "/status "+no), "✖ Reject reporter", 1)
	contains(t, view[0], "is no longer linked to the unit")
	h.menuAfter(t, stranger, since, both(has("new", "my"), lacks("add", "rate")))
	m := h.say(t, stranger, "/help")
	if strings.Contains(m.Text, "/rate") || strings.Contains(m.Text, "/add") {
		t.Errorf("/help after the link was rejected: %q", m.Text)
	}
}
