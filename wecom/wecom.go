package wecom

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// Options configure an App. Zero values have the defaults documented on each field.
type Options struct {
	// CorpID, AgentID and Secret are the corporation's id and the app's id and secret, for
	// the access token; Token and AESKey the app's callback settings (接收消息).
	CorpID  string
	AgentID int64
	Secret  string
	Token   string
	AESKey  string
	// CallbackPath is where WeCom posts the app's callbacks. Defaults to "/wecom".
	CallbackPath string
	// PublicURL is the server's address as members reach it (WECOM_PUBLIC_URL), where WeCom's
	// OAuth2 page sends a member who opened an invite link (BindPath under it). Without it no
	// such link is made: members bind by writing "绑定 CODE".
	PublicURL string
	// APIURL is WeCom's server API. Defaults to https://qyapi.weixin.qq.com; tests point it
	// at wecomtest.
	APIURL string

	Store *store.Store
	Redis redis.UniversalClient
	// Engine runs the dialogs for WeCom's chats. It should be an engine of its own (its own
	// KeyPrefix), so that its resume sweep sees WeCom's chats only, with a ReorderWindow:
	// WeCom posts one member's callbacks on connections of their own, in any order.
	Engine *dialog.Engine
	// KeyPrefix starts the app's Redis keys (token, callbacks seen, messages sent).
	// Defaults to "bangban:".
	KeyPrefix string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// HTTPClient calls the API. Defaults to one with a 15 s timeout.
	HTTPClient *http.Client
	// UpdateTimeout bounds the handling of one callback, replies included. Defaults to 30 s.
	UpdateTimeout time.Duration
	// ResumeEvery is how often chats left unfinished are looked for. Defaults to 2 s.
	ResumeEvery time.Duration
	// SendLimits are WeCom's limits as the app keeps them; zero fields take defaults.
	SendLimits SendLimits
	// AfterAnswer, when set, is called once a callback is answered, before its work begins;
	// false drops the work, as a process killed at that moment would (tests of what survives
	// it). Nil runs the work.
	AfterAnswer func() bool
}

// App is bangban's WeCom app: the callback handler and the sender.
type App struct {
	opts   Options
	log    *slog.Logger
	crypto *Crypto
	api    *api
	tr     *dialog.Translator
	keys   string // the app's Redis keys start so: prefix + "{wecom:<agent>}:"
	// bind are the words that bind an invite code, in every language.
	bind []string
	// users caches the userids of account numbers, which never change.
	users sync.Map
	// names caches the names members go by (WeCom's, or their userid when it gave none),
	// once WeCom was asked.
	names sync.Map
	// asking is the names being asked of WeCom now, one question a member.
	asking singleflight.Group
	// base is the context callbacks are handled in, answered before they are handled: it
	// outlives a stop, which waits for work in flight (work).
	base context.Context
	work sync.WaitGroup
	// stopped, under mu, refuses callbacks once Run has begun to wait for the work in hand.
	mu      sync.Mutex
	stopped bool
}

// MsgBindWord is the word that, before an invite code, binds it ("绑定 CODE"); each language's
// word is taken. MsgReplyNumber ends a numbered list of choices; MsgChoose heads a card whose
// text came before it.
const (
	MsgBindWord    = "wecom_bind_word"
	MsgReplyNumber = "wecom_reply_number"
	MsgChoose      = "wecom_choose"
	// MsgAdded tells a member an import bound, once, at their first contact with the app,
	// that they were added and as what.
	MsgAdded = "wecom_added"
	// MsgRetired is what a notice's card shows once its case has moved on.
	MsgRetired = "wecom_card_retired"
)

