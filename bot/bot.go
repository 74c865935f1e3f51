package bot

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/store"
)

// Options configure a Bot. Zero values have the defaults documented on each field.
type Options struct {
	// Token is the bot's. Empty, with Elsewhere set, there is no Telegram: the bot takes no
	// updates and runs the job workers only (notifications, reminders, the lifecycle's jobs),
	// sending what they send through Elsewhere, and serves Handlers beside /healthz, /readyz
	// and /metrics.
	Token string
	// APIURL is the Bot API base URL. Defaults to https://api.telegram.org.
	APIURL string
	// WebhookURL selects webhook mode when set; long polling when empty.
	WebhookURL string
	// WebhookSecret is registered with the webhook and required on every webhook request.
	WebhookSecret string
	// ListenAddr serves the webhook, /healthz, /readyz and /metrics. Defaults to ":8080".
	ListenAddr string
	// Listener, when set, is used instead of listening on ListenAddr (tests bind first to learn
	// the port the webhook URL names).
	Listener net.Listener
	// Handlers are served on ListenAddr beside the bot's own, by path: another platform's
	// callbacks (the WeCom app's).
	Handlers map[string]http.Handler
	// Elsewhere, when set, takes what the job workers send to chats of another platform.
	Elsewhere Elsewhere

	Store *store.Store
	// Periodic names the store's periodic jobs this bot's job client runs (store.Periodic…);
	// empty, all of them.
	Periodic []string
	Redis    redis.UniversalClient
	Engine   *dialog.Engine
	// Logger defaults to slog.Default().
	Logger *slog.Logger

	// ChatBacklog is how many updates one chat may have waiting; more are refused at once.
	// Defaults to 50.
	ChatBacklog int
	// Backlog is how many updates may wait in all before the bot takes no more (the poller
	// waits; webhook requests wait). Defaults to 5000.
	Backlog int
	// Incoming limits what one person may send: a burst, then a steady rate; more is dropped
	// with one "slow down" notice a minute. Zero fields take defaults.
	Incoming IncomingLimit
	// SendTimeout bounds one Bot API call that sends (not the long poll). It is shorter than
	// JobTimeout, so that a send the job queue gave up on is never still under way when the
	// job is tried again. Defaults to 15 s.
	SendTimeout time.Duration
	// JobTimeout bounds one run of a job (a notification's send). Defaults to 45 s.
	JobTimeout time.Duration
	// RescueAfter is when a job still running is taken for lost (its process died) and run
	// again. Defaults to 90 s: longer than JobTimeout.
	RescueAfter time.Duration
	// ResumeEvery is how often the bot looks for chats whose updates were left unfinished
	// (a process died, Redis stopped answering) and finishes them. Defaults to 2 s.
	ResumeEvery time.Duration
	// NotifyWorkers is how many notifications are sent at once. Defaults to 10.
	NotifyWorkers int
	// RetryBase is the first backoff after a failed send (5xx, network). Defaults to 2 s.
	RetryBase time.Duration
	// MaxDocument is the most a file sent to a chat may weigh: a monthly workbook larger goes
	// as its report sheet alone. Defaults to Telegram's 50 MB (conversations.MaxDocument).
	MaxDocument int
	// JobPollInterval is how often the job queue looks for jobs that fell due (retries,
	// snoozes); new jobs arrive at once by LISTEN/NOTIFY. Defaults to 1 s.
	JobPollInterval time.Duration
	// PollTimeout is the long-poll wait. Defaults to 50 s.
	PollTimeout time.Duration
	// ShutdownTimeout bounds how long in-flight work may take after a stop. Defaults to 30 s.
	ShutdownTimeout time.Duration
	// KeyPrefix starts the bot's Redis keys (the send limits). Defaults to "bangban:".
	KeyPrefix string
	// SendLimits are Telegram's limits as the bot keeps them; zero fields take defaults.
	SendLimits SendLimits

	// Files is where the city keeps the photos and documents attached to cases: each is
	// fetched from Telegram, checked and stored there by a job enqueued with the case's
	// change. When nil, this bot archives nothing, and the jobs wait for one that does.
	Files files.Storage
	// ArchiveWorkers is how many files are downloaded and stored at once. Defaults to 2.
	ArchiveWorkers int
	// ArchiveRetryBase is the wait after a file's first failed try; it doubles with each of
	// the store.ArchiveTries, up to six hours. Defaults to 1 minute: the last try comes some
	// eight hours after the first.
	ArchiveRetryBase time.Duration
	// FileMaxBytes is the largest file archived; a bigger one is refused by what getFile
	// says of it, before it is downloaded. Defaults to, and is at most, 20 MB: what the Bot
	// API lets a bot download.
	FileMaxBytes int64

	// JobClock, when set, is the job queue's clock: when scheduled jobs (a feedback timeout,
	// a retry) fall due and when the periodic ones (the reminder sweep, the daily board, the
	// weekly bulletin) run. Only the demo sets it, to the clock its store keeps, so that a
	// day moved on the page is a day for the queue too; nil is the wall clock.
	JobClock rivertype.TimeGenerator
}

