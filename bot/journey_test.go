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
	return h.ownerID(t, u)
}

// after runs a change and returns the one message it brings to u; that it is exactly one
// is checked on the job queue, where every notification is enqueued with its change.
func (h *harness) after(t *testing.T, u telegramtest.User, change func() error) telegramtest.Message {
	t.Helper()
	jobs := func() int {
		var n int
		if err := h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM river_job WHERE kind = 'notification' AND (args->>'chat_id')::bigint = $1",
			u.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := jobs()
	n := len(h.sim.Messages(u.ID))
	if err := change(); err != nil {
		t.Fatal(err)
	}
	if k := jobs() - before; k != 1 {
		t.Fatalf("the change enqueued %d messages for %s, want 1", k, u.FirstName)
	}
	return h.next(t, u, n, 1)[0]
}

func (h *harness) act(t *testing.T, f func(context.Context, store.ActParams) (store.Case, error), no string, actor int64, note string) func() error {
	return func() error {
		_, err := f(context.Background(), store.ActParams{Ticket: no, ActorID: actor, Note: note})
		return err
	}
}

// phrases are what a journey expects to read and press, per language; "%s" is the ticket.
type phrases map[string]string

func (p phrases) of(key, no string) string {
	v, ok := p[key]
	if !ok {
		panic("no phrase " + key)
	}
	return strings.ReplaceAll(v, "%s", no)
}

var ownerPhrases = map[string]phrases{
	"zh-hans": {
		"category": "用电/用水/用气", "skip": "跳过", "normal": "普通", "confirm": "✔ 确认提交", "done": "完成",
		"filed": "已转交您的包联干部李春梅", "assigned": "已交办，等待签收", "assigned to": "交办给 李春梅",
		"add": "➕ 补充情况", "add what": "您要为 %s 补充什么情况", "one file": "已收到 1 个",
		"add summary": "请确认为 %s 补充的内容", "add files": "附件：1 个", "added": "已补充到 %s",
		"unknown": "没有找到编号为 %s 的问题", "signed": "李春梅 已签收您反映的问题 %s", "progress": "问题 %s 办理进展",
		"resolved": "已办结", "solved?": "问题解决了吗", "not solved": "❌ 未解决", "solved": "✅ 已解决",
		"satisfied?": "您对 %s 的办理满意吗", "unsatisfied": "不满意", "satisfied": "满意", "comment?": "还有什么想说的吗",
		"office decides": "活动办将重新研究问题 %s", "flagged": "已办结，您不满意，活动办正在研究处理",
		"rated bad": "评价：未解决，不满意", "rehandled": "已重新办理", "closed thanks": "感谢您的评价，问题 %s 已销号",
		"not open": "%s 现在不需要您评价", "closed": "已销号", "ev submitted": "提交问题", "ev added": "反映人补充情况",
		"ev signed": "李春梅 签收", "ev progress": "办理进展：已联系县供电公司", "ev rehandled": "重新办理：请排查跳闸原因",
		"ev resolved": "办结：已加装稳压装置", "rated good": "评价：已解决，满意",
	},
	"en": {
		"category": "Power, water and gas", "skip": "Skip", "normal": "Normal", "confirm": "✔ Confirm", "done": "Done",
		"filed": "It has gone to your linked cadre 李春梅", "assigned": "assigned, waiting to be signed for", "assigned to": "Assigned to 李春梅",
		"add": "➕ Add information", "add what": "What would you like to add to %s?", "one file": "(1 received",
		"add summary": "Please confirm what to add to %s", "add files": "Attachments: 1", "added": "Added to %s",
		"unknown": "No problem with ticket number %s was found", "signed": "李春梅 has signed for your problem %s", "progress": "Progress on %s",
		"resolved": "has been resolved", "solved?": "Is the problem solved?", "not solved": "❌ Not solved", "solved": "✅ Solved",
		"satisfied?": "How satisfied are you with how %s was handled?", "unsatisfied": "Not satisfied", "satisfied": "Satisfied",
		"comment?": "Anything to add?", "office decides": "The campaign office will look at %s again",
		"flagged": "resolved; you were not satisfied", "rated bad": "Rated: Not solved, Not satisfied", "rehandled": "is being handled again",
		"closed thanks": "Thank you. Problem %s is now closed.", "not open": "%s is not waiting for your rating", "closed": "closed",
		"ev submitted": "Problem submitted", "ev added": "The reporter added information", "ev signed": "Signed for by 李春梅",
		"ev progress": "Progress: 已联系县供电公司", "ev rehandled": "Sent back to be handled again: 请排查跳闸原因",
		"ev resolved": "Resolved: 已加装稳压装置", "rated good": "Rated: Solved, Satisfied",
	},
}

// An enterprise owner bound by invite, in Chinese and in English: files a problem, adds to
// it from the case's button, follows each step of the handling as it happens, is not
// satisfied, sees it handled again, and closes it satisfied. The cadre and the office, who
// read Chinese, get what is theirs; a neighbour's forged buttons and ticket number reveal
// nothing.
func TestJourneyOfABoundOwner(t *testing.T) {
	t.Parallel()
	for lang, ph := range ownerPhrases {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			boundOwnerJourney(t, lang, ph)
		})
	}
}

