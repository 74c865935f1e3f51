package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a running simulator. All its methods are safe for concurrent use.
type Server struct {
	http     *http.Server
	listener net.Listener
	url      string
	client   *http.Client

	botID       int64
	botUsername string

	mu           sync.Mutex
	changed      chan struct{}           // closed and replaced whenever anything is recorded
	chatChanged  map[int64]chan struct{} // closed and dropped whenever a chat's messages change
	closed       bool
	nextUpdateID int64
	nextMsgID    map[int64]int64 // per chat; users and the bot share one sequence, as in Telegram
	nextFileID   int64
	nextGroup    int
	// lastPress is, for each private chat whose latest update was a press, the message pressed.
	lastPress   map[int64]int64
	nextQueryID int64
	messages    map[int64][]*Message
	calls       []Call
	queue       []queued // updates waiting for getUpdates
	webhookURL  string
	webhookSec  string
	lastWebhook int
	statuses    map[int64]int // the status of each update's latest webhook delivery
	faults      map[string][]fault
	delays      map[string]time.Duration
	inFlight    map[string]int // delayed calls not yet answered
	files       map[string]file
	queries     map[string]bool
	pressed     map[[2]int64]time.Time // chat and message: when a button of it was last pressed
	chatDelays  map[int64]time.Duration
	commands    map[string]string // language_code + "|" + scope -> commands JSON
	limits      *limits           // Telegram's send limits, when enforced
	throttled   int               // 429s answered for breaking them
	flaky       map[string]flakiness
	blocked     map[int64]bool // private chats whose person blocked the bot
	chats       map[int64]Chat // groups and supergroups played, by id
	rng         *rand.Rand
}

// limits are the send limits the simulator enforces, and what it has seen sent.
type limits struct {
	perSecond      int
	chatGap        time.Duration
	groupPerMinute int
	chatBurst      int                   // messages a private chat may take at once
	tatAll         time.Time             // all chats: when the next message is due, over time
	tatToChat      map[int64]time.Time   // private chats: when the next message is due, over time
	toGroup        map[int64][]time.Time // groups, the last minute
}

// flakiness is a share of a method's calls answered with an error.
type flakiness struct {
	fraction   float64
	code       int
	retryAfter int
}

type queued struct {
	upd Update
	// again marks a redelivery: served once even though its update_id is below the offset
	// the bot confirmed, as when a bot restarts before confirming what it had fetched.
	again bool
}

type fault struct {
	code        int
	retryAfter  int
	description string // when set, instead of the code's usual one
}

type file struct {
	uniqueID string
	path     string
	content  []byte
	// name is the document's file name, as sent or uploaded ("" for a photo): Telegram keeps
	// it with the file, so a document sent again by its id shows it too.
	name string
	// forgotten: the id is no longer accepted, as after the bot's token changed.
	forgotten bool
	// size is what Telegram says of the file when it is more than content holds (a file too
	// big for a bot to download, played without allocating it); 0: len(content).
	size int64
	// failDownloads is how many downloads of the file are still to fail (-1: all of them);
	// downloads counts the downloads asked for, failed or not.
	failDownloads int
	downloads     int
}

// sizeOf is the file's size as Telegram gives it.
func (f file) sizeOf() int64 {
	if f.size > 0 {
		return f.size
	}
	return int64(len(f.content))
}

// MaxDownload is the largest file the Bot API lets a bot download: getFile refuses a bigger
// one with "file is too big".
const MaxDownload = 20 << 20

// Option configures a Server.
type Option func(*Server)

// WithBot sets the bot's id and username (defaults 7000000001, "bangban_bot").
func WithBot(id int64, username string) Option {
	return func(s *Server) { s.botID, s.botUsername = id, username }
}

// WithListener serves on l instead of a fresh 127.0.0.1 port (the demo binds a fixed
// address).
func WithListener(l net.Listener) Option {
	return func(s *Server) { s.listener = l }
}