// allowedUpdates are the kinds of update the bot asks Telegram for, by polling or webhook.
var allowedUpdates = []string{"message", "callback_query", "my_chat_member"}

// updateTimeout bounds the handling of one update, replies included.
const updateTimeout = 30 * time.Second

// Bot is a running bangban bot.
type Bot struct {
	opts     Options
	log      *slog.Logger
	tg       *tgbot.Bot
	me       *models.User
	sender   *Sender
	jobs     *river.Client[pgx.Tx]
	metrics  *Metrics
	listener net.Listener
	stopping atomic.Bool
	// stopCtx ends when the bot stops, to cut short waits that can be given up.
	stopCtx context.Context
	stopNow context.CancelFunc
	// base is the context updates are handled in: it outlives the stop signal, so an update
	// taken before the stop is finished rather than cut off halfway.
	base context.Context
}

// tokenBotID is the numeric part of a token, which keeps several bots' counters apart.
func tokenBotID(token string) int64 {
	id, _ := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	return id
}

// New connects to the Bot API (getMe checks the token), prepares the job workers and binds
// the listen address. Run starts the work.
func New(ctx context.Context, opts Options) (*Bot, error) {
	if opts.Store == nil || opts.Redis == nil || opts.Engine == nil {
		return nil, errors.New("bot: Store, Redis and Engine are required")
	}
	if opts.Token == "" && opts.Elsewhere.Deliver == nil {
		return nil, errors.New("bot: a token is required, unless another platform takes what is sent (Elsewhere)")
	}
	if opts.APIURL == "" {
		opts.APIURL = "https://api.telegram.org"
	}
	if opts.ListenAddr == "" {
		opts.ListenAddr = ":8080"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.ChatBacklog = cmp.Or(opts.ChatBacklog, 50)
	opts.Backlog = cmp.Or(opts.Backlog, 5000)
	opts.Incoming = opts.Incoming.withDefaults()
	opts.SendTimeout = cmp.Or(opts.SendTimeout, 15*time.Second)
	opts.JobTimeout = cmp.Or(opts.JobTimeout, 45*time.Second)
	opts.RescueAfter = cmp.Or(opts.RescueAfter, 90*time.Second)
	opts.ResumeEvery = cmp.Or(opts.ResumeEvery, 2*time.Second)
	if opts.SendTimeout >= opts.JobTimeout || opts.JobTimeout >= opts.RescueAfter {
		return nil, fmt.Errorf("bot: want SendTimeout < JobTimeout < RescueAfter, got %s, %s, %s", opts.SendTimeout, opts.JobTimeout, opts.RescueAfter)
	}
	opts.NotifyWorkers = cmp.Or(opts.NotifyWorkers, 10)
	opts.RetryBase = cmp.Or(opts.RetryBase, 2*time.Second)
	opts.JobPollInterval = cmp.Or(opts.JobPollInterval, time.Second)
	opts.PollTimeout = cmp.Or(opts.PollTimeout, 50*time.Second)
	opts.ShutdownTimeout = cmp.Or(opts.ShutdownTimeout, 30*time.Second)
	opts.KeyPrefix = cmp.Or(opts.KeyPrefix, "bangban:")
	opts.ArchiveWorkers = cmp.Or(opts.ArchiveWorkers, 2)
	opts.ArchiveRetryBase = cmp.Or(opts.ArchiveRetryBase, time.Minute)
	if opts.FileMaxBytes <= 0 || opts.FileMaxBytes > conversations.MaxFileBytes {
		opts.FileMaxBytes = conversations.MaxFileBytes
	}

	b := &Bot{opts: opts, log: opts.Logger, metrics: NewMetrics(), base: context.WithoutCancel(ctx)}
	b.stopCtx, b.stopNow = context.WithCancel(b.base)
	var send *tgbot.Bot
	var api *textAPI
	var err error
	if opts.Token == "" {
		// No Telegram: the job workers only, sending elsewhere.
		b.me = &models.User{}
	} else if send, api, err = b.connect(ctx); err != nil {
		return nil, err
	}
	lim := newLimiter(opts.Redis, opts.KeyPrefix, tokenBotID(opts.Token), opts.SendLimits)
	lim.waited = b.metrics.sendWaited
	b.sender = &Sender{tg: send, api: api, lim: lim, log: b.log, elsewhere: opts.Elsewhere}
	if opts.Files != nil {
		b.sender.copies = archiveCopies{st: opts.Store, files: opts.Files}
	}

	workers := river.NewWorkers()
	answering := opts.Elsewhere.answering(opts.Engine.Answering)
	if err := river.AddWorkerSafely(workers, &notificationWorker{sender: b.sender, st: opts.Store, tr: opts.Engine.Translator(), retryBase: opts.RetryBase,
		answering: answering, log: b.log, rdb: opts.Redis,
		donePrefix: opts.KeyPrefix + "{tg:" + strconv.FormatInt(tokenBotID(opts.Token), 10) + "}:done:"}); err != nil {
		return nil, fmt.Errorf("register notification worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &retireWorker{sender: b.sender, st: opts.Store, tr: opts.Engine.Translator(), log: b.log,
		answering: answering}); err != nil {
		return nil, fmt.Errorf("register the worker that retires buttons: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &menuWorker{sender: b.sender, st: opts.Store, tr: opts.Engine.Translator(), retryBase: opts.RetryBase}); err != nil {
		return nil, fmt.Errorf("register menu worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &bulletinWorker{sender: b.sender, st: opts.Store, tr: opts.Engine.Translator(), retryBase: opts.RetryBase}); err != nil {
		return nil, fmt.Errorf("register bulletin worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &monthlyWorker{sender: b.sender, st: opts.Store, tr: opts.Engine.Translator(), retryBase: opts.RetryBase,
		maxDocument: opts.MaxDocument}); err != nil {
		return nil, fmt.Errorf("register monthly report worker: %w", err)
	}
	if err := opts.Store.AddWorkers(workers); err != nil {
		return nil, fmt.Errorf("register lifecycle workers: %w", err)
	}
	queues := map[string]river.QueueConfig{
		store.NotifyQueue:    {MaxWorkers: opts.NotifyWorkers},
		store.LifecycleQueue: {MaxWorkers: 2},
		// One menu at a time on each replica: a person's menus are set there in the
		// order their changes came, and an import that changes many people's roles
		// leaves the Bot API to the messages.
		store.MenuQueue: {MaxWorkers: 1},
	}
	if opts.Files != nil && (send != nil || opts.Elsewhere.Fetch != nil) {
		// Downloads go by a client of their own: no overall timeout but the job's, and not
		// counted as Bot API calls (the path is a file's, not a method's).
		if err := river.AddWorkerSafely(workers, &archiveWorker{tg: send, elsewhere: opts.Elsewhere, client: &http.Client{Transport: botAPITransport()},
			files: opts.Files, st: opts.Store, retryBase: opts.ArchiveRetryBase, maxBytes: opts.FileMaxBytes,
			log: b.log, metrics: b.metrics}); err != nil {
			return nil, fmt.Errorf("register archive worker: %w", err)
		}
		queues[store.ArchiveQueue] = river.QueueConfig{MaxWorkers: opts.ArchiveWorkers}
	}
	b.jobs, err = river.NewClient(riverpgxv5.New(opts.Store.Pool()), &river.Config{
		Queues:       queues,
		Workers:      workers,
		PeriodicJobs: opts.Store.PeriodicJobs(opts.Periodic...),
		// A job whose process died is run again within two minutes, not the queue's default
		// hour; a job still running is never run twice, since it is stopped at JobTimeout,
		// before RescueAfter.
		JobTimeout:           opts.JobTimeout,
		RescueStuckJobsAfter: opts.RescueAfter,
		FetchCooldown:        min(opts.JobPollInterval, 100*time.Millisecond),
		FetchPollInterval:    opts.JobPollInterval,
		Logger:               opts.Logger.With("component", "jobs"),
		// River's seam for a clock other than the wall's; it reads the time from it for the
		// jobs it fetches and schedules as well as for the periodic ones.
		Test: river.TestConfig{Time: opts.JobClock},
	})
	if err != nil {
		return nil, fmt.Errorf("job workers: %w", err)
	}

	b.listener = opts.Listener
	if b.listener == nil {
		if b.listener, err = net.Listen("tcp", opts.ListenAddr); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", opts.ListenAddr, err)
		}
	}
	return b, nil
}

// connect makes the Bot API clients, one that polls and one that sends, and checks the token
// with getMe.
func (b *Bot) connect(ctx context.Context) (*tgbot.Bot, *textAPI, error) {
	opts := b.opts
	httpClient := instrumentedClient{next: &http.Client{Timeout: opts.PollTimeout + 15*time.Second, Transport: botAPITransport()}, m: b.metrics}
	tg, err := tgbot.New(opts.Token,
		tgbot.WithServerURL(opts.APIURL),
		tgbot.WithHTTPClient(opts.PollTimeout, httpClient),
		// getMe is called below, once, to learn the username as well as to check the token.
		tgbot.WithSkipGetMe(),
		// One poller hands updates to the chats' queues in order; the chats run in parallel.
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithWorkers(1),
		tgbot.WithUpdatesChannelCap(1),
		tgbot.WithAllowedUpdates(allowedUpdates),
		tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}),
		tgbot.WithErrorsHandler(func(err error) { b.log.Warn("bot api", "error", err) }),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("bot api client: %w", err)
	}
	b.tg = tg
	// Sends (the library's, with files, and textAPI's) go through a client of their own, whose
	// timeout is the send's, not the long poll's.
	sendClient := instrumentedClient{next: &http.Client{Timeout: opts.SendTimeout, Transport: botAPITransport()}, m: b.metrics}
	send, err := tgbot.New(opts.Token, tgbot.WithServerURL(opts.APIURL), tgbot.WithHTTPClient(opts.SendTimeout, sendClient),
		tgbot.WithSkipGetMe(), tgbot.WithErrorsHandler(func(err error) { b.log.Warn("bot api", "error", err) }))
	if err != nil {
		return nil, nil, fmt.Errorf("bot api client: %w", err)
	}
	getMeCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	b.me, err = tg.GetMe(getMeCtx)
	if err != nil {
		return nil, nil, fmt.Errorf("check the token with getMe at %s: %w", opts.APIURL, err)
	}
	return send, newTextAPI(sendClient, opts.APIURL, opts.Token), nil
}

