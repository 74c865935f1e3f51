package conversations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/redistest"
)

func newEngine(t *testing.T, rdb redis.UniversalClient, prefix string) *conversations.Engine {
	t.Helper()
	tr, err := conversations.NewTranslator(conversations.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	e, err := conversations.NewEngine(conversations.Options{Redis: rdb, KeyPrefix: prefix, BotID: 1, Translator: tr})
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
		out, err := e.Handle(ctx, conversations.Input{UpdateID: int64(100 + i), ChatID: 7, UserID: 7,
			FirstName: "王芳", LangCode: tc.code, Kind: conversations.KindCommand, Command: "start"})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].ChatID != 7 || !strings.Contains(out[0].Text, tc.want) || !strings.Contains(out[0].Text, "王芳") {
			t.Errorf("%s: /start gave %+v, want the welcome with %q and the name", tc.code, out, tc.want)
		}
	}
}

func TestRedeliveredUpdateIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	e := newEngine(t, rdb, prefix)
	in := conversations.Input{UpdateID: 555, ChatID: 9, UserID: 9, LangCode: "en", Kind: conversations.KindCommand, Command: "help"}
	first, err := e.Handle(context.Background(), in)
	if err != nil || len(first) != 1 {
		t.Fatalf("first delivery: %+v, %v", first, err)
	}
	// A second engine (another replica, or this one after a restart) also recognises it.
	again, err := newEngine(t, rdb, prefix).Handle(context.Background(), in)
	if err != nil || len(again) != 0 {
		t.Fatalf("redelivery: %+v, %v; want no output", again, err)
	}
}

func TestRedisDownAsksToTryAgain(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	e := newEngine(t, rdb, "down:")
	out, err := e.Handle(context.Background(), conversations.Input{UpdateID: 1, ChatID: 3, LangCode: "en",
		Kind: conversations.KindCommand, Command: "start"})
	if err == nil {
		t.Fatal("no error with Redis down")
	}
	if len(out) != 1 || !strings.Contains(out[0].Text, "try again") {
		t.Fatalf("outputs = %+v, want the try-again message", out)
	}
	out, _ = e.Handle(context.Background(), conversations.Input{UpdateID: 2, ChatID: 3, LangCode: "en",
		Kind: conversations.KindButton, CallbackID: "cb1", Data: "x"})
	if len(out) != 1 || out[0].CallbackID != "cb1" || !strings.Contains(out[0].Notice, "try again") {
		t.Fatalf("button with Redis down = %+v, want the try-again notice on the press", out)
	}
}

func TestOldButtonIsRefusedWithANotice(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	e := newEngine(t, rdb, prefix)
	out, err := e.Handle(context.Background(), conversations.Input{UpdateID: 3, ChatID: 4, LangCode: "zh-hans",
		Kind: conversations.KindButton, CallbackID: "cb", Data: "sign:1"})
	if err != nil || len(out) != 1 || out[0].CallbackID != "cb" || out[0].Notice == "" || out[0].Text != "" {
		t.Fatalf("outputs = %+v, %v; want only a notice on the press", out, err)
	}
}

func TestCancelWithNothingOpen(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	e := newEngine(t, rdb, prefix)
	out, err := e.Handle(context.Background(), conversations.Input{UpdateID: 4, ChatID: 5, LangCode: "en",
		Kind: conversations.KindCommand, Command: "cancel"})
	if err != nil || len(out) != 1 || out[0].Text != "There is nothing to cancel." {
		t.Fatalf("/cancel = %+v, %v", out, err)
	}
}