// New starts a simulator, by default on 127.0.0.1 with a random port.
func New(opts ...Option) *Server {
	s := &Server{
		botID: 7000000001, botUsername: "bangban_bot",
		changed: make(chan struct{}), chatChanged: map[int64]chan struct{}{}, lastPress: map[int64]int64{}, nextMsgID: map[int64]int64{}, messages: map[int64][]*Message{},
		faults: map[string][]fault{}, delays: map[string]time.Duration{}, inFlight: map[string]int{}, files: map[string]file{}, queries: map[string]bool{}, pressed: map[[2]int64]time.Time{}, chatDelays: map[int64]time.Duration{},
		commands: map[string]string{}, statuses: map[int64]int{}, flaky: map[string]flakiness{}, blocked: map[int64]bool{}, chats: map[int64]Chat{}, rng: rand.New(rand.NewPCG(1, 2)),
		client: webhookClient(defaultWebhookConnections),
	}
	for _, o := range opts {
		o(s)
	}
	if s.listener == nil {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(fmt.Sprintf("telegramtest: listen: %v", err))
		}
		s.listener = l
	}
	s.url = "http://" + s.listener.Addr().String()
	s.http = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(s.listener) }()
	return s
}

// URL is the base URL to give the bot as its Bot API URL.
func (s *Server) URL() string { return s.url }

// BotUsername is the simulated bot's username.
func (s *Server) BotUsername() string { return s.botUsername }

// Close stops the server; long polls in progress return.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.broadcastLocked()
	for chat, ch := range s.chatChanged {
		close(ch)
		delete(s.chatChanged, chat)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
}

// Changed is closed at the next change of anything the simulator records (a call, a
// message, an update played): a page showing chats live waits on it, then looks again.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// broadcastLocked wakes everyone waiting for a change. s.mu must be held.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// chatChangedLocked wakes those waiting on one chat's messages. s.mu must be held.
func (s *Server) chatChangedLocked(chat int64) {
	if ch, ok := s.chatChanged[chat]; ok {
		close(ch)
		delete(s.chatChanged, chat)
	}
	s.broadcastLocked()
}

// waitChat is wait for a condition on one chat's messages: it wakes only when they change,
// so that many simulated people waiting at once cost little.
func (s *Server) waitChat(ctx context.Context, chat int64, cond func() bool) error {
	return s.waitOn(ctx, cond, func() chan struct{} {
		ch, found := s.chatChanged[chat]
		if !found {
			ch = make(chan struct{})
			s.chatChanged[chat] = ch
		}
		return ch
	})
}

// wait blocks until cond (checked under the lock) holds, or ctx ends.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	return s.waitOn(ctx, cond, func() chan struct{} { return s.changed })
}

// waitOn blocks until cond holds, looking again each time the channel that changed gives
// (both under the lock) is closed, or until ctx ends.
func (s *Server) waitOn(ctx context.Context, cond func() bool, changed func() chan struct{}) error {
	for {
		s.mu.Lock()
		ok, ch, closed := cond(), changed(), s.closed
		s.mu.Unlock()
		if ok {
			return nil
		}
		if closed {
			return fmt.Errorf("telegramtest: server closed")
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitAnswer waits for what answers a press on the bot's message m in m's chat: the first of
// the messages after the first n of the chat, or m itself edited into another text (the
// prompt pressed turned into the next one). An edit that only takes m's buttons off is not an
// answer.
func (s *Server) WaitAnswer(ctx context.Context, m Message, n int) (Message, error) {
	var found Message
	err := s.waitChat(ctx, m.ChatID, func() bool {
		ms := s.messagesLocked(m.ChatID)
		if len(ms) > n {
			found = ms[n]
			return true
		}
		for _, x := range ms {
			if x.MessageID == m.MessageID && x.Edits > m.Edits && x.Text != m.Text {
				found = x
				return true
			}
		}
		return false
	})
	return found, err
}

// RefuseNext makes the next call of method fail with 400 and the given description, as
// Telegram refuses a request it will never take ("Bad Request: message is not modified").
func (s *Server) RefuseNext(method, description string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fault{code: http.StatusBadRequest, description: description})
}

// FailNext makes the next n calls of method fail with HTTP code: a 429 carries retry_after.
// Faults queue up: FailNext(m, 1, 429, 1) then FailNext(m, 1, 502, 0) fails the next call with
// 429 and the one after with 502.
func (s *Server) FailNext(method string, n int, code int, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{code: code, retryAfter: retryAfter})
	}
}

