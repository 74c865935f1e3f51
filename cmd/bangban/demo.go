package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/demo"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// demoToken is the token the demo's bot uses with the simulator, which takes any well-formed
// one: the demo needs none from BotFather.
const demoToken = "7000000001:DEMO"

// demoDatabase is the demo's own database on the DATABASE_URL server, unless DATABASE_URL
// is set and names one.
const demoDatabase = "bangban_demo"

// runDemo runs the bot without Telegram or WeCom: the Bot API simulator and the WeCom server
// simulator in this process, on loopback ports, with the WeCom app beside the bot on one
// database and one Redis; the demo county loaded (again, which changes nothing) into the demo's own
// database, created if missing; the demo's people bound by invite to simulated accounts on
// both platforms; and
// the page at BANGBAN_DEMO_ADDR showing three of their phones. The store and the job queue
// read the demo's clock, which only the page moves: serve has no such seam.
func runDemo(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	log = log.With("mode", "demo")
	log.Warn("this is a demo: no Telegram; simulated people chat with the bot through a local Bot API simulator, and the page shows their phones")
	if !cfg.setByEnv("DATABASE_URL") {
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil {
			return fmt.Errorf("DATABASE_URL: %w", err)
		}
		u.Path = "/" + demoDatabase
		cfg.DatabaseURL = u.String()
	}
	if cfg.Files.S3 == nil && !cfg.setByEnv("BANGBAN_FILES_DIR") {
		// The demo's copies of files beside its database, not in whatever directory it was
		// started from (a source tree, say).
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		cfg.Files.Dir = filepath.Join(dir, "bangban-demo", "files")
	}
	// The page's address first: a port already taken is told before anything is loaded.
	page, err := net.Listen("tcp", cfg.DemoAddr)
	if err != nil {
		return fmt.Errorf("BANGBAN_DEMO_ADDR: listen on %s: %w", cfg.DemoAddr, err)
	}
	defer page.Close()
	pool, err := createMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	opts := storeOptions(cfg)
	loader, err := store.New(pool, opts)
	if err != nil {
		return err
	}
	if _, probs, err := loader.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil {
		return fmt.Errorf("load the demo county: %w", err)
	} else if len(probs) > 0 {
		return fmt.Errorf("load the demo county: %d problems, the first: %+v", len(probs), probs[0])
	}
	// The demo's time goes on from what its database last recorded: the cases' events, and
	// the job queue's leadership, which a demo killed while its clock was days ahead leaves
	// held until then.
	var last *time.Time
	if err := pool.QueryRow(ctx, `SELECT greatest((SELECT max(at) FROM case_events), (SELECT max(expires_at) FROM river_leader))`).Scan(&last); err != nil {
		return fmt.Errorf("the demo's last event: %w", err)
	}
	now := time.Now()
	if last == nil {
		last = &now
	}
	clock := demo.NewClock(demo.WorkingStart(now, *last, cfg.Location, cfg.Calendar), cfg.Location)
	opts.Now = clock.Now
	st, err := store.New(pool, opts)
	if err != nil {
		return err
	}

	apiListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the simulator: %w", err)
	}
	sim := telegramtest.New(telegramtest.WithListener(apiListener))
	defer sim.Close()
	health, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the bot's health: %w", err)
	}
	// The WeCom app's server, whose callbacks the bot's own server (the health listener) takes.
	wsim := wecomtest.New(wecomtest.Options{})
	defer wsim.Close()
	d, err := demo.New(demo.Options{Sim: sim, WeCom: wsim, Store: st, Clock: clock, Logger: log})
	if err != nil {
		return err
	}
	// Requests live no longer than the demo: a page's stream of events ends when it stops.
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		if err := srv.Serve(page); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("demo page", "error", err)
		}
	}()
	defer func() {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()

	cfg.Token, cfg.APIURL, cfg.WebhookURL, cfg.WebhookSecret = demoToken, sim.URL(), "", ""
	// The demo's people are on its simulated Telegram and its simulated WeCom only.
	w := wsim.Options()
	cfg.WeCom = WeComConfig{CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret, Token: w.Token, AESKey: w.AESKey,
		CallbackPath: "/wecom", APIURL: wsim.URL()}
	wsim.SetCallbackURL("http://" + health.Addr().String() + cfg.WeCom.CallbackPath)
	// Keys of their own, so that a demo beside a bot serving Telegram on one Redis never
	// shares a chat's state or its send limits.
	cfg.RedisPrefix += "demo:"
	pageURL := "http://" + page.Addr().String()
	return runBot(ctx, cfg, log, st, botSeams{jobClock: clock, listener: health, started: func(ctx context.Context) error {
		if err := d.Bind(ctx); err != nil {
			return err
		}
		log.Info("bangban demo ready: open the page", "url", pageURL, "demo_time", clock.Now().In(cfg.Location).Format("2006-01-02 15:04"))
		fmt.Fprintf(stdout, "bangban demo (no Telegram, simulated people): open %s\n", pageURL)
		return nil
	}})
}
