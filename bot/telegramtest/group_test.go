package telegramtest

import (
	"encoding/json"
	"strings"
	"testing"
)

// pollOne takes the next update by getUpdates and confirms it.
func pollOne(t *testing.T, s *Server, offset *int64) Update {
	t.Helper()
	_, r := call(t, s, "getUpdates", map[string]string{"timeout": "5", "offset": jsonInt(*offset)})
	var ups []Update
	if err := json.Unmarshal(r.Result, &ups); err != nil || len(ups) == 0 {
		t.Fatalf("getUpdates: %v %s", err, r.Result)
	}
	*offset = ups[0].UpdateID + 1
	return ups[0]
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Messages in groups carry the senders Telegram gives them: a person; the group itself for an
// anonymous admin, behind @GroupAnonymousBot; a channel behind @Channel_Bot; nobody; a bot.
// Each is numbered in the group's own sequence, which the bot's messages there share, and a
// button pressed on the bot's message in a group says so.
func TestGroupsAndTheirSenders(t *testing.T) {
	s := New()
	defer s.Close()
	g := Supergroup(55, "青石镇企业群")
	ch := Channel(77, "河清发布")
	other := User{ID: 600, IsBot: true, FirstName: "Other", Username: "other_bot"}
	if g.ID != -1000000000055 || g.Type != "supergroup" || Group(9, "x").ID != -9 {
		t.Fatalf("chat ids %+v", g)
	}
	var off int64
	s.SendGroupText(g, ann, "/help@bangban_bot now")
	u := pollOne(t, s, &off)
	m := u.Message
	if m == nil || m.Chat != g || m.From == nil || *m.From != ann || m.SenderChat != nil || m.MessageID != 1 ||
		len(m.Entities) != 1 || m.Entities[0].Length != len("/help@bangban_bot") {
		t.Fatalf("a person in a group: %+v", m)
	}
	s.SendAsAnonymousAdmin(g, "/start x")
	m = pollOne(t, s, &off).Message
	if m.From == nil || m.From.ID != 1087968824 || !m.From.IsBot || m.From.Username != "GroupAnonymousBot" || m.SenderChat == nil || *m.SenderChat != g || m.MessageID != 2 {
		t.Fatalf("anonymous admin: %+v", m)
	}
	s.SendAsChannel(g, ch, "/new")
	m = pollOne(t, s, &off).Message
	if m.From == nil || m.From.Username != "Channel_Bot" || !m.From.IsBot || m.SenderChat == nil || *m.SenderChat != ch {
		t.Fatalf("channel: %+v", m)
	}
	s.SendAutomaticForward(g, ch, "/start y")
	m = pollOne(t, s, &off).Message
	if m.From == nil || m.From.ID != 777000 || m.From.IsBot || m.SenderChat == nil || *m.SenderChat != ch || !m.IsAutomaticForward {
		t.Fatalf("automatic forward: %+v", m)
	}
	s.SendWithoutFrom(g, "/my")
	raw, _ := json.Marshal(pollOne(t, s, &off))
	if strings.Contains(string(raw), `"from"`) {
		t.Fatalf("without from: %s", raw)
	}
	s.SendFromBot(g, other, "/status")
	m = pollOne(t, s, &off).Message
	if m.From == nil || !m.From.IsBot || m.From.ID != 600 || m.SenderChat != nil {
		t.Fatalf("a bot: %+v", m)
	}

	code, r := call(t, s, "sendMessage", map[string]string{"chat_id": jsonInt(g.ID), "text": "hi",
		"reply_markup": `{"inline_keyboard":[[{"text":"x","callback_data":"st:1"}]]}`})
	var sent IncomingMessage
	_ = json.Unmarshal(r.Result, &sent)
	if code != 200 || sent.Chat != g || sent.MessageID != 7 {
		t.Fatalf("bot message in the group: %d %+v", code, sent)
	}
	s.PressButton(ann, s.Messages(g.ID)[0], "st:1")
	q := pollOne(t, s, &off).CallbackQuery
	if q == nil || q.Message == nil || q.Message.Chat != g || q.From != ann {
		t.Fatalf("press in the group: %+v", q)
	}

	for _, play := range []func(){
		func() { s.SendGroupText(Chat{ID: 5, Type: "private"}, ann, "x") },
		func() { s.SendGroupText(g, other, "x") },
		func() { s.SendFromBot(g, ann, "x") },
		func() { s.SendAsChannel(g, g, "x") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a message Telegram cannot carry was played")
				}
			}()
			play()
		}()
	}
}

// A URL button must hold an address Telegram can open.
func TestURLButtons(t *testing.T) {
	s := New()
	defer s.Close()
	send := func(url string) (int, apiResponse) {
		return call(t, s, "sendMessage", map[string]string{"chat_id": "11", "text": "hi",
			"reply_markup": `{"inline_keyboard":[[{"text":"open","url":"` + url + `"}]]}`})
	}
	if code, r := send("https://t.me/bangban_bot"); code != 200 {
		t.Fatalf("https link refused: %d %s", code, r.Description)
	}
	if b := s.Messages(11)[0].Buttons; len(b) != 1 || b[0][0].URL != "https://t.me/bangban_bot" || b[0][0].CallbackData != "" {
		t.Fatalf("stored %+v", b)
	}
	for _, bad := range []string{"javascript:alert(1)", "t.me/bangban_bot", "https://"} {
		if code, r := send(bad); code != 400 || !strings.Contains(r.Description, "BUTTON_URL_INVALID") {
			t.Errorf("%q: %d %q", bad, code, r.Description)
		}
	}
}
