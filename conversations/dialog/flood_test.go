package dialog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
)

// The flood limit is counted in the round trip that takes an update, and CountFlood keeps the
// same counter: a burst goes through, what is beyond it is not taken (nothing is applied or
// answered), its sender is to be told once, and other senders and chats are not held back.
func TestTheFloodLimitIsCountedWhereTheUpdateIsTaken(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	e := newEngine(t, rdb, prefix)
	ctx := context.Background()
	limit := dialog.FloodLimit{Burst: 3, PerSecond: 1}
	startWithin := func(id, chat, user int64, limit dialog.FloodLimit) ([]dialog.Output, error) {
		var outs []dialog.Output
		err := e.ProcessWithin(ctx, dialog.Input{UpdateID: id, ChatID: chat, UserID: user, LangCode: "en",
			Kind: dialog.KindCommand, Command: "start"}, func(_ context.Context, o []dialog.Output) ([]int64, error) {
			outs = append(outs, o...)
			return make([]int64, len(o)), nil
		}, dialog.Limits{Flood: limit})
		return outs, err
	}
	start := func(id, chat, user int64) ([]dialog.Output, error) { return startWithin(id, chat, user, limit) }
	for id := int64(1); id <= 2; id++ {
		if outs, err := start(id, 40, 40); err != nil || len(outs) != 1 {
			t.Fatalf("update %d within the burst: %d outputs, %v", id, len(outs), err)
		}
	}
	// The third of the burst is counted before it would wait.
	if err := e.CountFlood(ctx, 40, 40, limit); err != nil {
		t.Fatalf("the third of a burst of 3: %v", err)
	}
	if _, err := startWithin(3, 40, 40, dialog.FloodLimit{}); err != nil {
		t.Fatalf("an update counted already, processed with no limit: %v", err)
	}
	var flood *dialog.FloodError
	outs, err := start(4, 40, 40)
	if !errors.As(err, &flood) || !flood.Tell || len(outs) != 0 {
		t.Fatalf("the fourth = %d outputs, %v; want none and a flood error that tells the sender", len(outs), err)
	}
	outs, err = start(5, 40, 40)
	if !errors.As(err, &flood) || flood.Tell || len(outs) != 0 {
		t.Fatalf("the fifth = %d outputs, %v; want none and a flood error that does not tell again", len(outs), err)
	}
	if err := e.CountFlood(ctx, 40, 40, limit); !errors.As(err, &flood) || flood.Tell {
		t.Fatalf("CountFlood beyond the burst = %v; want a flood error, told already", err)
	}
	// The updates refused were not taken: the same update, offered with no limit, is applied.
	if outs, err := startWithin(4, 40, 40, dialog.FloodLimit{}); err != nil || len(outs) != 1 {
		t.Fatalf("a refused update offered again without the limit: %d outputs, %v; want it applied", len(outs), err)
	}
	// Another sender in another chat has a counter of their own.
	if outs, err := start(1, 41, 41); err != nil || len(outs) != 1 {
		t.Fatalf("another person during the flood: %d outputs, %v", len(outs), err)
	}
	pending, err := rdb.ZCard(ctx, prefix+"{1}:pending").Result()
	if err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Fatalf("%d chats left on the pending list after floods were refused", pending)
	}
}

// pacer counts, in the commit's round trip, the places it is asked for, and marks the
// context the outputs are delivered with.
type pacer struct{ key string }

type pacedKey struct{}

func (p pacer) Reserve(ctx context.Context, pipe redis.Pipeliner, chat int64, outs []dialog.Output) func(context.Context) context.Context {
	if len(outs) == 0 || outs[0].ChatID != chat {
		return nil
	}
	n := pipe.Incr(ctx, p.key)
	return func(ctx context.Context) context.Context { return context.WithValue(ctx, pacedKey{}, n.Val()) }
}

// A Pacer's place for an update's first reply is taken in the round trip that commits the
// update, once for each update answered, and the outputs are delivered with what it learnt.
func TestThePacerTakesTheFirstReplysPlaceWithTheCommit(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	e := newEngine(t, rdb, prefix)
	ctx := context.Background()
	p := pacer{key: prefix + "paced"}
	for id := int64(1); id <= 3; id++ {
		var seen any
		err := e.ProcessWithin(ctx, dialog.Input{UpdateID: id, ChatID: 50, UserID: 50, LangCode: "en",
			Kind: dialog.KindCommand, Command: "start"}, func(ctx context.Context, o []dialog.Output) ([]int64, error) {
			seen = ctx.Value(pacedKey{})
			return make([]int64, len(o)), nil
		}, dialog.Limits{Pacer: p})
		if err != nil {
			t.Fatal(err)
		}
		if seen != id {
			t.Fatalf("update %d delivered with %v from the pacer; want the place taken with its commit (%d)", id, seen, id)
		}
	}
	if n, err := rdb.Get(ctx, p.key).Int64(); err != nil || n != 3 {
		t.Fatalf("places taken = %d, %v; want one for each of 3 updates", n, err)
	}
}
