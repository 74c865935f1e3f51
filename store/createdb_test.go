package store_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// A first start needs no createdb: the database named is created when missing, once, and a
// database that exists is left as it is.
func TestCreateDatabaseWhenMissing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	raw, name := storetest.MissingDB(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
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
	if !storetest.Exists(t, name) {
		t.Fatalf("%s was not created", name)
	}

	// A server that refuses the user says so, in one line.
	u.User = url.User(name + "_nobody")
	u.Path = "/" + name + "_none"
	if created, err := store.CreateDatabase(ctx, u.String()); created || (err != nil && strings.Contains(err.Error(), "\n")) {
		t.Fatalf("an unknown user: created %v, %v", created, err)
	}
}
