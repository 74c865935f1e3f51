package bot_test

import (
	"context"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// fileVia files a problem through the dialog up to the description and returns the message
// that follows the description.
func (h *harness) fileVia(t *testing.T, u telegramtest.User, category, desc string) telegramtest.Message {
	t.Helper()
	h.say(t, u, "/new")
	h.press(t, u, category)
	return h.say(t, u, desc)
}

func TestASecondReportOfTheSameKindMayJoinTheFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8401, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E004"}))

	contains(t, h.fileVia(t, owner, "融资", "流动资金贷款审批迟迟没有结果"), "可以发送照片或文件")
	h.press(t, owner, "跳过")
	h.press(t, owner, "跳过")
	h.press(t, owner, "普通")
	m, _ := h.press(t, owner, "✔ 确认提交")
	first := ticketRe.FindString(m.Text)

	m = h.fileVia(t, owner, "融资", "银行又要求补充三年的审计报告")
	contains(t, m, "您最近反映过同一类问题，编号 "+first)
	m, _ = h.press(t, owner, "补充到 "+first)
	contains(t, m, "可以发送照片或文件")
	h.send(t, owner, func() telegramtest.Update { return h.sim.SendPhoto(owner, "") }, 1)
	m, _ = h.press(t, owner, "完成")
	contains(t, m, "请确认补充到 "+first, "银行又要求补充三年的审计报告", "附件：1 个")
	m, _ = h.press(t, owner, "✔ 确认提交")
	// What was added stays readable under the answer, in the summary confirmed.
	contains(t, m, "已补充到 "+first, "补充的内容：\n银行又要求补充三年的审计报告\n附件：1 个")

	var cases, added, files int
	h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM cases").Scan(&cases)
	h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM case_events WHERE kind = 'info_added' AND note = '银行又要求补充三年的审计报告'").Scan(&added)
	h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM case_attachments WHERE event_id IS NOT NULL").Scan(&files)
	if cases != 1 || added != 1 || files != 1 {
		t.Fatalf("%d cases, %d additions, %d added files; want 1, 1, 1", cases, added, files)
	}
	contains(t, h.say(t, owner, "/status "+first), "反映人补充情况：银行又要求补充三年的审计报告")

	// The reporter may still choose a new case; another category is not offered at all.
	m = h.fileVia(t, owner, "融资", "另一笔设备贷款也需要协调")
	contains(t, m, "您最近反映过同一类问题")
	m, _ = h.press(t, owner, "作为新问题")
	contains(t, m, "可以发送照片或文件")
	h.press(t, owner, "跳过")
	h.press(t, owner, "跳过")
	h.press(t, owner, "普通")
	m, _ = h.press(t, owner, "✔ 确认提交")
	if second := ticketRe.FindString(m.Text); second == "" || second == first {
		t.Fatalf("a new case was asked for: %q", m.Text)
	}
	contains(t, h.fileVia(t, owner, "用地", "厂房扩建用地指标需要协调"), "可以发送照片或文件")
}
