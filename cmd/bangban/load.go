package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
)

// loadUsage is the help of `bangban load`.
const loadUsage = `usage: bangban load [flags]

Drives this binary's "serve" through the Bot API simulator with simulated reporters, each
filing reports through /new to the ticket number, and prints for each run the steps a second,
the step latency (update handed over to its answer at the API, p50 and p99), the Bot API calls
a report costs (chat: what a chat's limit counts, messages sent and edits; budget: what the
limit for all chats counts, every one of those but the edit in place of a pressed message;
sent: the new messages), and serve's CPU and peak memory. Each run has a scratch database of its own,
dropped after.

flags:
`

// loadRun is what one `bangban load` measures, and how.
type loadRun struct {
	users     []int
	modes     []string
	reports   int
	adminURL  string
	redisURL  string
	limits    []string // environment for serve: the send limits of the run
	enforce   bool     // the simulator keeps Telegram's limits
	perSecond int
	think     time.Duration
	profile   string
}

// loadTest runs `bangban load`.
func loadTest(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadUsage); fs.PrintDefaults() }
	users := fs.String("users", "1,20,100,200", "comma list: how many reporters at once, one run each")
	modes := fs.String("modes", "polling,webhook", "comma list of polling, webhook")
	reports := fs.Int("reports", 3, "reports each reporter files in a run (1 to 8)")
	think := fs.Duration("think", -1, "how long a reporter reads each answer before the next step; default 2s under Telegram's limits (a person's pace: reading a prompt, then tapping or typing), 0 with a raised budget")
	perSecond := fs.Int("send-per-second", 28, "BANGBAN_SEND_PER_SECOND of serve; above 30 the per-chat gap is lifted too and the simulator keeps no limits (a raised budget, as paid broadcasts allow)")
	admin := fs.String("database", envOr("BANGBAN_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "a Postgres where scratch databases may be created")
	binary := fs.String("binary", "", "the program whose serve is driven: another build of bangban, to compare two under one driver, or tools/loadref, the bare go-telegram/bot dialog load's figures are read against (default: this binary)")
	profile := fs.String("profile", "", "write a CPU profile of serve, taken during the last run's first 8 s, to this file, and the driver's to this file with .driver after it")
	redisURL := fs.String("redis", envOr("BANGBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis (a key prefix of the run's own is used)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := loadRun{reports: *reports, adminURL: *admin, redisURL: *redisURL, perSecond: *perSecond}
	for _, u := range strings.Split(*users, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(u))
		if err != nil || n < 1 || n > 1000 {
			fmt.Fprintf(stderr, "bangban load: -users: %q is not a number from 1 to 1000\n", u)
			return 2
		}
		cfg.users = append(cfg.users, n)
	}
	for _, m := range strings.Split(*modes, ",") {
		if m = strings.TrimSpace(m); m != "polling" && m != "webhook" {
			fmt.Fprintf(stderr, "bangban load: -modes: %q is neither polling nor webhook\n", m)
			return 2
		}
		cfg.modes = append(cfg.modes, strings.TrimSpace(m))
	}
	if cfg.reports < 1 || cfg.reports > 8 || cfg.perSecond < 1 || cfg.perSecond > 1000 {
		fmt.Fprintln(stderr, "bangban load: -reports must be from 1 to 8 and -send-per-second from 1 to 1000")
		return 2
	}
	cfg.limits = []string{"BANGBAN_SEND_PER_SECOND=" + strconv.Itoa(cfg.perSecond),
		"BANGBAN_SEND_NOTIFY_PER_SECOND=" + strconv.Itoa(max(1, cfg.perSecond*22/28))}
	cfg.enforce = cfg.perSecond <= 30
	cfg.profile = *profile
	cfg.think = *think
	if cfg.think < 0 {
		cfg.think = 0
		if cfg.enforce {
			cfg.think = 2 * time.Second
		}
	}
	if !cfg.enforce {
		cfg.limits = append(cfg.limits, "BANGBAN_CHAT_GAP=1ms", "BANGBAN_CHAT_BURST=20")
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "bangban load: %v\n", err)
		return 1
	}
	if *binary != "" {
		if self, err = exec.LookPath(*binary); err != nil {
			fmt.Fprintf(stderr, "bangban load: -binary: %v\n", err)
			return 2
		}
	}
	// The simulator keeps every call it was sent, for the counts: a heap that only grows, which
	// the collector need not scan at every doubling. This is the driver's own cost, not serve's.
	debug.SetGCPercent(400)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(stdout, "send budget %d/s, think %s, %d reports a reporter\n", cfg.perSecond, cfg.think, cfg.reports)
	fmt.Fprintf(tw, "mode\tusers\tsteps\tsteps/s\tp50 ms\tp99 ms\tchat calls/report\tbudget calls/report\tsent/report\tall calls/report\tserve CPU %%\tserve RSS MB\tdriver CPU %%\t429s\t\n")
	for _, mode := range cfg.modes {
		for _, n := range cfg.users {
			r, err := runLoad(ctx, cfg, self, mode, n)
			if err != nil {
				fmt.Fprintf(stderr, "bangban load: %s with %d users: %v\n", mode, n, err)
				return 1
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.0f\t%.0f\t%d\t\n", mode, n, r.steps, r.stepsPerSecond(),
				ms(r.percentile(0.50)), ms(r.percentile(0.99)), r.pacedPerReport, r.budgetPerReport, r.sentPerReport, r.callsPerReport, r.serveCPU, r.serveRSS, r.driverCPU, r.throttled)
			_ = tw.Flush()
		}
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// loadResult is what one run measured.
type loadResult struct {
	steps          int
	elapsed        time.Duration
	latencies      []time.Duration
	pacedPerReport float64 // calls a chat's limit counts: messages sent and edits
	// budgetPerReport: calls the limit for all chats counts, all those but an edit in place
	budgetPerReport float64
	sentPerReport   float64 // messages sent, which the budget for all chats counts too
	callsPerReport  float64
	serveCPU        float64 // percent of one core
	serveRSS        float64 // MB, peak
	driverCPU       float64
	throttled       int
}

func (r loadResult) stepsPerSecond() float64 { return float64(r.steps) / r.elapsed.Seconds() }

func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

const loadToken = "7300000001:LOAD-token"

// runLoad is one run: a scratch database with the demo county, the simulator, serve, and n
// reporters filing reports at once.
func runLoad(ctx context.Context, cfg loadRun, self, mode string, n int) (loadResult, error) {
	var res loadResult
	dbURL, drop, err := scratchDB(ctx, cfg.adminURL)
	if err != nil {
		return res, err
	}
	defer drop()
	pool, err := store.Open(ctx, dbURL)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	if _, err := store.Migrate(ctx, pool); err != nil {
		return res, err
	}
	st, err := store.New(pool, store.Options{})
	if err != nil {
		return res, err
	}
	if _, probs, err := st.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		return res, fmt.Errorf("demo county: %w %v", err, probs)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	sim := telegramtest.New(telegramtest.WithListener(ln))
	defer sim.Close()
	if cfg.enforce {
		sim.EnforceLimits(30, time.Second, 20)
	}
	addr, err := freeLocalAddr()
	if err != nil {
		return res, err
	}
	// A scratch directory for the files, as the database is a scratch one.
	filesDir, err := os.MkdirTemp("", "bangban-load-files")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(filesDir)
	cmd := exec.CommandContext(ctx, self, "serve")
	logs := &lockedWriter{}
	cmd.Stderr = logs
	cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+loadToken, "TELEGRAM_API_URL="+sim.URL(), "DATABASE_URL="+dbURL, "BANGBAN_FILES_DIR="+filesDir,
		"REDIS_URL="+cfg.redisURL, "BANGBAN_REDIS_PREFIX=load:"+strconv.FormatInt(time.Now().UnixNano(), 36)+":",
		"LISTEN_ADDR="+addr, "LOG_LEVEL=error", "BANGBAN_INCOMING_BURST=1000", "BANGBAN_INCOMING_PER_SECOND=1000")
	if mode == "webhook" {
		cmd.Env = append(cmd.Env, "WEBHOOK_URL=http://"+addr+"/hook", "WEBHOOK_SECRET=load-secret")
	}
	cmd.Env = append(cmd.Env, cfg.limits...)
	pprofAddr := ""
	if cfg.profile != "" {
		if pprofAddr, err = freeLocalAddr(); err != nil {
			return res, err
		}
		cmd.Env = append(cmd.Env, "BANGBAN_PPROF_ADDR="+pprofAddr)
	}
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	method := "getUpdates"
	if mode == "webhook" {
		method = "setWebhook"
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = sim.WaitCall(wctx, method, func(telegramtest.Call) bool { return true })
	cancel()
	if err != nil {
		return res, fmt.Errorf("serve did not start: %w\n%s", err, logs.String())
	}

	// Reporters of the demo's enterprises, bound by invite (not measured).
	people := make([]telegramtest.User, n)
	for i := range people {
		people[i] = telegramtest.User{ID: 5_000_000 + int64(i), FirstName: "R" + strconv.Itoa(i), LanguageCode: "zh-hans"}
		inv, err := st.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: fmt.Sprintf("E%03d", 1+i%30)})
		if err != nil {
			return res, err
		}
		sim.SendText(people[i], "/start "+inv.Code)
	}
	for _, p := range people {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		_, err := sim.WaitMessages(wctx, p.ID, 1)
		cancel()
		if err != nil {
			return res, fmt.Errorf("reporter %d never joined: %w\n%s", p.ID, err, logs.String())
		}
	}
	time.Sleep(2 * time.Second) // the joining's messages paid back under the chat limits

	callsBefore := len(sim.Calls())
	cpuBefore, _ := processCPU(cmd.Process.Pid)
	selfBefore := selfCPU()
	start := time.Now()
	var mu sync.Mutex
	var wg, profiling sync.WaitGroup
	if pprofAddr != "" {
		// The profile is waited for apart from the reporters, so that its 8 s are not counted.
		profiling.Add(1)
		go func() {
			defer profiling.Done()
			if err := fetchProfile(ctx, "http://"+pprofAddr+"/debug/pprof/profile?seconds=8", cfg.profile); err != nil {
				fmt.Fprintf(os.Stderr, "bangban load: profile: %v\n", err)
			}
		}()
		// The driver's own profile (the simulator and the reporters) beside serve's.
		profiling.Add(1)
		go func() {
			defer profiling.Done()
			if err := profileSelf(ctx, cfg.profile+".driver", 8*time.Second); err != nil {
				fmt.Fprintf(os.Stderr, "bangban load: profile: %v\n", err)
			}
		}()
	}
	errs := make(chan error, n)
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat, err := fileReports(ctx, sim, p, cfg.reports, cfg.think)
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			mu.Unlock()
			if err != nil {
				errs <- fmt.Errorf("reporter %d: %w", p.ID, err)
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	profiling.Wait()
	close(errs)
	for err := range errs {
		return res, fmt.Errorf("%w\n%s", err, tail(logs.String(), 2000))
	}
	res.steps = len(res.latencies)
	cpuAfter, _ := processCPU(cmd.Process.Pid)
	res.serveCPU = 100 * (cpuAfter - cpuBefore).Seconds() / res.elapsed.Seconds()
	res.driverCPU = 100 * (selfCPU() - selfBefore).Seconds() / res.elapsed.Seconds()
	res.serveRSS = peakRSS(cmd.Process.Pid)
	reportsFiled := float64(n * cfg.reports)
	var pacedCalls, budget, sent, all int
	for _, c := range sim.Calls()[callsBefore:] {
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		if id < 5_000_000 || id >= 5_000_000+int64(n) {
			if c.Method != "answerCallbackQuery" {
				continue // the linked cadres' notifications are not the reporters' steps
			}
		}
		if c.Method == "getUpdates" {
			continue
		}
		all++
		switch c.Method {
		case "sendMessage", "sendPhoto":
			sent++
			pacedCalls++
			budget++
		case "editMessageText", "editMessageReplyMarkup":
			pacedCalls++
			if !c.InPlace {
				budget++
			}
		}
	}
	res.pacedPerReport, res.budgetPerReport = float64(pacedCalls)/reportsFiled, float64(budget)/reportsFiled
	res.sentPerReport, res.callsPerReport = float64(sent)/reportsFiled, float64(all)/reportsFiled
	res.throttled = sim.Throttled()
	return res, nil
}

// fileReports plays one reporter filing reports through /new, one step after the other, each
// about think after the answer to the one before, and returns each step's latency: from handing the
// update over to its answer at the API.
func fileReports(ctx context.Context, sim *telegramtest.Server, u telegramtest.User, reports int, think time.Duration) ([]time.Duration, error) {
	var lat []time.Duration
	step := func(act func(last telegramtest.Message) error, want string) error {
		// People do not act in step: each pause is between half and one and a half times think.
		time.Sleep(think/2 + time.Duration(rand.Int64N(int64(think)+1)))
		ms := sim.Messages(u.ID)
		last := ms[len(ms)-1]
		start := time.Now()
		if err := act(last); err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		got, err := sim.WaitAnswer(wctx, last, len(ms))
		if err != nil {
			return fmt.Errorf("no answer after %q: %w", last.Text, err)
		}
		if !strings.Contains(got.Text, want) {
			// The yardstick takes the summary's buttons off and sends the ticket apart (bangban
			// turns the summary into the ticket): wait for that.
			if strings.Contains(last.Text, "请确认") {
				all, err := sim.WaitMessages(wctx, u.ID, len(ms)+1)
				if err != nil {
					return err
				}
				got = all[len(ms)]
			}
			if !strings.Contains(got.Text, want) {
				return fmt.Errorf("answered %q, want %q", got.Text, want)
			}
		}
		lat = append(lat, time.Since(start))
		return nil
	}
	say := func(text string) func(telegramtest.Message) error {
		return func(telegramtest.Message) error { sim.SendText(u, text); return nil }
	}
	press := func(label string) func(telegramtest.Message) error {
		return func(m telegramtest.Message) error {
			for _, row := range m.Buttons {
				for _, b := range row {
					if b.Text == label {
						sim.PressButton(u, m, b.CallbackData)
						return nil
					}
				}
			}
			return fmt.Errorf("no button %q on %q", label, m.Text)
		}
	}
	// A different category each time, so that no report is offered to join the one before.
	categories := []string{"融资", "用地", "用工", "审批办证", "产销对接", "科技人才", "数字化转型", "政策落实"}
	for r := range reports {
		for _, s := range []struct {
			act  func(telegramtest.Message) error
			want string
		}{
			{say("/new"), "问题属于哪一类"},
			{press(categories[r%len(categories)]), "请描述遇到的问题"},
			{say(fmt.Sprintf("第 %d 笔流动资金贷款审批迟迟没有结果", r+1)), "可以发送照片或文件"},
			{press("跳过"), "如需说明位置"},
			{press("跳过"), "紧急程度"},
			{press("普通"), "请确认"},
			{press("✔ 确认提交"), "已受理"},
		} {
			if err := step(s.act, s.want); err != nil {
				return lat, err
			}
		}
	}
	return lat, nil
}

// profileSelf writes a CPU profile of this process, taken for d, to file.
func profileSelf(ctx context.Context, file string, d time.Duration) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	pprof.StopCPUProfile()
	return f.Close()
}

// fetchProfile saves a profile served at url to file.
func fetchProfile(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// scratchDB creates an empty database on the admin server and returns its URL and a func
// that drops it.
func scratchDB(ctx context.Context, adminURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", redactURL(adminURL), err)
	}
	name := "bangban_load_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = conn.Exec(dctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		conn.Close(dctx)
	}
	return u.String(), drop, nil
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the database URL"
	}
	return u.Redacted()
}

func freeLocalAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// processCPU is the user and system time a process has used, from /proc.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it are plain.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100), nil // USER_HZ is 100 on Linux
}

// peakRSS is a process's peak resident memory in MB, from /proc.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// lockedWriter lets a process's output be read while it is written.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
