package wecom_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// A callback answered, whose process dies before its work begins, is not lost, though WeCom
// will not deliver it again: it was put in the member's inbox in Redis before the answer, and
// a new process, on the same database and Redis, applies it with its resume sweep. Applied
// once: WeCom's delivering it again, to the first process working again, changes nothing.
func TestACallbackAnsweredOutlivesItsProcess(t *testing.T) {
	t.Parallel()
	var dead atomic.Bool
	h := start(t, nil, func(o *wecom.Options) {
		o.AfterAnswer = func() bool { return !dead.Load() }
		// The first process never sweeps: only the new one may find what it lost.
		o.ResumeEvery = time.Hour
	})
	const member = "lichunmei"
	h.joinWeCom(t, member, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	n := len(h.sim.Messages(member))

	dead.Store(true)
	cb := h.sim.Text(member, "/inbox")
	if d, err := h.sim.Deliver(cb); err != nil || d.Status != http.StatusOK || d.Attempts != 1 {
		t.Fatalf("delivery %+v: %v", d, err)
	}
	h.app.Wait()
	if msgs := h.sim.Messages(member); len(msgs) != n {
		t.Fatalf("answered by a process that died:%s", dump(msgs[n:]))
	}

	// A new process: its own engine, on the same Redis and database.
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dialog.NewEngine(dialog.Options{Redis: h.rdb, KeyPrefix: h.prefix + "wecom:", Translator: tr,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReorderWindow: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := conversations.Register(eng, h.store, "", nil); err != nil {
		t.Fatal(err)
	}
	opts := h.opts
	opts.Engine, opts.AfterAnswer, opts.ResumeEvery = eng, nil, 100*time.Millisecond
	app, err := wecom.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the new process stopped with %v", err)
		}
	})
	msgs, err := h.sim.WaitFor(member, 15*time.Second, func(m []wecomtest.Message) bool { return len(m) > n })
	if err != nil {
		t.Fatalf("the lost callback was never applied: %v", err)
	}
	contains(t, msgs[n:], "目前没有需要您办理的问题")

	dead.Store(false)
	if d, err := h.sim.Deliver(cb); err != nil || d.Status != http.StatusOK {
		t.Fatalf("delivered again %+v: %v", d, err)
	}
	h.app.Wait()
	if msgs, err := h.sim.WaitFor(member, 1500*time.Millisecond, func(m []wecomtest.Message) bool { return len(m) > n+1 }); err == nil {
		t.Fatalf("applied twice:%s", dump(msgs[n:]))
	}
}
