package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// A first start needs no createdb: the database named is created when missing, once, and a
// database that exists is left as it is.
func TestCreateDatabaseWhenMissing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "bangban_t_create_" + hex.EncodeToString(b)
	u, err := url.Parse(storetest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), storetest.AdminURL())
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	for i, want := range []bool{true, false} {
		created, err := store.CreateDatabase(ctx, u.String())
		if err != nil || created != want {
			t.Fatalf("call %d: created %v, %v; want %v", i+1, created, err, want)
		}
	}
	pool, err := store.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("the created database: %v", err)
	}
	pool.Close()

	// A server that refuses the user says so, in one line.
	u.User = url.User("bangban_t_nobody_" + hex.EncodeToString(b))
	u.Path = "/bangban_t_none_" + hex.EncodeToString(b)
	if created, err := store.CreateDatabase(ctx, u.String()); created || (err != nil && strings.Contains(err.Error(), "\n")) {
		t.Fatalf("an unknown user: created %v, %v", created, err)
	}
}