func boundOwnerJourney(t *testing.T, lang string, ph phrases) {
	h := startDemo(t)
	owner := telegramtest.User{ID: 8501, FirstName: "Yang", LanguageCode: lang}
	cadreU := telegramtest.User{ID: 8502, FirstName: "李春梅", LanguageCode: "zh-hans"}
	officeU := telegramtest.User{ID: 8503, FirstName: "高静", LanguageCode: "zh-hans"}
	neighbour := telegramtest.User{ID: 8504, FirstName: "Zhao", LanguageCode: lang}

	contains(t, h.say(t, owner, "/start"), "Yang", "/new")
	contains(t, h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})), "云岭精密机械有限公司")
	cadre := h.join(t, cadreU, "P001", store.RoleHandler)
	office := h.join(t, officeU, "P017", store.RoleOffice)
	h.say(t, neighbour, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))

	h.say(t, owner, "/new")
	h.press(t, owner, ph.of("category", ""))
	h.say(t, owner, "厂区变压器容量不足，新生产线无法投产")
	h.press(t, owner, ph.of("skip", ""))
	h.press(t, owner, ph.of("skip", ""))
	h.press(t, owner, ph.of("normal", ""))
	nc := len(h.sim.Messages(cadreU.ID))
	m, _ := h.press(t, owner, ph.of("confirm", ""))
	contains(t, m, ph.of("filed", ""))
	no := ticketRe.FindString(m.Text)
	contains(t, h.next(t, cadreU, nc, 1)[0], "新交办的问题", no, "变压器容量不足")

	// Adding to the case, from the button on its view.
	view := h.say(t, owner, "/status "+no)
	contains(t, view, ph.of("assigned", no), ph.of("assigned to", no))
	n := len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, view, button(t, view, ph.of("add", no)))
	contains(t, h.next(t, owner, n, 1)[0], ph.of("add what", no))
	h.say(t, owner, "补充：现有变压器 400kVA，需要 800kVA")
	ms := h.send(t, owner, func() telegramtest.Update { return h.sim.SendPhoto(owner, "铭牌") }, 1)
	contains(t, ms[0], ph.of("one file", no))
	m, _ = h.press(t, owner, ph.of("done", no))
	contains(t, m, ph.of("add summary", no), "400kVA", ph.of("add files", no))
	nc = len(h.sim.Messages(cadreU.ID))
	m, _ = h.press(t, owner, ph.of("confirm", no))
	contains(t, m, ph.of("added", no))
	contains(t, h.next(t, cadreU, nc, 1)[0], "反映人补充了 "+no, "400kVA")

	// A neighbour's forged buttons and the ticket number prove nothing.
	for _, data := range []string{"add:" + no, "fb:" + no + ":y", "st:" + no} {
		n := len(h.sim.Messages(neighbour.ID))
		h.sim.PressButton(neighbour, telegramtest.Message{ChatID: neighbour.ID, MessageID: 1}, data)
		contains(t, h.next(t, neighbour, n, 1)[0], ph.of("unknown", no))
	}
	for _, cmd := range []string{"/status ", "/add ", "/rate "} {
		contains(t, h.say(t, neighbour, cmd+no), ph.of("unknown", no))
	}

	// The handling, step by step, each told to the owner as it is committed.
	contains(t, h.after(t, owner, h.act(t, h.store.Sign, no, cadre, "")), ph.of("signed", no))
	contains(t, h.after(t, owner, h.act(t, h.store.Progress, no, cadre, "已联系县供电公司，下周现场勘查")), ph.of("progress", no), "下周现场勘查")
	contains(t, h.after(t, owner, h.act(t, h.store.Resolve, no, cadre, "已更换 800kVA 变压器")), ph.of("resolved", no), "已更换 800kVA 变压器", ph.of("solved?", no))
	rateEarly := h.sim.Messages(owner.ID)[len(h.sim.Messages(owner.ID))-1]

	// Not solved, not satisfied: the office is told, and sends it back.
	m, _ = h.press(t, owner, ph.of("not solved", no))
	contains(t, m, ph.of("satisfied?", no))
	m, _ = h.press(t, owner, ph.of("unsatisfied", no))
	contains(t, m, ph.of("comment?", no))
	no1 := len(h.sim.Messages(officeU.ID))
	contains(t, h.say(t, owner, "电压仍然不稳，设备频繁跳闸"), ph.of("office decides", no))
	contains(t, h.next(t, officeU, no1, 1)[0], "问题 "+no+" 的反映人对办理结果不满意", "频繁跳闸")
	contains(t, h.say(t, owner, "/status "+no), ph.of("flagged", no), ph.of("rated bad", no))
	contains(t, h.say(t, owner, "/my"), no, ph.of("flagged", no))
	nc = len(h.sim.Messages(cadreU.ID))
	contains(t, h.after(t, owner, h.act(t, h.store.Rehandle, no, office, "请排查跳闸原因")), ph.of("rehandled", no), "请排查跳闸原因")
	contains(t, h.next(t, cadreU, nc, 1)[0], "退回您重新办理", "请排查跳闸原因")

	h.after(t, owner, h.act(t, h.store.Sign, no, cadre, ""))
	contains(t, h.after(t, owner, h.act(t, h.store.Resolve, no, cadre, "已加装稳压装置，试运行一周正常")), "稳压装置")

	// The buttons of the first round name the case, not the round: the server decides that the
	// case waits for a rating again, and after it, that it does not.
	n = len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, rateEarly, button(t, rateEarly, ph.of("solved", no)))
	contains(t, h.next(t, owner, n, 1)[0], ph.of("satisfied?", no))
	h.press(t, owner, ph.of("satisfied", no))
	m, _ = h.press(t, owner, ph.of("skip", no))
	contains(t, m, ph.of("closed thanks", no))
	contains(t, h.say(t, owner, "/rate "+no), ph.of("not open", no))
	n = len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, rateEarly, button(t, rateEarly, ph.of("not solved", no)))
	contains(t, h.next(t, owner, n, 1)[0], ph.of("not open", no))
	view = h.say(t, owner, "/status "+no)
	contains(t, view, ph.of("closed", no), ph.of("ev submitted", no), ph.of("ev added", no), ph.of("ev signed", no), ph.of("ev progress", no),
		ph.of("rated bad", no), ph.of("ev rehandled", no), ph.of("ev resolved", no), ph.of("rated good", no))
	// Nothing left to do: at most its photos and files to see again.
	for _, row := range view.Buttons {
		for _, b := range row {
			if !strings.HasPrefix(b.CallbackData, store.EvidenceButton+":") {
				t.Errorf("a closed case offers %+v", view.Buttons)
			}
		}
	}
	c, _ := h.store.CaseByTicket(context.Background(), no)
	if c.Status != store.StatusClosed || *c.Satisfaction != store.Satisfied || !*c.Solved || c.RehandleCount != 1 {
		t.Fatalf("stored %+v", c)
	}
}