// PressWindow is how long after a press an edit of the pressed message is its answer.
const PressWindow = 30 * time.Second

// ChatBurst is how many messages in a row a private chat takes before the simulator holds it
// to one per chatGap: Telegram asks for about one a second to a chat over time and tolerates
// short bursts.
const ChatBurst = 5

// EnforceLimits makes the simulator keep Telegram's send limits as Telegram does: a message
// (sendMessage, sendPhoto, editMessageText, editMessageReplyMarkup) that would run more than
// a second's worth ahead of perSecond in all, more than ChatBurst ahead of one per chatGap to the same
// private chat, or make more than groupPerMinute to one group in the last minute is answered
// 429 with retry_after. An edit of a message whose button was pressed in the last
// PressWindow (the message in question of the press) counts in its chat's limits only, not in
// perSecond, which is for messages sent in bulk.
func (s *Server) EnforceLimits(perSecond int, chatGap time.Duration, groupPerMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = &limits{perSecond: perSecond, chatGap: chatGap, groupPerMinute: groupPerMinute, chatBurst: ChatBurst,
		tatToChat: map[int64]time.Time{}, toGroup: map[int64][]time.Time{}}
}

// Throttled is how many calls were answered 429 for breaking the enforced limits.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// FailRandomly answers a fraction of the later calls of method with HTTP code (a 429 with
// retry_after), at random but the same from run to run; fraction 0 stops it.
func (s *Server) FailRandomly(method string, fraction float64, code int, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flaky[method] = flakiness{fraction: fraction, code: code, retryAfter: retryAfter}
}

// limited are the methods the limits count: each call one message, an album included.
var limited = map[string]bool{"sendMessage": true, "sendPhoto": true, "sendDocument": true, "sendLocation": true,
	"sendMediaGroup": true, "editMessageText": true, "editMessageReplyMarkup": true}

// inPlaceLocked tells an edit of the message whose button was pressed within PressWindow: the
// answer in place to a press, which the limit for all chats does not count.
func (s *Server) inPlaceLocked(method string, params map[string]string, now time.Time) bool {
	if !strings.HasPrefix(method, "edit") {
		return false
	}
	chat, _ := strconv.ParseInt(params["chat_id"], 10, 64)
	msg, _ := strconv.ParseInt(params["message_id"], 10, 64)
	at, ok := s.pressed[[2]int64{chat, msg}]
	return ok && now.Sub(at) < PressWindow
}

// overLimitLocked tells whether a message to chat now breaks the enforced limits, and counts
// it as sent when it does not.
func (s *Server) overLimitLocked(method string, params map[string]string, now time.Time) bool {
	if s.limits == nil || !limited[method] {
		return false
	}
	l := s.limits
	chat, _ := strconv.ParseInt(params["chat_id"], 10, 64)
	inPlace := s.inPlaceLocked(method, params, now)
	// All chats: GCRA too, one message every 1/perSecond over time, with a second's worth
	// at once tolerated (messages bunched on their way, by a pause of the network or of the
	// bot), so that only a rate above perSecond over time is refused.
	every := time.Second / time.Duration(l.perSecond)
	tatAll := l.tatAll
	if tatAll.Before(now) {
		tatAll = now
	}
	if !inPlace && tatAll.Sub(now) > time.Duration(l.perSecond-1)*every {
		return true
	}
	if chat < 0 {
		var kept []time.Time
		for _, t := range l.toGroup[chat] {
			if now.Sub(t) < time.Minute {
				kept = append(kept, t)
			}
		}
		if len(kept) >= l.groupPerMinute {
			l.toGroup[chat] = kept
			return true
		}
		l.toGroup[chat] = append(kept, now)
	} else {
		// GCRA: a message is due one chatGap after the one before, over time; it may come up
		// to chatBurst-1 gaps early.
		tat := l.tatToChat[chat]
		if tat.Before(now) {
			tat = now
		}
		if tat.Sub(now) > time.Duration(l.chatBurst-1)*l.chatGap {
			return true
		}
		l.tatToChat[chat] = tat.Add(l.chatGap)
	}
	if !inPlace {
		l.tatAll = tatAll.Add(every)
	}
	return false
}

