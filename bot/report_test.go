package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// next waits for k new bot messages to u after n and returns them.
func (h *harness) next(t *testing.T, u telegramtest.User, n, k int) []telegramtest.Message {
	t.Helper()
	return h.sim.MustWaitMessages(t, u.ID, n+k)[n : n+k]
}

// sayK sends text and returns the k messages it brings.
func (h *harness) sayK(t *testing.T, u telegramtest.User, text string, k int) []telegramtest.Message {
	t.Helper()
	n := len(h.sim.Messages(u.ID))
	h.sim.SendText(u, text)
	return h.next(t, u, n, k)
}

// press presses the button labelled label on the latest message that has buttons, and
// returns what answers it: the next message, or the pressed prompt turned into the next one.
// It returns the update, for redelivery.
func (h *harness) press(t *testing.T, u telegramtest.User, label string) (telegramtest.Message, telegramtest.Update) {
	t.Helper()
	n := len(h.sim.Messages(u.ID))
	m := h.lastWithButtons(t, u)
	upd := h.sim.PressButton(u, m, button(t, m, label))
	got, err := h.sim.WaitAnswer(waitCtx(t), m, n)
	if err != nil {
		t.Fatalf("pressing %q in chat %d: no answer: %v; the chat has %q", label, u.ID, err, texts(h.sim.Messages(u.ID)))
	}
	return got, upd
}

func (h *harness) send(t *testing.T, u telegramtest.User, play func() telegramtest.Update, k int) []telegramtest.Message {
	t.Helper()
	n := len(h.sim.Messages(u.ID))
	play()
	return h.next(t, u, n, k)
}

func contains(t *testing.T, m telegramtest.Message, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(m.Text, w) {
			t.Fatalf("message %q lacks %q", m.Text, w)
		}
	}
}

var ticketRe = regexp.MustCompile(`XC-\d{8}-\d{4,}`)

// An enterprise owner bound by invite files a problem in Chinese, trying every kind of bad
// input on the way, and gets a ticket routed to the linked cadre.
func TestBoundOwnerFilesAProblem(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8001, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))

	m := h.say(t, owner, "/new")
	contains(t, m, "问题属于哪一类")
	if len(m.Buttons) < 6 {
		t.Fatalf("category buttons %+v", m.Buttons)
	}
	m, _ = h.press(t, owner, "用电/用水/用气")
	contains(t, m, "请描述遇到的问题", "10–2000")
	ms := h.sayK(t, owner, "停电了", 2)
	contains(t, ms[0], "内容太短了（3 个字），至少需要 10 个字")
	ms = h.sayK(t, owner, strings.Repeat("电", 5000), 2)
	contains(t, ms[0], "内容太长了（5000 个字），最多 2000 个字")
	desc := "厂区 10kV 线路老化，'; DROP TABLE cases; -- 每周停电两次 ⚡😡，影响订单交付"
	m = h.say(t, owner, desc)
	contains(t, m, "可以发送照片或文件（已收到 0 个，最多 9 个）")
	for i := 1; i <= 9; i++ {
		ms = h.send(t, owner, func() telegramtest.Update { return h.sim.SendPhoto(owner, "") }, 1)
		contains(t, ms[0], fmt.Sprintf("已收到 %d 个", i))
	}
	ms = h.send(t, owner, func() telegramtest.Update { return h.sim.SendPhoto(owner, "") }, 2)
	contains(t, ms[0], "最多只能附 9 个照片或文件")
	ms = h.send(t, owner, func() telegramtest.Update {
		return h.sim.SendDocument(owner, "setup.exe", "application/x-msdownload", []byte("MZ"))
	}, 2)
	contains(t, ms[0], "不支持这种文件")
	m, _ = h.press(t, owner, "完成")
	contains(t, m, "请发送定位")
	ms = h.send(t, owner, func() telegramtest.Update { return h.sim.SendLocation(owner, 34.7466, 113.6253) }, 1)
	contains(t, ms[0], "紧急程度")
	m, _ = h.press(t, owner, "紧急")
	contains(t, m, "单位：云岭精密机械有限公司", "类别：用电/用水/用气", "描述："+desc, "附件：9 个", "位置：34.746600,113.625300", "紧急程度：紧急")
	m, _ = h.press(t, owner, "✔ 确认提交")
	contains(t, m, "已受理，编号 XC-", "已转交您的包联干部李春梅", "前签收办理")
	no := ticketRe.FindString(m.Text)

	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	if c.Description != desc || c.Status != store.StatusAssigned || c.Urgency != "urgent" || c.Latitude == nil || *c.Latitude != 34.7466 {
		t.Fatalf("stored %+v", c)
	}
	var files int
	h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM case_attachments WHERE case_id = $1", c.ID).Scan(&files)
	if files != 9 {
		t.Fatalf("%d attachments stored, want 9", files)
	}
}