// New makes an App.
func New(ctx context.Context, opts Options) (*App, error) {
	if opts.Store == nil || opts.Redis == nil || opts.Engine == nil {
		return nil, errors.New("wecom: Store, Redis and Engine are required")
	}
	if opts.AgentID <= 0 || opts.Secret == "" {
		return nil, errors.New("wecom: agent id and secret are required")
	}
	c, err := NewCrypto(opts.Token, opts.AESKey, opts.CorpID)
	if err != nil {
		return nil, err
	}
	opts.CallbackPath = cmp.Or(opts.CallbackPath, "/wecom")
	opts.APIURL = cmp.Or(opts.APIURL, "https://qyapi.weixin.qq.com")
	opts.KeyPrefix = cmp.Or(opts.KeyPrefix, "bangban:")
	opts.Logger = cmp.Or(opts.Logger, slog.Default())
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	opts.UpdateTimeout = cmp.Or(opts.UpdateTimeout, 30*time.Second)
	opts.ResumeEvery = cmp.Or(opts.ResumeEvery, 2*time.Second)
	keys := opts.KeyPrefix + "{wecom:" + strconv.FormatInt(opts.AgentID, 10) + "}:"
	a := &App{opts: opts, log: opts.Logger, crypto: c, tr: opts.Engine.Translator(), keys: keys, base: context.WithoutCancel(ctx)}
	a.api = &api{base: opts.APIURL, corpID: opts.CorpID, secret: opts.Secret, agentID: opts.AgentID, http: opts.HTTPClient,
		rdb: opts.Redis, tokenKey: keys + "token", log: opts.Logger, limitKeys: keys + "lim:", lim: opts.SendLimits.withDefaults()}
	for _, l := range dialog.Languages {
		a.bind = append(a.bind, a.tr.T(l, MsgBindWord, nil))
	}
	return a, nil
}

// Engine is the engine the app runs the dialogs on.
func (a *App) Engine() *dialog.Engine { return a.opts.Engine }

// Path is where the app takes WeCom's callbacks.
func (a *App) Path() string { return a.opts.CallbackPath }

// Handler takes WeCom's callbacks: the URL check (GET, echostr) and the callbacks (POST).
// Each is checked against the app's signature first: a forged one is refused with 403 and
// nothing is done. A good callback is put in its chat's inbox in Redis (take), then answered
// with an empty 200, and handled after, so that no work, however slow, makes WeCom deliver it
// again, and none is lost by a process that dies after answering; one WeCom delivers again
// anyway is taken by its MsgId (an event by its sender, time and content) for the same
// update, which the engine applies once.
func (a *App) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
		switch r.Method {
		case http.MethodGet:
			echo, err := a.crypto.Open(sig, ts, nonce, q.Get("echostr"))
			if err != nil {
				a.refuse(w, r, err)
				return
			}
			_, _ = w.Write(echo)
		case http.MethodPost:
			a.callback(w, r, sig, ts, nonce)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (a *App) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrSignature) {
		a.log.Warn("wecom callback with a wrong signature refused", "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	a.log.Warn("wecom callback refused", "remote", r.RemoteAddr, "error", err)
	http.Error(w, "bad request", http.StatusBadRequest)
}

func (a *App) callback(w http.ResponseWriter, r *http.Request, sig, ts, nonce string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusBadRequest)
		return
	}
	env, err := parseEnvelope(body)
	if err != nil {
		a.refuse(w, r, err)
		return
	}
	plain, err := a.crypto.Open(sig, ts, nonce, env.Encrypt)
	if err != nil {
		a.refuse(w, r, err)
		return
	}
	cb, err := parseCallback(plain)
	if err != nil {
		a.refuse(w, r, err)
		return
	}
	if cb.AgentID != "" && cb.AgentID != strconv.FormatInt(a.opts.AgentID, 10) || cb.FromUserName == "" {
		return // another app's, or no one's: nothing to do
	}
	in, ok := cb.input(a.bind)
	if !ok {
		return
	}
	// The update id is taken before the answer, in the order the callbacks came, so that the
	// engine applies one member's callbacks in that order.
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	id, err := a.updateID(ctx, cb.dedupeKey())
	cancel()
	if err != nil {
		// WeCom will deliver it again: the callback is not taken.
		a.log.Error("wecom callback not taken", "error", err)
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	in.UpdateID = id
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		// Stopping: WeCom delivers it again, to a replica that is not.
		http.Error(w, "stopping", http.StatusServiceUnavailable)
		return
	}
	a.work.Add(1)
	a.mu.Unlock()
	ctx, cancel = context.WithTimeout(r.Context(), 3*time.Second)
	again, err := a.take(ctx, cb, &in)
	cancel()
	if err != nil {
		a.work.Done()
		a.log.Error("wecom callback not taken", "update_id", id, "error", err)
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
	go func() {
		defer a.work.Done()
		if a.opts.AfterAnswer != nil && !a.opts.AfterAnswer() {
			return
		}
		a.handle(cb, in, again)
	}()
}