// SetDelay makes every later call of method wait d before it is answered (0 removes the
// delay): a slow Telegram, for tests of what is in flight when the bot stops.
func (s *Server) SetDelay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[method] = d
}

// SetChatDelay makes every later call about one chat (its chat_id) wait d before it is answered
// (0 removes the delay): Telegram slow, or hanging, for one chat only.
func (s *Server) SetChatDelay(chat int64, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatDelays[chat] = d
}

// WaitInFlight waits until a delayed call of method has arrived and is being held.
func (s *Server) WaitInFlight(ctx context.Context, method string) error {
	return s.wait(ctx, func() bool { return s.inFlight[method] > 0 })
}

// Calls returns every call so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Params = maps.Clone(c.Params)
		out[i] = c
	}
	return out
}

// CallsFrom returns the calls after the first n, in order: a test that follows the calls as
// they come keeps how many it has read and copies only what is new.
func (s *Server) CallsFrom(n int) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n >= len(s.calls) {
		return nil
	}
	out := make([]Call, len(s.calls)-n)
	for i, c := range s.calls[n:] {
		c.Params = maps.Clone(c.Params)
		out[i] = c
	}
	return out
}

// CallsTo returns the calls of one method.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// CallbackAnswers returns the answerCallbackQuery calls.
func (s *Server) CallbackAnswers() []Call { return s.CallsTo("answerCallbackQuery") }

// WaitCall waits for a call of method that match accepts, including calls already made.
func (s *Server) WaitCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	var found Call
	err := s.wait(ctx, func() bool {
		for _, c := range s.calls {
			if c.Method == method && match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// Messages returns the bot's messages to a chat, in the order sent, with edits applied.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID)
}

func (s *Server) messagesLocked(chatID int64) []Message {
	var out []Message
	for _, m := range s.messages[chatID] {
		if !m.Deleted {
			c := *m
			c.Buttons = copyButtons(m.Buttons)
			out = append(out, c)
		}
	}
	return out
}

// WaitMessages waits until the bot has sent at least n messages to the chat.
func (s *Server) WaitMessages(ctx context.Context, chatID int64, n int) ([]Message, error) {
	var out []Message
	err := s.waitChat(ctx, chatID, func() bool {
		out = s.messagesLocked(chatID)
		return len(out) >= n
	})
	return out, err
}

// MustWaitMessages is WaitMessages for tests: it waits up to 10 s and fails tb with what the
// chat did get.
func (s *Server) MustWaitMessages(tb interface {
	Helper()
	Fatalf(string, ...any)
}, chatID int64, n int) []Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := s.WaitMessages(ctx, chatID, n)
	if err != nil {
		var texts []string
		for _, m := range msgs {
			texts = append(texts, fmt.Sprintf("%q", m.Text))
		}
		tb.Fatalf("chat %d: waited for %d bot messages, got %d [%s]: %v", chatID, n, len(msgs), strings.Join(texts, ", "), err)
	}
	return msgs
}

// ForgetFileIDs makes every file id given out so far unknown from now on, as the ids a bot
// kept are to a new token of it: sending by one, or getFile, is refused as Telegram refuses
// it. Files uploaded later get new ids.
func (s *Server) ForgetFileIDs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, f := range s.files {
		f.forgotten = true
		s.files[id] = f
	}
}

// FileContent is the content of a file the simulator holds (one the bot uploaded, or one a
// played user sent), or nil.
func (s *Server) FileContent(fileID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.files[fileID]; ok {
		return append([]byte(nil), f.content...)
	}
	return nil
}

// LastWebhookStatus is the HTTP status of the last webhook delivery (0 before any).
func (s *Server) LastWebhookStatus() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastWebhook
}

// WebhookStatus is the HTTP status of the latest webhook delivery of upd (0 before any, or
// when the bot gave no answer). Where several people act at once, it tells what became of
// each one's update, as LastWebhookStatus cannot: Telegram delivers again an update whose
// delivery did not get a 2xx.
func (s *Server) WebhookStatus(upd Update) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statuses[upd.UpdateID]
}

