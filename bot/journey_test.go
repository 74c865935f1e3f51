package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// join binds a demo person (a cadre, an office) to a Telegram account through a person
// invite, as they would join.
func (h *harness) join(t *testing.T, u telegramtest.User, code, role string) int64 {
	t.Helper()
	h.say(t, u, "/start "+h.invite(t, store.InviteParams{Role: role, PersonCode: code}))
	a, err := h.store.ActorByAccount(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.PersonID
}

// after runs a change and returns the one message it brings to u.
func (h *harness) after(t *testing.T, u telegramtest.User, change func() error) telegramtest.Message {
	t.Helper()
	n := len(h.sim.Messages(u.ID))
	if err := change(); err != nil {
		t.Fatal(err)
	}
	return h.next(t, u, n, 1)[0]
}

func (h *harness) act(t *testing.T, f func(context.Context, store.ActParams) (store.Case, error), no string, actor int64, note string) func() error {
	return func() error {
		_, err := f(context.Background(), store.ActParams{Ticket: no, ActorID: actor, Note: note})
		return err
	}
}

// An enterprise owner bound by invite, in Chinese: files a problem, adds to it from the
// case's button, follows each step of the handling as it happens, is not satisfied, sees it
// handled again, and closes it satisfied. The cadre and the office get what is theirs; a
// neighbour's forged buttons and ticket number reveal nothing.
func TestJourneyOfABoundOwnerInChinese(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8501, FirstName: "杨总", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 8502, FirstName: "李春梅", LanguageCode: "zh-hans"}
	officeU := telegramtest.User{ID: 8503, FirstName: "高静", LanguageCode: "zh-hans"}
	neighbour := telegramtest.User{ID: 8504, FirstName: "赵总", LanguageCode: "zh-hans"}

	contains(t, h.say(t, owner, "/start"), "杨总", "/new")
	contains(t, h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})), "云岭精密机械有限公司")
	cadre := h.join(t, cadreU, "P001", store.RoleHandler)
	office := h.join(t, officeU, "P017", store.RoleOffice)
	h.say(t, neighbour, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))

	h.say(t, owner, "/new")
	h.press(t, owner, "用电/用水/用气")
	h.say(t, owner, "厂区变压器容量不足，新生产线无法投产")
	h.press(t, owner, "跳过")
	h.press(t, owner, "跳过")
	h.press(t, owner, "普通")
	nc := len(h.sim.Messages(cadreU.ID))
	m, _ := h.press(t, owner, "✔ 确认提交")
	contains(t, m, "已转交您的包联干部李春梅")
	no := ticketRe.FindString(m.Text)
	contains(t, h.next(t, cadreU, nc, 1)[0], "新交办的问题", no, "变压器容量不足")

	// Adding to the case, from the button on its view.
	view := h.say(t, owner, "/status "+no)
	contains(t, view, "已交办，等待签收", "交办给 李春梅")
	n := len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, view, button(t, view, "➕ 补充情况"))
	contains(t, h.next(t, owner, n, 1)[0], "您要为 "+no+" 补充什么情况")
	h.say(t, owner, "补充：现有变压器 400kVA，需要 800kVA")
	ms := h.send(t, owner, func() telegramtest.Update { return h.sim.SendPhoto(owner, "铭牌") }, 1)
	contains(t, ms[0], "已收到 1 个")
	m, _ = h.press(t, owner, "完成")
	contains(t, m, "请确认为 "+no+" 补充的内容", "400kVA", "附件：1 个")
	nc = len(h.sim.Messages(cadreU.ID))
	m, _ = h.press(t, owner, "✔ 确认提交")
	contains(t, m, "已补充到 "+no)
	contains(t, h.next(t, cadreU, nc, 1)[0], "反映人补充了 "+no, "400kVA")

	// A neighbour's forged buttons and the ticket number prove nothing.
	for _, data := range []string{"add:" + no, "fb:" + no + ":y", "st:" + no} {
		n := len(h.sim.Messages(neighbour.ID))
		h.sim.PressButton(neighbour, telegramtest.Message{ChatID: neighbour.ID, MessageID: 1}, data)
		contains(t, h.next(t, neighbour, n, 1)[0], "没有找到编号为 "+no+" 的问题")
	}
	contains(t, h.say(t, neighbour, "/status "+no), "没有找到编号为 "+no+" 的问题")
	contains(t, h.say(t, neighbour, "/add "+no), "没有找到编号为 "+no+" 的问题")
	contains(t, h.say(t, neighbour, "/rate "+no), "没有找到编号为 "+no+" 的问题")

	// The handling, step by step, each told to the owner as it is committed.
	contains(t, h.after(t, owner, h.act(t, h.store.Sign, no, cadre, "")), "李春梅 已签收您反映的问题 "+no)
	contains(t, h.after(t, owner, h.act(t, h.store.Progress, no, cadre, "已联系县供电公司，下周现场勘查")), "问题 "+no+" 办理进展", "下周现场勘查")
	contains(t, h.after(t, owner, h.act(t, h.store.Resolve, no, cadre, "已更换 800kVA 变压器")), "已办结", "已更换 800kVA 变压器", "问题解决了吗")
	rateEarly := h.sim.Messages(owner.ID)[len(h.sim.Messages(owner.ID))-1]

	// Not solved, not satisfied: the office is told, and sends it back.
	m, _ = h.press(t, owner, "❌ 未解决")
	contains(t, m, "您对 "+no+" 的办理满意吗")
	m, _ = h.press(t, owner, "不满意")
	contains(t, m, "还有什么想说的吗")
	no1 := len(h.sim.Messages(officeU.ID))
	contains(t, h.say(t, owner, "电压仍然不稳，设备频繁跳闸"), "活动办将重新研究问题 "+no)
	contains(t, h.next(t, officeU, no1, 1)[0], "问题 "+no+" 的反映人对办理结果不满意", "频繁跳闸")
	contains(t, h.say(t, owner, "/status "+no), "已办结，您不满意，活动办正在研究处理", "评价：未解决，不满意")
	nc = len(h.sim.Messages(cadreU.ID))
	contains(t, h.after(t, owner, h.act(t, h.store.Rehandle, no, office, "请排查跳闸原因")), "已重新办理", "请排查跳闸原因")
	contains(t, h.next(t, cadreU, nc, 1)[0], "退回您重新办理", "请排查跳闸原因")

	h.after(t, owner, h.act(t, h.store.Sign, no, cadre, ""))
	contains(t, h.after(t, owner, h.act(t, h.store.Resolve, no, cadre, "已加装稳压装置，试运行一周正常")), "稳压装置")

	// The buttons of the first round name the case, not the round: the server decides that the
	// case waits for a rating again, and after it, that it does not.
	n = len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, rateEarly, button(t, rateEarly, "✅ 已解决"))
	contains(t, h.next(t, owner, n, 1)[0], "您对 "+no+" 的办理满意吗")
	h.press(t, owner, "满意")
	m, _ = h.press(t, owner, "跳过")
	contains(t, m, "感谢您的评价，问题 "+no+" 已销号")
	contains(t, h.say(t, owner, "/rate "+no), no+" 现在不需要您评价")
	n = len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, rateEarly, button(t, rateEarly, "❌ 未解决"))
	contains(t, h.next(t, owner, n, 1)[0], no+" 现在不需要您评价")
	view = h.say(t, owner, "/status "+no)
	contains(t, view, "已销号", "提交问题", "反映人补充情况", "李春梅 签收", "办理进展：已联系县供电公司", "评价：未解决，不满意", "重新办理：请排查跳闸原因",
		"办结：已加装稳压装置", "评价：已解决，满意")
	if len(view.Buttons) != 0 {
		t.Errorf("a closed case offers %+v", view.Buttons)
	}
	c, _ := h.store.CaseByTicket(context.Background(), no)
	if c.Status != store.StatusClosed || *c.Satisfaction != store.Satisfied || !*c.Solved || c.RehandleCount != 1 {
		t.Fatalf("stored %+v", c)
	}
}