var secretaryPhrases = map[string]phrases{
	"en": {
		"first": "Liu", "hello": "Hello, Liu", "village": "Village (community)", "name": "Willow Bay Village", "category": "Roads, water and irrigation",
		"dup": "Add this to it", "as new": "Report as new", "skip": "Skip", "normal": "Normal", "confirm": "✔ Confirm",
		"triage": "The campaign office will judge it", "assigned": "Your problem %s has been assigned to 张振华", "sign by": "will sign for it by",
		"signed": "张振华 has signed for your problem %s", "resolved": "has been resolved", "solved?": "Is the problem solved?",
		"usage": "Please add the ticket number after /rate", "solved q": "Is problem %s solved?", "solved": "Solved",
		"basic": "Fairly satisfied", "comment?": "Anything to add?", "closed thanks": "Thank you. Problem %s is now closed.",
		"closed": "closed", "rated": "Rated: Solved, Fairly satisfied", "no feedback": "Your problem %s has been closed, as no rating came",
		"ev no feedback": "Closed without a rating",
	},
	"zh-hans": {
		"first": "刘书记", "hello": "刘书记", "village": "村（社区）", "name": "柳湾村", "category": "基础设施",
		"dup": "还在办理中", "as new": "作为新问题", "skip": "跳过", "normal": "普通", "confirm": "✔ 确认提交",
		"triage": "活动办将研判", "assigned": "您反映的问题 %s 已交办给 张振华", "sign by": "前签收",
		"signed": "张振华 已签收您反映的问题 %s", "resolved": "已办结", "solved?": "问题解决了吗",
		"usage": "请在 /rate 后加上问题编号", "solved q": "问题 %s 解决了吗", "solved": "已解决",
		"basic": "基本满意", "comment?": "还有什么想说的吗", "closed thanks": "感谢您的评价，问题 %s 已销号",
		"closed": "已销号", "rated": "评价：已解决，基本满意", "no feedback": "您反映的问题 %s 在规定时间内未收到评价，已销号",
		"ev no feedback": "未评价，销号",
	},
}