// Commands returns the command menu set for a language code ("" for the default), as JSON.
func (s *Server) Commands(languageCode string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[languageCode+"|"]
}

// ChatCommands returns the command menu set for one chat, as JSON ("" when none is).
func (s *Server) ChatCommands(chatID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands["|chat:"+strconv.FormatInt(chatID, 10)]
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if rest, ok := strings.CutPrefix(path, "file/bot"); ok {
		s.serveFile(w, rest)
		return
	}
	rest, ok := strings.CutPrefix(path, "bot")
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", 0)
		return
	}
	_, method, ok := strings.Cut(rest, "/")
	if !ok || method == "" {
		writeError(w, http.StatusNotFound, "Not Found", 0)
		return
	}
	// A method the bot put in its answer to a webhook delivery is kept as such.
	inReply := r.Context().Value(webhookReplyKey{}) != nil
	params, uploads, err := parseParams(r)
	if err != nil {
		s.record(method, params, http.StatusBadRequest, inReply)
		writeError(w, http.StatusBadRequest, "Bad Request: "+err.Error(), 0)
		return
	}
	s.mu.Lock()
	delay := s.delays[method]
	if chat, err := strconv.ParseInt(params["chat_id"], 10, 64); err == nil && s.chatDelays[chat] > 0 && method != "getUpdates" {
		delay = max(delay, s.chatDelays[chat])
	}
	if delay > 0 {
		s.inFlight[method]++
		s.broadcastLocked()
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		s.mu.Lock()
		s.inFlight[method]--
		s.mu.Unlock()
		if r.Context().Err() != nil {
			return
		}
	}
	s.mu.Lock()
	if fs := s.faults[method]; len(fs) > 0 {
		f := fs[0]
		s.faults[method] = fs[1:]
		s.recordCallLocked(method, params, f.code, inReply)
		s.mu.Unlock()
		writeError(w, f.code, faultDescription(f), f.retryAfter)
		return
	}
	if fl, ok := s.flaky[method]; ok && fl.fraction > 0 && s.rng.Float64() < fl.fraction {
		f := fault{code: fl.code, retryAfter: fl.retryAfter}
		s.recordCallLocked(method, params, f.code, inReply)
		s.mu.Unlock()
		writeError(w, f.code, faultDescription(f), f.retryAfter)
		return
	}
	if chat, _ := strconv.ParseInt(params["chat_id"], 10, 64); s.blocked[chat] && (method == "sendMessage" || method == "sendPhoto") {
		f := fault{code: http.StatusForbidden}
		s.recordCallLocked(method, params, f.code, inReply)
		s.mu.Unlock()
		writeError(w, f.code, faultDescription(f), 0)
		return
	}
	if s.overLimitLocked(method, params, time.Now()) {
		s.throttled++
		f := fault{code: http.StatusTooManyRequests, retryAfter: 1}
		s.recordCallLocked(method, params, f.code, inReply)
		s.mu.Unlock()
		writeError(w, f.code, faultDescription(f), f.retryAfter)
		return
	}
	s.mu.Unlock()

	if method == "getUpdates" {
		s.getUpdates(w, r, params)
		return
	}
	result, code, desc := s.call(method, params, uploads)
	s.record(method, params, code, inReply)
	if code != http.StatusOK {
		writeError(w, code, desc, 0)
		return
	}
	writeResult(w, result)
}

func (s *Server) record(method string, params map[string]string, status int, inReply bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordCallLocked(method, params, status, inReply)
	// Those waiting on the chat wake now, not when its messages changed: the call that changed
	// them is on record by the time they look.
	if chat, err := strconv.ParseInt(params["chat_id"], 10, 64); err == nil {
		s.chatChangedLocked(chat)
	}
}

func (s *Server) recordLocked(method string, params map[string]string, status int) {
	s.recordCallLocked(method, params, status, false)
}

