package redistest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The cluster serves every slot, a key written through it survives the kill of its master,
// and the master's replica serves it after.
func TestClusterFailsOverAKilledMaster(t *testing.T) {
	t.Parallel()
	c := StartCluster(t)
	if u := c.URL(); strings.Count(u, "addr=") != 5 {
		t.Fatalf("URL %q does not name every node", u)
	}
	rdb := c.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rdb.Set(ctx, "{chat:1}:a", "kept", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// The write reaches the replica before the kill: WAIT for one replica's acknowledgement.
	master := c.MasterOf(t, "{chat:1}:a")
	if n, err := master.Client(t).Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT: %d replicas, %v", n, err)
	}
	killed := c.KillMasterOf(t, "{chat:1}:a")
	if killed != master || killed.Alive() {
		t.Fatalf("killed %s, alive %v; want the master %s dead", killed.Addr, killed.Alive(), master.Addr)
	}
	start := time.Now()
	c.WaitHealthy(t)
	t.Logf("failed over in %s", time.Since(start).Round(time.Millisecond))
	if now := c.MasterOf(t, "{chat:1}:a"); now == killed {
		t.Fatalf("the slot is still served by the killed master")
	}
	var v string
	for {
		var err error
		if v, err = rdb.Get(ctx, "{chat:1}:a").Result(); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the key is not served after the failover: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v != "kept" {
		t.Fatalf("after the failover the key holds %q", v)
	}
}
