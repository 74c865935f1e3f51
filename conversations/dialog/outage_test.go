package dialog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
)

func flush(t *testing.T, v *env) {
	t.Helper()
	// FLUSHALL would wipe other packages' keys; this deletes everything of this test's.
	redistest.DeletePrefix(t, v.rdb, v.prefix)
}

// Redis goes away mid-dialog: the user is asked to try again, nothing panics, and when Redis
// is back the dialog goes on from where it was.
func TestRedisUnreachableThenBack(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	proxy := redistest.NewProxy(t)
	via := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = via.Close() })
	e := v.engine(t, dialog.Options{Redis: via})
	p := v.person(t, e, 10001)
	p.send("/trip")
	p.press("Beta")
	p.expect("test.desc")

	proxy.Stop()
	in := dialog.Input{UpdateID: updateIDs.Add(1), ChatID: p.id, UserID: p.id, LangCode: "en",
		Kind: dialog.KindText, Text: "the bridge on route 3 is cracked"}
	out, err := e.Handle(context.Background(), in)
	if err == nil || len(out) != 1 || !strings.Contains(out[0].Text, "try again") {
		t.Fatalf("with Redis away: %+v, %v; want the try-again message and an error", out, err)
	}

	proxy.Start(t)
	p.send("the bridge on route 3 is cracked")
	p.expect("test.where")
}