// A village secretary who came without an invite, in English and in Chinese: files, waits
// for triage, is told of the assignment, rates the result with /rate, and closes the case; a
// second case left unrated closes by itself when the window ends.
func TestJourneyOfAnUnboundSecretary(t *testing.T) {
	t.Parallel()
	for lang, ph := range secretaryPhrases {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			unboundSecretaryJourney(t, lang, ph)
		})
	}
}

func unboundSecretaryJourney(t *testing.T, lang string, ph phrases) {
	ctx := context.Background()
	h := startDemo(t)
	sec := telegramtest.User{ID: 8601, FirstName: ph.of("first", ""), LanguageCode: lang}
	officeU := telegramtest.User{ID: 8602, FirstName: "Luo", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 8603, FirstName: "Zhang", LanguageCode: "zh-hans"}
	office := h.join(t, officeU, "P019", store.RoleOffice)
	cadre := h.join(t, cadreU, "P002", store.RoleHandler)

	contains(t, h.say(t, sec, "/start"), ph.of("hello", ""), "/new")
	fileOne := func(desc string) string {
		h.say(t, sec, "/new")
		if !h.hasCase(t, sec) {
			h.press(t, sec, ph.of("village", ""))
			h.say(t, sec, ph.of("name", ""))
		}
		h.press(t, sec, ph.of("category", ""))
		m := h.say(t, sec, desc)
		if strings.Contains(m.Text, ph.of("dup", "")) {
			h.press(t, sec, ph.of("as new", ""))
		}
		h.press(t, sec, ph.of("skip", ""))
		h.press(t, sec, ph.of("skip", ""))
		h.press(t, sec, ph.of("normal", ""))
		m, _ = h.press(t, sec, ph.of("confirm", ""))
		contains(t, m, ph.of("triage", ""))
		return ticketRe.FindString(m.Text)
	}
	no := fileOne("The irrigation channel collapsed after the rain; forty households cannot water their fields.")

	assign := func(no string) func() error {
		return func() error {
			_, err := h.store.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: office}, AssigneeID: cadre})
			return err
		}
	}
	contains(t, h.after(t, sec, assign(no)), ph.of("assigned", no), ph.of("sign by", no))
	contains(t, h.after(t, sec, h.act(t, h.store.Sign, no, cadre, "")), ph.of("signed", no))
	contains(t, h.after(t, sec, h.act(t, h.store.Resolve, no, cadre, "渠道已修复 The channel is rebuilt.")), ph.of("resolved", no),
		"The channel is rebuilt.", ph.of("solved?", no))

	contains(t, h.say(t, sec, "/rate"), ph.of("usage", no))
	contains(t, h.say(t, sec, "/rate "+strings.ToLower(no)), ph.of("solved q", no))
	h.press(t, sec, ph.of("solved", no))
	m, _ := h.press(t, sec, ph.of("basic", no))
	contains(t, m, ph.of("comment?", no))
	contains(t, h.say(t, sec, "Quick work — 谢谢! 👍 '; DROP TABLE cases; --"), ph.of("closed thanks", no))
	contains(t, h.say(t, sec, "/status "+no), ph.of("closed", no), ph.of("rated", no), "Quick work — 谢谢! 👍 '; DROP TABLE cases; --")

	// A second case, resolved and never rated: when the window is over it closes by itself.
	two := fileOne("The village road lights have been out for a month; the school path is dark.")
	h.after(t, sec, assign(two))
	h.after(t, sec, h.act(t, h.store.Sign, two, cadre, ""))
	h.after(t, sec, h.act(t, h.store.Resolve, two, cadre, "Lights repaired."))
	h.travel(7*24*time.Hour + time.Minute)
	// The scheduler's week passes at once: the timeout falls due now, and its job closes the
	// case and tells the secretary.
	n := len(h.sim.Messages(sec.ID))
	if _, err := h.store.Pool().Exec(ctx, "UPDATE river_job SET scheduled_at = now() WHERE kind = 'feedback_timeout' AND state = 'scheduled'"); err != nil {
		t.Fatal(err)
	}
	contains(t, h.next(t, sec, n, 1)[0], ph.of("no feedback", two))
	c, _ := h.store.CaseByTicket(ctx, two)
	if c.Status != store.StatusClosed || *c.CloseReason != "no_feedback" {
		t.Fatalf("unrated case %+v", c)
	}
	contains(t, h.say(t, sec, "/status "+two), ph.of("ev no feedback", two))
}

