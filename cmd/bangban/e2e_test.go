package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

var binary struct {
	once sync.Once
	path string
	err  error
}

// buildBinary builds bangban once per test run, as a user would run it.
func buildBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "bangban-bin")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "bangban")
		out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Three replicas running `bangban migrate` at the same moment on an empty database all
// succeed, and leave it fully migrated.
func TestMigrateFromThreeProcessesAtOnce(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	u := storetest.NewEmptyDB(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	outs := make([][]byte, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "migrate")
			cmd.Env = append(os.Environ(), "DATABASE_URL="+u)
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range 3 {
		if errs[i] != nil {
			t.Fatalf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	pool, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if ok, err := store.MigrationsApplied(context.Background(), pool); err != nil || !ok {
		t.Fatalf("after three migrations: applied = %v, %v", ok, err)
	}
}

// As a user runs it: `bangban serve` pointed at the simulator answers /start, reports ready,
// and on SIGTERM finishes and exits 0.
func TestServeAnswersAndStopsCleanly(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	sim := telegramtest.New()
	defer sim.Close()
	_, dbURL := storetest.NewDB(t)
	_, prefix := redistest.New(t)
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(),
		"TELEGRAM_BOT_TOKEN=7100000001:E2E-token",
		"TELEGRAM_API_URL="+sim.URL(),
		"DATABASE_URL="+dbURL,
		"REDIS_URL="+redistest.URL(),
		"BANGBAN_REDIS_PREFIX="+prefix,
		"LISTEN_ADDR="+addr,
		"BANGBAN_LANG=en",
	)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := sim.WaitCall(ctx, "getUpdates", func(telegramtest.Call) bool { return true }); err != nil {
		t.Fatalf("serve never polled: %v\n%s", err, stderr.String())
	}
	user := telegramtest.User{ID: 4242, FirstName: "Ann", LanguageCode: "de"}
	sim.SendText(user, "/start")
	msgs, err := sim.WaitMessages(ctx, user.ID, 1)
	if err != nil {
		t.Fatalf("no answer to /start: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(msgs[0].Text, "Hello, Ann") {
		t.Fatalf("answer = %q, want the English welcome (BANGBAN_LANG=en for a German user)", msgs[0].Text)
	}
	readyThenStop(t, addr, cmd, exited, &stderr)
	if strings.Contains(stderr.String(), "E2E-token") {
		t.Fatalf("the logs hold the token:\n%s", stderr.String())
	}
}

// readyThenStop checks that serve at addr is ready, then stops it with SIGTERM and expects
// it to exit 0 within 30 s.
func readyThenStop(t *testing.T, addr string, cmd *exec.Cmd, exited <-chan error, stderr fmt.Stringer) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz = %d", resp.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM: %v, want exit 0\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after SIGTERM\n%s", stderr.String())
	}
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// As README tells a new user: `bangban sim` in one shell, `bangban serve` pointed at it in
// another, type /start, and the bot answers in the first; pressing nothing is needed yet.
func TestSimulatorDemoAsReadmeDescribes(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	simAddr := freeAddr(t)
	sim := exec.Command(bin, "sim", "-listen", simAddr, "-lang", "en", "-name", "Wei")
	simIn, err := sim.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var simOut syncBuffer
	sim.Stdout, sim.Stderr = &simOut, &simOut
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sim.Process.Kill(); _ = sim.Wait() }()
	waitFor(t, "the simulator to listen", func() bool { return strings.Contains(simOut.String(), "Bot API simulator at") }, &simOut)

	_, dbURL := storetest.NewDB(t)
	_, prefix := redistest.New(t)
	serve := exec.Command(bin, "serve")
	var serveErr syncBuffer
	serve.Stderr = &serveErr
	serve.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN=123456:TEST", "TELEGRAM_API_URL=http://"+simAddr,
		"DATABASE_URL="+dbURL, "REDIS_URL="+redistest.URL(), "BANGBAN_REDIS_PREFIX="+prefix, "LISTEN_ADDR="+freeAddr(t))
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = serve.Process.Signal(syscall.SIGTERM); _ = serve.Wait() }()
	waitFor(t, "serve to start polling", func() bool { return strings.Contains(serveErr.String(), "long polling") }, &serveErr)

	if _, err := io.WriteString(simIn, "/start\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the welcome", func() bool { return strings.Contains(simOut.String(), "[bot] Hello, Wei! This is bangban") }, &simOut)
}

