package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// caseButtons are the buttons of a message that act on case no (a dialog's own buttons, and
// other cases', are not counted).
func caseButtons(m telegramtest.Message, no string) []telegramtest.Button {
	var out []telegramtest.Button
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.CallbackData, ":"+no) {
				out = append(out, b)
			}
		}
	}
	return out
}

// stale lists the buttons in u's chat that offer on case no what its state no longer
// allows u.
func (h *harness) stale(t *testing.T, u telegramtest.User, no string) []string {
	t.Helper()
	ctx := context.Background()
	person := h.ownerID(t, u)
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	live, _, err := conversations.ButtonsNow(ctx, h.store, tr, person, no, dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, m := range h.sim.Messages(u.ID) {
		for _, b := range caseButtons(m, no) {
			if !live[b.CallbackData] {
				bad = append(bad, b.Text+" on "+strings.SplitN(m.Text, "\n", 2)[0])
			}
		}
	}
	return bad
}

// waitNoStale waits until none of the chats offers on case no what it no longer allows.
func (h *harness) waitNoStale(t *testing.T, no string, us ...telegramtest.User) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var bad []string
		for _, u := range us {
			bad = append(bad, h.stale(t, u, no)...)
		}
		if len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("case %s moved on, and its chats still offer %q", no, bad)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The whole loop (filed, signed, progress, resolved, rated, closed) across a reporter, the
// linked cadre and the office: after each step no message in any of the three chats offers an
// action the case no longer allows, and a message whose buttons went says what happened.
func TestButtonsRetireAsTheCaseMovesOn(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9301, FirstName: "Chen", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 9302, FirstName: "李春梅", LanguageCode: "zh-hans"}
	officeU := telegramtest.User{ID: 9303, FirstName: "高静", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)
	h.join(t, officeU, "P017", store.RoleOffice)
	chats := []telegramtest.User{owner, cadreU, officeU}

	nc := len(h.sim.Messages(cadreU.ID))
	no := h.file(t, owner, "E001", "The transformer is too small for the new line.")
	assigned := h.next(t, cadreU, nc, 1)[0]
	if len(caseButtons(assigned, no)) != 2 {
		t.Fatalf("the assignment offers %+v", assigned.Buttons)
	}
	h.waitNoStale(t, no, chats...)

	signed := h.tap(t, cadreU, assigned, "✍ 签收", 1)[0]
	h.waitNoStale(t, no, chats...)
	after := h.message(t, cadreU, assigned.MessageID)
	if len(after.Buttons) != 0 || !strings.Contains(after.Text, "✔ 李春梅 签收") || !strings.Contains(after.Text, "新交办的问题") {
		t.Fatalf("the signed assignment reads %q with %+v; want its text, the signing, and no buttons", after.Text, after.Buttons)
	}

	m := h.tap(t, cadreU, signed, "✅ 办结", 1)[0]
	contains(t, m, no)
	h.say(t, cadreU, "已加装稳压装置")
	h.press(t, cadreU, "跳过")
	no0 := len(h.sim.Messages(owner.ID))
	h.press(t, cadreU, "✔ 确认提交")
	rate := h.next(t, owner, no0, 1)[0]
	contains(t, rate, "has been resolved")
	h.waitNoStale(t, no, chats...)

	h.tap(t, owner, rate, "✅ Solved", 1)
	h.press(t, owner, "Satisfied")
	m, _ = h.press(t, owner, "Skip")
	contains(t, m, "is now closed")
	h.waitNoStale(t, no, chats...)
	after = h.message(t, owner, rate.MessageID)
	if len(caseButtons(after, no)) != 0 || !strings.Contains(after.Text, "Rated: Solved, Satisfied") {
		t.Fatalf("the rated notice reads %q with %+v; want the rating and no rating buttons", after.Text, after.Buttons)
	}
}

// message is the chat's message with id, as it stands.
func (h *harness) message(t *testing.T, u telegramtest.User, id int64) telegramtest.Message {
	t.Helper()
	for _, m := range h.sim.Messages(u.ID) {
		if m.MessageID == id {
			return m
		}
	}
	t.Fatalf("no message %d in %s's chat", id, u.FirstName)
	return telegramtest.Message{}
}

