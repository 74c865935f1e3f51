package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// assignAt files a case for E001 at when and has the office assign it to handler then.
func (w *remindWorld) assignAt(t *testing.T, when string, handler int64) string {
	t.Helper()
	*w.now = w.at(t, when)
	c, err := w.s.Submit(context.Background(), store.SubmitParams{RegionID: w.region, UnitID: &w.unit, Description: "厂区道路需要硬化处理"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Assign(context.Background(), store.AssignParams{ActParams: store.ActParams{Ticket: c.TicketNo, ActorID: w.office},
		AssigneeID: handler}); err != nil {
		t.Fatal(err)
	}
	return c.TicketNo
}

// boards are the boards enqueued so far, by chat, with their language and data.
func (w *remindWorld) boards(t *testing.T) map[int64][]store.Notification {
	t.Helper()
	rows, err := w.s.Pool().Query(context.Background(), `SELECT args FROM river_job WHERE kind = 'notification' AND args->>'msg' = $1 ORDER BY id`,
		store.NoticeBoard)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64][]store.Notification{}
	for rows.Next() {
		var raw []byte
		var n store.Notification
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatal(err)
		}
		out[n.ChatID] = append(out[n.ChatID], n)
	}
	return out
}

func (w *remindWorld) sendBoards(t *testing.T, when string) int {
	t.Helper()
	*w.now = w.at(t, when)
	n, err := w.s.SendBoards(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// At 08:30 of a working day each member of the county office gets one board in their
// language with the counts of each section: new since the last board, waiting in triage,
// overdue now by handler and unit, due today, extensions waiting. Running the job again, or
// twice at once the next day, sends no more; a member of an office with nothing to say gets
// nothing; a day off, and the hour before working hours, get no board.
func TestTheOfficeGetsOneBoardEachWorkingMorning(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 9, 10, 10, 0, 0, 0, loc), store.Limits{})
	w.officeLangs(t)
	ctx := context.Background()
	// A member of the office of the county next door, which covers none of these cases.
	storetest.AddCounty(t, w.s, "XX", "邻县", storetest.Person{Name: "邻县干部", ChatID: 99})

	// Overdue: two of the cadre's at E001 and one of the other handler's, never signed for.
	a := w.assignAt(t, "2026-09-10 10:00", w.cadre)
	b := w.assignAt(t, "2026-09-10 11:00", w.cadre)
	c := w.assignAt(t, "2026-09-10 12:00", w.other)
	// An extension waiting: signed, first feedback given, resolve limit on the 22nd at 10:00
	// (due that day).
	ext := w.assignAt(t, "2026-09-15 10:00", w.other)
	for _, f := range []func(context.Context, store.ActParams) (store.Case, error){w.s.Sign, w.s.Progress} {
		if _, err := f(ctx, store.ActParams{Ticket: ext, ActorID: w.other, Note: "已联系施工队"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.s.RequestExtension(ctx, store.ExtensionParams{ActParams: store.ActParams{Ticket: ext, ActorID: w.other, Note: "需协调用地"},
		Until: w.at(t, "2026-09-30 18:00")}); err != nil {
		t.Fatal(err)
	}
	// New since Monday's board: one assigned at noon (to be signed for by Tuesday noon:
	// due today), one from an unverified reporter, waiting in triage.
	w.assignAt(t, "2026-09-21 12:00", w.cadre)
	*w.now = w.at(t, "2026-09-21 15:00")
	w.byStranger(t, w.stranger(t), false)

	if n := w.sendBoards(t, "2026-09-22 08:29"); n != 0 {
		t.Fatalf("%d boards before working hours", n)
	}
	if n := w.sendBoards(t, "2026-09-22 08:30"); n != 2 {
		t.Fatalf("%d boards, want one for each of the county office's two members", n)
	}
	got := w.boards(t)
	if len(got) != 2 || len(got[w.chat(w.office)]) != 1 || len(got[w.chat(w.office2)]) != 1 || got[99] != nil {
		t.Fatalf("boards %+v", got)
	}
	zh, en := got[w.chat(w.office)][0], got[w.chat(w.office2)][0]
	if zh.Lang != "zh-CN" || en.Lang != "en" {
		t.Errorf("languages %q %q", zh.Lang, en.Lang)
	}
	d := zh.Data
	counts := fmt.Sprintf("day %v new %v triage %v overdue %v due today %v extensions %v more %v",
		d["Day"], d["New"], d["Triage"], d["Overdue"], d["DueToday"], d["Extensions"], d["More"])
	if want := "day 2026-09-22 new 2 triage 1 overdue 3 due today 2 extensions 1 more 0"; counts != want {
		t.Errorf("board %s\nwant  %s", counts, want)
	}
	groups, _ := json.Marshal(d["Groups"])
	wantGroups := fmt.Sprintf(`[{"Assignee":"李春梅","Count":2,"MoreTickets":false,"Tickets":"%s, %s","Unit":"云岭精密机械有限公司"},`+
		`{"Assignee":"张振华","Count":1,"MoreTickets":false,"Tickets":"%s","Unit":"云岭精密机械有限公司"}]`, a, b, c)
	if string(groups) != wantGroups {
		t.Errorf("overdue groups %s\nwant            %s", groups, wantGroups)
	}
	// As each member reads it.
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	text := tr.Fit(zh.Lang, zh.MessageID, zh.Data, dialog.MaxText)
	for _, want := range []string{"每日工作板 · 2026-09-22", "上次工作板以来新增：2 件", "待研判交办（/triage）：1 件", "当前超期：3 件",
		"• 李春梅 · 云岭精密机械有限公司：2 件（" + a + ", " + b + "）", "今日到期：2 件", "待审批延期：1 件"} {
		if !strings.Contains(text, want) {
			t.Errorf("the Chinese board lacks %q:\n%s", want, text)
		}
	}
	text = tr.Fit(en.Lang, en.MessageID, en.Data, dialog.MaxText)
	for _, want := range []string{"Daily board · 2026-09-22", "New since the last board: 2", "Waiting in /triage: 1", "Overdue now: 3",
		"• 张振华 · 云岭精密机械有限公司: 1 (" + c + ")", "Due today: 2", "Extensions waiting for a decision: 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the English board lacks %q:\n%s", want, text)
		}
	}

	// Again, later that morning: nothing more.
	if n := w.sendBoards(t, "2026-09-22 09:00"); n != 0 || len(w.boards(t)[w.chat(w.office)]) != 1 {
		t.Errorf("a second run sent %d", n)
	}
	// The next day, two runs at once (two replicas): one board each.
	*w.now = w.at(t, "2026-09-23 08:30")
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.s.SendBoards(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := w.boards(t); len(got[w.chat(w.office)]) != 2 || len(got[w.chat(w.office2)]) != 2 || got[99] != nil {
		t.Errorf("after two runs at once: %d and %d boards", len(got[w.chat(w.office)]), len(got[w.chat(w.office2)]))
	}
	// 中秋节: no board.
	if n := w.sendBoards(t, "2026-09-25 08:30"); n != 0 {
		t.Errorf("%d boards on a day off", n)
	}
}
