package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// selfRegister has a newcomer (in English) file a problem for an enterprise they name by its
// credit code, without an invite, and returns the ticket number of the answer.
func (h *harness) selfRegister(t *testing.T, u telegramtest.User, name, credit string) string {
	t.Helper()
	h.say(t, u, "/new")
	h.press(t, u, "Enterprise")
	h.say(t, u, name)
	contains(t, h.say(t, u, credit), "What kind of problem")
	h.press(t, u, "Power, water and gas")
	h.say(t, u, "The transformer is too small; the workshop loses power every afternoon.")
	h.press(t, u, "Skip")
	h.press(t, u, "Skip")
	h.press(t, u, "Normal")
	m, _ := h.press(t, u, "✔ Confirm")
	contains(t, m, "Registered as ticket", "The campaign office will judge it")
	h.notified(t)
	return ticketRe.FindString(m.Text)
}

func (h *harness) reporterLink(t *testing.T, u telegramtest.User, unit string) string {
	t.Helper()
	var verified *bool
	if err := h.store.Pool().QueryRow(context.Background(), `SELECT (SELECT r.verified FROM person_roles r JOIN people p ON p.id = r.person_id
		JOIN units u ON u.id = r.unit_id WHERE p.telegram_user_id = $1 AND u.code = $2 AND r.role = 'reporter')`, u.ID, unit).Scan(&verified); err != nil {
		t.Fatal(err)
	}
	switch {
	case verified == nil:
		return "none"
	case *verified:
		return "verified"
	}
	return "unverified"
}

// A stranger who names an enterprise by its public credit code is not its trusted reporter:
// the case goes to the county office's triage, not to the enterprise's linked cadre, marked
// as from an unverified reporter in /triage and in the case's view (in Chinese and in
// English). The stranger's forged confirmation is refused; the office confirms with one press,
// and the stranger's next case goes to the linked cadre.
func TestAStrangerIsTrustedOnlyOnceTheOfficeConfirms(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	cadre := telegramtest.User{ID: 4701, FirstName: "李春梅", LanguageCode: "zh-hans"}
	office := telegramtest.User{ID: 4702, FirstName: "高静", LanguageCode: "zh-hans"}
	office2 := telegramtest.User{ID: 4703, FirstName: "Lin", LanguageCode: "en"}
	stranger := telegramtest.User{ID: 4704, FirstName: "Mr Fake", LanguageCode: "en"}
	h.join(t, cadre, "P001", store.RoleHandler)
	h.join(t, office, "P017", store.RoleOffice)
	h.join(t, office2, "P018", store.RoleOffice)

	no := h.selfRegister(t, stranger, "Yunling Precision Machinery", "91410923MA4000137M") // E001's
	h.settled(t)                                                                           // the office's notice of the new case, in working hours, before its chat is counted
	if c := h.caseState(t, no); c.Status != store.StatusSubmitted || c.Assignee != 0 {
		t.Fatalf("a stranger's case went to %d (%s)", c.Assignee, c.Status)
	}
	if n := h.notices(t, cadre); len(n) != 0 {
		t.Fatalf("the linked cadre was told of a stranger's case: %v", n)
	}

	contains(t, h.say(t, office, "/triage"), no, "反映人未经核实")
	view := h.say(t, office, "/status "+no)
	contains(t, view, "⚠ 反映人未经核实：未凭邀请链接自行登记为该单位的反映人")
	if !hasButton(view, "✔ 核实反映人") || !hasButton(view, "✖ 不予核实") || !hasButton(view, "👤 交办") {
		t.Fatalf("the office's view offers %+v", view.Buttons)
	}
	contains(t, h.say(t, office2, "/triage"), no, "unverified reporter")
	contains(t, h.say(t, office2, "/status "+no), "⚠ Unverified reporter: registered for this unit without an invite")

	// The stranger presses the office's button, forged on their own chat (on the answer with
	// their ticket, which has no buttons: a modified client sends what it likes): refused,
	// recorded, nothing changed.
	before := h.caseState(t, no)
	ms := h.send(t, stranger, func() telegramtest.Update {
		chat := h.sim.Messages(stranger.ID)
		return h.sim.PressButton(stranger, chat[len(chat)-1], store.ConfirmReporterButton+":"+no)
	}, 1)
	contains(t, ms[0], "You may not do this with "+no)
	if after := h.caseState(t, no); after.Events != before.Events || after.Refused != before.Refused+1 || h.reporterLink(t, stranger, "E001") != "unverified" {
		t.Fatalf("a forged confirmation changed the case: %+v → %+v, link %s", before, after, h.reporterLink(t, stranger, "E001"))
	}
	contains(t, h.say(t, stranger, "/status "+no), no)

	pressed := view
	ms = h.tap(t, office, pressed, "✔ 核实反映人", 1)
	contains(t, ms[0], "已核实 "+no+" 的反映人代表该单位")
	if h.reporterLink(t, stranger, "E001") != "verified" || h.events(t, no, store.EventReporterConfirmed) != 1 {
		t.Fatal("the confirmation did not verify the link with an event on the case")
	}
	view = h.say(t, office2, "/status "+no)
	contains(t, view, "Reporter confirmed: Mr Fake speaks for 云岭精密机械有限公司")
	if hasButton(view, "✔ Confirm reporter") || strings.Contains(view.Text, "Unverified") {
		t.Fatalf("still offered for confirmation after it: %q", view.Text)
	}
	// Pressed again: nothing left to decide.
	contains(t, h.latePress(t, office, pressed, "✔ 核实反映人"), "当前的状态不能做这项操作")

	// The next case goes to the linked cadre.
	h.say(t, stranger, "/new")
	h.press(t, stranger, "Financing")
	h.say(t, stranger, "The bank loan for the new line has been stuck for three months.")
	h.press(t, stranger, "Skip")
	h.press(t, stranger, "Skip")
	h.press(t, stranger, "Normal")
	m, _ := h.press(t, stranger, "✔ Confirm")
	contains(t, m, "It has gone to your linked cadre 李春梅")
}

