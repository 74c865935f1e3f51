package wecom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// invite is the code of a new invite.
func (h *harness) invite(t *testing.T, p store.InviteParams) string {
	t.Helper()
	return storetest.Invite(t, h.store, p)
}

// startBoth starts the app and the Telegram bot beside it, the store's clock on a working
// morning, when notices and reminders go at once.
func startBoth(t *testing.T) (*harness, *telegramtest.Server) {
	t.Helper()
	h := start(t, nil)
	tg := h.startTelegram(t, "7000000002:TEST-token")
	h.travelToWorkingMorning(t, h.store.Now())
	return h, tg
}

// joinWeCom makes userid a member of the app, bound by an invite, and returns the answer.
func (h *harness) joinWeCom(t *testing.T, userid string, p store.InviteParams) []wecomtest.Message {
	t.Helper()
	h.sim.AddUser(userid)
	return h.say(t, userid, "绑定 "+h.invite(t, p), 1)
}

// fileAs files a problem of E001 as the reporter bound to account, routed to its cadre.
func (h *harness) fileAs(t *testing.T, account int64, desc string) store.Submitted {
	t.Helper()
	ctx := context.Background()
	reporter, err := h.store.ActorByAccount(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	unit, region := storetest.UnitID(t, h.store, "E001")
	sub, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &reporter.PersonID,
		Description: desc, Route: true})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// tgWait waits until a message of u's Telegram chat holds every part, and returns it.
func tgWait(t *testing.T, tg *telegramtest.Server, u telegramtest.User, parts ...string) telegramtest.Message {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		changed := tg.Changed()
		msgs := tg.Messages(u.ID)
		for i := len(msgs) - 1; i >= 0; i-- {
			if holdsAll(msgs[i].Text, parts) {
				return msgs[i]
			}
		}
		select {
		case <-changed:
		case <-deadline:
			var texts []string
			for _, m := range msgs {
				texts = append(texts, m.Text)
			}
			t.Fatalf("%s was never sent %q on Telegram; the chat has %q", u.FirstName, parts, texts)
		}
	}
}

func holdsAll(text string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(text, p) {
			return false
		}
	}
	return true
}

// tgSay sends text as u on Telegram and returns the first message it brings.
func tgSay(t *testing.T, tg *telegramtest.Server, u telegramtest.User, text string) telegramtest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	n := len(tg.Messages(u.ID))
	tg.SendText(u, text)
	msgs, err := tg.WaitMessages(ctx, u.ID, n+1)
	if err != nil {
		t.Fatalf("%q on Telegram: no answer: %v", text, err)
	}
	return msgs[n]
}

// tgPress presses the button reading label on the latest message of u's Telegram chat that
// offers it, and returns the answer: a new message, or the prompt turned into the next one.
func tgPress(t *testing.T, tg *telegramtest.Server, u telegramtest.User, label string) telegramtest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	msgs := tg.Messages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Buttons {
			for _, b := range row {
				if b.Text != label {
					continue
				}
				tg.PressButton(u, msgs[i], b.CallbackData)
				got, err := tg.WaitAnswer(ctx, msgs[i], len(msgs))
				if err != nil {
					t.Fatalf("pressing %q on Telegram: no answer: %v", label, err)
				}
				return got
			}
		}
	}
	t.Fatalf("%s was offered no %q on Telegram", u.FirstName, label)
	return telegramtest.Message{}
}

