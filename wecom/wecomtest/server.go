package wecomtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WeCom's error codes the simulator answers with.
const (
	CodeInvalidCredential = 40001 // wrong corpsecret
	CodeInvalidToken      = 40014
	CodeTokenExpired      = 42001
	CodeInvalidUser       = 81013
	CodeContentTooLong    = 45002
	CodeBadMedia          = 40007
	CodeBadResponseCode   = 40120 // a card's response code unknown, used, or not the user's
	CodeBadCard           = 40058 // a card missing what its type needs
	CodeInvalidOAuthCode  = 40029 // an OAuth2 code unknown, used already or expired
	CodeBusy              = -1    // 系统繁忙: WeCom cannot take the call now
	CodeNoSuchUser        = 60111 // user/get of a userid the corporation has not
)

// MaxText is the most bytes a text message may hold.
const MaxText = 2048

// Options describe the app the simulator plays WeCom for. Zero values take defaults.
type Options struct {
	CorpID  string // default "wwbangbantest"
	AgentID int64  // default 1000002
	Secret  string // default "test-secret"
	Token   string // default "testtoken"
	// AESKey defaults to a fixed 43-character key.
	AESKey string
	// TokenTTL is the expires_in of the tokens issued. Default 7200 s.
	TokenTTL time.Duration
}

// Message is one app message a member was sent.
type Message struct {
	MsgID   string
	Type    string // text, image, file, template_card
	Text    string // a text's content
	MediaID string
	Card    *Card
}

// Card is a button-interaction template card as sent, and as updated once pressed.
type Card struct {
	TaskID   string
	Text     string
	Title    string
	Buttons  []Button
	Pressed  string // the key pressed, "" before
	Replaced string // the one button's text after an update, "" before
}

// Button is one of a card's buttons.
type Button struct{ Text, Key string }

// Server is the simulator.
type Server struct {
	opts Options
	srv  *httptest.Server

	mu          sync.Mutex
	callbackURL string
	users       map[string]bool
	names       map[string]string    // userid → the name user/get gives
	tokens      map[string]time.Time // token → expiry
	fetches     int
	calls       map[string]int
	msgs        map[string][]*Message
	cards       map[string]*Card  // by task id
	cardUser    map[string]string // task id → userid
	codes       map[string]string // response code → task id
	media       map[string][]byte // media id → content
	mediaName   map[string]string // media id → the file's name, when it had one
	oauth       map[string]oauthCode
	failNext    map[string]int // userid → the errcode their next message is refused with
	seq         int64
	changed     chan struct{}
	hold        time.Duration // how long WeCom waits for the app's answer
	client      *http.Client
}

// New starts a simulator on 127.0.0.1.
func New(opts Options) *Server {
	if opts.CorpID == "" {
		opts.CorpID = "wwbangbantest"
	}
	if opts.AgentID == 0 {
		opts.AgentID = 1000002
	}
	if opts.Secret == "" {
		opts.Secret = "test-secret"
	}
	if opts.Token == "" {
		opts.Token = "testtoken"
	}
	if opts.AESKey == "" {
		opts.AESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 7200 * time.Second
	}
	s := &Server{opts: opts, users: map[string]bool{}, names: map[string]string{}, tokens: map[string]time.Time{}, calls: map[string]int{},
		msgs: map[string][]*Message{}, cards: map[string]*Card{}, cardUser: map[string]string{}, codes: map[string]string{},
		media: map[string][]byte{}, mediaName: map[string]string{}, oauth: map[string]oauthCode{}, failNext: map[string]int{},
		changed: make(chan struct{}), hold: 5 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/gettoken", s.gettoken)
	mux.HandleFunc("POST /cgi-bin/message/send", s.send)
	mux.HandleFunc("POST /cgi-bin/message/update_template_card", s.updateCard)
	mux.HandleFunc("POST /cgi-bin/media/upload", s.upload)
	mux.HandleFunc("GET /cgi-bin/media/get", s.getMedia)
	mux.HandleFunc("GET /cgi-bin/auth/getuserinfo", s.getUserInfo)
	mux.HandleFunc("GET /cgi-bin/user/get", s.getUser)
	s.srv = httptest.NewUnstartedServer(mux)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s.srv.Listener = l
	s.srv.Start()
	s.client = &http.Client{Timeout: s.hold}
	return s
}

// URL is the API's base URL (WECOM_API_URL).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the simulator.
func (s *Server) Close() { s.srv.Close() }

// Options are the app's settings as the simulator has them.
func (s *Server) Options() Options { return s.opts }

// SetCallbackURL is the app's callback URL (its 接收消息 setting).
func (s *Server) SetCallbackURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackURL = u
}

