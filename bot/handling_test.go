package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// tap presses the button labelled label on m and returns the k messages it brings u.
func (h *harness) tap(t *testing.T, u telegramtest.User, m telegramtest.Message, label string, k int) []telegramtest.Message {
	t.Helper()
	n := len(h.sim.Messages(u.ID))
	h.sim.PressButton(u, m, button(t, m, label))
	if k == 1 {
		// The answer may be a new message, or the pressed prompt turned into the next one.
		got, err := h.sim.WaitAnswer(waitCtx(t), m, n)
		if err != nil {
			t.Fatalf("pressing %q in chat %d: no answer: %v; the chat has %q", label, u.ID, err, texts(h.sim.Messages(u.ID)))
		}
		return []telegramtest.Message{got}
	}
	return h.next(t, u, n, k)
}

// notices are the notifications enqueued for u so far, by message ID, in order.
func (h *harness) notices(t *testing.T, u telegramtest.User) []string {
	t.Helper()
	rows, err := h.store.Pool().Query(context.Background(), `SELECT args->>'msg' FROM river_job
		WHERE kind = 'notification' AND (args->>'chat_id')::bigint = $1 ORDER BY id`, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// settled waits until every notification enqueued has been sent, so that counting what a
// chat holds counts everything.
func (h *harness) settled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := h.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'notification'
			AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications still unsent", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// unlink leaves a demo unit without a linked cadre, so that its reports wait for triage.
func (h *harness) unlink(t *testing.T, unit string) {
	t.Helper()
	if _, err := h.store.Pool().Exec(context.Background(), "DELETE FROM links WHERE unit_id = (SELECT id FROM units WHERE code = $1)", unit); err != nil {
		t.Fatal(err)
	}
}

func hasButton(m telegramtest.Message, label string) bool {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == label {
				return true
			}
		}
	}
	return false
}