// botAPITransport keeps enough connections to the Bot API open for the sends that run at once:
// Go's default keeps two idle per host, and every other send would dial anew.
func botAPITransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	return t
}

// Addr is the address the HTTP server listens on.
func (b *Bot) Addr() net.Addr { return b.listener.Addr() }

// Username is the bot's Telegram username, for deep links.
func (b *Bot) Username() string { return b.me.Username }

// Metrics are the bot's Prometheus series.
func (b *Bot) Metrics() *Metrics { return b.metrics }

// Run takes updates until ctx is cancelled, then stops in order: it takes no new updates,
// finishes those in flight and the notifications being sent, and returns nil.
func (b *Bot) Run(ctx context.Context) error {
	polling := b.opts.WebhookURL == ""
	lanes := newDispatcher(b.opts.ChatBacklog, b.opts.Backlog, func(upd *models.Update, queued time.Time, counted bool, reply *pressReply) error {
		b.metrics.waiting.Observe(time.Since(queued).Seconds())
		return b.handle(upd, polling, counted, reply)
	})
	lanes.refused = func(upd *models.Update, err error) {
		b.metrics.dropped.WithLabelValues("backlog").Inc()
		b.log.Warn("update dropped", "update_id", upd.ID, "chat", chatOf(upd), "error", err)
	}
	b.metrics.waitingFunc(lanes.waiting)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", b.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.Registry, promhttp.HandlerOpts{}))
	for path, h := range b.opts.Handlers {
		mux.Handle(path, h)
	}
	if b.opts.WebhookURL != "" && b.tg != nil {
		u, err := url.Parse(b.opts.WebhookURL)
		if err != nil {
			return fmt.Errorf("WEBHOOK_URL: %w", err)
		}
		mux.Handle("POST "+cmp.Or(u.Path, "/"), b.webhook(lanes))
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(b.listener) }()

	if err := b.jobs.Start(ctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("start job workers: %w", err)
	}
	resumeDone, pollDone := make(chan struct{}), make(chan struct{})
	if b.tg != nil {
		if err := b.setCommands(ctx); err != nil {
			b.log.Warn("set command menu", "error", err)
		}
		go func() {
			defer close(resumeDone)
			b.resumeLoop(ctx)
		}()
	} else {
		close(resumeDone)
	}
	switch {
	case b.tg == nil:
		close(pollDone)
		b.log.Info("no telegram: running the job workers only", "addr", b.Addr().String())
	case b.opts.WebhookURL != "":
		close(pollDone)
		if _, err := b.tg.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: b.opts.WebhookURL, SecretToken: b.opts.WebhookSecret,
			MaxConnections: webhookConnections,
			AllowedUpdates: allowedUpdates}); err != nil {
			b.shutdown(srv, lanes)
			return fmt.Errorf("setWebhook: %w", err)
		}
		b.log.Info("taking updates by webhook", "addr", b.Addr().String())
	default:
		// A webhook left from an earlier run would make getUpdates fail with 409.
		if _, err := b.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			b.shutdown(srv, lanes)
			return fmt.Errorf("deleteWebhook: %w", err)
		}
		b.tg.RegisterHandlerMatchFunc(func(*models.Update) bool { return true }, func(_ context.Context, _ *tgbot.Bot, upd *models.Update) {
			// Updates are handed over without waiting, and the next getUpdates confirms them:
			// an update a crash interrupts is not delivered again, but it was put in its
			// chat's queue in Redis first, and the resume sweep finishes it.
			if ok, counted := b.admit(upd, lanes); ok {
				lanes.submit(upd, counted, nil)
			}
		})
		go func() {
			defer close(pollDone)
			b.tg.Start(ctx)
		}()
		b.log.Info("taking updates by long polling", "addr", b.Addr().String())
	}

	select {
	case <-ctx.Done():
	case err := <-srvDone:
		b.shutdown(srv, lanes)
		return fmt.Errorf("http server: %w", err)
	}
	b.log.Info("stopping: finishing the updates and notifications in flight")
	<-pollDone
	<-resumeDone
	b.shutdown(srv, lanes)
	return nil
}