// AddUser makes userid a member who may use the app.
func (s *Server) AddUser(userid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[userid] = true
}

// AddMember makes userid a member who may use the app, whose name user/get gives (AddUser's
// get none, as an app created after mid-2022 is given).
func (s *Server) AddMember(userid, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[userid], s.names[userid] = true, name
}

// FailNextSend makes the next message sent to userid refused with errcode (CodeBusy, as
// WeCom answers when it cannot take it now; CodeInvalidUser…), once.
func (s *Server) FailNextSend(userid string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[userid] = errcode
}

// ExpireTokens makes every token issued so far expired: WeCom answers 42001 to it.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = time.Time{}
	}
}

// TokenFetches is how many tokens gettoken issued.
func (s *Server) TokenFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// Calls is how many times a method was called ("message/send"…), refused calls included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Messages are the messages userid was sent, oldest first (copies).
func (s *Server) Messages(userid string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.msgs[userid]))
	for _, m := range s.msgs[userid] {
		c := *m
		if m.Card != nil {
			cc := *m.Card
			c.Card = &cc
		}
		out = append(out, c)
	}
	return out
}

// WaitFor waits until userid's messages satisfy ok, and returns them; it fails after
// timeout with what was sent.
func (s *Server) WaitFor(userid string, timeout time.Duration, ok func([]Message) bool) ([]Message, error) {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if msgs := s.Messages(userid); ok(msgs) {
			return msgs, nil
		}
		select {
		case <-ch:
		case <-deadline:
			return s.Messages(userid), fmt.Errorf("wecomtest: %s was not sent what was waited for in %s", userid, timeout)
		}
	}
}

// notify wakes the waiters; s.mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	s.seq++
	return prefix + strconv.FormatInt(s.seq, 10) + hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

func (s *Server) gettoken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["gettoken"]++
	q := r.URL.Query()
	if q.Get("corpid") != s.opts.CorpID || q.Get("corpsecret") != s.opts.Secret {
		apiErr(w, CodeInvalidCredential, "invalid credential")
		return
	}
	tok := s.newID("tok")
	s.tokens[tok] = time.Now().Add(s.opts.TokenTTL)
	s.fetches++
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": int(s.opts.TokenTTL.Seconds())})
}

// checkToken answers the call's token problem, if any; s.mu held.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("access_token")
	exp, ok := s.tokens[tok]
	switch {
	case tok == "":
		apiErr(w, 41001, "access_token missing")
	case !ok:
		apiErr(w, CodeInvalidToken, "invalid access_token")
	case time.Now().After(exp):
		apiErr(w, CodeTokenExpired, "access_token expired")
	default:
		return true
	}
	return false
}

