package dialog_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
)

// sideEffects watches the steps as they run, as a database would: how many ran, and whether
// two of one chat ever ran at the same time.
type sideEffects struct {
	active  atomic.Int32
	runs    atomic.Int32
	overlap atomic.Bool
}

// tally is a dialog that never ends: every text is appended to a log, so the log shows which
// updates were applied, how often, and in what order.
func tally(started chan<- struct{}, release <-chan struct{}, fx *sideEffects) *dialog.Dialog {
	return &dialog.Dialog{Name: "tally", Command: "tally", Version: 1,
		Steps: []*dialog.Step{{Name: "n", Prompt: "test.tally",
			More: func(*dialog.Session) bool { return true },
			Save: func(s *dialog.Session, in dialog.Input) {
				if fx != nil {
					if fx.active.Add(1) > 1 {
						fx.overlap.Store(true)
					}
					fx.runs.Add(1)
					time.Sleep(time.Millisecond) // a step takes time, as a database write does
					defer fx.active.Add(-1)
				}
				if in.Text == "block" && started != nil {
					started <- struct{}{}
					<-release
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

func tallyEngine(t testing.TB, v *env, opts dialog.Options, started chan<- struct{}, release <-chan struct{}, fx *sideEffects) *dialog.Engine {
	t.Helper()
	e := v.engine(t, opts)
	if err := e.Register(tally(started, release, fx)); err != nil {
		t.Fatal(err)
	}
	return e
}

// 100 updates of one chat, each delivered twice, from 4 goroutines to 2 engine instances at
// once: every update is applied exactly once, in update_id order.
func TestOneChatsUpdatesApplyOnceAndInOrder(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	opts := dialog.Options{ReorderWindow: 50 * time.Millisecond}
	fx := &sideEffects{}
	engines := []*dialog.Engine{tallyEngine(t, v, opts, nil, nil, fx), tallyEngine(t, v, opts, nil, nil, fx)}
	p := v.person(t, engines[0], 11001)
	p.send("/tally")

	const n = 100
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = updateIDs.Add(1)
	}
	feed := make(chan dialog.Input)
	go func() {
		for _, id := range ids {
			in := dialog.Input{UpdateID: id, ChatID: p.id, UserID: p.id, LangCode: "en",
				Kind: dialog.KindText, Text: strconv.FormatInt(id, 10)}
			feed <- in
			feed <- in // Telegram redelivers
		}
		close(feed)
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for in := range feed {
				if _, err := engines[(g+int(in.UpdateID))%2].Handle(context.Background(), in); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	got := strings.Split(tallyLog(t, v, p), ",")
	if len(got) != n {
		t.Fatalf("%d updates applied, want %d (none lost, none twice): %v", len(got), n, got)
	}
	for i, s := range got {
		if s != strconv.FormatInt(ids[i], 10) {
			t.Fatalf("update %d applied as number %d: order %v", ids[i], i, got)
		}
	}
	if runs := fx.runs.Load(); runs != n {
		t.Fatalf("steps ran %d times for %d updates: an update was worked on twice", runs, n)
	}
	if fx.overlap.Load() {
		t.Fatal("two updates of one chat were worked on at the same time")
	}
	if left, _ := v.rdb.Exists(context.Background(), v.prefix+"{1:"+itoa(p.id)+"}:inbox", v.prefix+"{1:"+itoa(p.id)+"}:lock").Result(); left != 0 {
		t.Fatalf("%d of inbox and lock left behind", left)
	}
}

// While one chat is held by a slow step, another chat is answered; the slow chat's next
// update waits for the holder, which applies it and delivers its answer.
func TestChatsProceedInParallel(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	started, release := make(chan struct{}), make(chan struct{})
	e := tallyEngine(t, v, dialog.Options{}, started, release, nil)
	slow := v.person(t, e, 12001)
	slow.send("/tally")
	held := make(chan []dialog.Output)
	go func() {
		out, _ := e.Handle(context.Background(), dialog.Input{UpdateID: updateIDs.Add(1), ChatID: slow.id, UserID: slow.id,
			LangCode: "en", Kind: dialog.KindText, Text: "block"})
		held <- out
	}()
	<-started

	// The slow chat's next update waits its turn: it is left to the holder, and its own
	// Handle returns once the holder has applied it.
	queued := make(chan []dialog.Output)
	go func() {
		out, err := e.Handle(context.Background(), dialog.Input{UpdateID: updateIDs.Add(1), ChatID: slow.id, UserID: slow.id,
			LangCode: "en", Kind: dialog.KindText, Text: "after"})
		if err != nil {
			t.Error(err)
		}
		queued <- out
	}()
	other := v.person(t, e, 12002)
	other.send("/help")
	other.expect("You can use:")
	select {
	case out := <-queued:
		t.Fatalf("an update of a held chat was answered before the holder let go: %+v", out)
	case <-time.After(100 * time.Millisecond):
	}

	close(release)
	out := <-held
	var prompts int
	for _, o := range out {
		if strings.HasPrefix(o.Text, "test.tally") {
			prompts++
		}
	}
	if prompts != 2 {
		t.Fatalf("the holder answered %+v; want the prompts of both its own and the queued update", out)
	}
	if out := <-queued; len(out) != 0 {
		t.Fatalf("the queued update's own call delivered %+v; the holder had delivered it", out)
	}
}

// An update that arrives within the reorder window after a later one of its chat began
// waiting it out is applied first: the later one, still waiting, finds it at the head.
func TestAnEarlierUpdateArrivingWithinTheWindowIsAppliedFirst(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	opts := dialog.Options{ReorderWindow: 300 * time.Millisecond}
	fx := &sideEffects{}
	a, b := tallyEngine(t, v, opts, nil, nil, fx), tallyEngine(t, v, opts, nil, nil, fx)
	p := v.person(t, a, 11002)
	p.send("/tally")

	first, second := updateIDs.Add(1), updateIDs.Add(1)
	in := func(id int64) dialog.Input {
		return dialog.Input{UpdateID: id, ChatID: p.id, UserID: p.id, LangCode: "en", Kind: dialog.KindText, Text: strconv.FormatInt(id, 10)}
	}
	done := make(chan error, 2)
	go func() {
		_, err := a.Handle(context.Background(), in(second))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // the second waits out its window on a
	go func() {
		_, err := b.Handle(context.Background(), in(first))
		done <- err
	}()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if want, got := strconv.FormatInt(first, 10)+","+strconv.FormatInt(second, 10), tallyLog(t, v, p); got != want {
		t.Fatalf("applied in the order %q; want %q", got, want)
	}
}

// tallyLog is the texts the tally dialog of p's chat applied, in the order it applied them,
// comma separated, as its session keeps them.
func tallyLog(t *testing.T, v *env, p *person) string {
	t.Helper()
	raw, err := v.rdb.Get(context.Background(), p.stateKey(v)).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Data map[string]string `json:"data"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return st.Data["log"]
}