func (b *Bot) shutdown(srv *http.Server, lanes *dispatcher) {
	b.stopping.Store(true)
	b.stopNow()
	ctx, cancel := context.WithTimeout(b.base, b.opts.ShutdownTimeout)
	defer cancel()
	// The webhook requests in flight wait for their updates, so this also drains them.
	if err := srv.Shutdown(ctx); err != nil {
		b.log.Warn("http server shutdown", "error", err)
	}
	lanes.close()
	if err := b.jobs.Stop(ctx); err != nil {
		b.log.Warn("job workers shutdown", "error", err)
	}
}

// webhook takes updates Telegram posts. The secret is compared in constant time; a request
// without it is refused with 401 before its body is read. A body that is not exactly one
// update is refused with 400. A good update is answered 200 only after it has been handled,
// so Telegram delivers again what a crash interrupted; an update that could not be seen
// through (Redis stopped answering, a reply could not be sent) is answered 503, for Telegram
// to deliver it again later.
func (b *Bot) webhook(lanes *dispatcher) http.Handler {
	secret := []byte(b.opts.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if len(secret) > 0 && subtle.ConstantTimeCompare(got, secret) != 1 {
			b.log.Warn("webhook request with a wrong or missing secret refused", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusBadRequest)
			return
		}
		var upd models.Update
		// Unmarshal, unlike a Decoder, refuses anything after the update.
		if err := json.Unmarshal(body, &upd); err != nil || upd.ID <= 0 {
			http.Error(w, "not one update", http.StatusBadRequest)
			return
		}
		ok, counted := b.admit(&upd, lanes)
		if !ok {
			return // dropped as a flood: Telegram must not deliver it again
		}
		var reply *pressReply
		if upd.CallbackQuery != nil {
			reply = &pressReply{id: upd.CallbackQuery.ID}
		}
		select {
		case err := <-lanes.submit(&upd, counted, reply):
			if errors.Is(err, dialog.ErrUnfinished) || errors.Is(err, dialog.ErrUndelivered) || errors.Is(err, errStopping) {
				b.answerNow(reply)
				http.Error(w, "try later", http.StatusServiceUnavailable)
				return
			}
			if body := reply.body(); body != nil {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
				b.metrics.apiCalls.WithLabelValues("answerCallbackQuery").Inc()
			}
		case <-r.Context().Done():
			b.answerNow(reply)
		}
	})
}

