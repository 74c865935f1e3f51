// Command bangban is the whole of bangban in one binary:
//
//	bangban run       serve when TELEGRAM_BOT_TOKEN is set, else the demo (what `make run` runs)
//	bangban serve     run the bot (migrating the database first)
//	bangban demo      the bot without Telegram: three simulated phones on a local web page
//	bangban migrate   bring the database schema up to date and exit
//	bangban import    load organisation data from XLSX or CSV files
//	bangban seed-demo load the demo county
//	bangban invite    make invite links and QR posters, or revoke one
//	bangban export    the ledger of a region and a period, as CSV or as the monthly workbook
//	bangban report    the weekly bulletin or the monthly report of a region, written to files
//	bangban sim       a Bot API simulator with a terminal chat, to try the bot without Telegram
//	bangban load      measure steps a second and latency with simulated reporters
//	bangban version   print the version
//
// Configuration comes from the environment (see README.md). A malformed variable stops the
// program with status 2 and one line naming it.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the container image has no zoneinfo; BANGBAN_TIMEZONE must still resolve

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river/rivertype"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/poster"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const usage = `usage: bangban <command>

commands:
  run       serve when TELEGRAM_BOT_TOKEN is set; without it, demo
  serve     run the bot: migrate the database, then take updates until SIGTERM
  demo      run the bot without Telegram: the demo county, three simulated phones on a page
            at http://127.0.0.1:8090 (BANGBAN_DEMO_ADDR) and a clock to move on
  migrate   bring the database schema up to date and exit
  import    load organisation data: import [--dry-run] FILE.xlsx|FILE.csv ...
            (import --template FILE.xlsx writes an empty workbook to fill in)
  seed-demo load the demo county shipped with bangban
  invite    make invite links: invite --role R --unit U,… | --person P,… [--uses N]
            [--expires 30d|2026-12-31] [--qr DIR] [--bot NAME]; invite --revoke CODE
  files     the kept photos and documents of the cases filed in a period, as a ZIP with a
            manifest: files --from 2026-11-01 --to 2026-11-30 --out FILE.zip
  export    the ledger (问题台账) of the cases filed in a period, as CSV, or as the monthly
            report's workbook (the figures, the ledger, a sheet per sub-region):
            export --format csv|xlsx [--region CODE] [--from 2026-11-01 --to 2026-11-30]
            [--lang zh-CN|en] --out FILE (last month without --from and --to)
  report    the weekly bulletin (text and charts) or the monthly report (the workbook), as
            offices get them, written to files in a directory:
            report week|month [--region CODE] [--from 2026-11-01 --to 2026-11-30]
            [--lang zh-CN|en] --out DIR (last week or last month without --from and --to)
  sim       run a Bot API simulator and chat with the bot from this terminal
            (flags: -listen 127.0.0.1:8081 -lang zh-hans -user 1001 -name Demo)
  load      measure: simulated reporters filing reports through serve and the simulator
            (flags: -users 1,20,100,200 -modes polling,webhook -send-per-second 28)
  config    print the configuration the environment gives, each variable with its effective
            value (secrets redacted), marked where it is the default
  version   print the version and exit

Configuration is read from the environment; see README.md.
`

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return runContext(ctx, args, getenv, stdin, stdout, stderr)
}

// runContext is run until ctx ends (a signal, or a test that is done).
func runContext(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "run" {
		// Telegram or WeCom when either is set up to be served; the demo, which needs
		// neither, when none is: the run command works on a machine where nothing is set.
		args = append([]string{"demo"}, args[1:]...)
		if strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN")) != "" || strings.TrimSpace(getenv("WECOM_CORP_ID")) != "" {
			args[0] = "serve"
		}
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "bangban", buildVersion())
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	case "sim":
		return simulate(args[1:], stdin, stdout, stderr)
	case "load":
		return loadTest(args[1:], stdout, stderr)
	case "serve", "demo", "migrate", "import", "seed-demo", "invite", "files", "export", "report", "config":
	default:
		fmt.Fprintf(stderr, "bangban: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if len(args) > 1 && args[0] != "import" && args[0] != "invite" && args[0] != "files" && args[0] != "export" && args[0] != "report" {
		fmt.Fprintf(stderr, "bangban %s: takes no arguments, got %q\n", args[0], args[1:])
		return 2
	}
	cfg, err := loadConfig(getenv, args[0] == "serve")
	if err != nil {
		fmt.Fprintf(stderr, "bangban: %v\n", err)
		return 2
	}
	if args[0] == "config" {
		printConfig(cfg, stdout)
		return 0
	}
	log := newLogger(cfg, stderr)
	switch args[0] {
	case "import":
		return importOrg(ctx, cfg, args[1:], stdout, stderr)
	case "seed-demo":
		return seedDemo(ctx, cfg, stdout, stderr)
	case "invite":
		return invite(ctx, cfg, args[1:], stdout, stderr)
	case "files":
		return exportFiles(ctx, cfg, args[1:], stdout, stderr)
	case "export":
		return exportLedger(ctx, cfg, args[1:], stdout, stderr)
	case "report":
		return reportFiles(ctx, cfg, args[1:], stdout, stderr)
	case "migrate":
		err = migrate(ctx, cfg, log)
	case "serve":
		err = serve(ctx, cfg, log)
	case "demo":
		err = runDemo(ctx, cfg, log, stdout)
	}
	if err != nil {
		log.Error("bangban "+args[0]+" failed", "error", err)
		return 1
	}
	return 0
}

func migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	pool, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	pool.Close()
	return nil
}

// openMigrated connects to Postgres and brings the schema up to date. Every replica does
// this at start; the migration lock makes that safe when they start together.
func openMigrated(ctx context.Context, cfg Config, log *slog.Logger) (*pgxpool.Pool, error) {
	pool, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	res, err := store.Migrate(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	log.Info("database up to date", "schema_applied", res.Schema, "jobs_applied", res.Jobs)
	return pool, nil
}

// serve runs the bot against Telegram, on the database DATABASE_URL names (created when
// the server lets it and it does not exist yet).
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	pool, err := createMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	st, err := store.New(pool, storeOptions(cfg))
	if err != nil {
		return err
	}
	return runBot(ctx, cfg, log, st, botSeams{})
}

// createMigrated is openMigrated on a database created first when it does not exist yet:
// what the commands that run the bot do, so that a first start needs no createdb.
func createMigrated(ctx context.Context, cfg Config, log *slog.Logger) (*pgxpool.Pool, error) {
	created, err := store.CreateDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("database created", "url", Setting{Value: cfg.DatabaseURL}.Redacted())
	}
	return openMigrated(ctx, cfg, log)
}

// storeOptions are the store's options the configuration gives.
func storeOptions(cfg Config) store.Options {
	return store.Options{Location: cfg.Location, TicketPrefix: cfg.TicketPrefix, SatisfactionFloor: cfg.SatisfactionFloor,
		Limits: cfg.Limits, Calendar: cfg.Calendar}
}

// botSeams are what the demo changes in the bot that serve runs; serve leaves them zero.
type botSeams struct {
	// jobClock is the job queue's clock (nil: the wall clock).
	jobClock rivertype.TimeGenerator
	// listener serves /healthz and the rest instead of LISTEN_ADDR.
	listener net.Listener
	// started runs beside the bot from the moment it starts taking updates (what it sends
	// waits for the first poll); an error stops the bot and is returned.
	started func(ctx context.Context) error
}