// A village secretary who came without an invite names their village, files in English, and
// the case waits for the city office's triage.
func TestUnboundVillageSecretaryFilesAProblem(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	sec := telegramtest.User{ID: 8101, FirstName: "Liu", LanguageCode: "en"}
	m := h.say(t, sec, "/new")
	contains(t, m, "enterprise, or a village")
	m, _ = h.press(t, sec, "Village (community)")
	contains(t, m, "full name")
	m = h.say(t, sec, "Willow Bay Village")
	contains(t, m, "What kind of problem")
	h.press(t, sec, "Roads, water and irrigation")
	h.say(t, sec, "The irrigation channel collapsed after the rain; forty households cannot water their fields.")
	m, _ = h.press(t, sec, "Skip")
	contains(t, m, "share a location")
	h.press(t, sec, "Skip")
	m, _ = h.press(t, sec, "Normal")
	contains(t, m, "Unit: Willow Bay Village", "Category: Roads, water and irrigation", "Attachments: 0", "Location: not given")
	m, _ = h.press(t, sec, "✔ Confirm")
	contains(t, m, "Registered as ticket XC-", "The campaign office will judge it")
	c, err := h.store.CaseByTicket(context.Background(), ticketRe.FindString(m.Text))
	if err != nil {
		t.Fatal(err)
	}
	var unit, region string
	var self bool
	h.store.Pool().QueryRow(context.Background(), `SELECT u.name, u.self_registered, r.code FROM units u JOIN regions r ON r.id = $2 WHERE u.id = $1`,
		*c.UnitID, c.RegionID).Scan(&unit, &self, &region)
	if c.Status != store.StatusSubmitted || unit != "Willow Bay Village" || !self || region != "HQ" {
		t.Fatalf("case %+v in %s for %q (self-registered %v)", c, region, unit, self)
	}
	// Now a reporter of the unit they named: the next /new skips the questions about it.
	contains(t, h.say(t, sec, "/new"), "What kind of problem")
}

// toSummary binds u as a reporter of unit by invite and files a problem up to the summary to
// confirm (no files, no place, normal urgency), which it returns.
func (h *harness) toSummary(t *testing.T, u telegramtest.User, unit, category, desc string) telegramtest.Message {
	t.Helper()
	h.say(t, u, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: unit}))
	h.fileVia(t, u, category, desc)
	h.press(t, u, "跳过")
	h.press(t, u, "跳过")
	summary, _ := h.press(t, u, "普通")
	contains(t, summary, "请确认您反映的问题")
	return summary
}

// The process dies after the case is committed but before it noted the update as done:
// Telegram delivers the confirm again, and the reporter gets the same ticket, not a second
// case. The summary already shows it, so Telegram finds nothing to change and no message
// is added.
func TestRedeliveredConfirmFilesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8201, FirstName: "周总", LanguageCode: "zh-hans"}
	h.toSummary(t, owner, "E003", "融资", "贷款审批卡在担保环节三个月了，急需流动资金")
	sessionKey := fmt.Sprintf("%s{7000000001:%d}:s:%d", h.prefix, owner.ID, owner.ID)
	before, err := h.rdb.Get(ctx, sessionKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	m, confirm := h.press(t, owner, "✔ 确认提交")
	first := ticketRe.FindString(m.Text)

	// What the crash leaves: the session as it was, and the update not marked done.
	h.rdb.Set(ctx, sessionKey, before, 0)
	h.rdb.ZRem(ctx, fmt.Sprintf("%s{7000000001:%d}:seen", h.prefix, owner.ID), fmt.Sprint(confirm.UpdateID))
	if first == "" {
		t.Fatalf("the confirm answered %q; want a ticket", m.Text)
	}
	n, since := len(h.sim.Messages(owner.ID)), time.Now()
	h.sim.Redeliver(confirm)
	again, err := h.sim.WaitCall(waitCtx(t), "editMessageText", func(c telegramtest.Call) bool {
		return c.At.After(since) && c.Params["message_id"] == strconv.FormatInt(m.MessageID, 10)
	})
	if err != nil {
		t.Fatal(err)
	}
	if ticketRe.FindString(again.Params["text"]) != first {
		t.Fatalf("redelivered confirm answered %q, want ticket %s again", again.Params["text"], first)
	}
	if got := h.sim.Messages(owner.ID); len(got) != n || got[len(got)-1].Text != m.Text {
		t.Fatalf("after the redelivered confirm the chat shows %q; want it as it was", texts(got))
	}
	var cases int
	h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM cases").Scan(&cases)
	if cases != 1 {
		t.Fatalf("%d cases after a redelivered confirm, want 1", cases)
	}
}

// Telegram refuses to edit the summary confirmed (the reporter deleted it, or it is older than
// a bot may edit): the ticket, with what was reported, comes all the same as a message of its
// own, and the report is filed once.
func TestTheTicketComesWhenTheSummaryCannotBeEdited(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8202, FirstName: "周总", LanguageCode: "zh-hans"}
	summary := h.toSummary(t, owner, "E003", "融资", "贷款审批卡在担保环节三个月了，急需流动资金")

	h.sim.RefuseNext("editMessageText", "Bad Request: message to edit not found")
	n := len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, summary, button(t, summary, "✔ 确认提交"))
	got := h.next(t, owner, n, 1)[0]
	contains(t, got, "已受理，编号 XC-", "您反映的问题：\n单位：柳河食品有限公司\n类别：融资\n描述：贷款审批卡在担保环节三个月了")
	if calls := h.sim.CallsTo("editMessageText"); len(calls) == 0 || calls[len(calls)-1].Status != http.StatusBadRequest {
		t.Fatalf("the summary was not tried, or not refused: %+v", calls)
	}
	var cases int
	if err := h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM cases").Scan(&cases); err != nil || cases != 1 {
		t.Fatalf("%d cases (%v); want the report filed once", cases, err)
	}
}
