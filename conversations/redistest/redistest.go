// Package redistest gives a test the real Redis with a key space of its own: a unique key
// prefix whose keys are deleted when the test ends, so test packages run in parallel on one
// server without seeing each other's keys.
//
// The server is the one at BANGBAN_TEST_REDIS_URL (default redis://127.0.0.1:6379/0). Tests
// that do to Redis what cannot be done to a shared one (pause it, kill it, fail a master over)
// start their own: one server with StartServer, a Cluster with StartCluster.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is the server tests use when BANGBAN_TEST_REDIS_URL is not set.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL is the test Redis URL.
func URL() string {
	if u := os.Getenv("BANGBAN_TEST_REDIS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New returns a client on the test Redis and a key prefix that is the test's own.
func New(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	opts, err := redis.ParseURL(URL())
	if err != nil {
		tb.Fatalf("redistest: BANGBAN_TEST_REDIS_URL: %v", err)
	}
	// As bangban's own client: each call keeps to its context's deadline.
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		tb.Fatalf("redistest: Redis at %s is not reachable (start it, or set BANGBAN_TEST_REDIS_URL): %v", opts.Addr, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "bangbantest:" + hex.EncodeToString(b) + ":"
	tb.Cleanup(func() {
		DeletePrefix(tb, rdb, prefix)
		_ = rdb.Close()
	})
	return rdb, prefix
}

// DeletePrefix deletes every key under prefix: the test's stand-in for FLUSHALL, which would
// wipe other packages' keys too.
func DeletePrefix(tb testing.TB, rdb redis.UniversalClient, prefix string) {
	tb.Helper()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("redistest: scan %s*: %v", prefix, err)
		return
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := rdb.Del(ctx, keys[:n]...).Err(); err != nil {
			tb.Errorf("redistest: delete %s*: %v", prefix, err)
			return
		}
		keys = keys[n:]
	}
}

// Proxy is a TCP relay to the test Redis that a test can cut and restore, to play Redis
// going away and coming back at the same address.
type Proxy struct {
	addr    string
	target  string
	mu      sync.Mutex
	ln      net.Listener
	conns   []net.Conn
	stopped bool
	stall   chan struct{} // set while stalled; closed to let the relays go on
}

// NewProxy starts a relay to the test Redis on a fresh 127.0.0.1 port; it is closed when tb
// ends.
func NewProxy(tb testing.TB) *Proxy {
	tb.Helper()
	opts, err := redis.ParseURL(URL())
	if err != nil {
		tb.Fatal(err)
	}
	return NewProxyTo(tb, opts.Addr)
}

// NewProxyTo starts a relay to any TCP address (Postgres, say) on a fresh 127.0.0.1 port.
func NewProxyTo(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{addr: ln.Addr().String(), target: target}
	p.serve(ln)
	tb.Cleanup(p.Stop)
	return p
}

// Stall keeps every connection open but relays nothing, in either direction, until Unstall:
// a server that hangs rather than refuses.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stall == nil {
		p.stall = make(chan struct{})
	}
}

// Unstall relays again what was held.
func (p *Proxy) Unstall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stall != nil {
		close(p.stall)
		p.stall = nil
	}
}

// relay copies from src to dst, holding each chunk while the proxy is stalled.
func (p *Proxy) relay(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			stall := p.stall
			p.mu.Unlock()
			if stall != nil {
				<-stall
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Addr is where clients connect.
func (p *Proxy) Addr() string { return p.addr }

// Stop refuses new connections and cuts the open ones.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	if p.stall != nil {
		close(p.stall)
		p.stall = nil
	}
	_ = p.ln.Close()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// Start takes connections again, at the same address.
func (p *Proxy) Start(tb testing.TB) {
	tb.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		tb.Fatalf("redistest: proxy listen again on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.stopped = false
	p.mu.Unlock()
	p.serve(ln)
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go p.relay(up, c)
			go p.relay(c, up)
		}
	}()
}
