package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// waitFor waits until the chat has a message from the bot that contains want, and returns
// it: what was sent to the chat before it has been sent by then.
func (h *harness) waitFor(t *testing.T, chat int64, want string) telegramtest.Message {
	t.Helper()
	var found telegramtest.Message
	if _, err := h.sim.WaitCall(waitCtx(t), "sendMessage", func(c telegramtest.Call) bool {
		return c.Params["chat_id"] == fmt.Sprint(chat) && strings.Contains(c.Params["text"], want) && c.Status == 200
	}); err != nil {
		t.Fatalf("chat %d never got %q: %v; it has %q", chat, want, err, texts(h.sim.Messages(chat)))
	}
	for _, m := range h.sim.Messages(chat) {
		if strings.Contains(m.Text, want) {
			found = m
		}
	}
	return found
}

func texts(ms []telegramtest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text+m.Caption)
	}
	return out
}

// metric is the line of /metrics that starts with name, "" when there is none.
func (h *harness) metric(t *testing.T, name string) string {
	t.Helper()
	_, body := h.get(t, "/metrics")
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}

// inviteUses is how often the invite with code was used.
func (h *harness) inviteUses(t *testing.T, code string) int {
	t.Helper()
	var n int
	if err := h.store.Pool().QueryRow(context.Background(), "SELECT uses FROM invites WHERE code_hash = sha256($1::bytea)", []byte(code)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// What no one person sent in their own name is never taken for a person: an admin posting
// anonymously in a group, a channel posting there, a message without a sender and a bot each
// send an invite's /start, and none of them is bound, answered or let near a dialog; each is
// counted as ignored.
func TestSendersThatAreNotOnePersonAreIgnored(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	g := telegramtest.Supergroup(4401, "青石镇企业服务群")
	ch := telegramtest.Channel(4402, "河清发布")
	other := telegramtest.User{ID: 4403, IsBot: true, FirstName: "Helper", Username: "helper_bot"}
	var codes []string
	for _, play := range []func(code string){
		func(code string) { h.sim.SendAsAnonymousAdmin(g, "/start "+code) },
		func(code string) { h.sim.SendAsChannel(g, ch, "/start "+code) },
		func(code string) { h.sim.SendWithoutFrom(g, "/start "+code) },
		func(code string) { h.sim.SendFromBot(g, other, "/start@bangban_bot "+code) },
	} {
		code := h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
		codes = append(codes, code)
		play(code)
	}
	h.sim.SendAsAnonymousAdmin(g, "/new")
	h.sim.SendWithoutFrom(g, "/my")
	// A person's message in the same group is handled after all of them.
	person := telegramtest.User{ID: 4404, FirstName: "Wang", LanguageCode: "en"}
	h.sim.SendGroupText(g, person, "/help")
	h.waitFor(t, g.ID, "/new — ")

	if got := texts(h.sim.Messages(g.ID)); len(got) != 1 {
		t.Errorf("the group got %d messages, want only the answer to the person: %q", len(got), got)
	}
	for _, code := range codes {
		if n := h.inviteUses(t, code); n != 0 {
			t.Errorf("invite used %d times by a sender that is not one person", n)
		}
	}
	var people int
	h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM people WHERE telegram_user_id IN (1087968824, 136817688, 4403) OR chat_id < 0").Scan(&people)
	if people != 0 {
		t.Errorf("%d people bound to a sender that is not one person, or to a group", people)
	}
	if got := h.metric(t, `bangban_updates_total{kind="ignored"}`); got != `bangban_updates_total{kind="ignored"} 6` {
		t.Errorf("ignored updates: %q, want 6", got)
	}
}

// A command addressed to another bot is not for us, and not an answer either; one addressed
// to us works like the plain command.
func TestCommandsForAnotherBotAreIgnored(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	u := telegramtest.User{ID: 4501, FirstName: "Wang", LanguageCode: "en"}
	h.say(t, u, "/new")
	m, _ := h.press(t, u, "Enterprise")
	contains(t, m, "full name")
	h.sim.SendText(u, "/help@other_bot")
	h.sim.SendText(u, "/start@OtherBot")
	ms := h.sayK(t, u, "/help@BangBan_Bot", 2)
	contains(t, ms[0], "/new — Report a problem")
	contains(t, ms[1], "full name") // the question still open: nothing was taken as its answer
	if got := h.metric(t, `bangban_updates_total{kind="ignored"}`); got != `bangban_updates_total{kind="ignored"} 2` {
		t.Errorf("ignored updates: %q, want 2", got)
	}
	m = h.say(t, u, "Qingshi Building Materials Co")
	contains(t, m, "credit code")
}
