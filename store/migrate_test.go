package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

func TestMigrateEmptyDatabaseTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := store.Open(ctx, storetest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	ok, err := store.MigrationsApplied(ctx, pool)
	if err != nil || ok {
		t.Fatalf("empty database: applied = %v, %v; want false, nil", ok, err)
	}
	first, err := store.Migrate(ctx, pool)
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if len(first.Schema) == 0 || len(first.Jobs) == 0 {
		t.Fatalf("first migrate applied schema %v, jobs %v; want both non-empty", first.Schema, first.Jobs)
	}
	second, err := store.Migrate(ctx, pool)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(second.Schema) != 0 || len(second.Jobs) != 0 {
		t.Fatalf("second migrate applied schema %v, jobs %v; want nothing", second.Schema, second.Jobs)
	}
	ok, err = store.MigrationsApplied(ctx, pool)
	if err != nil || !ok {
		t.Fatalf("after migrate: applied = %v, %v; want true, nil", ok, err)
	}
	var categories int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM categories").Scan(&categories); err != nil {
		t.Fatal(err)
	}
	if categories != 19 {
		t.Fatalf("seeded categories = %d, want the 11 enterprise and 8 village defaults", categories)
	}
}

// Three replicas starting together each run Migrate on their own connections: exactly one
// applies the migrations, none fails.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := storetest.NewEmptyDB(t)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied int
		errs    []error
	)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool, err := store.Open(ctx, u)
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			defer pool.Close()
			res, err := store.Migrate(ctx, pool)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if len(res.Schema) > 0 {
				applied++
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent migrations failed: %v", errs)
	}
	if applied != 1 {
		t.Fatalf("%d of 3 replicas applied the schema, want exactly 1", applied)
	}
}

// A pool opens up to DefaultMaxConns connections, or what DATABASE_URL's pool_max_conns says.
func TestOpenSizesThePool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := storetest.NewEmptyDB(t)
	pool, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	got := pool.Config().MaxConns
	pool.Close()
	if got != store.DefaultMaxConns {
		t.Fatalf("MaxConns %d; want %d", got, store.DefaultMaxConns)
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	pool, err = store.Open(ctx, u+sep+"pool_max_conns=5")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got := pool.Config().MaxConns; got != 5 {
		t.Fatalf("MaxConns %d with pool_max_conns=5", got)
	}
}
