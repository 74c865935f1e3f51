package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// buttonTexts are the labels of a message's buttons, row by row.
func buttonTexts(m telegramtest.Message) []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// fileUrgent files a problem of u's through the store, urgent or not, routed to the unit's
// linked cadre if it has one.
func (h *harness) fileUrgent(t *testing.T, u telegramtest.User, unit, desc string, urgent bool) string {
	t.Helper()
	ctx := context.Background()
	a, err := h.store.ActorByAccount(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var unitID, region int64
	if err := h.store.Pool().QueryRow(ctx, "SELECT id, region_id FROM units WHERE code = $1", unit).Scan(&unitID, &region); err != nil {
		t.Fatal(err)
	}
	c, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unitID, ReporterID: &a.PersonID, Description: desc,
		Urgent: urgent, Route: true})
	if err != nil {
		t.Fatal(err)
	}
	return c.TicketNo
}

// An owner (English) reports a problem as urgent. It goes straight to the unit's linked
// cadre (Chinese), under four working hours to sign for it, and each member of the county
// office (one Chinese, one English) is told at once, in their language, with the case's
// buttons as the office's view gives them. One member marks it not urgent from that notice:
// the sign-for limit goes back to a day, the cadre is told, and the urgency buttons of every
// chat retire with a line saying what happened. The other marks it urgent again from the
// case's view, and the first member is told. The cadre cannot forge the office's press.
func TestAnUrgentReportReachesItsOfficeAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9901, FirstName: "Chen", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 9902, FirstName: "李春梅", LanguageCode: "zh-hans"}
	gao := telegramtest.User{ID: 9903, FirstName: "高静", LanguageCode: "zh-hans"}
	lin := telegramtest.User{ID: 9904, FirstName: "Lin", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)
	h.join(t, gao, "P017", store.RoleOffice)
	h.join(t, lin, "P018", store.RoleOffice)
	// A working morning at 10:00, so that four working hours end at 14:00 the same day,
	// whatever the hour the test runs.
	h.travelToWorkingMorning(t, h.store.Now())
	day := h.store.Now().In(h.store.Location()).Format(time.DateOnly)

	h.say(t, owner, "/new")
	h.press(t, owner, "Power, water and gas")
	h.say(t, owner, "The whole plant has lost power; the furnaces are cooling down.")
	h.press(t, owner, "Skip")
	h.press(t, owner, "Skip")
	m, _ := h.press(t, owner, "Urgent")
	contains(t, m, "Urgency: Urgent")
	nc, ng, nl := len(h.sim.Messages(cadreU.ID)), len(h.sim.Messages(gao.ID)), len(h.sim.Messages(lin.ID))
	m, _ = h.press(t, owner, "✔ Confirm")
	contains(t, m, "It has gone to your linked cadre 李春梅", "by "+day+" 14:00")
	no := ticketRe.FindString(m.Text)

	assigned := h.next(t, cadreU, nc, 1)[0]
	contains(t, assigned, "🔴 紧急 · 您有一件新交办的问题，编号 "+no, "请在 "+day+" 14:00 前签收")
	toGao := h.next(t, gao, ng, 1)[0]
	contains(t, toGao, "🔴 紧急 · 新问题，编号 "+no+"（云岭精密机械有限公司）", "furnaces are cooling", "已交包联干部 李春梅，须在 "+day+" 14:00 前签收")
	if got, want := buttonTexts(toGao), []string{"📄 查看问题", "👤 改派", "⏰ 催办", "🔗 并案", "⬆ 提级", "⚪ 改为普通"}; !slices.Equal(got, want) {
		t.Errorf("the office's notice offers %q, want %q", got, want)
	}
	toLin := h.next(t, lin, nl, 1)[0]
	contains(t, toLin, "🔴 Urgent · A new problem, ticket "+no+", for 云岭精密机械有限公司", "It has gone to the linked cadre 李春梅, who must sign for it by "+day+" 14:00.")
	if !hasButton(toLin, "⚪ Mark not urgent") || !hasButton(toLin, "👤 Reassign") {
		t.Errorf("the English notice offers %q", buttonTexts(toLin))
	}

	// The cadre cannot press the office's button: refused, recorded, nothing changes.
	before := h.caseState(t, no)
	n := len(h.sim.Messages(cadreU.ID))
	h.sim.PressButton(cadreU, telegramtest.Message{ChatID: cadreU.ID, MessageID: 1}, store.MarkNormalButton+":"+no)
	contains(t, h.next(t, cadreU, n, 1)[0], "您不能对 "+no+" 做这项操作")
	// The case itself: a reminder the sweep sends meanwhile, at whatever hour the test runs,
	// is no change of the press's.
	if after := h.caseState(t, no); after.Refused != before.Refused+1 || after.Updated != before.Updated ||
		after.Status != before.Status || after.Assignee != before.Assignee {
		t.Errorf("a forged press: %+v → %+v", before, after)
	}
	if c, _ := h.store.CaseByTicket(ctx, no); c.Urgency != store.Urgent {
		t.Fatalf("a forged press made it %s", c.Urgency)
	}

	// Not urgent, from the notice: a day to sign for it again, the cadre told.
	nc, nl = len(h.sim.Messages(cadreU.ID)), len(h.sim.Messages(lin.ID))
	done := h.tap(t, gao, toGao, "⚪ 改为普通", 1)[0]
	c, _ := h.store.CaseByTicket(ctx, no)
	due := c.SignDueAt.In(h.store.Location()).Format("2006-01-02 15:04")
	if c.Urgency != store.Normal || !c.SignDueAt.Equal(c.AssignedAt.AddDate(0, 0, 1)) {
		t.Fatalf("not urgent: %s, sign for by %s (assigned %s)", c.Urgency, due, c.AssignedAt)
	}
	contains(t, done, no+" 已改为普通，不再紧急，须在 "+due+" 前签收")
	if !hasButton(done, "🔴 标为紧急") || hasButton(done, "⚪ 改为普通") {
		t.Errorf("the answer offers %q", buttonTexts(done))
	}
	told := h.noticeSince(t, cadreU, nc, "改为普通")
	contains(t, told, "活动办（高静）将问题 "+no+" 改为普通，不再紧急，请在 "+due+" 前签收")
	if strings.Contains(told.Text, "🔴") {
		t.Errorf("a case no longer urgent is marked: %s", told.Text)
	}
	// Every chat's urgency button retires; the notices say what happened.
	h.waitNoStale(t, no, gao, lin, cadreU)
	waitFor(t, func() bool { return !hasButton(h.message(t, lin, toLin.MessageID), "⚪ Mark not urgent") })
	contains(t, h.message(t, lin, toLin.MessageID), "Marked not urgent by 高静")
	contains(t, h.message(t, gao, toGao.MessageID), "高静 改为普通（不再紧急）")
	if !hasButton(h.message(t, gao, toGao.MessageID), "👤 改派") {
		t.Errorf("the notice lost the buttons that still apply: %q", buttonTexts(h.message(t, gao, toGao.MessageID)))
	}
	h.settled(t)
	for _, m := range h.sim.Messages(lin.ID)[nl:] {
		if strings.Contains(m.Text, "not urgent") {
			t.Errorf("the other member was told it was made not urgent: %s", m.Text)
		}
	}

	// Urgent again, from the case's view: the limit is four working hours from the
	// assignment; the other member and the cadre are told.
	view := h.say(t, lin, "/status "+no)
	contains(t, view, "Ticket "+no, "Marked not urgent by 高静")
	if strings.Contains(view.Text, "🔴 Urgent") {
		t.Errorf("a case no longer urgent shows the mark: %s", view.Text)
	}
	ng, nc = len(h.sim.Messages(gao.ID)), len(h.sim.Messages(cadreU.ID))
	contains(t, h.tap(t, lin, view, "🔴 Mark urgent", 1)[0], no+" is now urgent: it comes first in /triage", "signed for by "+day+" 14:00")
	contains(t, h.next(t, gao, ng, 1)[0], "🔴 紧急 · 林永刚 将问题 "+no+" 标为紧急，承办人须在 "+day+" 14:00 前签收")
	contains(t, h.noticeSince(t, cadreU, nc, "标为紧急"), "🔴 紧急 · 活动办（林永刚）将问题 "+no+" 标为紧急，请在 "+day+" 14:00 前签收")
	contains(t, h.say(t, gao, "/status "+no), "🔴 紧急  编号 "+no, "高静 改为普通（不再紧急）", "林永刚 标为紧急")
	h.waitNoStale(t, no, gao, lin, cadreU)
	if n := h.events(t, no, store.EventUrgencyChanged); n != 2 {
		t.Errorf("%d changes of urgency recorded, want 2", n)
	}
}

