package bot_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// A handler with a hundred cases overdue at once gets one digest that names the first and
// says how many more there are; so does the office.
func TestADigestOfManyCasesFits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9931, FirstName: "Wu", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 9932, FirstName: "Li", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9933, FirstName: "高静", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)
	h.join(t, officeU, "P017", store.RoleOffice)
	var first string
	for i := range 100 {
		no := h.file(t, owner, "E001", fmt.Sprintf("Street light %d in the yard is broken.", i+1))
		if first == "" {
			first = no
		}
	}
	h.settled(t)
	c, _ := h.store.CaseByTicket(ctx, first)
	h.travelToWorkingMorning(t, *c.SignDueAt)
	nc, no := len(h.sim.Messages(cadreU.ID)), len(h.sim.Messages(officeU.ID))
	if r, err := h.store.SendDueReminders(ctx, 500); err != nil || r.Sent != 100 {
		t.Fatalf("sweep: %+v %v", r, err)
	}
	digest := h.next(t, cadreU, nc, 1)[0]
	contains(t, digest, "100 cases need your attention", first+": overdue", "and 80 more")
	fits(t, digest)
	office := h.next(t, officeU, no, 1)[0]
	contains(t, office, "有 100 件问题需要您关注", first, "另有 80 件")
	fits(t, office)
	h.noneTooLong(t)
}

// A notice whose parts are each within their limits but together too long for one message
// (an escalation's reason and the case's description) is delivered shortened, not cancelled.
func TestALongNotificationIsShortenedNotCancelled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9941, FirstName: "Wu", LanguageCode: "en"}
	cityU := telegramtest.User{ID: 9942, FirstName: "Luo", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cityU, "P019", store.RoleOffice)
	no := h.file(t, owner, "E001", "The power line to the workshop trips every afternoon.")
	h.settled(t)
	// A description as a limit counted in characters let in: 2,000 emoji, 4,000 units.
	if _, err := h.store.Pool().Exec(ctx, "UPDATE cases SET description = $2 WHERE ticket_no = $1", no, "Workshop: "+emoji(2000)); err != nil {
		t.Fatal(err)
	}
	reason := "This level cannot settle it: " + longText("需要市级协调电力公司。", store.MaxNote-40)
	m := h.after(t, cityU, h.act(t, h.store.Escalate, no, h.personID(t, "P001"), reason))
	contains(t, m, no+" has been escalated to your office", "This level cannot settle it", "需要市级协调电力公司", "Workshop: 🔌🔌")
	fits(t, m)
	h.settled(t)
	var cancelled int
	if err := h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'notification' AND state <> 'completed'").Scan(&cancelled); err != nil {
		t.Fatal(err)
	}
	if cancelled != 0 {
		t.Errorf("%d notifications not delivered", cancelled)
	}
	h.noneTooLong(t)
}