// The six-step loop across three people, each in their own language: an owner (English)
// reports, the county office (Chinese) triages and assigns from /triage, the handler
// (English) signs, posts progress and resolves from the buttons; the owner is not
// satisfied; the office sends it back; the handler resolves again with /resolve; the owner is
// satisfied and the case closes. Each party is told exactly what is theirs.
func TestTheFullLoopAcrossThreePeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9101, FirstName: "Chen", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9102, FirstName: "高静", LanguageCode: "zh-hans"}
	handlerU := telegramtest.User{ID: 9103, FirstName: "Zhang", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	h.join(t, officeU, "P017", store.RoleOffice)
	h.join(t, handlerU, "P002", store.RoleHandler)
	h.unlink(t, "E002")
	no := h.file(t, owner, "E002", "The factory's power line trips every afternoon; the kilns stop.")
	h.settled(t) // the office's notice of the new case, in working hours, before its chat is counted

	// The office finds it in /triage and assigns it: category, complexity, handler.
	list := h.say(t, officeU, "/triage")
	contains(t, list, "待活动办处理（共 1 件", no, "新问题", "青石建材有限公司")
	view := h.tap(t, officeU, list, "📄 "+no, 1)[0]
	contains(t, view, "编号 "+no, "已提交，等待研判", "一般", "kilns stop")
	for _, b := range []string{"👤 交办", "🚫 不予受理", "🔗 并案", "⬆ 提级"} {
		if !hasButton(view, b) {
			t.Fatalf("the office's view lacks %q: %+v", b, view.Buttons)
		}
	}
	m := h.tap(t, officeU, view, "👤 交办", 1)[0]
	contains(t, m, no+" 属于哪一类问题")
	m = h.tap(t, officeU, m, "用电/用水/用气", 1)[0]
	contains(t, m, "一般问题，还是重大复杂问题")
	m = h.tap(t, officeU, m, "一般", 1)[0]
	contains(t, m, "交办给谁")
	m = h.tap(t, officeU, m, "张振华 县财政局", 1)[0]
	contains(t, m, "请确认——将 "+no+"（一般）交办给 张振华 县财政局")
	nh, no0 := len(h.sim.Messages(handlerU.ID)), len(h.sim.Messages(owner.ID))
	contains(t, h.tap(t, officeU, m, "✔ 确认提交", 1)[0], no+" 已交办，须在", "前签收")
	assigned := h.next(t, handlerU, nh, 1)[0]
	contains(t, assigned, "A new problem has been assigned to you, ticket "+no, "kilns stop")
	contains(t, h.next(t, owner, no0, 1)[0], "Your problem "+no+" has been assigned to 张振华")
	if c, _ := h.store.CaseByTicket(ctx, no); c.CategoryID == nil || c.Complexity != store.Ordinary {
		t.Fatalf("triage stored %+v", c)
	}
	contains(t, h.say(t, officeU, "/triage"), "目前没有等待活动办处理的问题")

	// The handler signs from the assignment, posts progress and resolves with a photo.
	contains(t, h.say(t, handlerU, "/inbox"), "Cases for you to handle (1 in all", no, "sign for by")
	no0 = len(h.sim.Messages(owner.ID))
	signed := h.tap(t, handlerU, assigned, "✍ Sign for it", 1)[0]
	contains(t, signed, "You signed for "+no, "resolve by")
	contains(t, h.next(t, owner, no0, 1)[0], "张振华 has signed for your problem "+no)
	// The assignment's buttons go, and it says what happened; a late press on them (a copy
	// kept from before) is answered plainly and changes nothing.
	waitFor(t, func() bool { return len(h.message(t, handlerU, assigned.MessageID).Buttons) == 0 })
	contains(t, h.message(t, handlerU, assigned.MessageID), "Signed for by 张振华")
	contains(t, h.latePress(t, handlerU, assigned, "✍ Sign for it"), "This cannot be done with "+no+" as it stands now")
	if n := h.events(t, no, store.EventSigned); n != 1 {
		t.Fatalf("%d signatures recorded", n)
	}
	m = h.tap(t, handlerU, signed, "📝 Progress", 1)[0]
	contains(t, m, "Write the progress on "+no)
	h.say(t, handlerU, "The power company is checking the line.")
	m, _ = h.press(t, handlerU, "Skip")
	contains(t, m, "Please confirm — post progress on "+no, "checking the line")
	no0 = len(h.sim.Messages(owner.ID))
	m, _ = h.press(t, handlerU, "✔ Confirm")
	contains(t, m, "Progress on "+no+" posted")
	contains(t, h.next(t, owner, no0, 1)[0], "Progress on "+no, "checking the line")
	m = h.tap(t, handlerU, m, "✅ Resolve", 1)[0]
	contains(t, m, "Write the result for "+no)
	h.say(t, handlerU, "A new transformer was fitted on the line.")
	h.send(t, handlerU, func() telegramtest.Update { return h.sim.SendPhoto(handlerU, "transformer") }, 1)
	m, _ = h.press(t, handlerU, "Done")
	contains(t, m, "Please confirm — resolve "+no, "new transformer", "Attachments: 1")
	no0 = len(h.sim.Messages(owner.ID))
	m, _ = h.press(t, handlerU, "✔ Confirm")
	contains(t, m, no+" is resolved")
	// The handler's photo first, then the result and its question.
	got := h.next(t, owner, no0, 2)
	if got[0].PhotoFileID == "" || !strings.Contains(got[0].Caption, no) {
		t.Fatalf("the owner was not shown the result's photo first: %+v", got[0])
	}
	rate := got[1]
	contains(t, rate, "Your problem "+no+" has been resolved", "new transformer")

	// Not satisfied: the office is told, with the case to open.
	h.tap(t, owner, rate, "❌ Not solved", 1)
	h.press(t, owner, "Not satisfied")
	nof := len(h.sim.Messages(officeU.ID))
	contains(t, h.say(t, owner, "It still trips."), "The campaign office will look at "+no+" again")
	told := h.next(t, officeU, nof, 1)[0]
	contains(t, told, "问题 "+no+" 的反映人对办理结果不满意", "It still trips.")
	view = h.tap(t, officeU, told, "📄 查看问题", 1)[0]
	contains(t, view, "已办结，反映人不满意，待活动办决定", "评价：未解决，不满意")
	contains(t, h.say(t, officeU, "/triage"), no, "反映人不满意")
	m = h.tap(t, officeU, view, "🔁 重办", 1)[0]
	contains(t, m, no+" 重办要做什么")
	h.say(t, officeU, "请查明跳闸的根本原因")
	nh, no0 = len(h.sim.Messages(handlerU.ID)), len(h.sim.Messages(owner.ID))
	m, _ = h.press(t, officeU, "✔ 确认提交")
	contains(t, m, no+" 已交回承办人重办")
	back := h.next(t, handlerU, nh, 1)[0]
	contains(t, back, "Problem "+no+" has come back to you", "请查明跳闸的根本原因")
	contains(t, h.next(t, owner, no0, 1)[0], "Your problem "+no+" is being handled again")

	// Again: signed, and resolved by command this time.
	no0 = len(h.sim.Messages(owner.ID))
	h.tap(t, handlerU, back, "✍ Sign for it", 1)
	contains(t, h.next(t, owner, no0, 1)[0], "has signed for your problem "+no)
	contains(t, h.say(t, handlerU, "/resolve "+strings.ToLower(no)), "Write the result for "+no)
	h.say(t, handlerU, "The line was rerouted away from the old poles.")
	h.press(t, handlerU, "Skip")
	no0 = len(h.sim.Messages(owner.ID))
	h.press(t, handlerU, "✔ Confirm")
	rate = h.next(t, owner, no0, 1)[0]
	h.tap(t, owner, rate, "✅ Solved", 1)
	h.press(t, owner, "Satisfied")
	m, _ = h.press(t, owner, "Skip")
	contains(t, m, "Problem "+no+" is now closed")

	c, _ := h.store.CaseByTicket(ctx, no)
	if c.Status != store.StatusClosed || c.RehandleCount != 1 || *c.Satisfaction != store.Satisfied {
		t.Fatalf("closed case %+v", c)
	}
	full := h.say(t, officeU, "/status "+no)
	contains(t, full, "已销号", "张振华 签收", "办理进展：The power company", "重新办理：请查明跳闸的根本原因", "评价：已解决，满意")
	contains(t, h.say(t, owner, "/status "+no), "closed", "Rated: Solved, Satisfied")

	// Exactly these notifications, and nothing else, went to each party.
	h.settled(t)
	for _, c := range []struct {
		u    telegramtest.User
		want []string
	}{
		{owner, []string{store.NoticeAssigned, store.NoticeSigned, store.NoticeProgress, store.NoticeHandlerFiles, store.NoticeResolved, store.NoticeRehandled,
			store.NoticeSigned, store.NoticeResolved}},
		{handlerU, []string{store.NoticeAssignedToYou, store.NoticeRehandle}},
		{officeU, []string{store.NoticeUnsatisfied}},
	} {
		// The office's notice of the new case goes at once or the next working morning,
		// by the hour the test runs (TestTheOfficeHearsOfAStrangersCaseAtOnce tells it).
		got := slices.DeleteFunc(h.notices(t, c.u), func(m string) bool { return m == store.NoticeNewCase })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s was notified %v, want %v", c.u.FirstName, got, c.want)
		}
	}
}

