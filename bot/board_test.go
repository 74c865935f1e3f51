package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// boardsIn are the daily boards u has got.
func (h *harness) boardsIn(u telegramtest.User, word string) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range h.sim.Messages(u.ID) {
		if strings.Contains(m.Text, word) {
			out = append(out, m)
		}
	}
	return out
}

// On Wednesday 2 December at 08:31 each member of the county's office gets one board, in
// their language: two cases new since Tuesday's board, one waiting in triage, one overdue
// (named with its handler and unit), one due today and no extension; a second run sends
// nothing more. The member of an office over a county where nothing happened gets none.
func TestTheDailyBoardReachesEachOfficeMemberOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	loc := h.store.Location()
	at := func(s string) {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		h.travel(d.Sub(h.store.Now()))
	}
	owner := telegramtest.User{ID: 9951, FirstName: "周总", LanguageCode: "zh-hans"}
	zhU := telegramtest.User{ID: 9952, FirstName: "高静", LanguageCode: "zh-hans"}
	enU := telegramtest.User{ID: 9953, FirstName: "Lin", LanguageCode: "en"}
	quietU := telegramtest.User{ID: 9954, FirstName: "邻县", LanguageCode: "zh-hans"}
	if _, err := h.store.Pool().Exec(ctx, `
		WITH r AS (INSERT INTO regions (code, name, level, parent_id) SELECT 'HQ-QQ', '静县', 'county', id FROM regions WHERE code = 'HQ' RETURNING id),
		o AS (INSERT INTO offices (code, name, region_id) SELECT 'OF-QQ', '静县活动办', id FROM r RETURNING id),
		p AS (INSERT INTO people (code, name) VALUES ('PQ01', '静县干部') RETURNING id)
		INSERT INTO person_roles (person_id, role, office_id) SELECT p.id, 'office', o.id FROM p, o`); err != nil {
		t.Fatal(err)
	}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, zhU, "P017", store.RoleOffice)
	h.join(t, enU, "P018", store.RoleOffice)
	h.join(t, quietU, "PQ01", store.RoleOffice)

	at("2026-11-30 09:00")
	overdue := h.file(t, owner, "E001", "厂区变压器容量不足，需要增容") // to sign for by Tuesday 09:00: overdue on Wednesday
	at("2026-12-01 10:00")
	dueToday := h.file(t, owner, "E001", "厂区门前道路破损，货车难以通行") // to sign for by Wednesday 10:00
	var unit, region int64
	if err := h.store.Pool().QueryRow(ctx, "SELECT id, region_id FROM units WHERE code = 'E001'").Scan(&unit, &region); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, Description: "招工困难，希望组织专场招聘会"}); err != nil {
		t.Fatal(err)
	}
	h.settled(t)

	at("2026-12-02 08:31")
	if n, err := h.store.SendBoards(ctx); err != nil || n != 2 {
		t.Fatalf("%d boards sent (%v), want the county office's two", n, err)
	}
	if n, err := h.store.SendBoards(ctx); err != nil || n != 0 {
		t.Fatalf("%d more boards on a second run (%v)", n, err)
	}
	h.settled(t)
	zh := h.boardsIn(zhU, "每日工作板")
	if len(zh) != 1 {
		t.Fatalf("%d boards in Chinese: %q", len(zh), texts(h.sim.Messages(zhU.ID)))
	}
	contains(t, zh[0], "📋 每日工作板 · 2026-12-02", "上次工作板以来新增：2 件", "待研判交办（/triage）：1 件", "当前超期：1 件",
		"• 李春梅 · 云岭精密机械有限公司：1 件（"+overdue+"）", "今日到期：1 件", "待审批延期：0 件")
	if strings.Contains(zh[0].Text, dueToday) {
		t.Fatalf("the case due today is named overdue: %q", zh[0].Text)
	}
	en := h.boardsIn(enU, "Daily board")
	if len(en) != 1 {
		t.Fatalf("%d boards in English: %q", len(en), texts(h.sim.Messages(enU.ID)))
	}
	contains(t, en[0], "📋 Daily board · 2026-12-02", "New since the last board: 2", "Waiting in /triage: 1", "Overdue now: 1",
		"("+overdue+")", "Due today: 1", "Extensions waiting for a decision: 0")
	if got := h.boardsIn(quietU, "2026-12-02"); len(got) != 0 {
		t.Fatalf("a quiet county's office got %q", texts(got))
	}
}