// pressReply carries the answer to a press that came by webhook in the answer to the webhook
// request, as the Bot API allows for one method a request: the press is answered without a
// call of its own. It is answered when the update has been handled, a few milliseconds after
// the step's messages, which a person does not see apart.
type pressReply struct {
	id string // the press's callback query id

	mu     sync.Mutex
	taken  bool // the update's outputs held the answer
	notice string
	sent   bool // it went, in the webhook's answer or by a call
	gone   bool // the webhook's answer cannot carry it: the answer is sent as any other
}

// take keeps, from outs, the answer to the press, and returns outs without it.
func (p *pressReply) take(outs []dialog.Output) []dialog.Output {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.taken || p.gone {
		return outs
	}
	for i, out := range outs {
		if out.CallbackID != p.id {
			continue
		}
		p.taken, p.notice = true, out.Notice
		rest := slices.Clone(outs)
		rest[i].CallbackID, rest[i].Notice = "", ""
		return rest
	}
	return outs
}

// body is the JSON answer to the webhook request that carries the answer, nil when there is
// none to carry.
func (p *pressReply) body() []byte {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.taken || p.sent || p.gone {
		return nil
	}
	p.sent = true
	body, err := json.Marshal(struct {
		Method string `json:"method"`
		tgbot.AnswerCallbackQueryParams
	}{"answerCallbackQuery", tgbot.AnswerCallbackQueryParams{CallbackQueryID: p.id, Text: p.notice}})
	if err != nil {
		return nil
	}
	return body
}

