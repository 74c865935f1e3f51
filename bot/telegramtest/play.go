package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// SendText delivers a text message from u. A text starting with "/" carries a bot_command
// entity over the command word, as Telegram's clients send it.
func (s *Server) SendText(u User, text string) Update {
	return s.play(u, func(m *IncomingMessage) { setText(m, text) })
}

func setText(m *IncomingMessage, text string) {
	m.Text = text
	if strings.HasPrefix(text, "/") {
		word, _, _ := strings.Cut(text, " ")
		m.Entities = []Entity{{Type: "bot_command", Offset: 0, Length: utf16Len(word)}}
	}
}

// Accounts Telegram uses for messages that no person sent in their own name.
var (
	// AnonymousAdmin is the sender of what a group's admin posts anonymously, on behalf of
	// the group (@GroupAnonymousBot).
	AnonymousAdmin = User{ID: 1087968824, IsBot: true, FirstName: "Group", Username: "GroupAnonymousBot"}
	// ChannelSender is the sender Telegram puts in from, for older clients, when a channel
	// posts in a group (@Channel_Bot); the channel is in sender_chat.
	ChannelSender = User{ID: 136817688, IsBot: true, FirstName: "Channel", Username: "Channel_Bot"}
	// ServiceAccount is Telegram's own account (777000), not a bot, the sender of a channel's
	// posts copied into its discussion group.
	ServiceAccount = User{ID: 777000, FirstName: "Telegram"}
)

// Group makes a group chat (id below zero, as Telegram's are) with a title.
func Group(id int64, title string) Chat { return Chat{ID: -id, Type: "group", Title: title} }

// Supergroup makes a supergroup chat, whose id is -100 followed by its number, as Telegram's.
func Supergroup(id int64, title string) Chat {
	return Chat{ID: -1000000000000 - id, Type: "supergroup", Title: title}
}

// Channel makes a channel, numbered as supergroups are.
func Channel(id int64, title string) Chat {
	return Chat{ID: -1000000000000 - id, Type: "channel", Title: title}
}

// SendGroupText delivers a text message from u in the group or supergroup g, with a
// bot_command entity when it starts with "/" (a command may name its bot: "/help@x_bot").
func (s *Server) SendGroupText(g Chat, u User, text string) Update {
	if u.IsBot {
		panic("telegramtest: SendGroupText plays a person; use SendFromBot for a bot")
	}
	return s.playIn(g, &u, nil, text)
}

// SendAsAnonymousAdmin delivers a text message that an admin of g posted anonymously: from
// is @GroupAnonymousBot and sender_chat the group itself, so nobody can tell which admin.
func (s *Server) SendAsAnonymousAdmin(g Chat, text string) Update {
	admin := AnonymousAdmin
	return s.playIn(g, &admin, &g, text)
}

// SendAsChannel delivers a text message that the channel ch posted in the group g: from is
// @Channel_Bot and sender_chat the channel.
func (s *Server) SendAsChannel(g, ch Chat, text string) Update {
	if ch.Type != "channel" || ch.ID >= 0 || ch.Title == "" {
		panic(fmt.Sprintf("telegramtest: %+v is not a channel", ch))
	}
	sender := ChannelSender
	return s.playIn(g, &sender, &ch, text)
}

// SendAutomaticForward delivers the channel ch's post as Telegram copies it into the group g
// that is its discussion group: from is Telegram's own account, which is not flagged as a
// bot, and sender_chat the channel.
func (s *Server) SendAutomaticForward(g, ch Chat, text string) Update {
	if ch.Type != "channel" || ch.ID >= 0 || ch.Title == "" {
		panic(fmt.Sprintf("telegramtest: %+v is not a channel", ch))
	}
	sender := ServiceAccount
	return s.playIn(g, &sender, &ch, text, func(m *IncomingMessage) { m.IsAutomaticForward = true })
}

// SendWithoutFrom delivers a text message in g with no from at all. Telegram leaves from
// empty only in channels, but the Bot API marks it optional everywhere: this is what a bot
// must not take for a person.
func (s *Server) SendWithoutFrom(g Chat, text string) Update {
	return s.playIn(g, nil, nil, text)
}

// SendFromBot delivers a text message that the bot b (is_bot set) sent in the group g.
func (s *Server) SendFromBot(g Chat, b User, text string) Update {
	if !b.IsBot {
		panic("telegramtest: SendFromBot plays a bot; set IsBot")
	}
	return s.playIn(g, &b, nil, text)
}

