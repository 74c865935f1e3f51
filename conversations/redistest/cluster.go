package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of a test's own on free 127.0.0.1 ports: three masters with a
// replica each, keeping nothing on disk, its failure detection short (a second) so that a
// replica takes over from a killed master within a few seconds.
type Cluster struct {
	// Nodes are every node, in the order given to `redis-cli --cluster create`: the masters
	// first, then their replicas.
	Nodes []*Server
}

// clusterNodeTimeout is how long a node may not answer before it is taken for failed.
const clusterNodeTimeout = 1000 * time.Millisecond

// StartCluster starts six redis-server processes in cluster mode, joins them with
// `redis-cli --cluster create --cluster-replicas 1`, waits until every node serves every slot
// and every replica is in sync, and stops them all when tb ends. It skips the test, saying
// why, when redis-server or redis-cli is not installed.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("redis-server is not installed: this test runs a Redis Cluster of its own")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		tb.Skip("redis-cli is not installed (Debian: redis-tools): this test creates a Redis Cluster with it")
	}
	dir := tb.TempDir()
	c := &Cluster{}
	used := map[int]bool{}
	free := func() int {
		for {
			if p := FreePort(tb); !used[p] {
				used[p] = true
				return p
			}
		}
	}
	for range 6 {
		// The cluster bus gets a port of its own: the default, the port plus 10000, may be
		// taken or beyond 65535.
		port, bus := free(), free()
		c.Nodes = append(c.Nodes, startServer(tb, bin, port,
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", port)),
			"--cluster-node-timeout", fmt.Sprint(clusterNodeTimeout.Milliseconds()),
			"--cluster-port", fmt.Sprint(bus),
			// A new replica syncs at once rather than waiting for others to join it.
			"--repl-diskless-sync-delay", "0"))
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.Nodes {
		args = append(args, n.Addr)
	}
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitHealthy(tb)
	return c
}

// URL is the cluster's address for bangban's REDIS_URL: the first node as the host, every
// other as an addr parameter, so that a client finds the cluster while any node is up.
func (c *Cluster) URL() string {
	var b strings.Builder
	b.WriteString("redis://" + c.Nodes[0].Addr)
	for i, n := range c.Nodes[1:] {
		if i == 0 {
			b.WriteString("?")
		} else {
			b.WriteString("&")
		}
		b.WriteString("addr=" + n.Addr)
	}
	return b.String()
}

// Client is a client of the cluster whose calls keep to their context's deadline. It reads
// the map of slots again every quarter second, so that it finds a replica that took over
// soon (go-redis' own default is a minute).
func (c *Cluster) Client(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	var addrs []string
	for _, n := range c.Nodes {
		addrs = append(addrs, n.Addr)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true,
		ClusterStateReloadInterval: 250 * time.Millisecond})
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}

// node runs fn on a client of n with a short deadline.
func node[T any](n *Server, fn func(context.Context, *redis.Client) (T, error)) (T, error) {
	cl := redis.NewClient(&redis.Options{Addr: n.Addr, MaxRetries: -1})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return fn(ctx, cl)
}

// MasterOf is the node that serves the slot of key now, as a live node sees it.
func (c *Cluster) MasterOf(tb testing.TB, key string) *Server {
	tb.Helper()
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		addr, err := node(n, func(ctx context.Context, cl *redis.Client) (string, error) {
			slot, err := cl.ClusterKeySlot(ctx, key).Result()
			if err != nil {
				return "", err
			}
			slots, err := cl.ClusterSlots(ctx).Result() //nolint:staticcheck // Redis 7 still answers CLUSTER SLOTS, whose ranges are what is wanted here
			if err != nil {
				return "", err
			}
			for _, s := range slots {
				if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
					return s.Nodes[0].Addr, nil
				}
			}
			return "", fmt.Errorf("slot %d is not served", slot)
		})
		if err != nil {
			tb.Logf("redistest: %s: %v", n.Addr, err)
			continue
		}
		for _, m := range c.Nodes {
			if m.Addr == addr {
				return m
			}
		}
		tb.Fatalf("redistest: slot of %q served by %s, not a node of this cluster", key, addr)
	}
	tb.Fatalf("redistest: no live node says who serves %q", key)
	return nil
}

// KillMasterOf kills (SIGKILL) the master that serves key's slot, and returns it. Its replica
// takes over once the other masters have agreed it failed: WaitHealthy waits for that.
func (c *Cluster) KillMasterOf(tb testing.TB, key string) *Server {
	tb.Helper()
	m := c.MasterOf(tb, key)
	m.Kill()
	return m
}

// WaitHealthy waits until every live node says the cluster is ok and serves every slot from
// a live master, with each live replica in sync with its master.
func (c *Cluster) WaitHealthy(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		problem := c.problem()
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			var logs strings.Builder
			for _, n := range c.Nodes {
				fmt.Fprintf(&logs, "--- %s:\n%s\n", n.Addr, n.Log())
			}
			tb.Fatalf("redistest: the cluster is not healthy after 30 s: %s\n%s", problem, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// problem is what keeps the cluster from being healthy, or "".
func (c *Cluster) problem() string {
	alive := map[string]bool{}
	for _, n := range c.Nodes {
		if n.Alive() {
			alive[n.Addr] = true
		}
	}
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		info, err := node(n, func(ctx context.Context, cl *redis.Client) (string, error) {
			return cl.ClusterInfo(ctx).Result()
		})
		if err != nil {
			return n.Addr + ": " + err.Error()
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_ok:16384") {
			return n.Addr + " says the cluster is not ok"
		}
		slots, err := node(n, func(ctx context.Context, cl *redis.Client) ([]redis.ClusterSlot, error) {
			return cl.ClusterSlots(ctx).Result() //nolint:staticcheck // as above
		})
		if err != nil {
			return n.Addr + ": " + err.Error()
		}
		served := 0
		for _, s := range slots {
			if len(s.Nodes) == 0 || !alive[s.Nodes[0].Addr] {
				return fmt.Sprintf("%s has slots %d-%d served by a dead master", n.Addr, s.Start, s.End)
			}
			served += s.End - s.Start + 1
		}
		if served != 16384 {
			return fmt.Sprintf("%s knows masters for %d slots", n.Addr, served)
		}
		repl, err := node(n, func(ctx context.Context, cl *redis.Client) (string, error) {
			return cl.Info(ctx, "replication").Result()
		})
		if err != nil {
			return n.Addr + ": " + err.Error()
		}
		if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
			return n.Addr + " is a replica not in sync with its master"
		}
	}
	return ""
}