// otherCounty adds a county beside 云岭县 with its own office, whose member PX01 sees nothing
// of 云岭县's cases.
func (h *harness) otherCounty(t *testing.T) {
	t.Helper()
	storetest.AddCounty(t, h.store, "XS", "西山县", storetest.Person{Code: "PX01", Name: "孟凡"})
}

// caseState is what a case looks like to an action that must leave it alone.
type caseState struct {
	Status   store.Status
	Assignee int64
	Updated  time.Time
	Events   int
	Refused  int
	Notices  int
}

func (h *harness) caseState(t *testing.T, no string) caseState {
	t.Helper()
	var s caseState
	if err := h.store.Pool().QueryRow(context.Background(), `SELECT c.status, coalesce(c.assignee_id, 0), c.updated_at,
			(SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind <> 'refused'),
			(SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'refused'),
			(SELECT count(*) FROM river_job j WHERE j.kind = 'notification' AND (j.args->>'case_id')::bigint = c.id)
		FROM cases c WHERE c.ticket_no = $1`, no).Scan(&s.Status, &s.Assignee, &s.Updated, &s.Events, &s.Refused, &s.Notices); err != nil {
		t.Fatal(err)
	}
	return s
}

// Every action on a case, by every kind of person, through the buttons the bot gives: only
// the case's reporter rates and adds to it, only its handler signs, hands back, reports
// progress, resolves and asks for time, only an office covering its region triages and
// supervises it (the handler may escalate too). Anyone else is refused: those who cannot see
// the case are answered as if it did not exist, the others are told the action is not
// theirs; nothing changes, nobody is told anything, and the attempt is recorded on the case.
func TestEveryActionIsCheckedAgainstTheActorsRolesAndRegion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	h.otherCounty(t)
	h.unlink(t, "E001")
	users := map[string]telegramtest.User{}
	ids := map[string]int64{}
	for i, r := range []struct{ name, code, role string }{
		{"reporter", "", store.RoleReporter}, {"assignee", "P001", store.RoleHandler}, {"handler", "P002", store.RoleHandler},
		{"office", "P017", store.RoleOffice}, {"outsider", "PX01", store.RoleOffice}, {"admin", "P024", store.RoleAdmin},
	} {
		u := telegramtest.User{ID: int64(9200 + i), FirstName: r.name, LanguageCode: "en"}
		users[r.name] = u
		if r.code == "" {
			h.say(t, u, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
			ids[r.name] = h.ownerID(t, u)
			continue
		}
		ids[r.name] = h.join(t, u, r.code, r.role)
	}
	do := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := func(no, who, note string) store.ActParams {
		return store.ActParams{Ticket: no, ActorID: ids[who], Note: note}
	}
	// A case of the reporter's in the state an action needs, made through the store.
	caseIn := func(t *testing.T, state string) string {
		no := h.file(t, users["reporter"], "E001", "The road to the warehouse is flooded after every rain.")
		if state == "submitted" {
			h.settled(t)
			return no
		}
		_, err := h.store.Assign(ctx, store.AssignParams{ActParams: p(no, "office", ""), AssigneeID: ids["assignee"]})
		do(t, err)
		if state == "urgent" {
			_, err = h.store.SetUrgency(ctx, p(no, "office", ""), true)
			do(t, err)
		}
		if state == "assigned" || state == "urgent" {
			h.settled(t)
			return no
		}
		_, err = h.store.Sign(ctx, p(no, "assignee", ""))
		do(t, err)
		switch state {
		case "extension":
			c, _ := h.store.CaseByTicket(ctx, no)
			_, err = h.store.RequestExtension(ctx, store.ExtensionParams{ActParams: p(no, "assignee", "waiting for the pump"), Until: c.ResolveDueAt.Add(72 * time.Hour)})
			do(t, err)
		case "resolved", "flagged":
			_, err = h.store.Resolve(ctx, p(no, "assignee", "The drain was cleared."))
			do(t, err)
			if state == "flagged" {
				_, err = h.store.Feedback(ctx, store.FeedbackParams{ActParams: p(no, "reporter", "still flooded"), Solved: false, Satisfaction: store.Unsatisfied})
				do(t, err)
			}
		}
		h.settled(t) // what the making told anyone is out of the way
		return no
	}
	staff := []string{"reporter", "assignee", "handler", "office", "outsider", "admin"}
	for _, a := range []struct {
		button, state string
		may           []string
	}{
		{"sg", "assigned", []string{"assignee"}},
		{"hb", "assigned", []string{"assignee"}},
		{"pg", "in_progress", []string{"assignee"}},
		{"rs", "in_progress", []string{"assignee"}},
		{"ex", "in_progress", []string{"assignee"}},
		{"es", "in_progress", []string{"assignee", "office"}},
		{"as", "submitted", []string{"office"}},
		{"rj", "submitted", []string{"office"}},
		{"mg", "submitted", []string{"office"}},
		{"ug", "in_progress", []string{"office"}},
		{"mu", "assigned", []string{"office"}},
		{"mn", "urgent", []string{"office"}},
		{"eg", "extension", []string{"office"}},
		{"er", "extension", []string{"office"}},
		{"rh", "flagged", []string{"office"}},
		{"wo", "flagged", []string{"office"}},
		{"fb", "resolved", []string{"reporter"}},
		{"add", "in_progress", []string{"reporter"}},
	} {
		// Each action a subtest, each person in it another: a failure names both, and the
		// others still run.
		t.Run(a.button+" on "+a.state, func(t *testing.T) {
			no := caseIn(t, a.state)
			data := a.button + ":" + no
			if a.button == "fb" {
				data += ":y"
			}
			for _, who := range staff {
				if slices.Contains(a.may, who) {
					continue
				}
				t.Run(who+" is refused", func(t *testing.T) {
					u := users[who]
					before := h.caseState(t, no)
					n := len(h.sim.Messages(u.ID))
					h.sim.PressButton(u, telegramtest.Message{ChatID: u.ID, MessageID: 1}, data)
					m := h.next(t, u, n, 1)[0]
					switch who {
					case "handler", "outsider", "admin":
						contains(t, m, "No problem with ticket number "+no+" was found")
					default:
						if !strings.Contains(m.Text, "You may not do this with "+no) && !strings.Contains(m.Text, "No problem with ticket number "+no) {
							t.Fatalf("%s pressing %s was told %q", who, data, m.Text)
						}
					}
					after := h.caseState(t, no)
					if after.Refused != before.Refused+1 {
						t.Errorf("%s pressing %s: %d refusals recorded, want 1", who, data, after.Refused-before.Refused)
					}
					before.Refused = after.Refused
					if after != before {
						t.Errorf("%s pressing %s changed the case: %+v → %+v", who, data, before, after)
					}
				})
			}
			// Those who may, can: the action opens, or is done.
			for _, who := range a.may {
				t.Run(who+" may", func(t *testing.T) {
					u := users[who]
					n := len(h.sim.Messages(u.ID))
					h.sim.PressButton(u, telegramtest.Message{ChatID: u.ID, MessageID: 1}, data)
					m := h.next(t, u, n, 1)[0]
					if strings.Contains(m.Text, "You may not") || strings.Contains(m.Text, "No problem with") || strings.Contains(m.Text, "cannot be done") {
						t.Fatalf("%s pressing %s was refused: %q", who, data, m.Text)
					}
					h.say(t, u, "/cancel")
				})
			}
		})
	}
	// The refusals show on the case's timeline for the office, never to the reporter.
	no := caseIn(t, "assigned")
	n := len(h.sim.Messages(users["reporter"].ID))
	h.sim.PressButton(users["reporter"], telegramtest.Message{ChatID: users["reporter"].ID, MessageID: 1}, "sg:"+no)
	h.next(t, users["reporter"], n, 1)
	contains(t, h.say(t, users["office"], "/status "+no), "1 refused attempt, the last on", "(sign for)")
	if m := h.say(t, users["reporter"], "/status "+no); strings.Contains(m.Text, "refused") {
		t.Errorf("the reporter sees refusals: %s", m.Text)
	}
}

