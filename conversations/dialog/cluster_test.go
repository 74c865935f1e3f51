package dialog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
)

// Every script of the engine runs on a Redis Cluster. A Cluster runs a script only when all
// the keys it touches lie in one slot, which a single server never checks: each of a chat's
// keys carries the chat's hash tag, and the list of chats pending, in a slot of its own, is
// touched by commands apart.
func TestEveryScriptRunsOnARedisCluster(t *testing.T) {
	t.Parallel()
	rc := redistest.StartCluster(t)
	v := &env{rdb: rc.Client(t), prefix: "bangbantest:", trip: &trip{}}
	j := &journal{}
	// A reorder window, so that updates wait for the next script; a short lease, so that a
	// slow step needs the renewal.
	e := journalEngine(t, v, j, dialog.Options{ReorderWindow: 20 * time.Millisecond, LockTTL: 300 * time.Millisecond})
	ctx := context.Background()

	// begin, next, commit, delivered, settled: a dialog, step by step.
	p := v.person(t, e, 14001)
	p.send("/trip")
	p.press("Beta")
	p.send("the bridge on route 3 is cracked")
	p.expect("test.where")

	// renew: a step that takes longer than the lease is applied once, its lease kept. (Were
	// the lease not renewed, the step would be taken over and run again until the deadline.)
	q := v.person(t, e, 14002)
	q.send("/journal")
	j.setHook(func(string) { time.Sleep(time.Second) })
	before := j.saves.Load()
	bounded, cancel := context.WithTimeout(ctx, 10*time.Second)
	var slow collect
	err := e.Process(bounded, text(q, "slow"), slow.deliver)
	cancel()
	j.setHook(nil)
	if n := j.saves.Load() - before; err != nil || n != 1 {
		t.Fatalf("the slow step was applied %d times (%v); want once, its lease renewed", n, err)
	}

	// resume: the answer of an update that could not be sent is sent by the sweep.
	in := text(q, "unsent")
	err = e.Process(ctx, in, func(context.Context, []dialog.Output) ([]int64, error) {
		return nil, errors.New("telegram down")
	})
	if !errors.Is(err, dialog.ErrUndelivered) {
		t.Fatalf("a failed delivery: %v, want ErrUndelivered", err)
	}
	var swept collect
	if _, err := e.Resume(ctx, 0, swept.deliver); err != nil {
		t.Fatal(err)
	}
	if got := swept.texts(); len(got) != 1 || !strings.HasPrefix(got[0], "test.tally") {
		t.Fatalf("the sweep sent %q; want the answer left unsent", got)
	}

	// giveUp: an update whose first round trip ran out of time is told to try again and
	// withdrawn; delivered again, it is not applied.
	late := text(q, "told to try again")
	expired, cancel := context.WithDeadline(ctx, time.Now())
	cancel()
	var told collect
	if err := e.Process(expired, late, told.deliver); err == nil {
		t.Fatal("an update offered after its deadline was taken")
	}
	if got := told.texts(); len(got) != 1 || !strings.Contains(got[0], "try again") {
		t.Fatalf("told %q; want to try again", got)
	}
	withdrawn := v.prefix + "{1:" + itoa(q.id) + "}:in"
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := v.rdb.HExists(ctx, withdrawn, "x:"+itoa(late.UpdateID)).Result()
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the update told to try again was not withdrawn: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var again collect
	if err := e.Process(ctx, late, again.deliver); err != nil || len(again.outs) != 0 {
		t.Fatalf("the withdrawn update delivered again: %+v, %v; want nothing", again.outs, err)
	}
	if log := logOf(t, v.rdb, q.stateKey(v)); strings.Join(log, ",") != "slow,unsent" {
		t.Fatalf("journal %q; want the slow and the unsent update, each once, and not the withdrawn one", log)
	}
}
