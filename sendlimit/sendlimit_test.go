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
		if wait, err := sendlimit.Take(ctx, rdb, chat, 0); err != nil || wait != 0 {
			t.Fatalf("message %d of the burst: wait %s, %v", i, wait, err)
		}
	}
	wait, err := sendlimit.Take(ctx, rdb, chat, 0)
	if err != nil || wait < 200*time.Millisecond || wait > 300*time.Millisecond {
		t.Fatalf("the third: wait %s, %v", wait, err)
	}
	start := time.Now()
	if wait, err := sendlimit.Take(ctx, rdb, chat, time.Second); err != nil || wait != 0 || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("with patience: wait %s after %s, %v", wait, time.Since(start), err)
	}
}