// A handler (Chinese) hands one case back in time and is refused a late hand-back of
// another; asks for more time, granted by the county office (English), asks again and is
// refused with the reason; and escalates it to the city office (English), who finds it in
// /triage.
func TestHandBackExtensionsAndEscalation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9301, FirstName: "杨总", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 9302, FirstName: "李春梅", LanguageCode: "zh-hans"}
	officeU := telegramtest.User{ID: 9303, FirstName: "Gao", LanguageCode: "en"}
	cityU := telegramtest.User{ID: 9304, FirstName: "Luo", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)
	h.join(t, officeU, "P017", store.RoleOffice)
	h.join(t, cityU, "P019", store.RoleOffice)
	fileFor := func(desc string) (string, telegramtest.Message) {
		n := len(h.sim.Messages(cadreU.ID))
		no := h.file(t, owner, "E001", desc)
		m := h.next(t, cadreU, n, 1)[0]
		contains(t, m, no)
		h.settled(t)
		return no, m
	}

	// Handed back within the window: the office is told and finds it in /triage.
	a, notice := fileFor("厂区至国道的连接线需要拓宽，大车无法转弯")
	m := h.tap(t, cadreU, notice, "↩ 退回", 1)[0]
	contains(t, m, "退回 "+a+" 的理由是什么")
	h.say(t, cadreU, "属于交通部门职责，不属于发改委")
	nof := len(h.sim.Messages(officeU.ID))
	m, _ = h.press(t, cadreU, "✔ 确认提交")
	contains(t, m, a+" 已退回活动办")
	told := h.next(t, officeU, nof, 1)[0]
	contains(t, told, "李春梅 handed back "+a+": 属于交通部门职责", "/triage")
	contains(t, h.say(t, officeU, "/triage"), a, "[handed back]")
	if c, _ := h.store.CaseByTicket(ctx, a); c.Status != store.StatusSubmitted || c.HandbackCount != 1 || c.AssigneeID != nil {
		t.Fatalf("handed back %+v", c)
	}

	// Past the window, a hand-back is refused and recorded; the case stays with the cadre.
	b, notice := fileFor("新厂房的施工许可迟迟办不下来")
	h.travel(3 * 24 * time.Hour)
	h.tap(t, cadreU, notice, "↩ 退回", 1)
	h.say(t, cadreU, "不是我负责的事项")
	m, _ = h.press(t, cadreU, "✔ 确认提交")
	contains(t, m, b+" 已超过这项操作允许的时间")
	if s := h.caseState(t, b); s.Status != store.StatusAssigned || s.Refused != 1 {
		t.Fatalf("a late hand-back left %+v", s)
	}

	// Signed, then more time asked: bad dates are asked again; the office grants it.
	signed := h.tap(t, cadreU, notice, "✍ 签收", 1)[0]
	contains(t, signed, "您已签收 "+b)
	// Three days on, its first-feedback limit has lapsed: the overdue reminder goes out now,
	// not at a moment of the minute's sweep that would fall between the steps below.
	if _, err := h.store.SendDueReminders(ctx, 500); err != nil {
		t.Fatal(err)
	}
	h.settled(t)
	c, _ := h.store.CaseByTicket(ctx, b)
	loc := h.store.Location()
	limit := c.ResolveDueAt.In(loc)
	m = h.tap(t, cadreU, signed, "⏳ 申请延期", 1)[0]
	contains(t, m, b+" 为什么需要延期")
	contains(t, h.say(t, cadreU, "需等待省厅批复"), "现在的时限是 "+limit.Format("2006-01-02 15:04"))
	contains(t, h.sayK(t, cadreU, "下周五", 2)[0], "请按 YYYY-MM-DD 写日期")
	contains(t, h.sayK(t, cadreU, limit.AddDate(0, 0, -1).Format(time.DateOnly), 2)[0], "且须晚于现在的时限")
	want := limit.AddDate(0, 0, 5).Format(time.DateOnly)
	contains(t, h.say(t, cadreU, want), "申请将 "+b+" 延期至 "+want, "需等待省厅批复")
	nof = len(h.sim.Messages(officeU.ID))
	m, _ = h.press(t, cadreU, "✔ 确认提交")
	contains(t, m, b+" 的延期申请已提交")
	told = h.next(t, officeU, nof, 1)[0]
	contains(t, told, "李春梅 asks to extend "+b+" to "+want, "需等待省厅批复")
	view := h.tap(t, officeU, told, "📄 Open the case", 1)[0]
	contains(t, view, "Extension asked to "+want, "需等待省厅批复")
	contains(t, h.say(t, officeU, "/triage"), b, "[extension asked]")
	nc := len(h.sim.Messages(cadreU.ID))
	contains(t, h.tap(t, officeU, view, "✔ Grant extension", 1)[0], "Extension granted: "+b+" is now due on "+want+" 18:00")
	contains(t, h.next(t, cadreU, nc, 1)[0], "问题 "+b+" 的延期申请已同意", want)
	c, _ = h.store.CaseByTicket(ctx, b)
	if got := c.ResolveDueAt.In(loc).Format("2006-01-02 15:04"); got != want+" 18:00" || c.ExtensionUntil != nil {
		t.Fatalf("granted: due %s, pending %v", got, c.ExtensionUntil)
	}

	// Asked again, refused with the reason; the limit stands.
	h.say(t, cadreU, "/extend "+b)
	h.say(t, cadreU, "还需要再等省厅批复")
	again := limit.AddDate(0, 0, 12).Format(time.DateOnly)
	h.say(t, cadreU, again)
	nof = len(h.sim.Messages(officeU.ID))
	h.press(t, cadreU, "✔ 确认提交")
	h.next(t, officeU, nof, 1)
	view = h.say(t, officeU, "/status "+b)
	m = h.tap(t, officeU, view, "✖ Refuse extension", 1)[0]
	contains(t, m, "Why is the extension of "+b+" refused?")
	h.say(t, officeU, "省厅已答复，本周可批")
	nc = len(h.sim.Messages(cadreU.ID))
	m, _ = h.press(t, officeU, "✔ Confirm")
	contains(t, m, "Extension of "+b+" refused")
	contains(t, h.next(t, cadreU, nc, 1)[0], "问题 "+b+" 的延期申请未同意：省厅已答复，本周可批")
	c, _ = h.store.CaseByTicket(ctx, b)
	if got := c.ResolveDueAt.In(loc).Format(time.DateOnly); got != want || c.ExtensionUntil != nil {
		t.Fatalf("refused: due %s, pending %v", got, c.ExtensionUntil)
	}

	// Escalated: the office above is told and finds it in its queue.
	view = h.say(t, cadreU, "/status "+b)
	contains(t, view, "被拒绝的操作 1 次", "（退回）", "同意延期到 "+want)
	m = h.tap(t, cadreU, view, "⬆ 提级", 1)[0]
	contains(t, m, "为什么将 "+b+" 提级")
	h.say(t, cadreU, "需协调省级部门，县级无法解决")
	ncity := len(h.sim.Messages(cityU.ID))
	m, _ = h.press(t, cadreU, "✔ 确认提交")
	contains(t, m, b+" 已提级到上一级活动办")
	contains(t, h.next(t, cityU, ncity, 1)[0], b+" has been escalated to your office: 需协调省级部门")
	contains(t, h.say(t, cityU, "/triage"), b, "[escalated]")
}