// runBot takes updates and sends notifications until ctx ends.
func runBot(ctx context.Context, cfg Config, log *slog.Logger, st *store.Store, seams botSeams) error {
	ropts, err := redisOptions(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := newRedis(ropts)
	defer rdb.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		return fmt.Errorf("connect to redis: %w", err)
	}

	kept, err := files.Open(ctx, cfg.Files)
	if err != nil {
		return err
	}
	log.Info("files attached to cases are kept", "in", cfg.Files.String())

	tr, err := dialog.NewTranslator(cfg.Lang)
	if err != nil {
		return err
	}
	eopts := dialog.Options{Redis: rdb, KeyPrefix: cfg.RedisPrefix, BotID: cfg.BotID(), Translator: tr, Logger: log}
	if cfg.WebhookURL != "" {
		// Behind a load balancer one chat's updates may reach different replicas at nearly
		// the same moment; a short hold lets them be applied in update_id order. One poller
		// receives them in order already.
		eopts.ReorderWindow = cfg.ReorderWindow
	}
	var app *wecom.App
	if cfg.WeCom.Enabled() {
		if app, err = newWeCom(ctx, cfg, st, rdb, tr, log); err != nil {
			return err
		}
	}
	var engine *dialog.Engine
	if cfg.Token == "" {
		// WeCom alone: the bot runs the job workers only, which send through the app and
		// take its engine's translations and chats.
		engine = app.Engine()
	} else if engine, err = dialog.NewEngine(eopts); err != nil {
		return err
	}
	bopts := bot.Options{Token: cfg.Token, APIURL: cfg.APIURL, WebhookURL: cfg.WebhookURL,
		WebhookSecret: cfg.WebhookSecret, ListenAddr: cfg.ListenAddr, Store: st, Redis: rdb, Engine: engine,
		Logger: log, KeyPrefix: cfg.RedisPrefix, Incoming: bot.IncomingLimit{Burst: cfg.IncomingBurst, PerSecond: cfg.IncomingPerSecond},
		SendTimeout: cfg.SendTimeout, JobTimeout: cfg.JobTimeout, RescueAfter: cfg.RescueAfter, SendLimits: cfg.Send,
		Files: kept, Listener: seams.listener, JobClock: seams.jobClock}
	if app != nil {
		bopts.Handlers = app.Handlers()
		// A person bound on WeCom last is sent their notifications there.
		bopts.Elsewhere = bot.Elsewhere{Owns: store.IsWeCom, Deliver: app.Notify, Keeps: app.Keeps, Fetch: app.Fetch,
			Answering: app.Engine().Answering}
	}
	b, err := bot.New(ctx, bopts)
	if err != nil {
		return err
	}
	if cfg.Token != "" {
		engine.SetBotUsername(b.Username())
		if err := conversations.Register(engine, st, b.Username(), posterPNG, wecomLinks(cfg)...); err != nil {
			return err
		}
	}
	if app != nil {
		done := make(chan error, 1)
		// ctx is passed, not shared: it is replaced below while the app runs.
		go func(ctx context.Context) { done <- app.Run(ctx) }(ctx)
		defer func() {
			if err := <-done; err != nil {
				log.Error("wecom app", "error", err)
			}
		}()
		log.Info("wecom app taking callbacks", "path", app.Path(), "agent", cfg.WeCom.AgentID)
	}
	if cfg.PprofAddr != "" {
		// Profiles for measuring under load, on an address of their own (never the webhook's).
		go func() {
			log.Info("profiles served", "addr", cfg.PprofAddr)
			if err := http.ListenAndServe(cfg.PprofAddr, pprofMux()); err != nil {
				log.Error("profiles", "error", err)
			}
		}()
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	if seams.started != nil {
		go func() {
			if err := seams.started(ctx); err != nil {
				stop(err)
			}
		}()
	}
	log.Info("bangban serving", "version", buildVersion(), "bot", b.Username(), "addr", b.Addr().String())
	if err := b.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("bangban stopped")
	return nil
}

// newWeCom makes the WeCom app, with an engine of its own (its chats' keys and resume sweep
// apart from Telegram's) that runs the same dialogs.
func newWeCom(ctx context.Context, cfg Config, st *store.Store, rdb redis.UniversalClient, tr *dialog.Translator, log *slog.Logger) (*wecom.App, error) {
	w := cfg.WeCom
	// WeCom posts one member's callbacks on connections of their own, in any order, to any
	// replica: a short hold applies them in the order they came.
	engine, err := dialog.NewEngine(dialog.Options{Redis: rdb, KeyPrefix: cfg.RedisPrefix + "wecom:", BotID: w.AgentID, Translator: tr,
		Logger: log, ReorderWindow: cfg.ReorderWindow})
	if err != nil {
		return nil, err
	}
	if err := conversations.Register(engine, st, "", posterPNG, wecomLinks(cfg)...); err != nil {
		return nil, err
	}
	return wecom.New(ctx, wecom.Options{CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret, Token: w.Token, AESKey: w.AESKey,
		CallbackPath: w.CallbackPath, APIURL: w.APIURL, PublicURL: w.PublicURL, Store: st, Redis: rdb, Engine: engine, KeyPrefix: cfg.RedisPrefix, Logger: log})
}

// wecomLinks makes invites made in a chat carry the link that opens the WeCom app, when it is
// set up with a public address.
func wecomLinks(cfg Config) []conversations.Option {
	w := cfg.WeCom
	if !w.Enabled() || w.PublicURL == "" {
		return nil
	}
	return []conversations.Option{conversations.WithWeComLink(func(code string) string {
		return wecom.BindLink(w.CorpID, w.AgentID, w.PublicURL, w.CallbackPath, code)
	})}
}

// posterPNG draws an invite poster for the chat's /invite.
func posterPNG(link, name, caption string) ([]byte, error) {
	var buf bytes.Buffer
	if err := poster.WritePNG(&buf, link, name, caption); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
		if bi.Main.Version != "" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// pprofMux serves Go's profiles under /debug/pprof/.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// printConfig prints every variable the configuration read, NAME=value, secrets redacted; a
// value the environment did not set is marked as the default.
func printConfig(cfg Config, w io.Writer) {
	for _, s := range cfg.Settings {
		mark := ""
		if !s.Set {
			mark = "  # default"
		}
		fmt.Fprintf(w, "%s=%s%s\n", s.Name, s.Redacted(), mark)
	}
}