// take makes a callback's input durable before WeCom is answered, for WeCom does not deliver
// again what it was answered: the member is numbered, a typed number becomes the press it
// stands for, and the input goes in its chat's inbox in Redis (Engine.Accept), where, should
// this process die before it applies it, the resume sweep of this replica or another finds
// it. again is set for an opening of the app by a member seen before, which has nothing to
// apply.
func (a *App) take(ctx context.Context, cb callback, in *dialog.Input) (again bool, err error) {
	account, created, err := a.opts.Store.WeComAccountNew(ctx, cb.FromUserName)
	if err != nil {
		return false, err
	}
	a.users.Store(account, cb.FromUserName)
	if cb.MsgType == "event" && cb.Event == "enter_agent" && !created {
		// WeCom tells of every opening of the app: only the first contact is welcomed (one an
		// import bound was numbered then, and is told what it gave them instead).
		return true, nil
	}
	in.ChatID, in.UserID = account, account
	if in.FirstName, err = a.nameOf(ctx, account, cb.FromUserName); err != nil {
		return false, err
	}
	if err := a.pressed(ctx, in); err != nil {
		return false, fmt.Errorf("wecom choice not read: %w", err)
	}
	return false, a.opts.Engine.Accept(ctx, *in)
}

// updateIDScript gives a callback its update id: the one it was given before when WeCom
// delivers it again, else the next of the app's sequence. KEYS: the callback's key, the
// sequence. ARGV: how long a callback is remembered, ms.
var updateIDScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return tonumber(v) end
local id = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], id, 'PX', ARGV[1])
return id
`)

// seenFor is how long a callback's update id is kept: WeCom delivers again within seconds,
// and the engine remembers an update it applied for a day.
const seenFor = 24 * time.Hour

func (a *App) updateID(ctx context.Context, key string) (int64, error) {
	id, err := updateIDScript.Run(ctx, a.opts.Redis, []string{a.keys + "cb:" + key, a.keys + "seq"}, seenFor.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("update id of wecom callback: %w", err)
	}
	return id, nil
}

// handle runs one callback, taken, through the engine. again is an opening of the app by a
// member seen before, which only moves their notifications here and tells them, once, what an
// import gave them.
func (a *App) handle(cb callback, in dialog.Input, again bool) {
	ctx, cancel := context.WithTimeout(a.base, a.opts.UpdateTimeout)
	defer cancel()
	log := a.log.With("update_id", in.UpdateID)
	account, err := a.opts.Store.WeComAccount(ctx, cb.FromUserName)
	if err != nil {
		log.Error("wecom callback", "error", err)
		return
	}
	// After the work, which may have made a person of the member (a reporter who joined).
	defer a.learnName(ctx, account, cb.FromUserName)
	// A person bound on Telegram too is sent their notifications here from now (opening the
	// app is using it).
	if err := a.opts.Store.UsedFrom(ctx, account); err != nil {
		log.Warn("where notifications go not changed", "error", err)
	}
	if err := a.greet(ctx, account); err != nil {
		log.Warn("wecom member not told they were added", "chat", account, "error", err)
	}
	if again {
		return
	}
	log = log.With("chat", account)
	if in.Kind == dialog.KindButton && in.MessageID != 0 {
		// A pressed card shows the choice made at once, as a pressed Telegram button does,
		// whatever the answer (a notice's card is answered with a new message).
		if err := a.settleCard(ctx, cb.FromUserName, in.MessageID); err != nil {
			log.Warn("wecom card not updated", "error", err)
		}
	}
	for try := 0; ; try++ {
		err = a.opts.Engine.Process(ctx, in, a.Deliver)
		if err == nil {
			return
		}
		// WeCom will not deliver it again (it was answered): tried again here a few times,
		// and what is left the resume sweep finishes.
		again := errors.Is(err, dialog.ErrUnfinished) || errors.Is(err, dialog.ErrUndelivered)
		if !again || try == len(retries) {
			log.Error("handle wecom callback", "error", err)
			return
		}
		log.Warn("handle wecom callback, trying again", "error", err)
		if sleep(ctx, retries[try]) != nil {
			return
		}
	}
}

var retries = []time.Duration{time.Second, 3 * time.Second}

// Run finishes, every ResumeEvery, the chats whose callbacks were left unfinished, until ctx
// ends; then it waits for the callbacks in hand.
func (a *App) Run(ctx context.Context) error {
	t := time.NewTicker(a.opts.ResumeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			a.mu.Lock()
			a.stopped = true
			a.mu.Unlock()
			a.work.Wait()
			return nil
		case <-t.C:
			rctx, cancel := context.WithTimeout(a.base, a.opts.UpdateTimeout)
			if _, err := a.opts.Engine.Resume(rctx, a.opts.ResumeEvery, a.Deliver); err != nil {
				a.log.Warn("resume wecom chats", "error", err)
			}
			cancel()
		}
	}
}

// Wait waits for the callbacks in hand (tests).
func (a *App) Wait() { a.work.Wait() }

// greet tells a member an import bound to a person, once, at their first contact (opening
// the app or writing to it), that they were added to bangban and with which roles.
func (a *App) greet(ctx context.Context, account int64) error {
	added, ok, err := a.opts.Store.WeComFirstContact(ctx, account)
	if err != nil || !ok {
		return err
	}
	lang := a.tr.Match("")
	if added.Lang != nil && dialog.IsLanguage(*added.Lang) {
		lang = *added.Lang
	}
	roles := make([]map[string]string, 0, len(added.Roles))
	for _, r := range added.Roles {
		roles = append(roles, map[string]string{"Role": a.tr.T(lang, "role_"+r.Role, nil), "Where": r.Where})
	}
	text := a.tr.T(lang, MsgAdded, map[string]any{"Name": added.Name, "Roles": roles})
	if _, err := a.Deliver(ctx, []dialog.Output{{ChatID: account, Lang: lang, Text: text}}); err != nil {
		// Told at the next contact instead.
		if uerr := a.opts.Store.WeComUntold(ctx, account); uerr != nil {
			return errors.Join(err, uerr)
		}
		return err
	}
	return nil
}

// userOf is the userid of an account number.
func (a *App) userOf(ctx context.Context, account int64) (string, error) {
	if u, ok := a.users.Load(account); ok {
		return u.(string), nil
	}
	u, err := a.opts.Store.WeComUserID(ctx, account)
	if err != nil {
		return "", err
	}
	a.users.Store(account, u)
	return u, nil
}

// nameOf is the name a member goes by: WeCom's, once it was asked (learnName), else their
// userid.
func (a *App) nameOf(ctx context.Context, account int64, userid string) (string, error) {
	if n, ok := a.names.Load(account); ok {
		return n.(string), nil
	}
	name, asked, err := a.opts.Store.WeComName(ctx, account)
	if err != nil {
		return "", err
	}
	if !asked {
		return userid, nil
	}
	name = cmp.Or(name, userid)
	a.names.Store(account, name)
	return name, nil
}

// maxName is the most characters of a name kept (WeCom's own limit).
const maxName = 64

// learnName asks WeCom, once, the name of a member first seen by their userid alone, and
// keeps it, so that offices see who a reporter who joined in WeCom is (the person known by
// the userid takes it). Asked again at their next contact when WeCom does not answer.
func (a *App) learnName(ctx context.Context, account int64, userid string) {
	if _, ok := a.names.Load(account); ok {
		return
	}
	// Once for the member's messages that come at the same moment, too.
	_, _, _ = a.asking.Do(strconv.FormatInt(account, 10), func() (any, error) {
		a.askName(ctx, account, userid)
		return nil, nil
	})
}

// askName is learnName's question, asked by one of the member's messages at a time.
func (a *App) askName(ctx context.Context, account int64, userid string) {
	if _, asked, err := a.opts.Store.WeComName(ctx, account); err != nil || asked {
		return
	}
	name, err := a.api.userName(ctx, userid)
	if err != nil {
		a.log.Warn("wecom member's name not asked", "chat", account, "error", err)
		return
	}
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > maxName {
		name = string(r[:maxName])
	}
	if err := a.opts.Store.SetWeComName(ctx, account, name); err != nil {
		a.log.Warn("wecom member's name not kept", "chat", account, "error", err)
		return
	}
	a.names.Store(account, cmp.Or(name, userid))
}