// The office rejects a stranger's link: the stranger is told, in their language; the case
// stays in triage, still marked, for the office to assign or not accept; the stranger is no
// longer the enterprise's reporter.
func TestTheOfficeRejectsAStrangersLink(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	office := telegramtest.User{ID: 4801, FirstName: "Lin", LanguageCode: "en"}
	stranger := telegramtest.User{ID: 4802, FirstName: "Mr Fake", LanguageCode: "en"}
	h.join(t, office, "P018", store.RoleOffice)
	no := h.selfRegister(t, stranger, "Qingshi Building Materials", "91410923MA40002746") // E002's
	h.settled(t)                                                                          // the office's notice of the new case, in working hours, before its chat is counted

	list := h.say(t, office, "/triage")
	contains(t, list, no, "unverified reporter")
	view := h.tap(t, office, list, "📄 "+no, 1)[0]
	n := len(h.sim.Messages(stranger.ID))
	ms := h.tap(t, office, view, "✖ Reject reporter", 1)
	contains(t, ms[0], "The reporter of "+no+" is no longer linked to the unit")
	told := h.next(t, stranger, n, 1)[0]
	contains(t, told, "could not confirm that you speak for 青石建材有限公司", no)
	if h.reporterLink(t, stranger, "E002") != "none" || h.events(t, no, store.EventReporterRejected) != 1 {
		t.Fatal("the rejection did not remove the link with an event on the case")
	}

	contains(t, h.say(t, office, "/triage"), no, "unverified reporter")
	view = h.say(t, office, "/status "+no)
	contains(t, view, "⚠ unverified reporter", "Reporter rejected: Mr Fake's link to 青石建材有限公司 removed")
	if hasButton(view, "✔ Confirm reporter") || hasButton(view, "✖ Reject reporter") || !hasButton(view, "🚫 Not accept") {
		t.Fatalf("after the rejection the view offers %+v", view.Buttons)
	}
	// The stranger still follows the problem they raised, and reports as a newcomer again.
	contains(t, h.say(t, stranger, "/status "+no), no)
	contains(t, h.say(t, stranger, "/new"), "enterprise, or a village")
}