// playIn delivers a text message in a group or supergroup, numbered in the group's own
// sequence of message ids, which the bot's messages there share.
func (s *Server) playIn(g Chat, from *User, senderChat *Chat, text string, more ...func(*IncomingMessage)) Update {
	if (g.Type != "group" && g.Type != "supergroup") || g.ID >= 0 || g.Title == "" {
		panic(fmt.Sprintf("telegramtest: %+v is not a group or supergroup (negative id, a title)", g))
	}
	m := &IncomingMessage{From: from, SenderChat: senderChat, Chat: g, Date: time.Now().Unix()}
	setText(m, text)
	for _, f := range more {
		f(m)
	}
	s.mu.Lock()
	s.chats[g.ID] = g
	s.nextMsgID[g.ID]++
	m.MessageID = s.nextMsgID[g.ID]
	return s.enqueueLocked(Update{Message: m}, false)
}

// SendPhoto delivers a photo from u, in the three sizes Telegram makes, with a caption.
func (s *Server) SendPhoto(u User, caption string) Update {
	return s.SendPhotoOf(u, caption, pngBytes)
}

// SendPhotoOf delivers a photo from u whose largest size holds content (the smaller sizes
// hold the simulator's own small picture), with a caption.
func (s *Server) SendPhotoOf(u User, caption string, content []byte) Update {
	return s.play(u, func(m *IncomingMessage) {
		m.Caption = caption
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, side := range []int{90, 320, 1280} {
			c := pngBytes
			if side == 1280 {
				c = content
			}
			id := s.addFileLocked(c, "photos")
			m.Photo = append(m.Photo, PhotoSize{FileID: id, FileUniqueID: s.files[id].uniqueID, Width: side, Height: side, FileSize: int64(len(c))})
		}
	})
}

// SendDocument delivers a file from u; getFile and the file URL then serve content.
func (s *Server) SendDocument(u User, fileName, mimeType string, content []byte) Update {
	return s.play(u, func(m *IncomingMessage) {
		s.mu.Lock()
		defer s.mu.Unlock()
		id := s.addFileLocked(content, "documents")
		f := s.files[id]
		f.name = fileName
		s.files[id] = f
		m.Document = &Document{FileID: id, FileUniqueID: s.files[id].uniqueID, FileName: fileName, MimeType: mimeType, FileSize: int64(len(content))}
	})
}

// SendLocation delivers a shared location from u.
func (s *Server) SendLocation(u User, lat, lon float64) Update {
	return s.play(u, func(m *IncomingMessage) { m.Location = &Location{Latitude: lat, Longitude: lon} })
}

// SendVenue delivers a named place u shared from the map: Telegram sends its point too.
func (s *Server) SendVenue(u User, lat, lon float64, title, address string) Update {
	return s.play(u, func(m *IncomingMessage) {
		m.Location = &Location{Latitude: lat, Longitude: lon}
		m.Venue = &Venue{Location: *m.Location, Title: title, Address: address}
	})
}

// SendContact delivers u's own contact, as the "share my phone number" button sends it.
func (s *Server) SendContact(u User, phone string) Update {
	return s.play(u, func(m *IncomingMessage) {
		m.Contact = &Contact{PhoneNumber: phone, FirstName: u.FirstName, UserID: u.ID}
	})
}

// PressButton delivers u's press of a button with data on the bot's message msg. The data
// need not be on the message: a test may forge it, as a modified client could.
func (s *Server) PressButton(u User, msg Message, data string) Update {
	s.mu.Lock()
	s.nextQueryID++
	qid := fmt.Sprintf("%d%06d", u.ID, s.nextQueryID)
	s.queries[qid] = true
	s.pressed[[2]int64{msg.ChatID, msg.MessageID}] = time.Now()
	s.lastPress[msg.ChatID] = msg.MessageID
	var wire IncomingMessage
	found := false
	for _, m := range s.messages[msg.ChatID] {
		if m.MessageID == msg.MessageID {
			wire, found = s.wireLocked(m), true
		}
	}
	if !found {
		// A message the simulator never saw (forged): present it as the test described it.
		wire = IncomingMessage{MessageID: msg.MessageID, Chat: s.chatLocked(msg.ChatID), Date: time.Now().Unix(), Text: msg.Text}
	}
	return s.enqueueLocked(Update{CallbackQuery: &CallbackQuery{ID: qid, From: u, Message: &wire,
		ChatInstance: fmt.Sprintf("ci%d", msg.ChatID), Data: data}}, false)
}

// SetBlocked has u block the bot (or unblock it): the bot is told with a my_chat_member
// update, and while blocked every message to u is answered 403, as Telegram does.
func (s *Server) SetBlocked(u User, blocked bool) Update {
	old, now := "member", "kicked"
	if !blocked {
		old, now = now, old
	}
	me := User{ID: s.botID, IsBot: true, FirstName: "bangban", Username: s.botUsername}
	s.mu.Lock()
	s.blocked[u.ID] = blocked
	return s.enqueueLocked(Update{MyChatMember: &ChatMemberUpdated{Chat: Chat{ID: u.ID, Type: "private", FirstName: u.FirstName},
		From: u, Date: time.Now().Unix(), OldChatMember: ChatMember{Status: old, User: me}, NewChatMember: ChatMember{Status: now, User: me}}}, false)
}