// waitWeCom waits until a message to userid in WeCom holds every part.
func (h *harness) waitWeCom(t *testing.T, userid string, parts ...string) {
	t.Helper()
	msgs, err := h.sim.WaitFor(userid, 15*time.Second, func(m []wecomtest.Message) bool {
		for _, x := range m {
			if holdsAll(x.Text+cardText(x), parts) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("%v: want %q in:%s", err, parts, dump(msgs))
	}
}

func cardText(m wecomtest.Message) string {
	if m.Card == nil {
		return ""
	}
	return m.Card.Text
}

// closed checks that a case was closed on the reporter's rating: solved and satisfied.
func (h *harness) closed(t *testing.T, no string) {
	t.Helper()
	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil || c.Status != store.StatusClosed {
		t.Fatalf("case %s: %+v %v; want it closed", no, c, err)
	}
	var solved bool
	var satisfaction string
	if err := h.store.Pool().QueryRow(context.Background(), `SELECT solved, satisfaction FROM cases WHERE ticket_no = $1`, no).
		Scan(&solved, &satisfaction); err != nil {
		t.Fatal(err)
	}
	if !solved || satisfaction != "satisfied" {
		t.Fatalf("case %s rated solved=%v %q; want solved and satisfied", no, solved, satisfaction)
	}
}

// The whole loop with the reporter on Telegram and their linked cadre on WeCom: the owner
// files on Telegram; the assignment reaches the cadre in WeCom as a card; the cadre signs for
// it and resolves it with a note there; the owner, told on Telegram at each step, rates the
// result there, and the case is closed.
func TestTheLoopFromTelegramToACadreOnWeCom(t *testing.T) {
	t.Parallel()
	h, tg := startBoth(t)

	const cadre = "lichunmei"
	contains(t, h.joinWeCom(t, cadre, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"}), "李春梅")
	owner := telegramtest.User{ID: 8811, FirstName: "Yang", LanguageCode: "zh-hans"}
	tgSay(t, tg, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))

	tgSay(t, tg, owner, "/new")
	tgPress(t, tg, owner, "用电/用水/用气")
	tgSay(t, tg, owner, "厂区变压器容量不足，新生产线无法投产")
	tgPress(t, tg, owner, "跳过")
	tgPress(t, tg, owner, "跳过")
	tgPress(t, tg, owner, "普通")
	filed := tgPress(t, tg, owner, "✔ 确认提交")
	no := ticketRe.FindString(filed.Text)
	if no == "" || !strings.Contains(filed.Text, "李春梅") {
		t.Fatalf("filing answered %q", filed.Text)
	}

	h.waitWeCom(t, cadre, no)
	h.choose(t, cadre, "✍ 签收", 1)
	tgWait(t, tg, owner, "李春梅 已签收您反映的问题 "+no)

	h.choose(t, cadre, "✅ 办结", 1)
	h.say(t, cadre, "已更换 800kVA 变压器，新生产线已通电", 1)
	h.choose(t, cadre, "跳过", 1)
	contains(t, h.choose(t, cadre, "✔ 确认提交", 1), no+" 已办结")

	tgWait(t, tg, owner, "您反映的问题 "+no+" 已办结", "已更换 800kVA 变压器")
	tgPress(t, tg, owner, "✅ 已解决")
	tgPress(t, tg, owner, "满意")
	tgPress(t, tg, owner, "跳过")
	tgWait(t, tg, owner, "感谢您的评价，问题 "+no+" 已销号")
	h.closed(t, no)
	if got := tg.Messages(accountOf(t, h, cadre)); len(got) != 0 {
		t.Fatalf("telegram was sent a wecom account's messages: %+v", got)
	}
}

// The reverse: the owner on WeCom files there; the assignment reaches the cadre on Telegram,
// who signs for it and resolves it there; the owner, told in WeCom at each step, rates the
// result with the cards' buttons, and the case is closed.
func TestTheLoopFromWeComToACadreOnTelegram(t *testing.T) {
	t.Parallel()
	h, tg := startBoth(t)

	cadre := telegramtest.User{ID: 8812, FirstName: "Li", LanguageCode: "zh-hans"}
	tgSay(t, tg, cadre, "/start "+h.invite(t, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"}))
	const owner = "yangfan"
	contains(t, h.joinWeCom(t, owner, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}), "云岭精密机械有限公司")

	h.say(t, owner, "/new", 1)
	h.choose(t, owner, "用电/用水/用气", 1)
	h.say(t, owner, "厂区变压器容量不足，新生产线无法投产", 1)
	h.choose(t, owner, "跳过", 1)
	h.choose(t, owner, "跳过", 1)
	h.choose(t, owner, "普通", 1)
	got := h.choose(t, owner, "✔ 确认提交", 1)
	contains(t, got, "已转交您的包联干部李春梅")
	no := ticketRe.FindString(dump(got))
	if no == "" {
		t.Fatalf("no ticket in %s", dump(got))
	}

	tgWait(t, tg, cadre, no)
	tgPress(t, tg, cadre, "✍ 签收")
	h.waitWeCom(t, owner, "李春梅 已签收您反映的问题 "+no)

	tgPress(t, tg, cadre, "✅ 办结")
	tgSay(t, tg, cadre, "已更换 800kVA 变压器，新生产线已通电")
	tgPress(t, tg, cadre, "跳过")
	if m := tgPress(t, tg, cadre, "✔ 确认提交"); !strings.Contains(m.Text, no+" 已办结") {
		t.Fatalf("resolving answered %q", m.Text)
	}

	h.waitWeCom(t, owner, "您反映的问题 "+no+" 已办结", "已更换 800kVA 变压器")
	h.choose(t, owner, "✅ 已解决", 1)
	h.choose(t, owner, "满意", 1)
	contains(t, h.choose(t, owner, "跳过", 1), "感谢您的评价，问题 "+no+" 已销号")
	h.closed(t, no)
	for _, m := range h.sim.Messages(owner) {
		if m.Card != nil && m.Card.Pressed != "" && m.Card.Replaced == "" {
			t.Errorf("card %q pressed but not updated", m.Card.Text)
		}
	}
}

// A reminder reaches a cadre bound on WeCom: a case assigned to them and not signed for by
// its limit is swept as overdue, and the reminder arrives in WeCom, with a card that opens the
// case; Telegram is sent nothing for the cadre.
func TestAReminderReachesACadreOnWeCom(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	tg := h.startTelegram(t, "7000000002:TEST-token")
	ctx := context.Background()
	h.travelToWorkingMorning(t, h.store.Now())

	const cadre = "lichunmei"
	h.joinWeCom(t, cadre, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	owner := telegramtest.User{ID: 8813, FirstName: "Yang", LanguageCode: "zh-hans"}
	tgSay(t, tg, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	sub := h.fileAs(t, owner.ID, "厂区道路需要硬化处理，雨天无法通行")
	h.waitWeCom(t, cadre, sub.TicketNo)
	c, err := h.store.CaseByTicket(ctx, sub.TicketNo)
	if err != nil || c.SignDueAt == nil {
		t.Fatalf("case %+v %v", c, err)
	}

	h.travelToWorkingMorning(t, *c.SignDueAt)
	n := len(h.sim.Messages(cadre))
	// The sweep sends what is due; the job queue's own sweep, every minute, may come first.
	if _, err := h.store.SendDueReminders(ctx, 100); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	// A notification may wait its turn behind one enqueued before it for the chat for up to
	// 30 seconds (README, sending): the reminder is waited for beyond that.
	msgs, err := h.sim.WaitFor(cadre, 45*time.Second, func(m []wecomtest.Message) bool {
		return len(m) > n && strings.Contains(dump(m[n:]), "已超期")
	})
	if err != nil {
		t.Fatalf("%v:%s", err, dump(msgs[n:]))
	}
	contains(t, msgs[n:], sub.TicketNo, "已超期")
	contains(t, h.choose(t, cadre, "📄 查看问题", 1), sub.TicketNo, "已发送提醒：已超期（签收）")
	if got := tg.Messages(accountOf(t, h, cadre)); len(got) != 0 {
		t.Fatalf("telegram was sent a wecom account's reminder: %+v", got)
	}
}