// answerNow is for a press whose answer cannot go in the webhook's answer (the update is to be
// delivered again, or the request was given up): an answer kept already is sent by a call of
// its own, and one not yet given is left in the update's outputs, to be sent as they are.
func (b *Bot) answerNow(p *pressReply) {
	if p == nil {
		return
	}
	p.mu.Lock()
	due := p.taken && !p.sent && !p.gone
	p.gone = true
	p.mu.Unlock()
	if !due {
		return
	}
	ctx, cancel := context.WithTimeout(b.base, updateTimeout)
	defer cancel()
	if _, err := b.sender.Send(ctx, dialog.Output{CallbackID: p.id, Notice: p.notice}); err != nil {
		b.log.Warn("button press not answered", "error", err)
	}
}

// readyz says whether the bot can take work, naming each dependency that is down. Each is
// checked on its own, at the same time, so that one that hangs does not make another look
// down.
func (b *Bot) readyz(w http.ResponseWriter, r *http.Request) {
	var pg, rd string
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := b.opts.Store.Pool().Ping(ctx); err != nil {
			pg = "postgres unreachable"
		} else if ok, err := store.MigrationsApplied(ctx, b.opts.Store.Pool()); err != nil {
			pg = "postgres unreachable"
		} else if !ok {
			pg = "migrations not applied"
		}
	}()
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := b.opts.Redis.Ping(ctx).Err(); err != nil {
			rd = "redis unreachable"
		}
	}()
	wg.Wait()
	var problems []string
	if b.stopping.Load() {
		problems = append(problems, "stopping")
	}
	for _, p := range []string{pg, rd} {
		if p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, p := range problems {
			_, _ = io.WriteString(w, p+"\n")
		}
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// handle runs one update through the engine, which delivers what it answers through the
// sender. In polling mode an update that could not be seen through is tried again here a few
// times (Telegram will not deliver it again); in webhook mode the error makes the request
// fail, and Telegram delivers it again.
func (b *Bot) handle(upd *models.Update, polling, counted bool, reply *pressReply) error {
	start := time.Now()
	defer func() { b.metrics.handling.Observe(time.Since(start).Seconds()) }()
	if m := upd.MyChatMember; m != nil && m.Chat.ID > 0 {
		ctx, cancel := context.WithTimeout(b.base, updateTimeout)
		defer cancel()
		// A person blocked the bot, or unblocked it: their office sees who cannot be reached.
		reachable := m.NewChatMember.Type != models.ChatMemberTypeBanned
		if err := b.opts.Store.SetReachable(ctx, m.Chat.ID, reachable); err != nil {
			b.log.Error("record reachability", "chat", m.Chat.ID, "error", err)
		}
		b.metrics.updates.WithLabelValues("chat_member").Inc()
		return nil
	}
	in, ok := input(upd, b.me.Username)
	if !ok {
		b.metrics.updates.WithLabelValues("ignored").Inc()
		return nil
	}
	b.metrics.updates.WithLabelValues(in.Kind.String()).Inc()
	log := b.log.With("update_id", in.UpdateID, "chat", in.ChatID)
	if b.opts.Elsewhere.Owns != nil && !in.Group && in.ChatID == in.UserID {
		// A person bound on another platform too is sent their notifications here from now.
		ctx, cancel := context.WithTimeout(b.base, updateTimeout)
		if err := b.opts.Store.UsedFrom(ctx, in.UserID); err != nil {
			log.Warn("where notifications go not changed", "error", err)
		}
		cancel()
	}
	deliver := b.deliver
	if reply != nil {
		deliver = func(ctx context.Context, outs []dialog.Output) ([]int64, error) {
			return b.deliver(ctx, reply.take(outs))
		}
	}
	lim := dialog.Limits{Flood: b.opts.Incoming.flood(), Pacer: b.sender}
	if counted {
		lim.Flood = dialog.FloodLimit{}
	}
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(b.base, updateTimeout)
		err := b.opts.Engine.ProcessWithin(ctx, in, deliver, lim)
		cancel()
		var flooded *dialog.FloodError
		if errors.As(err, &flooded) {
			b.flooded(upd, flooded.Tell)
			return nil
		}
		if err == nil {
			return nil
		}
		lim.Flood = dialog.FloodLimit{} // counted once
		again := errors.Is(err, dialog.ErrUnfinished) || errors.Is(err, dialog.ErrUndelivered)
		if !again || !polling || try == len(pollingRetries)+1 || b.stopping.Load() {
			log.Error("handle update", "error", err)
			return err
		}
		log.Warn("handle update, trying again", "error", err)
		if sleep(b.stopCtx, pollingRetries[try-1]) != nil {
			return err
		}
	}
}