func (s *Server) recordCallLocked(method string, params map[string]string, status int, inReply bool) {
	now := time.Now()
	c := Call{Method: method, Params: params, At: now, Status: status, InReply: inReply}
	if strings.HasPrefix(method, "edit") {
		chat, _ := strconv.ParseInt(params["chat_id"], 10, 64)
		msg, _ := strconv.ParseInt(params["message_id"], 10, 64)
		c.InPlace = msg != 0 && s.lastPress[chat] == msg
	}
	s.calls = append(s.calls, c)
	s.broadcastLocked()
}

func faultDescription(f fault) string {
	if f.description != "" {
		return f.description
	}
	switch f.code {
	case http.StatusTooManyRequests:
		return fmt.Sprintf("Too Many Requests: retry after %d", f.retryAfter)
	case http.StatusBadRequest:
		return "Bad Request: simulated failure"
	case http.StatusForbidden:
		return "Forbidden: bot was blocked by the user"
	case http.StatusBadGateway:
		return "Bad Gateway"
	case http.StatusInternalServerError:
		return "Internal Server Error"
	default:
		return http.StatusText(f.code)
	}
}

func writeResult(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func writeError(w http.ResponseWriter, code int, desc string, retryAfter int) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// parseParams reads a request's fields from any of the encodings the Bot API accepts:
// multipart form (what go-telegram/bot sends), urlencoded form, JSON body and query string.
func parseParams(r *http.Request) (map[string]string, map[string][]byte, error) {
	params := map[string]string{}
	uploads := map[string][]byte{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			if errors.Is(err, io.EOF) {
				// A method without parameters comes as an empty body; Telegram takes it.
				return params, uploads, nil
			}
			return params, nil, fmt.Errorf("malformed form: %w", err)
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return params, nil, err
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return params, nil, err
			}
			uploads[k] = b
			params[k] = "attach://" + fhs[0].Filename
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return params, nil, fmt.Errorf("malformed form: %w", err)
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	case "application/json":
		var m map[string]json.RawMessage
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return params, nil, err
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &m); err != nil {
				return params, nil, fmt.Errorf("malformed JSON: %w", err)
			}
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(v)
			}
		}
	}
	return params, uploads, nil
}

func (s *Server) serveFile(w http.ResponseWriter, rest string) {
	_, p, ok := strings.Cut(rest, "/")
	s.mu.Lock()
	var content []byte
	found, failed := false, false
	for id, f := range s.files {
		if ok && f.path == p && f.sizeOf() <= MaxDownload {
			content, found = f.content, true
			f.downloads++
			if f.failDownloads != 0 {
				failed = true
				if f.failDownloads > 0 {
					f.failDownloads--
				}
			}
			s.files[id] = f
			s.broadcastLocked()
			break
		}
	}
	s.mu.Unlock()
	switch {
	case !found:
		http.NotFound(w, nil)
	case failed:
		http.Error(w, "Bad Gateway", http.StatusBadGateway)
	default:
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		_, _ = w.Write(content)
	}
}

// AddFile gives the simulator a file, as if someone had sent it to the bot, and returns its
// file id and unique id, for a test that attaches it to a case without a message.
func (s *Server) AddFile(content []byte) (fileID, uniqueID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.addFileLocked(content, "documents")
	return id, s.files[id].uniqueID
}

// AddBigFile gives the simulator a file of size bytes, more than the Bot API lets a bot
// download (getFile refuses it, as Telegram does), without holding that much.
func (s *Server) AddBigFile(size int64) (fileID, uniqueID string) {
	if size <= MaxDownload {
		panic("telegramtest: AddBigFile is for files over MaxDownload; use AddFile")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.addFileLocked([]byte("too big to download"), "documents")
	f := s.files[id]
	f.size = size
	s.files[id] = f
	return id, f.uniqueID
}

// FailDownloads makes the next n downloads of a file fail with 502, as when Telegram's file
// servers are in trouble; n < 0 makes every download of it fail from now on. getFile still
// answers.
func (s *Server) FailDownloads(fileID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[fileID]
	if !ok {
		panic("telegramtest: FailDownloads of an unknown file " + fileID)
	}
	f.failDownloads = n
	s.files[fileID] = f
}

// Downloads is how many times a file's content was asked for at its download URL, failed or
// not.
func (s *Server) Downloads(fileID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[fileID].downloads
}

func atoi64(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}
