package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// A case with the longest description and three additions of the longest a note may be is
// shown whole to its reporter and its handler, within one message: the additions clipped
// in the timeline, each marked with an ellipsis.
func TestACaseWithLongAdditionsFitsOneMessage(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9901, FirstName: "Wu", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 9902, FirstName: "Li", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)
	no := h.file(t, owner, "E001", longText("厂区十千伏线路老化，每周停电两次。", store.MaxDescription))
	h.settled(t)

	for i := 1; i <= 3; i++ {
		contains(t, h.say(t, owner, "/add "+no), "What would you like to add to "+no)
		note := fmt.Sprintf("Addition %d: ", i)
		note += emoji((store.MaxNote - units(note)) / 2)
		contains(t, h.say(t, owner, note), "You may send photos or files")
		m, _ := h.press(t, owner, "Skip")
		contains(t, m, "Please confirm what to add to "+no)
		fits(t, m)
		m, _ = h.press(t, owner, "✔ Confirm")
		contains(t, m, "Added to "+no)
	}
	h.settled(t)
	view := h.say(t, owner, "/status "+no)
	contains(t, view, "Ticket "+no, "厂区十千伏线路老化", "Addition 1", "Addition 3", "…")
	fits(t, view)
	staff := h.say(t, cadreU, "/status "+no)
	contains(t, staff, "编号 "+no, "Addition 1", "Addition 3", "…")
	fits(t, staff)
	h.noneTooLong(t)
}

// A case with a long history shows its newest entries, each note clipped, under a line
// saying how many earlier ones are left out.
func TestALongTimelineShowsTheNewestEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9911, FirstName: "Wu", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9912, FirstName: "Gao", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, officeU, "P017", store.RoleOffice)
	no := h.file(t, owner, "E001", "The power line to the workshop trips every afternoon.")
	cadre := h.personID(t, "P001")
	if _, err := h.store.Sign(ctx, store.ActParams{Ticket: no, ActorID: cadre}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 80; i++ {
		note := fmt.Sprintf("Progress note %03d: ", i) + longText("线路检修中，", 600)
		if _, err := h.store.Progress(ctx, store.ActParams{Ticket: no, ActorID: cadre, Note: note}); err != nil {
			t.Fatal(err)
		}
	}
	h.settled(t)
	for _, u := range []telegramtest.User{officeU, owner} {
		view := h.say(t, u, "/status "+no)
		contains(t, view, "Ticket "+no, "Progress note 080", "…", "earlier entries")
		if strings.Contains(view.Text, "Progress note 001") || strings.Contains(view.Text, "Problem submitted") {
			t.Errorf("the oldest entries are shown rather than the newest: %s", view.Text)
		}
		fits(t, view)
	}
	h.noneTooLong(t)
}