// /triage puts the urgent first and /inbox too, whatever their age or limit; every list
// and view marks them, in Chinese and in English: the office's queue and overdue list, the
// handler's inbox and reminders, the reporter's list and case, the staff view.
func TestUrgentCasesComeFirstAndAreMarkedEverywhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	ownerEN := telegramtest.User{ID: 9911, FirstName: "Chen", LanguageCode: "en"}
	ownerZH := telegramtest.User{ID: 9912, FirstName: "杨总", LanguageCode: "zh-hans"}
	gao := telegramtest.User{ID: 9913, FirstName: "高静", LanguageCode: "zh-hans"}
	lin := telegramtest.User{ID: 9914, FirstName: "Lin", LanguageCode: "en"}
	zhang := telegramtest.User{ID: 9915, FirstName: "Zhang", LanguageCode: "en"}
	h.say(t, ownerEN, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	h.say(t, ownerZH, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	office := h.join(t, gao, "P017", store.RoleOffice)
	h.join(t, lin, "P018", store.RoleOffice)
	handler := h.join(t, zhang, "P002", store.RoleHandler)
	h.unlink(t, "E002")
	h.travelToWorkingMorning(t, h.store.Now())
	old := h.fileUrgent(t, ownerEN, "E002", "The weighbridge has been out of order for a week.", false)
	h.travel(time.Minute)
	mid := h.fileUrgent(t, ownerZH, "E002", "仓库屋顶漏雨，需要尽快维修", false)
	h.travel(time.Minute)
	urgent := h.fileUrgent(t, ownerEN, "E002", "A gas leak at the boiler house; the plant is evacuated.", true)
	h.settled(t)

	// The office's queue: the urgent, filed last, first.
	zh := h.say(t, gao, "/triage")
	contains(t, zh, "紧急的在前，其余先到的在前", "🔴 紧急  "+urgent)
	if i, j, k := strings.Index(zh.Text, urgent), strings.Index(zh.Text, old), strings.Index(zh.Text, mid); !(i < j && j < k) {
		t.Errorf("/triage is not urgent first, then oldest:\n%s", zh.Text)
	}
	if strings.Count(zh.Text, "🔴") != 1 {
		t.Errorf("/triage marks other cases too:\n%s", zh.Text)
	}
	en := h.say(t, lin, "/triage")
	contains(t, en, "urgent first, then oldest first", "🔴 Urgent  "+urgent)
	if strings.Index(en.Text, urgent) > strings.Index(en.Text, old) {
		t.Errorf("/triage in English is not urgent first:\n%s", en.Text)
	}
	view := h.tap(t, gao, zh, "📄 "+urgent, 1)[0]
	contains(t, view, "🔴 紧急  编号 "+urgent, "已提交，等待研判")
	if !hasButton(view, "⚪ 改为普通") || !hasButton(view, "👤 交办") {
		t.Errorf("the triage view offers %q", buttonTexts(view))
	}
	contains(t, h.say(t, lin, "/status "+urgent), "🔴 Urgent  Ticket "+urgent)

	// The handler's inbox: the urgent, signed for and so due days later, before the two
	// still to be signed for within a day.
	for _, no := range []string{old, mid, urgent} {
		if _, err := h.store.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: office}, AssigneeID: handler}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.store.Sign(ctx, store.ActParams{Ticket: urgent, ActorID: handler}); err != nil {
		t.Fatal(err)
	}
	h.settled(t)
	inbox := h.say(t, zhang, "/inbox")
	contains(t, inbox, "urgent first, then soonest limit first", "🔴 Urgent  "+urgent)
	if i, j := strings.Index(inbox.Text, urgent), strings.Index(inbox.Text, old); i < 0 || j < 0 || i > j {
		t.Errorf("/inbox is not urgent first:\n%s", inbox.Text)
	}

	// The reporters' lists and views.
	my := h.say(t, ownerEN, "/my")
	contains(t, my, "🔴 Urgent  "+urgent)
	if strings.Contains(my.Text, "🔴 Urgent  "+old) {
		t.Errorf("/my marks a case that is not urgent:\n%s", my.Text)
	}
	contains(t, h.say(t, ownerEN, "/status "+urgent), "🔴 Urgent  Ticket "+urgent)
	if m := h.say(t, ownerZH, "/status "+mid); strings.Contains(m.Text, "🔴") {
		t.Errorf("a case that is not urgent is marked: %s", m.Text)
	}
	if _, err := h.store.SetUrgency(ctx, store.ActParams{Ticket: mid, ActorID: office}, true); err != nil {
		t.Fatal(err)
	}
	h.settled(t)
	contains(t, h.say(t, ownerZH, "/my"), "🔴 紧急  "+mid)
	contains(t, h.say(t, ownerZH, "/status "+mid), "🔴 紧急  编号 "+mid, "高静 标为紧急")

	// Overdue: the office's list and the handler's digest mark them.
	h.travelToWorkingMorning(t, h.store.Now().AddDate(0, 0, 3))
	if _, err := h.store.SendDueReminders(ctx, 100); err != nil {
		t.Fatal(err)
	}
	h.settled(t)
	contains(t, h.say(t, gao, "/overdue"), "🔴 紧急  "+urgent, "🔴 紧急  "+mid)
	contains(t, h.say(t, lin, "/overdue"), "🔴 Urgent  "+urgent)
	// Every reminder the handler got: the hour the test runs at may split a digest in two, or
	// leave one case to a reminder of its own.
	var digest string
	for _, m := range h.sim.Messages(zhang.ID) {
		if strings.Contains(m.Text, "cases need your attention") || strings.Contains(m.Text, "Overdue: ") {
			digest += m.Text + "\n"
		}
	}
	urgentOverdue := strings.Contains(digest, "• 🔴 Urgent "+urgent+": overdue") || strings.Contains(digest, "🔴 Urgent · Overdue: "+urgent)
	oldOverdue := strings.Contains(digest, "• "+old+": overdue") || strings.Contains(digest, "\nOverdue: "+old) || strings.HasPrefix(digest, "Overdue: "+old)
	if !urgentOverdue || !oldOverdue || strings.Contains(digest, "🔴 Urgent "+old) || strings.Contains(digest, "🔴 Urgent · Overdue: "+old) {
		t.Errorf("the handler's reminders:\n%s", digest)
	}
}

// noticeSince is the first message u got from index n on that holds word: the notice a test
// waits for, whatever reminder the hour it runs at brings beside it.
func (h *harness) noticeSince(t *testing.T, u telegramtest.User, n int, word string) telegramtest.Message {
	t.Helper()
	var got telegramtest.Message
	waitFor(t, func() bool {
		for _, m := range h.sim.Messages(u.ID)[n:] {
			if strings.Contains(m.Text, word) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}