// A case reassigned from one handler to another: the first handler's assignment loses its
// buttons and says the case is no longer theirs; the second's offers them.
func TestReassignmentRetiresTheFirstHandlersButtons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9311, FirstName: "Chen", LanguageCode: "en"}
	firstU := telegramtest.User{ID: 9312, FirstName: "李春梅", LanguageCode: "en"}
	secondU := telegramtest.User{ID: 9313, FirstName: "Zhang", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9314, FirstName: "高静", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, firstU, "P001", store.RoleHandler)
	second := h.join(t, secondU, "P002", store.RoleHandler)
	office := h.join(t, officeU, "P017", store.RoleOffice)

	n1 := len(h.sim.Messages(firstU.ID))
	no := h.file(t, owner, "E001", "The road to the plant floods after rain.")
	first := h.next(t, firstU, n1, 1)[0]
	n2 := len(h.sim.Messages(secondU.ID))
	if _, err := h.store.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: office}, AssigneeID: second}); err != nil {
		t.Fatal(err)
	}
	assigned := h.next(t, secondU, n2, 1)[0]
	h.waitNoStale(t, no, firstU, secondU, officeU, owner)
	after := h.message(t, firstU, first.MessageID)
	if len(after.Buttons) != 0 || !strings.Contains(after.Text, "no longer yours") {
		t.Fatalf("the first handler's assignment reads %q with %+v", after.Text, after.Buttons)
	}
	if got := caseButtons(h.message(t, secondU, assigned.MessageID), no); len(got) != 2 {
		t.Fatalf("the second handler's assignment offers %+v", got)
	}
}

// An edit Telegram refuses as "message to edit not found" (the person deleted it) or "message
// is not modified" is done with: tried once, not again, and the message forgotten.
func TestARefusedRetirementIsNotRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9321, FirstName: "Chen", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 9322, FirstName: "李春梅", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	cadre := h.join(t, cadreU, "P001", store.RoleHandler)
	nc := len(h.sim.Messages(cadreU.ID))
	no := h.file(t, owner, "E001", "The gate's barrier is broken.")
	assigned := h.next(t, cadreU, nc, 1)[0]
	// The assignment is kept with its buttons a moment after it is sent: the change below
	// must find it kept, as one made by a person reading it would.
	waitFor(t, func() bool {
		var n int
		_ = h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM case_messages WHERE chat_id = $1 AND message_id = $2", cadreU.ID, assigned.MessageID).Scan(&n)
		return n == 1
	})
	// A message the person deleted.
	gone := store.CaseMessage{TicketNo: no, ChatID: cadreU.ID, MessageID: 999999, Text: "x",
		Buttons: [][]store.MessageButton{{{Text: "✍", Data: store.SignButton + ":" + no}}}, SentAt: time.Now()}
	if err := h.store.RecordCaseMessageByTicket(ctx, gone); err != nil {
		t.Fatal(err)
	}
	// The assignment's edit is refused as not modified, as when another replica made it.
	h.sim.RefuseNext("editMessageText", "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	if _, err := h.store.Sign(ctx, store.ActParams{Ticket: no, ActorID: cadre}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		var n int
		_ = h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM case_messages").Scan(&n)
		return n == 0
	})
	// Done: a second change tries neither again.
	if _, err := h.store.Progress(ctx, store.ActParams{Ticket: no, ActorID: cadre, Note: "已联系维修"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		var n int
		_ = h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'retire_buttons' AND state <> 'completed'").Scan(&n)
		return n == 0
	})
	tries := map[string]int{}
	for _, c := range h.sim.CallsTo("editMessageText") {
		if c.Params["chat_id"] == fmt.Sprint(cadreU.ID) {
			tries[c.Params["message_id"]]++
		}
	}
	if tries["999999"] != 1 || tries[fmt.Sprint(assigned.MessageID)] != 1 {
		t.Fatalf("edits by message: %v; want one of each", tries)
	}
}

// latePress presses a button of m as it was (a copy kept from before) once its message no
// longer shows it, its case having moved on, and returns what answers.
func (h *harness) latePress(t *testing.T, u telegramtest.User, m telegramtest.Message, label string) telegramtest.Message {
	t.Helper()
	waitFor(t, func() bool { return !hasButton(h.message(t, u, m.MessageID), label) })
	n := len(h.sim.Messages(u.ID))
	h.sim.PressButton(u, m, button(t, m, label))
	return h.next(t, u, n, 1)[0]
}
