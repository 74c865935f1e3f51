package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// harness is one bangban bot on real Postgres and Redis, talking to a simulated Telegram.
type harness struct {
	rdb     redis.UniversalClient
	prefix  string
	sim     *telegramtest.Server
	store   *store.Store
	bot     *bot.Bot
	secret  string
	webhook bool
	stop    func() error
	// offset moves the store's clock, for the limits and windows that run in days.
	offset atomic.Int64
}

// travel moves the store's clock by d.
func (h *harness) travel(d time.Duration) { h.offset.Add(int64(d)) }

type mode struct {
	name    string
	webhook bool
}

var modes = []mode{{"polling", false}, {"webhook", true}}

const testToken = "7000000001:TEST-token"

func start(t *testing.T, webhook bool) *harness {
	t.Helper()
	rdb, prefix := redistest.New(t)
	return startWith(t, webhook, rdb, prefix, nil)
}

// startWith starts a bot on the given Redis, which may be unreachable; setup, when given,
// adds to the engine and the store before the bot starts; options change the bot's.
func startWith(t *testing.T, webhook bool, rdb redis.UniversalClient, prefix string, setup func(*dialog.Engine, *store.Store),
	options ...func(*bot.Options)) *harness {
	t.Helper()
	h := &harness{}
	st := storetest.NewStore(t, store.Options{Now: func() time.Time { return time.Now().Add(time.Duration(h.offset.Load())) }})
	return startOn(t, h, webhook, rdb, prefix, st, setup, options...)
}

// startOn starts a bot on the given store (one on a database reached through a proxy, say),
// on h's simulated Telegram when it has one (another replica's).
func startOn(t *testing.T, h *harness, webhook bool, rdb redis.UniversalClient, prefix string, st *store.Store,
	setup func(*dialog.Engine, *store.Store), options ...func(*bot.Options)) *harness {
	t.Helper()
	sim := h.sim // another replica's: one Telegram for them all
	if sim == nil {
		sim = telegramtest.New()
		t.Cleanup(sim.Close)
	}
	h.sim, h.webhook, h.rdb, h.prefix, h.store = sim, webhook, rdb, prefix, st
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dialog.NewEngine(dialog.Options{Redis: rdb, KeyPrefix: prefix, BotID: 7000000001, Translator: tr,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(eng, h.store)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := bot.Options{Token: testToken, APIURL: sim.URL(), Listener: ln, Store: h.store, Redis: rdb,
		Engine: eng, RetryBase: 20 * time.Millisecond, JobPollInterval: 50 * time.Millisecond, PollTimeout: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), KeyPrefix: prefix,
		// The limits are kept (through Redis) but loose: tests of the limits set their own.
		SendLimits: bot.SendLimits{PerSecond: 10000, BulkPerSecond: 10000, ChatGap: time.Millisecond, GroupPerMinute: 10000},
		// People in tests act faster than people do; the tests of the incoming limit set it.
		Incoming: bot.IncomingLimit{Burst: 10000, PerSecond: 10000},
		// The board and the bulletin run on start, at whatever hour a test runs, and would come
		// in among the messages it counts: the tests of them send them as their clock says.
		Periodic: []string{store.PeriodicReminders, store.PeriodicArchive}}
	for _, o := range options {
		o(&opts)
	}
	if webhook {
		h.secret = "s3cret-" + fmt.Sprint(time.Now().UnixNano())
		opts.WebhookURL = "http://" + ln.Addr().String() + "/telegram/hook"
		opts.WebhookSecret = h.secret
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.bot, err = bot.New(ctx, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	eng.SetBotUsername(h.bot.Username())
	done := make(chan error, 1)
	go func() { done <- h.bot.Run(ctx) }()
	stopped := false
	h.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return fmt.Errorf("bot did not stop within 30 s")
		}
	}
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	// Ready when the bot has told Telegram how it takes updates.
	method := "getUpdates"
	if webhook {
		method = "setWebhook"
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if _, err := sim.WaitCall(wctx, method, func(telegramtest.Call) bool { return true }); err != nil {
		t.Fatalf("bot never called %s: %v", method, err)
	}
	return h
}

func (h *harness) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + h.bot.Addr().String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}
