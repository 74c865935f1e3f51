package wecom_test

import (
	"context"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// A notice's card is retired when its case moves on without it: the cadre in WeCom is sent
// the assignment as a card, signs for the case elsewhere (here, straight in the store), and
// the card is updated, with the code its sending gave, to one button that cannot be pressed,
// saying the case has moved on. A card pressed keeps the choice it shows.
func TestANoticesCardIsRetiredWhenItsCaseMovesOn(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.startTelegram(t, "")
	ctx := context.Background()
	h.travelToWorkingMorning(t, h.store.Now())
	const cadre, owner = "lichunmei", "yangfan"
	h.joinWeCom(t, cadre, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	h.joinWeCom(t, owner, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	sub := h.fileAs(t, accountOf(t, h, owner), "厂区变压器容量不足，新生产线无法投产")
	h.waitWeCom(t, cadre, sub.TicketNo)
	msgs, err := h.sim.WaitFor(cadre, 15*time.Second, func(m []wecomtest.Message) bool { return offers(m, "✍ 签收") })
	if err != nil {
		t.Fatalf("%v:%s", err, dump(msgs))
	}
	var task string
	for _, m := range msgs {
		if m.Card != nil {
			task = m.Card.TaskID
		}
	}

	if _, err := h.store.Sign(ctx, store.ActParams{Ticket: sub.TicketNo, ActorID: h.personOf(t, "P001")}); err != nil {
		t.Fatal(err)
	}
	msgs, err = h.sim.WaitFor(cadre, 15*time.Second, func(m []wecomtest.Message) bool {
		for _, x := range m {
			if x.Card != nil && x.Card.TaskID == task && x.Card.Replaced != "" {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("%v:%s", err, dump(msgs))
	}
	for _, m := range msgs {
		if m.Card != nil && m.Card.TaskID == task && m.Card.Replaced != "问题已有新进展" {
			t.Fatalf("the retired card reads %q", m.Card.Replaced)
		}
	}
	if _, err := h.sim.PressText(cadre, "✍ 签收"); err == nil {
		t.Fatal("the retired card could still be pressed")
	}
}

// personOf is the id of the person of an organisation code.
func (h *harness) personOf(t *testing.T, code string) int64 {
	t.Helper()
	var id int64
	if err := h.store.Pool().QueryRow(context.Background(), "SELECT id FROM people WHERE code = $1", code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
