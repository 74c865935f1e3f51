package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// 140 forged presses on a case the presser cannot see are refused each time, but recorded
// once in ten minutes; however many refusals a case gathers, its view shows them as one line,
// and the office can always open it.
func TestForgedPressesDoNotGrowTheCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9951, FirstName: "Wu", LanguageCode: "en"}
	stranger := telegramtest.User{ID: 9952, FirstName: "Zhang", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9953, FirstName: "Gao", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, stranger, "P002", store.RoleHandler)
	h.join(t, officeU, "P017", store.RoleOffice)
	no := h.file(t, owner, "E001", "The power line to the workshop trips every afternoon.")
	h.settled(t)
	press := func() {
		t.Helper()
		n := len(h.sim.Messages(stranger.ID))
		h.sim.PressButton(stranger, telegramtest.Message{ChatID: stranger.ID, MessageID: 1}, "sg:"+no)
		contains(t, h.next(t, stranger, n, 1)[0], "No problem with ticket number "+no)
	}
	for range 140 {
		press()
	}
	if n := h.events(t, no, store.EventRefused); n != 1 {
		t.Fatalf("%d refusals recorded for 140 presses in a minute, want 1", n)
	}
	h.travel(11 * time.Minute)
	press()
	if n := h.events(t, no, store.EventRefused); n != 2 {
		t.Fatalf("%d refusals recorded, want 2", n)
	}
	view := h.say(t, officeU, "/status "+no)
	contains(t, view, "2 refused attempts, the last on", "(sign for)")
	if strings.Contains(view.Text, "Refused:") {
		t.Errorf("refusals listed one by one: %s", view.Text)
	}
	fits(t, view)

	// Many people over many months: still one line.
	if _, err := h.store.Pool().Exec(ctx, `INSERT INTO case_events (case_id, at, actor_id, kind, internal, data)
		SELECT c.id, now() - g * interval '1 hour', p.id, 'refused', true, '{"Action": "act_urge", "Cause": "forbidden"}'
		FROM cases c, people p, generate_series(1, 500) g WHERE c.ticket_no = $1 AND p.code = 'P002'`, no); err != nil {
		t.Fatal(err)
	}
	view = h.say(t, officeU, "/status "+no)
	contains(t, view, "502 refused attempts, the last on")
	fits(t, view)
	if m := h.say(t, owner, "/status "+no); strings.Contains(m.Text, "refused") {
		t.Errorf("the reporter sees refusals: %s", m.Text)
	}
	h.noneTooLong(t)
}
