package sendlimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/sendlimit"
)

// A message goes when every counter it falls under allows it: the burst of one goes at once,
// the next waits its interval, and one that would wait beyond its patience is told how long
// and takes no place.
func TestAMessageGoesWhenEveryCounterAllows(t *testing.T) {
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	chat := []sendlimit.Counter{
		{Key: prefix + "{t}:all", Interval: 10 * time.Millisecond},
		{Key: prefix + "{t}:chat", Interval: 300 * time.Millisecond, Burst: 300 * time.Millisecond},
	}
	for i := range 2 {
		if wait, err := sendlimit.Take(ctx, rdb, chat, 0, sendlimit.Horizon); err != nil || wait != 0 {
			t.Fatalf("message %d of the burst: wait %s, %v", i, wait, err)
		}
	}
	wait, err := sendlimit.Take(ctx, rdb, chat, 0, sendlimit.Horizon)
	if err != nil || wait < 200*time.Millisecond || wait > 300*time.Millisecond {
		t.Fatalf("the third: wait %s, %v", wait, err)
	}
	start := time.Now()
	if wait, err := sendlimit.Take(ctx, rdb, chat, time.Second, sendlimit.Horizon); err != nil || wait != 0 || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("with patience: wait %s after %s, %v", wait, time.Since(start), err)
	}
}

// When the limits are busy, messages that may take their places far ahead (replies) take
// them in the order they ask, each behind the one before; one that takes its place only
// Horizon ahead (a notification) gets none while they hold the next ones, and asks again.
func TestMessagesTakingPlacesFarAheadQueueInOrderAheadOfTheRest(t *testing.T) {
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	all := []sendlimit.Counter{{Key: prefix + "{t}:all", Interval: 100 * time.Millisecond}}
	queue := func(ahead time.Duration) func() (time.Duration, bool) {
		pipe := rdb.Pipeline()
		got := sendlimit.Queue(ctx, pipe, all, ahead)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return got
	}
	var last time.Duration = -1
	for i := range 3 {
		wait, ok := queue(time.Second)()
		if !ok || wait <= last || wait > time.Duration(i)*100*time.Millisecond+20*time.Millisecond {
			t.Fatalf("reply %d: place in %s (taken %v); want one about %d ms off, behind the one before (%s)", i, wait, ok, i*100, last)
		}
		last = wait
	}
	if wait, ok := queue(sendlimit.Horizon)(); ok {
		t.Fatalf("a notification took a place %s off, ahead of its horizon and among the replies'", wait)
	}
	if wait, ok := queue(time.Second)(); !ok || wait <= last {
		t.Fatalf("the next reply: place in %s (taken %v); want one behind the others (%s)", wait, ok, last)
	}
}
