package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// An office's /stats counts the cases made here: found, assigned, signed for, resolved,
// open and by township; the period buttons edit the message in place (last week had none of
// them; this week has them again), each followed by the chart of the period by township; a
// given span of dates is shown as given; a handler and a reporter are told the figures are
// for offices.
func TestStatsForAnOffice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9501, FirstName: "周总", LanguageCode: "zh-hans"}
	officeU := telegramtest.User{ID: 9502, FirstName: "高静", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 9503, FirstName: "李春梅", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, officeU, "P017", store.RoleOffice)
	cadre := h.join(t, cadreU, "P001", store.RoleHandler)
	a := h.file(t, owner, "E001", "厂区变压器容量不足，需要增容")
	h.file(t, owner, "E001", "厂区门前道路破损，货车难以通行")
	h.file(t, owner, "E001", "招工困难，希望组织专场招聘会")
	for _, act := range []func(context.Context, store.ActParams) (store.Case, error){h.store.Sign, h.store.Resolve} {
		if _, err := act(ctx, store.ActParams{Ticket: a, ActorID: cadre, Note: "已增容至 800kVA"}); err != nil {
			t.Fatal(err)
		}
	}
	h.settled(t)

	span := func(from, to time.Time) string {
		return from.Format(time.DateOnly) + " 至 " + to.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	monday := h.store.Monday(h.store.Now())
	n := len(h.sim.Messages(officeU.ID))
	h.sim.SendText(officeU, "/stats")
	m := h.noticeSince(t, officeU, n, "云岭县 统计")
	contains(t, m, "云岭县 统计", "发现问题 3 · 交办 3 · 签收 1 · 办结 1", "当前未销号 3（待研判 0 · 待签收 2 · 办理中 0 · 待评价 1）· 超期 0",
		"响应率 100.0% (1/1)", "本期交办中，在签收时限内签收或退回的比例", "按时办结率 —", "满意率 —",
		"按区域（发现/办结/未销号/超期）：\n• 青石镇：3/1/3/0", "• 县发展和改革委员会：3/1/3/0", "• 未分类：3/1/3/0")
	h.chartSince(t, officeU, n, "云岭县 各地区办理情况 "+span(monday, monday.AddDate(0, 0, 7)))
	first := m.MessageID

	// A period button edits the figures in place and sends the chart of that period after them.
	m, _ = h.tapStats(t, officeU, m, "上周", "云岭县 各地区办理情况 "+span(monday.AddDate(0, 0, -7), monday))
	contains(t, m, "发现问题 0 · 交办 0", "当前未销号 3", "响应率 —")
	if m.MessageID != first || button(t, m, "• 上周") == "" {
		t.Fatalf("the period was not changed in place: message %d, was %d", m.MessageID, first)
	}
	if !strings.Contains(m.Text, "青石镇：0/0/3/0") {
		t.Fatalf("last week, the open cases still by township: %q", m.Text)
	}
	m, _ = h.tapStats(t, officeU, m, "本周", "云岭县 各地区办理情况 "+span(monday, monday.AddDate(0, 0, 7)))
	contains(t, m, "发现问题 3 · 交办 3")
	contains(t, h.sayK(t, officeU, "/stats 2026-01-01 2026-01-31", 2)[0], "2026-01-01 至 2026-01-31", "发现问题 0")
	contains(t, h.say(t, officeU, "/stats 2026-02-01"), "用法：/stats")

	for _, u := range []telegramtest.User{cadreU, owner} {
		contains(t, h.say(t, u, "/stats"), "统计数据仅供活动办和管理员查看")
	}
}

// chartSince waits for the first chart u got from index n on whose caption holds caption,
// and checks it is a chart.
func (h *harness) chartSince(t *testing.T, u telegramtest.User, n int, caption string) telegramtest.Message {
	t.Helper()
	var got telegramtest.Message
	waitFor(t, func() bool {
		for _, m := range h.sim.Messages(u.ID)[n:] {
			if m.PhotoFileID != "" && strings.Contains(m.Caption, caption) {
				got = m
				return true
			}
		}
		return false
	})
	h.chart(t, got, caption)
	return got
}

// tapStats presses a period button of the figures m shows and waits for the figures edited
// in place and the chart that follows them.
func (h *harness) tapStats(t *testing.T, u telegramtest.User, m telegramtest.Message, label, caption string) (telegramtest.Message, telegramtest.Message) {
	t.Helper()
	n := len(h.sim.Messages(u.ID))
	h.sim.PressButton(u, m, button(t, m, label))
	chart := h.chartSince(t, u, n, caption)
	var edited telegramtest.Message
	waitFor(t, func() bool {
		for _, x := range h.sim.Messages(u.ID) {
			if x.MessageID == m.MessageID && x.Edits > m.Edits {
				edited = x
				return true
			}
		}
		return false
	})
	return edited, chart
}
