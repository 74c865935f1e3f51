package dialog_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
)

// Updates accepted and never processed (their process died after accepting them) are applied
// by a resume sweep, in order and once; accepted again, or then processed, or accepted
// after being applied, they change nothing more; the chat leaves the pending list.
func TestAcceptedUpdatesOutliveTheirProcess(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	j := &journal{}
	e := journalEngine(t, v, j, dialog.Options{})
	p := v.person(t, e, 13101)
	p.send("/journal")
	ctx := context.Background()
	first, second := text(p, "one"), text(p, "two")
	for _, in := range []dialog.Input{first, second, first} {
		if err := e.Accept(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Accept(ctx, dialog.Input{ChatID: p.id}); err == nil {
		t.Fatal("an input without an update id accepted")
	}
	var got collect
	// The sweep takes chats pending since before it began.
	deadline := time.Now().Add(5 * time.Second)
	for len(got.texts()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		if _, err := e.Resume(ctx, 0, got.deliver); err != nil {
			t.Fatal(err)
		}
	}
	if texts := got.texts(); len(texts) != 2 || !strings.HasPrefix(texts[0], "test.tally") {
		t.Fatalf("resume sent %q; want the answers to the two updates accepted", texts)
	}
	// The first delivered to Process after all, and accepted once more: nothing more.
	if err := e.Process(ctx, first, got.deliver); err != nil {
		t.Fatal(err)
	}
	if err := e.Accept(ctx, second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if n, err := e.Resume(ctx, 0, got.deliver); err != nil || len(got.texts()) != 2 {
		t.Fatalf("after: %d chats swept (%v), sent %q", n, err, got.texts())
	}
	if log := logOf(t, v.rdb, p.stateKey(v)); strings.Join(log, ",") != "one,two" {
		t.Fatalf("journal %q; want each update applied once, in order", log)
	}
	if n, err := e.Resume(ctx, 0, got.deliver); err != nil || n != 0 {
		t.Fatalf("a last sweep looked at %d chats (%v); want none", n, err)
	}
}