func (s *Server) play(u User, fill func(*IncomingMessage)) Update {
	m := &IncomingMessage{From: &u, Chat: Chat{ID: u.ID, Type: "private", FirstName: u.FirstName, LastName: u.LastName, Username: u.Username},
		Date: time.Now().Unix()}
	fill(m)
	s.mu.Lock()
	delete(s.lastPress, u.ID)
	s.nextMsgID[u.ID]++
	m.MessageID = s.nextMsgID[u.ID]
	upd := s.enqueueLocked(Update{Message: m}, false)
	return upd
}

// enqueueLocked gives upd the next update_id (unless again) and, in getUpdates mode, queues it
// in the same critical section: the queue is then always in update_id order, as the bot's
// offset assumes. In webhook mode it POSTs the update after unlocking. s.mu must be held; it
// is released.
func (s *Server) enqueueLocked(upd Update, again bool) Update {
	if !again {
		s.nextUpdateID++
		upd.UpdateID = s.nextUpdateID
	}
	url, secret, client := s.webhookURL, s.webhookSec, s.client
	if url == "" {
		s.queue = append(s.queue, queued{upd: upd, again: again})
		s.broadcastLocked()
		s.mu.Unlock()
		return upd
	}
	s.mu.Unlock()
	code := s.post(client, url, upd, secret)
	s.mu.Lock()
	s.lastWebhook = code
	s.statuses[upd.UpdateID] = code
	s.mu.Unlock()
	return upd
}

// Deliver hands an update to the bot as it asked: POSTed to its webhook (returning the HTTP
// status, after the bot answered) or queued for getUpdates (returning 0). The update keeps
// the update_id it has.
func (s *Server) Deliver(upd Update) int {
	return s.deliver(upd)
}

// Redeliver delivers an update again with its update_id unchanged, as Telegram does after a
// webhook timeout or when a poller restarts before confirming what it fetched.
func (s *Server) Redeliver(upd Update) int {
	return s.deliver(upd)
}

func (s *Server) deliver(upd Update) int {
	s.mu.Lock()
	if upd.CallbackQuery != nil {
		s.queries[upd.CallbackQuery.ID] = true
	}
	polling := s.webhookURL == ""
	s.enqueueLocked(upd, true)
	if polling {
		return 0
	}
	return s.WebhookStatus(upd)
}

// PostWebhook POSTs upd to the registered webhook with the given secret header (omitted when
// empty) and returns the HTTP status; for tests of a forged or misconfigured sender.
func (s *Server) PostWebhook(upd Update, secret string) int {
	s.mu.Lock()
	url, client := s.webhookURL, s.client
	s.mu.Unlock()
	if url == "" {
		return 0
	}
	return s.post(client, url, upd, secret)
}

// Telegram opens at most max_connections connections at once to a webhook (setWebhook: 1 to
// 100, 40 when not given), and sends an update only on one of them: while all are waiting for
// the bot's answers, the next update waits too.
const (
	defaultWebhookConnections = 40
	maxWebhookConnections     = 100
)

// webhookClient posts updates over at most conns connections, kept open between updates.
func webhookClient(conns int) *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 90 * time.Second}}
}

func (s *Server) post(client *http.Client, url string, upd Update, secret string) int {
	body, _ := json.Marshal(upd)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer func() {
		// Read to the end, for the connection to take the next update.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}()
	if resp.StatusCode == http.StatusOK {
		s.replyMethod(resp)
	}
	return resp.StatusCode
}

// webhookReplyKey marks, in a request's context, a method carried out from a webhook answer.
type webhookReplyKey struct{}

// replyMethod carries out the method a bot may give in its answer to a webhook delivery, as
// Telegram does: a JSON object whose "method" names it, beside its parameters. Telegram gives
// the bot no result, nor any error; the call is on record, marked InReply, and refused as a
// call of the method would be (an unknown method, a parameter too long, a limit).
func (s *Server) replyMethod(resp *http.Response) {
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "application/json" {
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return
	}
	var method string
	if json.Unmarshal(m["method"], &method) != nil || method == "" || method == "getUpdates" {
		return
	}
	delete(m, "method")
	params, _ := json.Marshal(m)
	ctx := context.WithValue(context.Background(), webhookReplyKey{}, true)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/bot"+replyToken+"/"+method, bytes.NewReader(params))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	s.serveHTTP(httptest.NewRecorder(), req)
}

// replyToken stands in the path of a method from a webhook answer, which comes without one.
const replyToken = "0:webhook-reply"

func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}

// pngBytes is a valid 1×1 PNG, served for every simulated photo.
var pngBytes = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
	0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
	0xae, 0x42, 0x60, 0x82,
}