// A village secretary who came without an invite, in English: files, waits for triage, is
// told of the assignment, rates the result with /rate, and closes the case; a second case
// left unrated closes by itself when the window ends.
func TestJourneyOfAnUnboundSecretaryInEnglish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	sec := telegramtest.User{ID: 8601, FirstName: "Liu", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 8602, FirstName: "Luo", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 8603, FirstName: "Zhao", LanguageCode: "zh-hans"}
	office := h.join(t, officeU, "P019", store.RoleOffice)
	cadre := h.join(t, cadreU, "P002", store.RoleHandler)

	contains(t, h.say(t, sec, "/start"), "Hello, Liu", "/new")
	fileOne := func(desc string) string {
		h.say(t, sec, "/new")
		if !h.hasCase(t, sec) {
			h.press(t, sec, "Village (community)")
			h.say(t, sec, "Willow Bay Village")
		}
		h.press(t, sec, "Roads, water and irrigation")
		m := h.say(t, sec, desc)
		if strings.Contains(m.Text, "Add this to it") {
			m, _ = h.press(t, sec, "Report as new")
		}
		h.press(t, sec, "Skip")
		h.press(t, sec, "Skip")
		m, _ = h.press(t, sec, "Normal")
		m, _ = h.press(t, sec, "✔ Confirm")
		contains(t, m, "The campaign office will judge it")
		return ticketRe.FindString(m.Text)
	}
	no := fileOne("The irrigation channel collapsed after the rain; forty households cannot water their fields.")

	assign := func(no string) func() error {
		return func() error {
			_, err := h.store.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: office}, AssigneeID: cadre})
			return err
		}
	}
	m := h.after(t, sec, assign(no))
	contains(t, m, "Your problem "+no+" has been assigned to 张振华", "will sign for it by")
	contains(t, h.after(t, sec, h.act(t, h.store.Sign, no, cadre, "")), "张振华 has signed for your problem "+no)
	contains(t, h.after(t, sec, h.act(t, h.store.Resolve, no, cadre, "渠道已修复 The channel is rebuilt.")), "has been resolved", "The channel is rebuilt.", "Is the problem solved?")

	contains(t, h.say(t, sec, "/rate"), "Please add the ticket number after /rate")
	m = h.say(t, sec, "/rate "+strings.ToLower(no))
	contains(t, m, "Is problem "+no+" solved?")
	h.press(t, sec, "Solved")
	m, _ = h.press(t, sec, "Fairly satisfied")
	contains(t, m, "Anything to add?")
	contains(t, h.say(t, sec, "Quick work — 谢谢! 👍"), "Thank you. Problem "+no+" is now closed.")
	contains(t, h.say(t, sec, "/status "+no), "closed", "Rated: Solved, Fairly satisfied", "Quick work — 谢谢! 👍")

	// A second case, resolved and never rated: when the window is over it closes by itself.
	two := fileOne("The village road lights have been out for a month; the school path is dark.")
	h.after(t, sec, assign(two))
	h.after(t, sec, h.act(t, h.store.Sign, two, cadre, ""))
	h.after(t, sec, h.act(t, h.store.Resolve, two, cadre, "Lights repaired."))
	h.travel(7*24*time.Hour + time.Minute)
	m = h.after(t, sec, func() error {
		// The scheduler's week passes at once: the timeout falls due now.
		_, err := h.store.Pool().Exec(ctx, "UPDATE river_job SET scheduled_at = now() WHERE kind = 'feedback_timeout' AND state = 'scheduled'")
		return err
	})
	contains(t, m, "Your problem "+two+" has been closed, as no rating came")
	c, _ := h.store.CaseByTicket(ctx, two)
	if c.Status != store.StatusClosed || *c.CloseReason != "no_feedback" {
		t.Fatalf("unrated case %+v", c)
	}
	contains(t, h.say(t, sec, "/status "+two), "Closed without a rating")
}

