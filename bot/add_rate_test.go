package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// personID is a demo person's id.
func (h *harness) personID(t *testing.T, code string) int64 {
	t.Helper()
	return storetest.PersonID(t, h.store, code)
}

// resolve takes a case through signing to resolved, as its linked cadre P001, and waits for
// the two messages it brings the reporter u.
func (h *harness) resolve(t *testing.T, u telegramtest.User, no string) {
	t.Helper()
	ctx := context.Background()
	n := len(h.sim.Messages(u.ID))
	cadre := h.personID(t, "P001")
	if _, err := h.store.Sign(ctx, store.ActParams{Ticket: no, ActorID: cadre}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Resolve(ctx, store.ActParams{Ticket: no, ActorID: cadre, Note: "已处理完毕"}); err != nil {
		t.Fatal(err)
	}
	h.next(t, u, n, 2)
}

// Adding to a case and rating it take the same care with bad input as filing it: too long,
// a program instead of a document, a tenth photo, a comment past its limit; a neighbour's
// forged rating button finds no such case.
func TestAddAndRateRefuseBadInput(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8901, FirstName: "Yang", LanguageCode: "en"}
	neighbour := telegramtest.User{ID: 8902, FirstName: "Zhao", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.say(t, neighbour, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	no := h.file(t, owner, "E001", "The transformer is too small for the new line.")

	contains(t, h.say(t, owner, "/add"), "Please add the ticket number after /add")
	contains(t, h.say(t, owner, "/add "+no), "What would you like to add to "+no)
	contains(t, h.sayK(t, owner, strings.Repeat("x", 5000), 2)[0], "That is too long (5000 characters); at most 2000 fit.")
	m, _ := h.press(t, owner, "Skip")
	contains(t, m, "(0 received, at most 9)")
	ms := h.send(t, owner, func() telegramtest.Update {
		return h.sim.SendDocument(owner, "setup.exe", "application/x-msdownload", []byte("MZ"))
	}, 2)
	contains(t, ms[0], "That kind of file is not accepted.")
	for i := 1; i <= 9; i++ {
		h.send(t, owner, func() telegramtest.Update { return h.sim.SendPhoto(owner, "") }, 1)
	}
	ms = h.send(t, owner, func() telegramtest.Update { return h.sim.SendPhoto(owner, "") }, 2)
	contains(t, ms[0], "At most 9 photos or files can be attached.")
	m, _ = h.press(t, owner, "Done")
	contains(t, m, "Please confirm what to add to "+no, "Attachments: 9")
	m, _ = h.press(t, owner, "✔ Confirm")
	contains(t, m, "Added to "+no)
	var files int
	if err := h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM case_attachments a JOIN cases c ON c.id = a.case_id WHERE c.ticket_no = $1", no).Scan(&files); err != nil {
		t.Fatal(err)
	}
	if files != 9 {
		t.Fatalf("%d attachments kept, want 9", files)
	}

	h.resolve(t, owner, no)
	n := len(h.sim.Messages(neighbour.ID))
	h.sim.PressButton(neighbour, telegramtest.Message{ChatID: neighbour.ID, MessageID: 1}, "fb:"+no+":y")
	contains(t, h.next(t, neighbour, n, 1)[0], "No problem with ticket number "+no+" was found")
	h.say(t, owner, "/rate "+no)
	h.press(t, owner, "Solved")
	h.press(t, owner, "Satisfied")
	contains(t, h.sayK(t, owner, strings.Repeat("好", 501), 2)[0], "That is too long (501 characters); at most 500 fit.")
	m, _ = h.press(t, owner, "Skip")
	contains(t, m, "Problem "+no+" is now closed.")
}

// The last update of /add and of a rating, delivered again after the process died before it
// noted the update as done, acts once and answers as the first time.
func TestRedeliveredAddAndRatingActOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8903, FirstName: "Yang", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, telegramtest.User{ID: 8904, FirstName: "高静", LanguageCode: "zh-hans"}, "P017", store.RoleOffice)
	no := h.file(t, owner, "E001", "The transformer is too small for the new line.")
	sessionKey := fmt.Sprintf("%s{7000000001:%d}:s:%d", h.prefix, owner.ID, owner.ID)
	seenKey := fmt.Sprintf("%s{7000000001:%d}:seen", h.prefix, owner.ID)
	crashAndRedeliver := func(before []byte, last telegramtest.Update) telegramtest.Message {
		t.Helper()
		h.rdb.Set(ctx, sessionKey, before, 0)
		h.rdb.ZRem(ctx, seenKey, fmt.Sprint(last.UpdateID))
		n := len(h.sim.Messages(owner.ID))
		h.sim.Redeliver(last)
		return h.next(t, owner, n, 1)[0]
	}

	h.say(t, owner, "/add "+no)
	h.say(t, owner, "It trips twice a day now.")
	h.press(t, owner, "Skip")
	before, err := h.rdb.Get(ctx, sessionKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	_, confirm := h.press(t, owner, "✔ Confirm")
	contains(t, crashAndRedeliver(before, confirm), "Added to "+no)

	h.resolve(t, owner, no)
	h.say(t, owner, "/rate "+no)
	h.press(t, owner, "Not solved")
	h.press(t, owner, "Not satisfied")
	before, err = h.rdb.Get(ctx, sessionKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	n := len(h.sim.Messages(owner.ID))
	comment := h.sim.SendText(owner, "Still tripping.")
	contains(t, h.next(t, owner, n, 1)[0], "The campaign office will look at "+no+" again")
	contains(t, crashAndRedeliver(before, comment), "The campaign office will look at "+no+" again")

	var added, rated, told int
	if err := h.store.Pool().QueryRow(ctx, "SELECT count(*) FILTER (WHERE kind = 'info_added'), count(*) FILTER (WHERE kind = 'feedback') FROM case_events").Scan(&added, &rated); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM river_job WHERE args->>'msg' = 'n_unsatisfied'").Scan(&told); err != nil {
		t.Fatal(err)
	}
	if added != 1 || rated != 1 || told != 1 {
		t.Fatalf("after redeliveries: %d additions, %d ratings, %d office notices", added, rated, told)
	}
}