// The county office (Chinese) judges three reports of one owner (English): merges a
// duplicate (refusing a bad target first), does not accept one, urges the handler of the
// third once it is overdue from /overdue, and closes it out when the owner is not satisfied
// and nothing more can be done. The owner is told each with the reason.
func TestMergeRejectUrgeAndCloseOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9401, FirstName: "Chen", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9402, FirstName: "高静", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 9403, FirstName: "Zhang", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	office := h.join(t, officeU, "P017", store.RoleOffice)
	cadre := h.join(t, cadreU, "P002", store.RoleHandler)
	h.unlink(t, "E002")
	x := h.file(t, owner, "E002", "Trucks cannot reach the quarry: the bridge is closed.")
	y := h.file(t, owner, "E002", "The bridge to the quarry is still closed to trucks.")
	z := h.file(t, owner, "E002", "Please lower our electricity price.")
	h.settled(t) // the office's notice of the new case, in working hours, before its chat is counted
	contains(t, h.say(t, officeU, "/triage"), "共 3 件", x, y, z)

	// Merge, from the command, after a target that will not do.
	contains(t, h.say(t, officeU, "/merge "+y), "将 "+y+" 并入哪个问题")
	for _, bad := range []string{y, "XC-20990101-0001", "'; DROP TABLE cases; --"} {
		contains(t, h.sayK(t, officeU, bad, 2)[0], "这不是本活动办能看到的未办结问题")
	}
	contains(t, h.say(t, officeU, strings.ToLower(x)), "请确认——将 "+y+" 并入 "+x)
	n := len(h.sim.Messages(owner.ID))
	m, _ := h.press(t, officeU, "✔ 确认提交")
	contains(t, m, y+" 已并案")
	contains(t, h.next(t, owner, n, 1)[0], "Your problem "+y+" is the same as problem "+x)

	// Not accepted, from the case's view.
	view := h.say(t, officeU, "/status "+z)
	m = h.tap(t, officeU, view, "🚫 不予受理", 1)[0]
	contains(t, m, z+" 不予受理的理由是什么")
	contains(t, h.sayK(t, officeU, "否", 2)[0], "太短")
	h.say(t, officeU, "电价由省发改委统一核定，不属于活动办办理范围")
	n = len(h.sim.Messages(owner.ID))
	m, _ = h.press(t, officeU, "✔ 确认提交")
	contains(t, m, z+" 不予受理，已告知反映人理由")
	contains(t, h.next(t, owner, n, 1)[0], "Your problem "+z+" was not accepted. Reason: 电价由省发改委统一核定")
	contains(t, h.say(t, officeU, "/triage"), "共 1 件", x)

	// Overdue: listed by how late, urged with one press.
	if _, err := h.store.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: x, ActorID: office}, AssigneeID: cadre}); err != nil {
		t.Fatal(err)
	}
	h.settled(t)
	contains(t, h.say(t, officeU, "/overdue"), "本辖区没有超期的问题")
	h.travel(3 * 24 * time.Hour)
	list := h.say(t, officeU, "/overdue")
	contains(t, list, "超期问题（共 1 件", x, "已超期 2 天", "前签收", "张振华")
	nc := len(h.sim.Messages(cadreU.ID))
	contains(t, h.tap(t, officeU, list, "⏰ 催办", 1)[0], "已向 "+x+" 的承办人催办")
	// A reminder of the overdue case may come first, at whatever hour the test runs.
	contains(t, h.noticeSince(t, cadreU, nc, "urges you to handle "+x), "bridge is closed")
	if c, _ := h.store.CaseByTicket(ctx, x); c.UrgeCount != 1 {
		t.Fatalf("urged %d times", c.UrgeCount)
	}

	// Resolved, not satisfied, closed out with the reason.
	for _, step := range []func() error{h.act(t, h.store.Sign, x, cadre, ""), h.act(t, h.store.Resolve, x, cadre, "A temporary crossing is open.")} {
		h.after(t, owner, step)
	}
	no := len(h.sim.Messages(officeU.ID))
	h.after(t, officeU, func() error {
		_, err := h.store.Feedback(ctx, store.FeedbackParams{ActParams: store.ActParams{Ticket: x, ActorID: h.ownerID(t, owner), Note: "Too narrow for our trucks."},
			Satisfaction: store.Unsatisfied})
		return err
	})
	// A reminder of the overdue case may reach the office first: the notice is waited for by
	// its words, so that it does not come as the answer to what the office does next.
	h.noticeSince(t, officeU, no, "的反映人对办理结果不满意")
	view = h.say(t, officeU, "/status "+x)
	m = h.tap(t, officeU, view, "🗂 销号", 1)[0]
	contains(t, m, "为什么仍将 "+x+" 销号")
	h.say(t, officeU, "新桥已列入明年计划，临时便道已满足基本通行")
	n = len(h.sim.Messages(owner.ID))
	m, _ = h.press(t, officeU, "✔ 确认提交")
	contains(t, m, x+" 已销号")
	contains(t, h.next(t, owner, n, 1)[0], "Your problem "+x+" has been closed by the campaign office. Reason: 新桥已列入明年计划")
	if c, _ := h.store.CaseByTicket(ctx, x); c.Status != store.StatusClosed || *c.CloseReason != "written_off" {
		t.Fatalf("closed out %+v", c)
	}
	contains(t, h.say(t, officeU, "/triage"), "目前没有等待活动办处理的问题")
}