// webhookConnections is how many connections Telegram may open at once to the webhook: the
// most it allows (its default is 40). Each waits for its update to be handled, and chats are
// handled in parallel, so with fewer the updates of busy moments would queue at Telegram.
const webhookConnections = 100

// pollingRetries are the pauses before an update taken by polling is tried again.
var pollingRetries = []time.Duration{time.Second, 3 * time.Second, 10 * time.Second}

// deliver sends an update's outputs in order and returns the ids of the messages they sent or
// edited. Outputs Telegram refuses for good (the person blocked the bot, the message to edit is
// gone) are skipped, with no id: sending them again would only be refused again. A failure
// that may pass (no answer, 5xx, 429 beyond the sender's patience) stops the delivery, for the
// rest to be sent again.
func (b *Bot) deliver(ctx context.Context, outs []dialog.Output) ([]int64, error) {
	ids := make([]int64, 0, len(outs))
	for _, out := range outs {
		id, err := b.sender.Send(ctx, out)
		if err != nil && out.EditMessageID != 0 && out.Text != "" && errors.Is(err, tgbot.ErrorBadRequest) &&
			!strings.Contains(err.Error(), "message is not modified") {
			// The prompt to turn into the next is gone or too old to edit: the next comes as
			// a new message. (The press was answered already.)
			out.EditMessageID, out.Pressed, out.CallbackID = 0, false, ""
			id, err = b.sender.Send(ctx, out)
		}
		if err != nil {
			if refusedForGood(err) {
				b.log.Warn("reply refused by telegram, skipped", "chat", out.ChatID, "error", err)
				ids = append(ids, 0)
				continue
			}
			return ids, err
		}
		b.remember(ctx, out, id)
		ids = append(ids, id)
	}
	return ids, nil
}

