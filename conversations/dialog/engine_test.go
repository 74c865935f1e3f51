package dialog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
)

func newEngine(t *testing.T, rdb redis.UniversalClient, prefix string) *dialog.Engine {
	t.Helper()
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	e, err := dialog.NewEngine(dialog.Options{Redis: rdb, KeyPrefix: prefix, BotID: 1, Translator: tr})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestStartAnswersInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	e := newEngine(t, rdb, prefix)
	ctx := context.Background()
	for i, tc := range []struct{ code, want string }{
		{"zh-hans", "帮办"}, {"en", "This is bangban"}, {"de", "帮办"}, // de falls back to BANGBAN_LANG (zh-CN here)
	} {
		out, err := e.Handle(ctx, dialog.Input{UpdateID: int64(100 + i), ChatID: 7, UserID: 7,
			FirstName: "王芳", LangCode: tc.code, Kind: dialog.KindCommand, Command: "start"})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].ChatID != 7 || !strings.Contains(out[0].Text, tc.want) || !strings.Contains(out[0].Text, "王芳") {
			t.Errorf("%s: /start gave %+v, want the welcome with %q and the name", tc.code, out, tc.want)
		}
	}
}

// With Redis down a button press is still answered, with the try-again notice, so the
// person's client does not spin.
func TestRedisDownAnswersAPressWithTryAgain(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}) // nothing listens on port 1
	t.Cleanup(func() { _ = rdb.Close() })
	e := newEngine(t, rdb, "down:")
	out, err := e.Handle(context.Background(), dialog.Input{UpdateID: 2, ChatID: 3, LangCode: "en",
		Kind: dialog.KindButton, CallbackID: "cb1", Data: "x"})
	if err == nil || len(out) != 1 || out[0].CallbackID != "cb1" || !strings.Contains(out[0].Notice, "try again") {
		t.Fatalf("button with Redis down = %+v, %v; want the try-again notice on the press and an error", out, err)
	}
}

// A Redis that has forgotten the engine's scripts (restarted, or flushed) still takes an
// update at once: the offer falls back to sending the script's text.
func TestAnUpdateIsTakenWhenRedisForgotTheScripts(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	e := newEngine(t, rdb, prefix)
	ctx := context.Background()
	for i := range 2 {
		if err := rdb.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		out, err := e.Handle(ctx, dialog.Input{UpdateID: int64(200 + i), ChatID: 8, UserID: 8,
			FirstName: "王芳", LangCode: "en", Kind: dialog.KindCommand, Command: "start"})
		if err != nil || len(out) != 1 || !strings.Contains(out[0].Text, "This is bangban") {
			t.Fatalf("update %d after the scripts were flushed: %+v, %v", i+1, out, err)
		}
	}
	pending, err := rdb.ZCard(ctx, prefix+"{1}:pending").Result()
	if err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Fatalf("%d chats left on the pending list after their updates were seen through", pending)
	}
}
