// Package redistest gives a test the real Redis with a key space of its own: a unique key
// prefix whose keys are deleted when the test ends, so test packages run in parallel on one
// server without seeing each other's keys.
//
// The server is the one at BANGBAN_TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
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