// ownerID is the person behind an account.
func (h *harness) ownerID(t *testing.T, u telegramtest.User) int64 {
	t.Helper()
	a, err := h.store.ActorByAccount(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.PersonID
}

// lastWithButtons is u's latest message that has buttons.
func (h *harness) lastWithButtons(t *testing.T, u telegramtest.User) telegramtest.Message {
	t.Helper()
	msgs := h.sim.Messages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].Buttons) > 0 {
			return msgs[i]
		}
	}
	t.Fatalf("%s has no message with buttons", u.FirstName)
	return telegramtest.Message{}
}

// confirmTogether presses the confirm buttons of two people at the same moment and returns
// what each is answered.
func (h *harness) confirmTogether(t *testing.T, a, b telegramtest.User, labelA, labelB string) (telegramtest.Message, telegramtest.Message) {
	t.Helper()
	ma, mb := h.lastWithButtons(t, a), h.lastWithButtons(t, b)
	na, nb := len(h.sim.Messages(a.ID)), len(h.sim.Messages(b.ID))
	da, db := button(t, ma, labelA), button(t, mb, labelB)
	go h.sim.PressButton(a, ma, da)
	h.sim.PressButton(b, mb, db)
	return h.next(t, a, na, 1)[0], h.next(t, b, nb, 1)[0]
}

