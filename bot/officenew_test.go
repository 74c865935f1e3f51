package bot_test

import (
	"strings"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// In working hours, a stranger's case for E001, which waits in the county office's triage,
// reaches each of the office's members at once, once, in their own language, with the case's
// buttons as theirs (open it, assign it, confirm the reporter); pressing Assign there starts
// the assignment, at its first question. The linked cadre hears nothing.
func TestTheOfficeHearsOfAStrangersCaseAtOnce(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	cadre := telegramtest.User{ID: 9901, FirstName: "李春梅", LanguageCode: "zh-hans"}
	office := telegramtest.User{ID: 9902, FirstName: "高静", LanguageCode: "zh-hans"}
	office2 := telegramtest.User{ID: 9903, FirstName: "Lin", LanguageCode: "en"}
	stranger := telegramtest.User{ID: 9904, FirstName: "Mr New", LanguageCode: "en"}
	h.join(t, cadre, "P001", store.RoleHandler)
	h.join(t, office, "P017", store.RoleOffice)
	h.join(t, office2, "P018", store.RoleOffice)
	// A working morning, whatever the hour the test runs.
	h.travelToWorkingMorning(t, h.store.Now())
	no0, no1 := len(h.sim.Messages(office.ID)), len(h.sim.Messages(office2.ID))

	no := h.selfRegister(t, stranger, "Yunling Precision Machinery", "91410923MA4000137M") // E001's
	zh := h.next(t, office, no0, 1)[0]
	contains(t, zh, "新问题在 /triage 等待交办：编号 "+no, "云岭精密机械有限公司", "⚠ 反映人未经核实", "The transformer is too small")
	for _, b := range []string{"📄 查看问题", "👤 交办", "✔ 核实反映人"} {
		if !hasButton(zh, b) {
			t.Errorf("the Chinese notice lacks %q: %+v", b, zh.Buttons)
		}
	}
	en := h.next(t, office2, no1, 1)[0]
	contains(t, en, "A new problem waits in /triage: ticket "+no, "⚠ unverified reporter")
	if !hasButton(en, "📄 Open the case") || !hasButton(en, "👤 Assign") {
		t.Errorf("the English notice's buttons: %+v", en.Buttons)
	}
	h.settled(t)
	for _, u := range []telegramtest.User{office, office2} {
		var news int
		for _, m := range h.sim.Messages(u.ID) {
			if strings.Contains(m.Text, no) {
				news++
			}
		}
		if news != 1 {
			t.Errorf("chat %d was told of %s %d times", u.ID, no, news)
		}
	}
	if n := h.notices(t, cadre); len(n) != 0 {
		t.Errorf("the linked cadre was told: %v", n)
	}
	// The notice's Assign starts the assignment, as the view's does.
	m := h.tap(t, office2, en, "👤 Assign", 1)[0]
	contains(t, m, "Which category does "+no+" belong to?")
}
