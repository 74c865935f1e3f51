package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/calendar"
)

// travelToWorkingMorning moves the store's clock to 10:00 of the first working day after at.
func (h *harness) travelToWorkingMorning(t *testing.T, at time.Time) {
	t.Helper()
	cal, err := calendar.Load("")
	if err != nil {
		t.Fatal(err)
	}
	loc := h.store.Location()
	d := at.In(loc).AddDate(0, 0, 1)
	d = time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, loc)
	for !cal.Workday(d) {
		d = d.AddDate(0, 0, 1)
	}
	h.travel(d.Sub(h.store.Now()))
}

// Reminders reach people through the bot in their own language: a handler with two cases
// overdue gets one digest naming both, with a button for each; the office (Chinese) gets its
// own; a single reminder reads as one, and opens the case.
func TestRemindersArriveInEachPersonsLanguage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9801, FirstName: "Yang", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 9802, FirstName: "Li", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9803, FirstName: "高静", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)
	h.join(t, officeU, "P017", store.RoleOffice)
	// Filed on a working morning, so that the limits and their reminders fall the same way
	// whatever the hour the test runs.
	h.travelToWorkingMorning(t, h.store.Now())
	a := h.file(t, owner, "E001", "厂区道路需要硬化处理，雨天无法通行")
	b := h.file(t, owner, "E001", "厂区路灯损坏，夜间无法作业")
	h.settled(t)
	c, _ := h.store.CaseByTicket(ctx, a)
	h.travelToWorkingMorning(t, *c.SignDueAt)

	nc, no := len(h.sim.Messages(cadreU.ID)), len(h.sim.Messages(officeU.ID))
	if r, err := h.store.SendDueReminders(ctx, 100); err != nil || r.Sent != 2 {
		t.Fatalf("sweep: %+v %v", r, err)
	}
	digest := h.next(t, cadreU, nc, 1)[0]
	contains(t, digest, "2 cases need your attention", a+": overdue, sign for by", b+": overdue, sign for by")
	if len(digest.Buttons) != 2 || digest.Buttons[0][0].CallbackData != "st:"+a {
		t.Fatalf("digest buttons %+v", digest.Buttons)
	}
	contains(t, h.next(t, officeU, no, 1)[0], "有 2 件问题需要您关注", a+"：已超期，", "前签收")

	// The second resolved, the first signed: its resolve limit is reminded alone, a few hours
	// before it.
	h.resolve(t, owner, b)
	if _, err := h.store.Sign(ctx, store.ActParams{Ticket: a, ActorID: h.personID(t, "P001")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Progress(ctx, store.ActParams{Ticket: a, ActorID: h.personID(t, "P001"), Note: "已联系施工队"}); err != nil {
		t.Fatal(err)
	}
	h.settled(t)
	rs, err := h.store.PendingReminders(ctx, a)
	if err != nil || len(rs) == 0 || rs[0].Kind != store.ReminderDueSoon || rs[0].Limit != store.LimitResolve {
		t.Fatalf("pending %+v %v", rs, err)
	}
	h.travel(rs[0].SendAt.Sub(h.store.Now()))
	nc = len(h.sim.Messages(cadreU.ID))
	if _, err := h.store.SendDueReminders(ctx, 100); err != nil {
		t.Fatal(err)
	}
	m := h.next(t, cadreU, nc, 1)[0]
	contains(t, m, "Reminder: "+a+" is to be resolved by")
	view := h.tap(t, cadreU, m, "📄 Open the case", 1)[0]
	contains(t, view, "Ticket "+a, "Reminder sent: overdue (signing)", "Reminder sent: due soon (resolving)")
}
