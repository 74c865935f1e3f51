package bot_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// units counts text as Telegram does, in UTF-16 code units: an emoji is two.
func units(s string) int { return len(utf16.Encode([]rune(s))) }

// fits checks that a message is whole and within Telegram's limit: the simulator refuses a
// longer one, so an overlong message never arrives at all; a cut one must still be valid
// text.
func fits(t *testing.T, m telegramtest.Message) {
	t.Helper()
	text := m.Text + m.Caption
	if n := units(text); n > 4096 {
		t.Fatalf("message of %d UTF-16 units", n)
	}
	if !utf8.ValidString(text) || strings.ContainsRune(text, utf8.RuneError) {
		t.Fatalf("message with a broken character: %q", text)
	}
}

// noneTooLong checks that Telegram never had to refuse a message the bot sent.
func (h *harness) noneTooLong(t *testing.T) {
	t.Helper()
	for _, c := range h.sim.Calls() {
		switch c.Method {
		case "sendMessage", "sendPhoto", "editMessageText", "answerCallbackQuery":
			if c.Status == 400 {
				t.Errorf("%s was refused: %d UTF-16 units of text", c.Method, units(c.Params["text"]+c.Params["caption"]))
			}
		}
	}
}

// emoji is n emoji, 2n UTF-16 units.
func emoji(n int) string { return strings.Repeat("🔌", n) }

// longText is a text of about n UTF-16 units made of the sentence s.
func longText(s string, n int) string {
	var b strings.Builder
	for units(b.String())+units(s) <= n {
		b.WriteString(s)
	}
	return b.String()
}

// A description of 2,000 emoji is 4,000 units as Telegram counts: it is refused with its
// length rather than accepted and then impossible to show, and the longest description that
// is accepted makes a confirm summary and a notification that fit.
func TestTheLongestDescriptionFitsTheConfirmAndTheNotification(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9921, FirstName: "Wu", LanguageCode: "en"}
	cadreU := telegramtest.User{ID: 9922, FirstName: "Li", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)

	h.say(t, owner, "/new")
	contains(t, h.press2(t, owner, "Power, water and gas"), "Please describe the problem")
	ms := h.sayK(t, owner, emoji(2000), 2)
	contains(t, ms[0], "That is too long (4000 characters", "at most 2000")
	contains(t, h.say(t, owner, emoji(1000)), "You may send photos or files")
	contains(t, h.press2(t, owner, "Skip"), "share a location")
	contains(t, h.press2(t, owner, "Skip"), "How urgent is it?")
	summary := h.press2(t, owner, "Normal")
	contains(t, summary, "Please confirm your report", emoji(1000))
	fits(t, summary)
	nc := len(h.sim.Messages(cadreU.ID))
	contains(t, h.press2(t, owner, "✔ Confirm"), "Registered as ticket")
	told := h.next(t, cadreU, nc, 1)[0]
	contains(t, told, "A new problem has been assigned to you")
	fits(t, told)
	h.noneTooLong(t)
}

// press2 presses a button of the latest prompt and returns the next message.
func (h *harness) press2(t *testing.T, u telegramtest.User, label string) telegramtest.Message {
	t.Helper()
	m, _ := h.press(t, u, label)
	return m
}

// Text with control characters is refused with a message that says so, text of invisible
// characters only counts as empty, and a location off the globe is refused: the report that
// is filed at last holds none of them.
func TestUnusableInputIsRefusedPlainly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9961, FirstName: "Wu", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.say(t, owner, "/new")
	h.press2(t, owner, "Power, water and gas")
	for _, bad := range []string{"The line trips\x00 every afternoon.", "The line trips every afternoon.\x1b[2J", "The line trips \ufffd every afternoon."} {
		contains(t, h.sayK(t, owner, bad, 2)[0], "control characters")
	}
	contains(t, h.sayK(t, owner, " \u200b\u3000\ufeff\u2060\u00a0 ", 2)[0], "This cannot be empty")
	contains(t, h.say(t, owner, "The line trips every afternoon.\tTwice a week."), "You may send photos or files")
	h.press2(t, owner, "Skip")
	for _, at := range [][2]float64{{95, 113.6}, {34.7, 200}, {-91, 0}} {
		ms := h.send(t, owner, func() telegramtest.Update { return h.sim.SendLocation(owner, at[0], at[1]) }, 2)
		contains(t, ms[0], "not a valid location")
	}
	ms := h.send(t, owner, func() telegramtest.Update { return h.sim.SendLocation(owner, -33.8688, 151.2093) }, 1)
	contains(t, ms[0], "How urgent is it?")
	h.press2(t, owner, "Normal")
	m := h.press2(t, owner, "✔ Confirm")
	contains(t, m, "Registered as ticket")
	c, err := h.store.CaseByTicket(ctx, ticketRe.FindString(m.Text))
	if err != nil {
		t.Fatal(err)
	}
	if c.Description != "The line trips every afternoon.\tTwice a week." || c.Latitude == nil || *c.Latitude != -33.8688 {
		t.Fatalf("stored %+v", c)
	}
}
