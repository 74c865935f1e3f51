// Package storetest gives tests their own real Postgres database: fresh, migrated, and
// dropped when the test ends, so test packages run in parallel without sharing data.
//
// The server is the one at BANGBAN_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); its user must be allowed to
// create databases.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bangban/bangban/store"
)

// DefaultAdminURL is the server tests use when BANGBAN_TEST_DATABASE_URL is not set.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the URL of the database tests connect to in order to create their own.
func AdminURL() string {
	if u := os.Getenv("BANGBAN_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

var template struct {
	once sync.Once
	name string
	err  error
}

// Main runs a package's tests and then drops the template database the package made. Use it
// from TestMain: os.Exit(storetest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if template.name != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDB(ctx, template.name); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: drop template %s: %v\n", template.name, err)
		}
	}
	return code
}

// NewDB creates a fresh, migrated database for tb and returns a pool on it and its URL. Both
// go away when tb ends.
func NewDB(tb testing.TB) (*pgxpool.Pool, string) {
	tb.Helper()
	template.once.Do(func() { template.name, template.err = makeTemplate() })
	if template.err != nil {
		tb.Fatalf("storetest: %v", template.err)
	}
	u := create(tb, "TEMPLATE "+pgx.Identifier{template.name}.Sanitize())
	return openPool(tb, u), u
}

// NewEmptyDB creates a fresh database with no schema, for tests of migrations, and returns
// its URL. It is dropped when tb ends.
func NewEmptyDB(tb testing.TB) string {
	tb.Helper()
	return create(tb, "")
}

// MissingDB returns the URL and the name of a database that does not exist yet on the test
// server, for a test of what creates it; it is dropped, if it was, when tb ends.
func MissingDB(tb testing.TB) (string, string) {
	tb.Helper()
	name := "bangban_t_" + randomHex()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDB(ctx, name); err != nil {
			tb.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(name), name
}

// Exists tells whether the test server has a database of that name.
func Exists(tb testing.TB, name string) bool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	defer conn.Close(ctx)
	var found bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&found); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	return found
}

// NewStore opens a Store on a fresh database.
func NewStore(tb testing.TB, opts store.Options) *store.Store {
	tb.Helper()
	pool, _ := NewDB(tb)
	s, err := store.New(pool, opts)
	if err != nil {
		tb.Fatalf("storetest: new store: %v", err)
	}
	return s
}

func create(tb testing.TB, clause string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := "bangban_t_" + randomHex()
	if err := execAdmin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" "+clause); err != nil {
		tb.Fatalf("storetest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDB(ctx, name); err != nil {
			tb.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(name)
}

func openPool(tb testing.TB, u string) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	// Many test packages run at once against one server; keep each one's share small.
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", u, err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

func makeTemplate() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name := "bangban_tmpl_" + randomHex()
	if err := execAdmin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create template database: %w", err)
	}
	pool, err := store.Open(ctx, withDatabase(name))
	if err != nil {
		return name, err
	}
	defer pool.Close()
	if _, err := store.Migrate(ctx, pool); err != nil {
		return name, fmt.Errorf("migrate template: %w", err)
	}
	return name, nil
}

func execAdmin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return fmt.Errorf("the Postgres at %s is not reachable (start it, or set BANGBAN_TEST_DATABASE_URL): %w", redact(AdminURL()), err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func dropDB(ctx context.Context, name string) error {
	return execAdmin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func withDatabase(name string) string {
	u, err := url.Parse(AdminURL())
	if err != nil {
		panic(fmt.Sprintf("storetest: BANGBAN_TEST_DATABASE_URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the configured URL"
	}
	return u.Redacted()
}

func randomHex() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
