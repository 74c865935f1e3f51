package dialog_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
)

// journal is a dialog that never ends: each text is appended to the session's log, and a hook
// may hold a step (as a slow database write does) or count it.
type journal struct {
	mu    sync.Mutex
	hook  func(text string)
	saves atomic.Int32
}

func (j *journal) dialog() *dialog.Dialog {
	return &dialog.Dialog{Name: "journal", Command: "journal", Version: 1,
		Steps: []*dialog.Step{{Name: "n", Prompt: "test.tally",
			More: func(*dialog.Session) bool { return true },
			Save: func(s *dialog.Session, in dialog.Input) {
				j.saves.Add(1)
				j.mu.Lock()
				hook := j.hook
				j.mu.Unlock()
				if hook != nil {
					hook(in.Text)
				}
				if l := s.Get("log"); l != "" {
					s.Set("log", l+","+in.Text)
				} else {
					s.Set("log", in.Text)
				}
			}}},
		Done: func(context.Context, *dialog.Session) (dialog.Reply, error) {
			return dialog.Reply{MessageID: "test.never"}, nil
		},
	}
}

func (j *journal) setHook(f func(string)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.hook = f
}

func journalEngine(t *testing.T, v *env, j *journal, opts dialog.Options) *dialog.Engine {
	t.Helper()
	e := v.engine(t, opts)
	if err := e.Register(j.dialog()); err != nil {
		t.Fatal(err)
	}
	return e
}

