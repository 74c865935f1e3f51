package main

import (
	"context"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/redistest"
)

// After the master serving a key is killed and its replica takes over, bangban's client for
// REDIS_URL serves the key again within moments, not once its map of the slots is a minute
// old.
func TestClusterClientFollowsAFailover(t *testing.T) {
	t.Parallel()
	rc := redistest.StartCluster(t)
	opts, err := redisOptions(rc.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := newRedis(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const key = "bangban:{7100000009:61001}:s:61001"
	if err := rdb.Set(ctx, key, "a dialog", 0).Err(); err != nil {
		t.Fatal(err)
	}
	master := rc.MasterOf(t, key)
	if n, err := master.Client(t).Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT: %d replicas, %v", n, err)
	}
	rc.KillMasterOf(t, key)
	// The chat is used while the master is down, as a person who keeps trying would.
	for range 3 {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_ = rdb.Get(cctx, key).Err()
		cancel()
	}
	rc.WaitHealthy(t)
	healed := time.Now()
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		v, err := rdb.Get(cctx, key).Result()
		cancel()
		if err == nil {
			if v != "a dialog" {
				t.Fatalf("after the failover the key holds %q", v)
			}
			break
		}
		if time.Since(healed) > 5*time.Second {
			t.Fatalf("the key is still not served 5 s after the replica took over: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("served again %s after the replica took over", time.Since(healed).Round(time.Millisecond))
}
