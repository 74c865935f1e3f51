package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// file makes a case for a joined reporter straight through the store (the dialog itself is
// tested elsewhere).
func (h *harness) file(t *testing.T, u telegramtest.User, unit, desc string) string {
	t.Helper()
	ctx := context.Background()
	a, err := h.store.ActorByAccount(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var unitID, region int64
	h.store.Pool().QueryRow(ctx, "SELECT id, region_id FROM units WHERE code = $1", unit).Scan(&unitID, &region)
	c, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unitID, ReporterID: &a.PersonID, Description: desc, Route: true})
	if err != nil {
		t.Fatal(err)
	}
	h.notified(t)
	return c.TicketNo
}

// notified waits for the notifications due now to have been sent: within working hours a new
// case is told to its office at once (outside them, when they begin), and a test that goes on
// in the office's chat reads its answers after that notice, not mixed with it.
func (h *harness) notified(t *testing.T) {
	t.Helper()
	waitFor(t, func() bool {
		var due int
		if err := h.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'notification'
			AND state IN ('available', 'running') AND scheduled_at <= now()`).Scan(&due); err != nil {
			t.Fatal(err)
		}
		return due == 0
	})
}

func TestMyCasesAndTheirTimelines(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8301, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	var tickets []string
	for i := 1; i <= 7; i++ {
		tickets = append(tickets, h.file(t, owner, "E001", fmt.Sprintf("第 %d 个问题：厂区道路破损需要修补", i)))
	}
	m := h.say(t, owner, "/my")
	contains(t, m, "我的问题（共 7 件，第 1/2 页）", tickets[6], tickets[2], "第 7 个问题")
	if strings.Contains(m.Text, tickets[1]) || strings.Index(m.Text, tickets[6]) > strings.Index(m.Text, tickets[5]) {
		t.Fatalf("page 1 is not the newest five, newest first:\n%s", m.Text)
	}
	pressed, _ := h.sim.WaitMessages(waitCtx(t), owner.ID, 1)
	list := pressed[len(pressed)-1]
	h.sim.PressButton(owner, list, button(t, list, "下一页 ›"))
	if _, err := h.sim.WaitCall(waitCtx(t), "editMessageText", func(c telegramtest.Call) bool { return strings.Contains(c.Params["text"], "第 2/2 页") }); err != nil {
		t.Fatal(err)
	}
	list = h.sim.Messages(owner.ID)[len(pressed)-1]
	contains(t, list, tickets[1], tickets[0])
	if list.Edits != 1 || strings.Contains(list.Text, tickets[6]) {
		t.Fatalf("page 2 should replace page 1 in place: %+v", list)
	}
	n := len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, list, button(t, list, "📄 "+tickets[0]))
	view := h.next(t, owner, n, 1)[0]
	contains(t, view, "编号 "+tickets[0]+"　已交办，等待签收", "单位：云岭精密机械有限公司", "第 1 个问题", "提交问题", "交办给 李春梅")

	// Someone else's ticket, typed or forged into a button, is answered as a missing one.
	other := telegramtest.User{ID: 8302, FirstName: "王总", LanguageCode: "zh-hans"}
	h.say(t, other, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	theirs := h.file(t, other, "E002", "他人的问题，描述足够长的文字")
	typed := h.say(t, owner, "/status "+theirs)
	missing := h.say(t, owner, "/status XC-20200101-0001")
	if strings.ReplaceAll(typed.Text, theirs, "#") != strings.ReplaceAll(missing.Text, "XC-20200101-0001", "#") {
		t.Fatalf("another's ticket %q differs from a missing one %q", typed.Text, missing.Text)
	}
	n = len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, list, "st:"+theirs)
	contains(t, h.next(t, owner, n, 1)[0], "没有找到编号为 "+theirs)
	contains(t, h.say(t, owner, "/status"), "请在 /status 后面加上受理编号")
	contains(t, h.say(t, owner, "/status "+strings.ToLower(tickets[3])), "编号 "+tickets[3])

	stranger := telegramtest.User{ID: 8303, FirstName: "Sam", LanguageCode: "en"}
	contains(t, h.say(t, stranger, "/my"), "You have not reported any problem yet")
	contains(t, h.say(t, stranger, "/status "+tickets[0]), "No problem with ticket number")
}