func waitFor(t *testing.T, what string, cond func() bool, out fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s; output so far:\n%s", what, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Three `bangban serve` replicas on one database and one Redis: the reminders that fell due
// are sent by the job queue's leader, once each, however the replicas start.
func TestThreeReplicasSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := buildBinary(t)
	sim := telegramtest.New()
	defer sim.Close()
	pool, dbURL := storetest.NewDB(t)
	_, prefix := redistest.New(t)
	st, err := store.New(pool, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, probs, err := st.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	// Sixty cases of the county's handlers, each an hour past its resolve limit, each with its
	// overdue reminder waiting.
	const cases = 60
	for _, q := range []string{
		`UPDATE people SET chat_id = 1000 + id`,
		`INSERT INTO cases (ticket_no, status, region_id, office_id, description, assignee_id, assigned_at, signed_at,
			first_feedback_at, resolve_due_at)
		SELECT 'XC-20261120-' || lpad(g::text, 4, '0'), 'in_progress', r.id, o.id, '企业用电线路需要增容改造', h.ids[1 + g % array_length(h.ids, 1)],
			now() - interval '8 days', now() - interval '8 days', now() - interval '7 days', now() - interval '1 hour'
		FROM generate_series(1, 60) g, (SELECT id FROM regions WHERE code = 'HQ-YL-QS') r, (SELECT id FROM offices WHERE code = 'OF-YL') o,
			(SELECT array_agg(person_id) AS ids FROM person_roles WHERE role = 'handler') h`,
		`INSERT INTO reminders (case_id, kind, due_limit, limit_at, send_at)
		SELECT id, 'overdue', 'resolve', resolve_due_at, resolve_due_at FROM cases`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var logs [3]syncBuffer
	for i := range 3 {
		cmd := exec.Command(bin, "serve")
		cmd.Stderr = &logs[i]
		cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN=7100000002:E2E-token", "TELEGRAM_API_URL="+sim.URL(),
			"DATABASE_URL="+dbURL, "REDIS_URL="+redistest.URL(), "BANGBAN_REDIS_PREFIX="+prefix, "LISTEN_ADDR="+freeAddr(t))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	}
	all := &logs[0]
	waitFor(t, "every reminder to be sent and delivered", func() bool {
		var pending int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM reminders WHERE sent_at IS NULL)
			+ (SELECT count(*) FROM river_job WHERE kind = 'notification' AND state <> 'completed')`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		return pending == 0
	}, all)
	// Each case was reminded once, and told once to its handler and once to each of the
	// office's two members: named in their digest, or counted in its "…and N more" (a digest
	// names twenty cases).
	var events, distinct int
	if err := pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT case_id) FROM case_events WHERE kind = 'reminded'").Scan(&events, &distinct); err != nil {
		t.Fatal(err)
	}
	if events != cases || distinct != cases {
		t.Fatalf("%d reminder events on %d cases, want one on each of %d", events, distinct, cases)
	}
	rows, err := pool.Query(ctx, "SELECT DISTINCT chat_id FROM people WHERE chat_id IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	chats, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]int{}
	told := 0
	ticket, more := regexp.MustCompile(`XC-20261120-\d{4}`), regexp.MustCompile(`and (\d+) more|另有 (\d+) 件`)
	for _, c := range chats {
		inChat := map[string]bool{}
		for _, m := range sim.Messages(c) {
			if strings.HasPrefix(m.Text, "📋") || strings.HasPrefix(m.Text, "📰") {
				// The office's daily board and weekly bulletin, which a replica starting within
				// working hours sends at once, name cases as examples, not as reminders.
				continue
			}
			for _, no := range ticket.FindAllString(m.Text, -1) {
				if inChat[no] {
					t.Fatalf("%s named twice to chat %d", no, c)
				}
				inChat[no] = true
				named[no]++
				told++
			}
			for _, g := range more.FindAllStringSubmatch(m.Text, -1) {
				n, _ := strconv.Atoi(g[1] + g[2])
				told += n
			}
		}
	}
	if len(named) != cases || told != 3*cases {
		t.Fatalf("%d cases named, %d tellings in all; want all %d named and each told three times (handler and two office members)", len(named), told, cases)
	}
}