// hasCase tells whether the account already reports for a unit (the unit questions are
// skipped then).
func (h *harness) hasCase(t *testing.T, u telegramtest.User) bool {
	t.Helper()
	_, err := h.store.ActorByAccount(context.Background(), u.ID)
	return err == nil
}

// A duplicate is merged: its reporter is told which case goes on and can follow it, without
// seeing the office's note or acting on another's case. A report not accepted is told why.
func TestMergedAndRejectedReportsAreExplained(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	first := telegramtest.User{ID: 8801, FirstName: "杨总", LanguageCode: "zh-hans"}
	second := telegramtest.User{ID: 8802, FirstName: "Chen", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 8803, FirstName: "高静", LanguageCode: "zh-hans"}
	code := h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001", MaxUses: 2})
	h.say(t, first, "/start "+code)
	h.say(t, second, "/start "+code)
	office := h.join(t, officeU, "P017", store.RoleOffice)
	x := h.file(t, first, "E001", "厂区门前道路塌陷，货车无法通行")
	y := h.file(t, second, "E001", "The road at the factory gate has caved in.")

	m := h.after(t, second, func() error {
		_, err := h.store.Merge(ctx, store.MergeParams{ActParams: store.ActParams{Ticket: y, ActorID: office, Note: "同一路段"}, Into: x})
		return err
	})
	contains(t, m, "Your problem "+y+" is the same as problem "+x, "/status "+x)
	view := h.say(t, second, "/status "+x)
	contains(t, view, "Ticket "+x, "Problem submitted")
	if strings.Contains(view.Text, y) || len(view.Buttons) != 0 {
		t.Errorf("the follower sees the internal note or may act: %q %+v", view.Text, view.Buttons)
	}
	contains(t, h.say(t, second, "/status "+y), "merged", "Merged into "+x)
	contains(t, h.say(t, second, "/add "+x), "No problem with ticket number "+x)

	// Without a linked cadre, the next report waits for the office to judge it.
	if _, err := h.store.Pool().Exec(ctx, "DELETE FROM links WHERE unit_id = (SELECT id FROM units WHERE code = 'E001')"); err != nil {
		t.Fatal(err)
	}
	z := h.file(t, second, "E001", "Please pay our electricity bill for us this month.")
	m = h.after(t, second, func() error {
		_, err := h.store.Reject(ctx, store.ActParams{Ticket: z, ActorID: office, Note: "不属于助企服务范围 Not within the campaign's remit"})
		return err
	})
	contains(t, m, "Your problem "+z+" was not accepted. Reason: 不属于助企服务范围 Not within the campaign's remit")
	contains(t, h.say(t, second, "/status "+z), "not accepted")
}