// hasCase tells whether the account already reports for a unit (the unit questions are
// skipped then).
func (h *harness) hasCase(t *testing.T, u telegramtest.User) bool {
	t.Helper()
	_, err := h.store.ActorByAccount(context.Background(), u.ID)
	return err == nil
}

// A duplicate is merged: its reporter, of another enterprise, is told which case goes on and
// follows it, seeing how it is handled but not what the other reporter wrote, and is told
// when it is resolved; they cannot act on it. A report not accepted is told why.
func TestMergedAndRejectedReportsAreExplained(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	first := telegramtest.User{ID: 8801, FirstName: "杨总", LanguageCode: "zh-hans"}
	second := telegramtest.User{ID: 8802, FirstName: "Chen", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 8803, FirstName: "高静", LanguageCode: "zh-hans"}
	h.say(t, first, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.say(t, second, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	office := h.join(t, officeU, "P017", store.RoleOffice)
	x := h.file(t, first, "E001", "厂区门前道路塌陷，货车无法通行，联系电话 13800001111")
	y := h.file(t, second, "E002", "The road at the factory gate has caved in.")

	m := h.after(t, second, func() error {
		_, err := h.store.Merge(ctx, store.MergeParams{ActParams: store.ActParams{Ticket: y, ActorID: office, Note: "同一路段"}, Into: x})
		return err
	})
	contains(t, m, "Your problem "+y+" is the same as problem "+x, "/status "+x)
	view := h.say(t, second, "/status "+x)
	contains(t, view, "Ticket "+x, "Your problem was merged into this one", "Problem submitted", "Assigned to 李春梅")
	for _, private := range []string{y, "云岭精密机械有限公司", "13800001111", "道路塌陷"} {
		if strings.Contains(view.Text, private) {
			t.Errorf("the follower sees %q: %s", private, view.Text)
		}
	}
	if len(view.Buttons) != 0 {
		t.Errorf("the follower may act: %+v", view.Buttons)
	}
	contains(t, h.say(t, second, "/status "+y), "merged", "Merged into "+x)
	contains(t, h.say(t, second, "/add "+x), "No problem with ticket number "+x)
	contains(t, h.say(t, second, "/rate "+x), "No problem with ticket number "+x)
	cadre := h.personID(t, "P001")
	contains(t, h.after(t, second, h.act(t, h.store.Sign, x, cadre, "")), "李春梅 has signed for your problem "+x)
	m = h.after(t, second, h.act(t, h.store.Resolve, x, cadre, "道路已修复 Road repaired"))
	contains(t, m, "Problem "+x+", into which yours was merged, has been resolved", "Road repaired")
	if len(m.Buttons) != 0 {
		t.Errorf("the follower is asked to rate: %+v", m.Buttons)
	}

	// Without a linked cadre, the next report waits for the office to judge it.
	if _, err := h.store.Pool().Exec(ctx, "DELETE FROM links WHERE unit_id = (SELECT id FROM units WHERE code = 'E002')"); err != nil {
		t.Fatal(err)
	}
	z := h.file(t, second, "E002", "Please pay our electricity bill for us this month.")
	m = h.after(t, second, func() error {
		_, err := h.store.Reject(ctx, store.ActParams{Ticket: z, ActorID: office, Note: "不属于助企服务范围 Not within the campaign's remit"})
		return err
	})
	contains(t, m, "Your problem "+z+" was not accepted. Reason: 不属于助企服务范围 Not within the campaign's remit")
	contains(t, h.say(t, second, "/status "+z), "not accepted")
}