// resumeLoop finishes, every ResumeEvery, the chats whose updates were left unfinished.
func (b *Bot) resumeLoop(ctx context.Context) {
	t := time.NewTicker(b.opts.ResumeEvery)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(b.base, updateTimeout)
		if _, err := b.opts.Engine.Resume(rctx, b.opts.ResumeEvery, b.deliver); err != nil {
			b.log.Warn("resume unfinished chats", "error", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// setCommands fills Telegram's command menu in each language, with the commands everyone
// can use.
func (b *Bot) setCommands(ctx context.Context) error {
	tr := b.opts.Engine.Translator()
	for _, lang := range append([]string{""}, dialog.Languages...) {
		l := lang
		if l == "" {
			l = tr.Match("")
		}
		cmds := []models.BotCommand{
			{Command: "start", Description: tr.T(l, conversations.MsgCmdStart, nil)},
			{Command: "new", Description: tr.T(l, conversations.MsgCmdNew, nil)},
			{Command: "my", Description: tr.T(l, conversations.MsgCmdMy, nil)},
			{Command: "status", Description: tr.T(l, conversations.MsgCmdStatus, nil)},
			{Command: "help", Description: tr.T(l, conversations.MsgCmdHelp, nil)},
			{Command: "lang", Description: tr.T(l, dialog.MsgCmdLang, nil)},
			{Command: "cancel", Description: tr.T(l, conversations.MsgCmdCancel, nil)},
		}
		code := ""
		if lang != "" {
			code = lang[:2] // Telegram takes a two-letter ISO 639-1 code
		}
		if _, err := b.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: code}); err != nil {
			return fmt.Errorf("setMyCommands %q: %w", code, err)
		}
	}
	return nil
}

// Username asks the Bot API for the bot's username (for deep links), checking the token.
func Username(ctx context.Context, token, apiURL string) (string, error) {
	tg, err := tgbot.New(token, tgbot.WithServerURL(apiURL), tgbot.WithSkipGetMe())
	if err != nil {
		return "", fmt.Errorf("bot api client: %w", err)
	}
	me, err := tg.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("getMe at %s: %w", apiURL, err)
	}
	return me.Username, nil
}
