package wecom_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// A cadre bound on both platforms chooses, from Telegram, to be notified in WeCom: writing on
// Telegram after, the next assignment reaches WeCom only, once. Forged choices change
// nothing. Choosing "where I last wrote" in WeCom, with its card, gives the old way back: they
// write on Telegram and the next comes there. The choice is offered in the Telegram menu and
// in /help of a person bound on both, and a person bound on one platform is told that they
// are reached there only.
func TestACadreOnBothPlatformsChoosesWhereToBeNotified(t *testing.T) {
	t.Parallel()
	h, tg := startBoth(t)
	ctx := context.Background()
	cadreTG := telegramtest.User{ID: 8815, FirstName: "Li", LanguageCode: "zh-hans"}
	const cadre, owner = "lichunmei", "yangfan"
	tgSay(t, tg, cadreTG, "/start "+h.invite(t, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"}))
	// Bound in WeCom only so far: no choice, said so.
	h.sim.AddUser(owner)
	h.say(t, owner, "绑定 "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}), 1)
	contains(t, h.say(t, owner, "/where", 1), "您只绑定了企业微信")
	if got := tgSay(t, tg, cadreTG, "/where").Text; !strings.Contains(got, "您只绑定了 Telegram") {
		t.Fatalf("a cadre bound on Telegram only was told %q", got)
	}
	h.joinWeCom(t, cadre, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})

	// The menu of the Telegram chat, set again once they bound WeCom too, offers /where.
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := tg.WaitCall(wctx, "setMyCommands", func(c telegramtest.Call) bool {
		return strings.Contains(c.Params["scope"], strconv.FormatInt(cadreTG.ID, 10)) && strings.Contains(c.Params["commands"], `"where"`)
	}); err != nil {
		t.Fatalf("the Telegram menu of a person bound on both is %s: %v", tg.ChatCommands(cadreTG.ID), err)
	}
	contains(t, h.say(t, cadre, "/help", 1), "/where — 在哪里接收通知")

	ask := tgSay(t, tg, cadreTG, "/where")
	if !strings.Contains(ask.Text, "当前：最近使用的平台") || len(ask.Buttons) != 3 {
		t.Fatalf("/where on Telegram: %q %+v", ask.Text, ask.Buttons)
	}
	if got := tgPress(t, tg, cadreTG, "企业微信"); !strings.Contains(got.Text, "通知一律发到企业微信") {
		t.Fatalf("choosing WeCom answered %q", got.Text)
	}
	reach := func(where string) {
		t.Helper()
		r, err := h.store.ReachOf(ctx, cadreTG.ID)
		if err != nil || r.Where != where {
			t.Fatalf("reach %+v, want %q: %v", r, where, err)
		}
	}
	reach(store.WhereWeCom)

	// Forged presses: a choice that is none of the three, and a person bound on Telegram only
	// choosing WeCom. Neither changes anything.
	forged := tgSay(t, tg, cadreTG, "/where")
	tg.PressButton(cadreTG, forged, "where:sms")
	other := telegramtest.User{ID: 8816, FirstName: "Wu", LanguageCode: "zh-hans"}
	tgSay(t, tg, other, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	otherAsk := tgSay(t, tg, other, "/help")
	tg.PressButton(other, otherAsk, "where:wecom")
	tgWait(t, tg, other, "您只绑定了 Telegram")
	if r, err := h.store.ReachOf(ctx, other.ID); err != nil || r.Where != store.WhereLast || r.Chat != other.ID {
		t.Fatalf("a forged choice changed %+v: %v", r, err)
	}
	reach(store.WhereWeCom)

	// Writing on Telegram, they are still notified in WeCom, once.
	tgSay(t, tg, cadreTG, "/help")
	first := h.fileAs(t, accountOf(t, h, owner), "厂区变压器容量不足，新生产线无法投产").TicketNo
	h.waitWeCom(t, cadre, first)

	// In WeCom, "where I last wrote", on a card.
	contains(t, h.say(t, cadre, "/where", 1), "当前：企业微信")
	contains(t, h.choose(t, cadre, "最近使用的平台", 1), "通知发到您最近发消息的平台")
	reach(store.WhereLast)
	tgSay(t, tg, cadreTG, "/help")
	second := h.fileAs(t, accountOf(t, h, owner), "厂区门前道路破损，货车无法通行").TicketNo
	tgWait(t, tg, cadreTG, second)
	h.app.Wait()

	sent := func(no string) (onTG, onWeCom int) {
		for _, m := range tg.Messages(cadreTG.ID) {
			if strings.Contains(m.Text, no) {
				onTG++
			}
		}
		for _, m := range h.sim.Messages(cadre) {
			if strings.Contains(m.Text+cardText(m), no) {
				onWeCom++
			}
		}
		return onTG, onWeCom
	}
	if a, b := sent(first); a != 0 || b != 1 {
		t.Errorf("%s sent %d times on Telegram, %d in WeCom; want once, in WeCom", first, a, b)
	}
	if a, b := sent(second); a != 1 || b != 0 {
		t.Errorf("%s sent %d times on Telegram, %d in WeCom; want once, on Telegram", second, a, b)
	}
}