// logOf is the journal as stored for a person.
func logOf(t *testing.T, rdb redis.UniversalClient, key string) []string {
	t.Helper()
	raw, err := rdb.Get(context.Background(), key).Bytes()
	if err != nil {
		t.Fatalf("session %s: %v", key, err)
	}
	var st struct {
		Data map[string]string `json:"data"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return strings.Split(st.Data["log"], ",")
}

// mortal gives engine options whose Redis goes through a relay a test can cut: the engine then
// stops answering for good, as a process that died does (its leases and claims run out).
func mortal(t *testing.T, opts dialog.Options) (dialog.Options, *redistest.Proxy) {
	t.Helper()
	proxy := redistest.NewProxy(t)
	via := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = via.Close() })
	opts.Redis = via
	return opts, proxy
}

func text(p *person, s string) dialog.Input {
	return dialog.Input{UpdateID: updateIDs.Add(1), ChatID: p.id, UserID: p.id, LangCode: "en",
		Kind: dialog.KindText, Text: s}
}

// collect is a Deliver that keeps what it was given.
type collect struct {
	mu   sync.Mutex
	outs []dialog.Output
}

func (c *collect) deliver(_ context.Context, o []dialog.Output) ([]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.outs = append(c.outs, o...)
	return make([]int64, len(o)), nil
}

func (c *collect) texts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, o := range c.outs {
		if o.Text != "" {
			out = append(out, o.Text)
		}
	}
	return out
}

// The process applied an update and stored it, then could not send its answer (it died, or
// Telegram failed): the update delivered again is not applied again, and its answer, kept with
// it, is sent then, once.
func TestAnswerOfAnAppliedUpdateIsSentWhenItIsDeliveredAgain(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 13001)
	p.send("/trip")
	p.press("Beta")

	in := text(p, "the bridge on route 3 is cracked")
	err := e.Process(context.Background(), in, func(context.Context, []dialog.Output) ([]int64, error) {
		return nil, errors.New("connection reset by peer")
	})
	if !errors.Is(err, dialog.ErrUndelivered) {
		t.Fatalf("a failed delivery: %v, want ErrUndelivered", err)
	}

	var again collect
	if err := e.Process(context.Background(), in, again.deliver); err != nil {
		t.Fatal(err)
	}
	if got := again.texts(); len(got) != 1 || !strings.HasPrefix(got[0], "test.where") {
		t.Fatalf("redelivery sent %q; want the answer of the applied update, the next step's prompt", got)
	}
	var third collect
	if err := e.Process(context.Background(), in, third.deliver); err != nil || len(third.outs) != 0 {
		t.Fatalf("a third delivery sent %+v, %v; want nothing: the answer went out once", third.outs, err)
	}
	// Applied once: the dialog is at the next step.
	p.send("/help")
	p.expect("You can use:", "test.where")
}

// A process died right after storing an update, with its answer unsent and still claimed:
// the redelivery waits for the claim to run out (the lease), then sends the answer once.
func TestAnswerClaimedByADeadProcessIsSentAfterItsLease(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	opts := dialog.Options{LockTTL: 400 * time.Millisecond, CallTimeout: 200 * time.Millisecond}
	optsDead, proxy := mortal(t, opts)
	dead, alive := v.engine(t, optsDead), v.engine(t, opts)
	p := v.person(t, alive, 13002)
	p.send("/trip")
	p.press("Beta")

	in := text(p, "the bridge on route 3 is cracked")
	frozen, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = dead.Process(context.Background(), in, func(context.Context, []dialog.Output) ([]int64, error) {
			close(frozen)
			<-release // dead: it never sends, and never confirms
			return nil, errors.New("killed")
		})
	}()
	<-frozen
	proxy.Stop() // dead: it renews its claim no more
	t.Cleanup(func() { close(release) })

	var again collect
	start := time.Now()
	if err := alive.Process(context.Background(), in, again.deliver); err != nil {
		t.Fatal(err)
	}
	if got := again.texts(); len(got) != 1 || !strings.HasPrefix(got[0], "test.where") {
		t.Fatalf("redelivery sent %q; want the dead process's answer", got)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("the answer was taken from a live claim after %s; want it left to its holder until the lease ran out", waited)
	}
}

// A process holding a chat dies in the middle of an update (inside the database
// transaction, say): its lease runs out within seconds, the update delivered again takes the
// chat over, and the update is applied once; the dead process, back from a pause, finds its
// lease gone and sends nothing.
func TestAChatWhoseHolderDiedIsTakenOverAndAppliedOnce(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	j := &journal{}
	opts := dialog.Options{LockTTL: 600 * time.Millisecond, CallTimeout: 300 * time.Millisecond}
	optsDead, proxy := mortal(t, opts)
	dead := journalEngine(t, v, j, optsDead)
	alive := journalEngine(t, v, j, opts)
	p := v.person(t, alive, 13003)
	p.send("/journal")

	in := text(p, "confirm")
	held, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	j.setHook(func(string) {
		if first.CompareAndSwap(false, true) {
			close(held)
			<-release
		}
	})
	var deadGot collect
	deadDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		deadDone <- dead.Process(ctx, in, deadGot.deliver)
	}()
	<-held
	proxy.Stop() // the holder is gone: it renews its lease no more

	var got collect
	start := time.Now()
	if err := alive.Process(context.Background(), in, got.deliver); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if texts := got.texts(); len(texts) != 1 || !strings.HasPrefix(texts[0], "test.tally") {
		t.Fatalf("the update delivered again was answered %q; want the step's prompt", texts)
	}
	if took > 5*time.Second {
		t.Fatalf("the chat was taken over after %s; want within seconds of the lease (600 ms)", took)
	}

	proxy.Start(t)
	close(release)
	if err := <-deadDone; err != nil {
		t.Logf("the process that lost the chat returned %v", err) // what matters is that it sent nothing
	}
	if len(deadGot.outs) != 0 {
		t.Fatalf("the process that lost the chat sent %+v", deadGot.outs)
	}
	if log := logOf(t, v.rdb, p.stateKey(v)); len(log) != 1 || log[0] != "confirm" {
		t.Fatalf("journal %q; want the update applied once", log)
	}
}

// A long-polling process died with an update taken and not applied, and Telegram will not
// deliver it again: the resume sweep of another process finishes it and sends its answer.
func TestResumeFinishesAnUpdateLeftByADeadProcess(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	j := &journal{}
	opts := dialog.Options{LockTTL: 500 * time.Millisecond, CallTimeout: 300 * time.Millisecond}
	optsDead, proxy := mortal(t, opts)
	dead := journalEngine(t, v, j, optsDead)
	alive := journalEngine(t, v, j, opts)
	p := v.person(t, alive, 13004)
	p.send("/journal")

	held, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	j.setHook(func(string) {
		if first.CompareAndSwap(false, true) {
			close(held)
			<-release
		}
	})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = dead.Process(ctx, text(p, "left behind"), func(context.Context, []dialog.Output) ([]int64, error) { return nil, nil })
	}()
	<-held
	proxy.Stop()
	t.Cleanup(func() { close(release) })

	var got collect
	deadline := time.Now().Add(5 * time.Second)
	for len(got.texts()) == 0 && time.Now().Before(deadline) {
		if _, err := alive.Resume(context.Background(), 0, got.deliver); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if texts := got.texts(); len(texts) != 1 || !strings.HasPrefix(texts[0], "test.tally") {
		t.Fatalf("resume sent %q; want the answer to the update left behind", texts)
	}
	if log := logOf(t, v.rdb, p.stateKey(v)); len(log) != 1 || log[0] != "left behind" {
		t.Fatalf("journal %q; want the update left behind applied once", log)
	}
	// Nothing is left to resume: the chat is off the pending list.
	if n, err := alive.Resume(context.Background(), 0, got.deliver); err != nil || n != 0 {
		t.Fatalf("a second sweep looked at %d chats (%v); want none", n, err)
	}
}

// Redis stalls (paused, not down) while a person answers: they are told at once to try again,
// and what they were told failed is never applied, even though Redis runs it when it wakes;
// the chat answers again as soon as Redis does, from where it was.
func TestARedisStallNeverAppliesWhatWasToldFailed(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	rdb := srv.Client(t)
	v := &env{rdb: rdb, prefix: "stall:", trip: &trip{}}
	e := v.engine(t, dialog.Options{CallTimeout: 500 * time.Millisecond, LockTTL: time.Second})
	p := v.person(t, e, 14001)
	p.send("/trip")
	p.press("Beta")
	p.expect("test.desc")

	srv.Pause(t)
	failed := text(p, "the bridge on route 3 is cracked")
	out, err := e.Handle(context.Background(), failed)
	if err == nil || len(out) != 1 || !strings.Contains(out[0].Text, "try again") {
		t.Fatalf("with Redis stalled: %+v, %v; want the try-again message and an error", out, err)
	}
	time.Sleep(time.Second) // Redis wakes after the deadline of what it was sent
	srv.Resume(t)

	p.send("/help")
	p.expect("You can use:", "test.desc") // still at the description: nothing was applied
	if seen, _ := rdb.ZScore(context.Background(), "stall:{1:14001}:seen", itoa(failed.UpdateID)).Result(); seen != 0 {
		t.Fatalf("the update answered with try again is marked applied")
	}
	if n, _ := rdb.ZCard(context.Background(), "stall:{1:14001}:inbox").Result(); n != 0 {
		t.Fatalf("%d updates left waiting in the inbox", n)
	}
	p.send("the bridge on route 3 is cracked")
	p.expect("test.where")
	if got := v.trip.completed(); len(got) != 0 {
		t.Fatalf("completed %v", got)
	}
}

// Redis stalls while an update is being applied, longer than the chat's lease: the person is
// not told it failed; the update is finished once Redis answers again, applied once, and
// answered once.
func TestARedisStallMidUpdateIsFinishedOnceWhenItWakes(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	rdb := srv.Client(t)
	v := &env{rdb: rdb, prefix: "stall:", trip: &trip{}}
	j := &journal{}
	e := journalEngine(t, v, j, dialog.Options{CallTimeout: 300 * time.Millisecond, LockTTL: 900 * time.Millisecond})
	p := v.person(t, e, 14002)
	p.send("/journal")

	var paused atomic.Bool
	j.setHook(func(s string) {
		if s == "stall" && paused.CompareAndSwap(false, true) {
			srv.Pause(t)
			time.AfterFunc(2*time.Second, func() { srv.Resume(t) })
		}
	})
	var got collect
	if err := e.Process(context.Background(), text(p, "stall"), got.deliver); err != nil {
		t.Fatal(err)
	}
	if texts := got.texts(); len(texts) != 1 || !strings.HasPrefix(texts[0], "test.tally") {
		t.Fatalf("answered %q; want the step's prompt once", texts)
	}
	if log := logOf(t, rdb, p.stateKey(v)); len(log) != 1 || log[0] != "stall" {
		t.Fatalf("journal %q; want the update applied once", log)
	}
	p.send("next")
	if log := logOf(t, rdb, p.stateKey(v)); len(log) != 2 || log[1] != "next" {
		t.Fatalf("journal %q; want the chat to go on", log)
	}
}

// A process sending an update's answer to a slow Telegram (longer than the lease) keeps its
// claim on it: a redelivery meanwhile waits rather than sending the answer a second time.
func TestASlowSendKeepsItsClaim(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	opts := dialog.Options{LockTTL: 300 * time.Millisecond}
	slow, other := v.engine(t, opts), v.engine(t, opts)
	p := v.person(t, other, 13005)
	p.send("/trip")
	p.press("Beta")

	in := text(p, "the bridge on route 3 is cracked")
	var sent atomic.Int32
	sending, release := make(chan struct{}), make(chan struct{})
	slowDone := make(chan error, 1)
	go func() {
		slowDone <- slow.Process(context.Background(), in, func(_ context.Context, o []dialog.Output) ([]int64, error) {
			close(sending)
			<-release // Telegram takes its time
			sent.Add(1)
			return make([]int64, len(o)), nil
		})
	}()
	<-sending
	time.AfterFunc(time.Second, func() { close(release) }) // three leases
	var again collect
	if err := other.Process(context.Background(), in, again.deliver); err != nil {
		t.Fatal(err)
	}
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
	if len(again.outs) != 0 || sent.Load() != 1 {
		t.Fatalf("the answer was sent by the slow process %d times and by the redelivery %+v; want once in all", sent.Load(), again.outs)
	}
}

// Redis goes away right after an update's answer was sent, before the answer is confirmed
// sent (a master failing over, say): the confirmation is made once Redis is back, and neither
// the sweep nor a redelivery sends the answer a second time once its claim has run out.
func TestAnAnswerSentAsRedisGoesAwayIsNotSentAgain(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	proxy := redistest.NewProxy(t)
	via := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = via.Close() })
	var logs syncLog
	e := v.engine(t, dialog.Options{Redis: via, LockTTL: 400 * time.Millisecond, CallTimeout: 300 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	p := v.person(t, e, 13010)
	p.send("/trip")
	p.press("Beta")

	in := text(p, "the bridge on route 3 is cracked")
	var sent collect
	done := make(chan error, 1)
	go func() {
		done <- e.Process(context.Background(), in, func(ctx context.Context, o []dialog.Output) ([]int64, error) {
			ids, err := sent.deliver(ctx, o)
			proxy.Stop() // gone before the answer is confirmed sent
			return ids, err
		})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "outputs sent but not confirmed") {
		if time.Now().After(deadline) {
			t.Fatalf("the confirmation never failed:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	proxy.Start(t)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := sent.texts(); len(got) != 1 || !strings.HasPrefix(got[0], "test.where") {
		t.Fatalf("sent %q; want the next step's prompt", got)
	}

	// Once the claim on the answer has run out, nothing sends it again.
	time.Sleep(500 * time.Millisecond)
	var again collect
	if _, err := e.Resume(context.Background(), 0, again.deliver); err != nil {
		t.Fatal(err)
	}
	if err := e.Process(context.Background(), in, again.deliver); err != nil {
		t.Fatal(err)
	}
	if len(again.outs) != 0 {
		t.Fatalf("the answer was sent again: %+v", again.outs)
	}
}

// syncLog keeps what a logger writes, for reading while it writes.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A process took an update and lost Redis before applying it; the update, delivered again
// (its webhook request failed), finds Redis refusing connections, and the person is told to
// try again. The update is withdrawn from the chat's inbox, where the first delivery left it:
// it is not applied when Redis is back.
func TestARedeliveryToldToTryAgainIsNotAppliedLater(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	j := &journal{}
	client := func(p *redistest.Proxy) redis.UniversalClient {
		c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	firstWay, secondWay := redistest.NewProxy(t), redistest.NewProxy(t)
	opts := dialog.Options{LockTTL: 500 * time.Millisecond, CallTimeout: 300 * time.Millisecond}
	withRedis := func(r redis.UniversalClient) dialog.Options { o := opts; o.Redis = r; return o }
	first := journalEngine(t, v, j, withRedis(client(firstWay)))
	// The second finds the connection refused at once, within its time for a call.
	slow := withRedis(client(secondWay))
	slow.CallTimeout = 2 * time.Second
	second := journalEngine(t, v, j, slow)
	alive := journalEngine(t, v, j, opts)
	p := v.person(t, alive, 13011)
	p.send("/journal")

	held, release := make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	j.setHook(func(string) {
		if once.CompareAndSwap(false, true) {
			close(held)
			<-release
		}
	})
	in := text(p, "told to try again")
	firstDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		firstDone <- first.Process(ctx, in, func(context.Context, []dialog.Output) ([]int64, error) { return nil, nil })
	}()
	<-held
	firstWay.Stop()
	secondWay.Stop()

	var told collect
	if err := second.Process(context.Background(), in, told.deliver); err == nil {
		t.Fatal("the update was taken with Redis refusing connections")
	}
	if got := told.texts(); len(got) != 1 || !strings.Contains(got[0], "try again") {
		t.Fatalf("told %q; want to try again", got)
	}
	secondWay.Start(t)
	close(release)
	if err := <-firstDone; !errors.Is(err, dialog.ErrUnfinished) {
		t.Fatalf("the first delivery: %v; want it unfinished", err)
	}

	// The update is withdrawn once Redis answers; the sweep then finds nothing to apply.
	inbox := v.prefix + "{1:" + itoa(p.id) + "}:in"
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ok, _ := v.rdb.HExists(context.Background(), inbox, "x:"+itoa(in.UpdateID)).Result(); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the update told to try again was not withdrawn")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(600 * time.Millisecond) // the first process's lease runs out
	var swept collect
	if _, err := alive.Resume(context.Background(), 0, swept.deliver); err != nil {
		t.Fatal(err)
	}
	if len(swept.outs) != 0 {
		t.Fatalf("the sweep sent %+v; want nothing applied", swept.outs)
	}
	p.send("after")
	if log := logOf(t, v.rdb, p.stateKey(v)); slices.Contains(log, "told to try again") {
		t.Fatalf("journal %q: the update told to try again was applied", log)
	}
}

// Redis drops the connection while a process holds a chat (a Cluster master failing over,
// say): the process keeps its hold and applies the update as soon as Redis answers again,
// rather than waiting for its own lease to run out.
func TestAHolderThatLosesRedisForAMomentKeepsTheChat(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	proxy := redistest.NewProxy(t)
	via := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = via.Close() })
	// The reorder window is what holds the update while Redis goes away: long enough for a
	// loaded machine to see the chat held and stop Redis before the holder looks again, and
	// far enough under the lease to tell keeping the hold from waiting the lease out.
	const lease = 12 * time.Second
	var logs syncLog
	e := v.engine(t, dialog.Options{Redis: via, LockTTL: lease, ReorderWindow: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	p := v.person(t, e, 13012)
	p.send("/trip")
	p.press("Beta")

	in := text(p, "the bridge on route 3 is cracked")
	var sent collect
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- e.Process(context.Background(), in, sent.deliver) }()
	// Once the chat is held (the update waits out the reorder window), Redis goes away until
	// the holder has found it gone.
	lock := v.prefix + "{1:" + itoa(p.id) + "}:lock"
	for v.rdb.Exists(context.Background(), lock).Val() == 0 {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the chat was never held")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The lock is there once Redis ran the offer; its answer reaches the holder through the
	// proxy a moment later, and stopping the proxy before would fail the offer instead.
	time.Sleep(500 * time.Millisecond)
	proxy.Stop()
	for !strings.Contains(logs.String(), "chat queue unavailable") {
		if time.Since(start) > lease/2 {
			t.Fatalf("the holder never found Redis gone:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	proxy.Start(t)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > lease/2 {
		t.Fatalf("the update took %s; want it applied once Redis answered, not after the lease of %s", took.Round(time.Millisecond), lease)
	}
	if got := sent.texts(); len(got) != 1 || !strings.HasPrefix(got[0], "test.where") {
		t.Fatalf("sent %q; want the next step's prompt", got)
	}
}
