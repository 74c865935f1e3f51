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
// anonymously in a group, a channel posting there (itself, or copied in by Telegram from the
// channel the group discusses), a message without a sender and a bot each send an invite's
// /start, and none of them is bound, answered or let near a dialog; each is
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
		func(code string) { h.sim.SendAutomaticForward(g, ch, "/start "+code) },
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
	h.waitFor(t, g.ID, "message me privately")

	if got := texts(h.sim.Messages(g.ID)); len(got) != 1 {
		t.Errorf("the group got %d messages, want only the answer to the person: %q", len(got), got)
	}
	for _, code := range codes {
		if n := h.inviteUses(t, code); n != 0 {
			t.Errorf("invite used %d times by a sender that is not one person", n)
		}
	}
	var people int
	h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM people WHERE telegram_user_id IN (1087968824, 136817688, 777000, 4403) OR chat_id < 0").Scan(&people)
	if people != 0 {
		t.Errorf("%d people bound to a sender that is not one person, or to a group", people)
	}
	if got := h.metric(t, `bangban_updates_total{kind="ignored"}`); got != `bangban_updates_total{kind="ignored"} 7` {
		t.Errorf("ignored updates: %q, want 7", got)
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

// A group is no place for personal things: an invite sent there is not bound, and /status,
// /my, /new, /add, /rate, /triage, /help and /lang there, by a joined person or a newcomer,
// are all answered with the pointer to the private chat and its link to the bot; a button
// pressed there gets only a notice. Nothing of a case ever appears in the group, and the
// private chat goes on as if the group had not been used.
func TestPersonalThingsOnlyInPrivateChats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	g := telegramtest.Supergroup(4601, "云岭县企业服务群")
	small := telegramtest.Group(4602, "柳河乡")
	owner := telegramtest.User{ID: 4611, FirstName: "周总", LanguageCode: "zh-hans"}
	office := telegramtest.User{ID: 4612, FirstName: "Gao", LanguageCode: "en"}
	code := h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})

	h.sim.SendGroupText(g, owner, "/start "+code)
	m := h.waitFor(t, g.ID, "周总，群里的消息大家都能看到")
	if len(m.Buttons) != 1 || m.Buttons[0][0].URL != "https://t.me/bangban_bot" || m.Buttons[0][0].Text != "💬 私聊帮办" {
		t.Fatalf("pointer %+v", m)
	}
	if n := h.inviteUses(t, code); n != 0 {
		t.Fatalf("an invite sent in a group was used %d times", n)
	}
	if _, err := h.store.ActorByAccount(ctx, owner.ID); err == nil {
		t.Fatal("bound by an invite sent in a group")
	}

	contains(t, h.say(t, owner, "/start "+code), "绑定成功")
	var chat int64
	h.store.Pool().QueryRow(ctx, "SELECT chat_id FROM people WHERE telegram_user_id = $1", owner.ID).Scan(&chat)
	if chat != owner.ID {
		t.Fatalf("bound with chat %d, want the private chat %d", chat, owner.ID)
	}
	no := h.file(t, owner, "E001", "厂区变压器容量不足，需要增容")
	h.join(t, office, "P017", store.RoleOffice)

	asked := 1
	for _, tc := range []struct {
		u    telegramtest.User
		chat telegramtest.Chat
		text string
	}{
		{owner, g, "/status " + no}, {owner, g, "/my"}, {owner, g, "/new"}, {owner, g, "/add " + no}, {owner, g, "/rate " + no},
		{owner, small, "/status@bangban_bot " + no}, {owner, g, "/help"}, {owner, g, "/lang"},
		{office, g, "/triage"}, {office, g, "/status " + no}, {office, small, "/assign " + no},
	} {
		n := len(h.sim.Messages(tc.chat.ID))
		h.sim.SendGroupText(tc.chat, tc.u, tc.text)
		got := h.sim.MustWaitMessages(t, tc.chat.ID, n+1)[n]
		if !strings.Contains(got.Text, "message me privately") && !strings.Contains(got.Text, "请私聊我") {
			t.Errorf("%s in a group: %q", tc.text, got.Text)
		}
		asked++
	}

	// A button pressed in the group, forged to open the case: a notice on the press, nothing else.
	pointer := h.sim.Messages(g.ID)[0]
	n := len(h.sim.Messages(g.ID))
	press := h.sim.PressButton(office, pointer, "st:"+no)
	if _, err := h.sim.WaitCall(waitCtx(t), "answerCallbackQuery", func(c telegramtest.Call) bool {
		return c.Params["callback_query_id"] == press.CallbackQuery.ID && c.Params["text"] == "Please message me privately."
	}); err != nil {
		t.Fatalf("press in a group: %v", err)
	}
	h.sim.SendGroupText(g, office, "/help")
	h.sim.MustWaitMessages(t, g.ID, n+1)
	if got := len(h.sim.Messages(g.ID)) + len(h.sim.Messages(small.ID)); got != asked+1 {
		t.Errorf("the groups got %d messages, want %d: %q", got, asked+1, texts(h.sim.Messages(g.ID)))
	}
	for _, gm := range append(h.sim.Messages(g.ID), h.sim.Messages(small.ID)...) {
		if strings.Contains(gm.Text, no) || strings.Contains(gm.Text, "云岭精密") || strings.Contains(gm.Text, "变压器") {
			t.Errorf("a case shown in a group: %q", gm.Text)
		}
	}

	// The private chats go on as if the groups had not been used: no dialog was begun there.
	contains(t, h.say(t, owner, "/new"), "问题属于哪一类")
	contains(t, h.say(t, office, "/status "+no), no, "变压器")
	var groupChats int
	h.store.Pool().QueryRow(ctx, "SELECT count(*) FROM people WHERE chat_id < 0").Scan(&groupChats)
	if groupChats != 0 {
		t.Errorf("%d people would be notified in a group", groupChats)
	}
}