// agentOf reads an agentid given as a number or a string.
func agentOf(raw json.RawMessage) int64 {
	n, _ := strconv.ParseInt(strings.Trim(string(raw), `"`), 10, 64)
	return n
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["message/send"]++
	if !s.checkToken(w, r) {
		return
	}
	var req struct {
		ToUser  string          `json:"touser"`
		MsgType string          `json:"msgtype"`
		AgentID json.RawMessage `json:"agentid"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
		Image struct {
			MediaID string `json:"media_id"`
		} `json:"image"`
		File struct {
			MediaID string `json:"media_id"`
		} `json:"file"`
		TemplateCard struct {
			CardType  string `json:"card_type"`
			MainTitle struct {
				Title string `json:"title"`
			} `json:"main_title"`
			SubTitleText string `json:"sub_title_text"`
			TaskID       string `json:"task_id"`
			ButtonList   []struct {
				Text string `json:"text"`
				Key  string `json:"key"`
			} `json:"button_list"`
		} `json:"template_card"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		apiErr(w, 47001, "data format error")
		return
	}
	if agentOf(req.AgentID) != s.opts.AgentID {
		apiErr(w, 40056, "invalid agentid")
		return
	}
	if code, ok := s.failNext[req.ToUser]; ok {
		delete(s.failNext, req.ToUser)
		apiErr(w, code, "refused as the test asked")
		return
	}
	if !s.users[req.ToUser] {
		writeJSON(w, map[string]any{"errcode": CodeInvalidUser, "errmsg": "all touser invalid", "invaliduser": req.ToUser})
		return
	}
	m := &Message{Type: req.MsgType}
	switch req.MsgType {
	case "text":
		if len(req.Text.Content) > MaxText {
			apiErr(w, CodeContentTooLong, "content size out of limit")
			return
		}
		if req.Text.Content == "" {
			apiErr(w, 44004, "empty content")
			return
		}
		m.Text = req.Text.Content
	case "image", "file":
		m.MediaID = req.Image.MediaID + req.File.MediaID
		if _, ok := s.media[m.MediaID]; !ok {
			apiErr(w, CodeBadMedia, "invalid media_id")
			return
		}
	case "template_card":
		c := req.TemplateCard
		if c.CardType != "button_interaction" || c.TaskID == "" || len(c.ButtonList) == 0 || len(c.ButtonList) > 6 ||
			(c.MainTitle.Title == "" && c.SubTitleText == "") {
			apiErr(w, CodeBadCard, "invalid template_card")
			return
		}
		if _, dup := s.cards[c.TaskID]; dup {
			apiErr(w, CodeBadCard, "task_id exists")
			return
		}
		m.Card = &Card{TaskID: c.TaskID, Text: c.SubTitleText, Title: c.MainTitle.Title}
		for _, b := range c.ButtonList {
			m.Card.Buttons = append(m.Card.Buttons, Button{Text: b.Text, Key: b.Key})
		}
		s.cards[c.TaskID], s.cardUser[c.TaskID] = m.Card, req.ToUser
	default:
		apiErr(w, 40008, "invalid message type")
		return
	}
	m.MsgID = s.newID("msg")
	s.msgs[req.ToUser] = append(s.msgs[req.ToUser], m)
	s.notify()
	res := map[string]any{"errcode": 0, "errmsg": "ok", "msgid": m.MsgID}
	if m.Card != nil {
		// A button card's sending gives a code that updates it once (as a press's does).
		code := s.newID("rc")
		s.codes[code] = m.Card.TaskID
		res["response_code"] = code
	}
	writeJSON(w, res)
}

func (s *Server) updateCard(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["message/update_template_card"]++
	if !s.checkToken(w, r) {
		return
	}
	var req struct {
		UserIDs      []string `json:"userids"`
		ResponseCode string   `json:"response_code"`
		Button       struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		apiErr(w, 47001, "data format error")
		return
	}
	task, ok := s.codes[req.ResponseCode]
	if !ok || len(req.UserIDs) != 1 || s.cardUser[task] != req.UserIDs[0] || req.Button.ReplaceName == "" {
		apiErr(w, CodeBadResponseCode, "invalid response_code")
		return
	}
	delete(s.codes, req.ResponseCode)
	s.cards[task].Replaced = req.Button.ReplaceName
	s.notify()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	f, hdr, err := r.FormFile("media")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["media/upload"]++
	if !s.checkToken(w, r) {
		return
	}
	if err != nil || hdr.Size == 0 {
		apiErr(w, 41004, "media file missing")
		return
	}
	data, _ := io.ReadAll(f)
	id := s.newID("media")
	s.media[id] = data
	s.mediaName[id] = hdr.Filename
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "type": r.URL.Query().Get("type"), "media_id": id,
		"created_at": strconv.FormatInt(time.Now().Unix(), 10)})
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["media/get"]++
	if !s.checkToken(w, r) {
		return
	}
	data, ok := s.media[r.URL.Query().Get("media_id")]
	if !ok {
		apiErr(w, CodeBadMedia, "invalid media_id")
		return
	}
	w.Header().Set("Content-Type", http.DetectContentType(data))
	w.Header().Set("Content-Disposition", `attachment; filename="media"`)
	_, _ = w.Write(data)
}

// Media is the content of an uploaded media id, nil for one never uploaded.
func (s *Server) Media(id string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.media[id])
}

// MediaName is the file name an uploaded media id was sent under, "" for none.
func (s *Server) MediaName(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mediaName[id]
}

// Changed is closed when a member is next sent something or a card is updated.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// getUser answers user/get (读取成员): the member's userid and, when WeCom gives it, name.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["user/get"]++
	if !s.checkToken(w, r) {
		return
	}
	userid := r.URL.Query().Get("userid")
	if !s.users[userid] {
		apiErr(w, CodeNoSuchUser, "userid not found")
		return
	}
	res := map[string]any{"errcode": 0, "errmsg": "ok", "userid": userid}
	if name := s.names[userid]; name != "" {
		res["name"] = name
	}
	writeJSON(w, res)
}