func (h *harness) events(t *testing.T, no, kind string) int {
	t.Helper()
	var n int
	if err := h.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE c.ticket_no = $1 AND e.kind = $2`, no, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Two members of an office assign one case at the same moment, each to a different handler:
// one assignment stands, the other is told the case changed meanwhile, and only one handler
// hears of it. A handler confirming a result while the office confirms a reassignment: one
// of the two happens, and the other is told so.
func TestConcurrentDecisionsOnOneCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9501, FirstName: "Chen", LanguageCode: "en"}
	gao := telegramtest.User{ID: 9502, FirstName: "Gao", LanguageCode: "en"}
	lin := telegramtest.User{ID: 9503, FirstName: "Lin", LanguageCode: "en"}
	zhang := telegramtest.User{ID: 9504, FirstName: "Zhang", LanguageCode: "en"}
	liu := telegramtest.User{ID: 9505, FirstName: "Liu", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	h.join(t, gao, "P017", store.RoleOffice)
	h.join(t, lin, "P018", store.RoleOffice)
	zhangID := h.join(t, zhang, "P002", store.RoleHandler)
	liuID := h.join(t, liu, "P003", store.RoleHandler)
	h.unlink(t, "E002")
	no := h.file(t, owner, "E002", "The quarry's access road needs a permit renewed.")
	h.settled(t) // the office's notice of the new case, in working hours, before its chat is counted

	assignTo := func(u telegramtest.User, who string) {
		h.say(t, u, "/assign "+no)
		h.press(t, u, "Power, water and gas")
		h.press(t, u, "ordinary")
		m, _ := h.press(t, u, who)
		contains(t, m, "Please confirm — assign "+no)
	}
	assignTo(gao, "张振华 县财政局")
	assignTo(lin, "刘秀英 县自然资源局")
	nz, nl := len(h.sim.Messages(zhang.ID)), len(h.sim.Messages(liu.ID))
	a, b := h.confirmTogether(t, gao, lin, "✔ Confirm", "✔ Confirm")
	done, changed := a, b
	winner, loser, winnerID := zhang, liu, zhangID
	if strings.Contains(b.Text, "is assigned") {
		done, changed, winner, loser, winnerID = b, a, liu, zhang, liuID
	}
	contains(t, done, no+" is assigned")
	contains(t, changed, no+" changed while you were at it")
	if n := h.events(t, no, store.EventAssigned); n != 1 {
		t.Fatalf("%d assignments recorded", n)
	}
	h.settled(t)
	if c, _ := h.store.CaseByTicket(ctx, no); c.AssigneeID == nil || *c.AssigneeID != winnerID {
		t.Fatalf("assigned to %v, want %d", c.AssigneeID, winnerID)
	}
	if got := len(h.sim.Messages(winner.ID)) - map[int64]int{zhang.ID: nz, liu.ID: nl}[winner.ID]; got != 1 {
		t.Errorf("%s got %d messages, want the assignment", winner.FirstName, got)
	}
	if got := len(h.sim.Messages(loser.ID)) - map[int64]int{zhang.ID: nz, liu.ID: nl}[loser.ID]; got != 0 {
		t.Errorf("%s got %d messages, want none", loser.FirstName, got)
	}

	// The handler signs and writes a result; the office reassigns meanwhile; both confirm.
	h.say(t, winner, "/status "+no)
	h.press(t, winner, "✍ Sign for it")
	h.say(t, winner, "/resolve "+no)
	h.say(t, winner, "The permit was renewed today.")
	h.press(t, winner, "Skip")
	other := "刘秀英 县自然资源局"
	if winner == liu {
		other = "张振华 县财政局"
	}
	assignTo(gao, other)
	resolved, reassigned := h.events(t, no, store.EventResolved), h.events(t, no, store.EventAssigned)
	hm, om := h.confirmTogether(t, winner, gao, "✔ Confirm", "✔ Confirm")
	c, _ := h.store.CaseByTicket(ctx, no)
	switch c.Status {
	case store.StatusResolved:
		contains(t, hm, no+" is resolved")
		contains(t, om, no+" changed while you were at it")
	case store.StatusAssigned:
		contains(t, om, no+" is assigned")
		if !strings.Contains(hm.Text, no+" changed while you were at it") && !strings.Contains(hm.Text, "You may not do this with "+no) {
			t.Fatalf("the handler was told %q", hm.Text)
		}
	default:
		t.Fatalf("status %s", c.Status)
	}
	if r, a := h.events(t, no, store.EventResolved)-resolved, h.events(t, no, store.EventAssigned)-reassigned; r+a != 1 {
		t.Fatalf("%d results and %d reassignments recorded, want one of them", r, a)
	}
}

// A county office hands a case over to the working group of its category (专班) instead of a
// handler; the group is told, finds it in its queue and assigns it anywhere in the city.
func TestTriageHandsACaseToAWorkingGroup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9601, FirstName: "Chen", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9602, FirstName: "高静", LanguageCode: "zh-hans"}
	groupU := telegramtest.User{ID: 9603, FirstName: "Zhang", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	h.join(t, officeU, "P017", store.RoleOffice)
	h.join(t, groupU, "P022", store.RoleOffice)
	h.unlink(t, "E002")
	no := h.file(t, owner, "E002", "The kilns need a second power line before winter.")

	h.say(t, officeU, "/assign "+no)
	h.press(t, officeU, "用电/用水/用气")
	m, _ := h.press(t, officeU, "重大复杂")
	contains(t, m, "→ 为交由专班办理")
	var groups []string
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, "→ ") {
				groups = append(groups, b.Text)
			}
		}
	}
	if len(groups) != 4 || groups[0] != "→ 要素保障专班" {
		t.Errorf("working groups offered %q, want the category's first of four", groups)
	}
	m, _ = h.press(t, officeU, "→ 要素保障专班")
	contains(t, m, "交办给 → 要素保障专班")
	ng := len(h.sim.Messages(groupU.ID))
	m, _ = h.press(t, officeU, "✔ 确认提交")
	contains(t, m, no+" 已交由专班办理")
	contains(t, h.next(t, groupU, ng, 1)[0], no+" has been escalated to your office", "second power line")
	c, _ := h.store.CaseByTicket(ctx, no)
	if c.Status != store.StatusSubmitted || c.Complexity != store.Complex || c.CategoryID == nil {
		t.Fatalf("handed over %+v", c)
	}
	contains(t, h.say(t, groupU, "/triage"), no, "[escalated]")
	h.say(t, groupU, "/assign "+no)
	h.press(t, groupU, "Power, water and gas")
	h.press(t, groupU, "major or complex")
	h.press(t, groupU, "杨淑芬 县人力资源和社会保障局")
	m, _ = h.press(t, groupU, "✔ Confirm")
	contains(t, m, no+" is assigned")
	if c, _ := h.store.CaseByTicket(ctx, no); c.AssigneeID == nil || *c.AssigneeID != h.personID(t, "P005") {
		t.Fatalf("assigned to %v", c.AssigneeID)
	}
	contains(t, h.say(t, officeU, "/status "+no), "提级到要素保障专班")
}

// A handler's inbox pages through many cases, soonest limit first, the overdue marked.
func TestInboxPagesSoonestFirst(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9701, FirstName: "Yang", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 9702, FirstName: "Li", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)
	var nos []string
	for i := range 7 {
		nos = append(nos, h.file(t, owner, "E001", fmt.Sprintf("Problem number %d of the workshop.", i+1)))
		h.travel(time.Hour)
	}
	h.settled(t)
	// The oldest is signed: its next limit, first feedback, comes later than the others' signing.
	if _, err := h.store.Sign(context.Background(), store.ActParams{Ticket: nos[0], ActorID: h.personID(t, "P001")}); err != nil {
		t.Fatal(err)
	}
	h.travel(20 * time.Hour) // the first ones are now late to be signed
	page := h.say(t, cadreU, "/inbox")
	contains(t, page, "(7 in all, page 1/2)", nos[1], nos[5], "⚠ 1 day(s) late")
	if strings.Contains(page.Text, nos[0]) || strings.Contains(page.Text, nos[6]) {
		t.Errorf("page 1 holds a case of page 2: %s", page.Text)
	}
	if strings.Index(page.Text, nos[1]) > strings.Index(page.Text, nos[2]) {
		t.Errorf("not soonest first: %s", page.Text)
	}
	h.sim.PressButton(cadreU, page, button(t, page, "Next ›"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := h.sim.Messages(cadreU.ID)
		var edited telegramtest.Message
		for _, x := range m {
			if x.MessageID == page.MessageID {
				edited = x
			}
		}
		if strings.Contains(edited.Text, "page 2/2") {
			contains(t, edited, nos[6], nos[0], "first feedback by")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("page 2 never shown: %q", edited.Text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
