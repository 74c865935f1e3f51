package bot_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

var (
	zhUser = telegramtest.User{ID: 501, FirstName: "李娜", LanguageCode: "zh-hans"}
	enUser = telegramtest.User{ID: 502, FirstName: "Mark", LanguageCode: "en"}
	ruUser = telegramtest.User{ID: 503, FirstName: "Olga", LanguageCode: "ru"}
)

// A user sends /start and gets the welcome in their own language, whichever way the bot takes
// updates; a language bangban does not speak gets BANGBAN_LANG (zh-CN here).
func TestStartIsAnsweredInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, m.webhook)
			for _, tc := range []struct {
				u    telegramtest.User
				want []string
			}{
				{zhUser, []string{"李娜，您好", "帮办", "/help"}},
				{enUser, []string{"Hello, Mark", "This is bangban", "/help"}},
				{ruUser, []string{"Olga，您好", "帮办"}},
			} {
				h.sim.SendText(tc.u, "/start")
				msgs := h.sim.MustWaitMessages(t, tc.u.ID, 1)
				for _, w := range tc.want {
					if !strings.Contains(msgs[0].Text, w) {
						t.Errorf("%s (%s): welcome %q lacks %q", tc.u.FirstName, tc.u.LanguageCode, msgs[0].Text, w)
					}
				}
			}
			h.sim.SendText(enUser, "/help")
			if msgs := h.sim.MustWaitMessages(t, enUser.ID, 2); !strings.Contains(msgs[1].Text, "/cancel") {
				t.Errorf("/help = %q", msgs[1].Text)
			}
		})
	}
}

// Telegram may deliver an update twice (a timeout, a restart before the offset was
// confirmed). The user is answered once.
func TestRedeliveredUpdateIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, m.webhook)
			upd := h.sim.SendText(zhUser, "/start")
			h.sim.MustWaitMessages(t, zhUser.ID, 1)
			h.sim.Redeliver(upd)
			// A later update of the same chat is handled after the redelivery (one chat's
			// updates run in order), so once its answer is in, the redelivery's would be too.
			h.sim.SendText(zhUser, "/help")
			msgs := h.sim.MustWaitMessages(t, zhUser.ID, 2)
			if got := len(h.sim.Messages(zhUser.ID)); got != 2 {
				t.Fatalf("chat got %d messages, want 2 (welcome once, then help): %+v", got, h.sim.Messages(zhUser.ID))
			}
			if !strings.Contains(msgs[1].Text, "/cancel") {
				t.Fatalf("second message = %q, want the help", msgs[1].Text)
			}
		})
	}
}

// Only Telegram, which knows the secret, may post updates: a wrong or missing secret gets 401
// and nothing is done with the update.
func TestWebhookRefusesAWrongSecret(t *testing.T) {
	t.Parallel()
	h := start(t, true)
	intruder := telegramtest.User{ID: 666, FirstName: "X", LanguageCode: "en"}
	forged := telegramtest.Update{UpdateID: 900001, Message: &telegramtest.IncomingMessage{MessageID: 1, Date: time.Now().Unix(),
		Chat: telegramtest.Chat{ID: intruder.ID, Type: "private"}, From: &intruder, Text: "/start",
		Entities: []telegramtest.Entity{{Type: "bot_command", Offset: 0, Length: 6}}}}
	for _, secret := range []string{"wrong", ""} {
		if code := h.sim.PostWebhook(forged, secret); code != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d, want 401", secret, code)
		}
	}
	// The genuine path still works, and the forged chat got nothing.
	h.sim.SendText(enUser, "/start")
	h.sim.MustWaitMessages(t, enUser.ID, 1)
	if code := h.sim.PostWebhook(forged, h.secret); code != http.StatusOK {
		t.Fatalf("right secret: status %d, want 200", code)
	}
	h.sim.MustWaitMessages(t, intruder.ID, 1) // answered only now, with the right secret
	if n := len(h.sim.Messages(intruder.ID)); n != 1 {
		t.Fatalf("intruder's chat has %d messages, want 1 (only the genuine delivery)", n)
	}
}

// The transactional outbox: a notification enqueued in a transaction that rolls back is never
// sent; one that commits is sent even when Telegram first answers 429 and then 502.
func TestNotificationsAreSentOnlyAfterCommitDespiteFailures(t *testing.T) {
	t.Parallel()
	h := start(t, false)
	ctx := context.Background()
	const lost, kept = int64(801), int64(802)

	errRollback := errors.New("the change failed")
	err := h.store.InTx(ctx, func(tx pgx.Tx) error {
		if err := h.store.NotifyTx(ctx, tx, store.Notification{ChatID: lost, Lang: "en", MessageID: "case_received",
			Data: map[string]any{"TicketNo": "XC-20261124-0001"}}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("InTx = %v", err)
	}

	h.sim.FailNext("sendMessage", 1, http.StatusTooManyRequests, 2)
	h.sim.FailNext("sendMessage", 1, http.StatusBadGateway, 0)
	err = h.store.InTx(ctx, func(tx pgx.Tx) error {
		return h.store.NotifyTx(ctx, tx, store.Notification{ChatID: kept, Lang: "zh-CN", MessageID: "case_received",
			Data: map[string]any{"TicketNo": "XC-20261124-0002"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := h.sim.MustWaitMessages(t, kept, 1)
	if !strings.Contains(msgs[0].Text, "XC-20261124-0002") || !strings.Contains(msgs[0].Text, "受理") {
		t.Fatalf("delivered %q, want the zh-CN notice with the ticket number", msgs[0].Text)
	}
	var statuses []int
	for _, c := range h.sim.CallsTo("sendMessage") {
		if c.Params["chat_id"] == "802" {
			statuses = append(statuses, c.Status)
		}
	}
	if len(statuses) != 3 || statuses[0] != 429 || statuses[1] != 502 || statuses[2] != 200 {
		t.Fatalf("sendMessage statuses for the committed notification = %v, want [429 502 200]", statuses)
	}
	// The 429 asked for 2 s: the retry must not come sooner.
	var first, second time.Time
	for _, c := range h.sim.CallsTo("sendMessage") {
		if c.Params["chat_id"] == "802" {
			if first.IsZero() {
				first = c.At
			} else if second.IsZero() {
				second = c.At
			}
		}
	}
	if gap := second.Sub(first); gap < 2*time.Second {
		t.Fatalf("retried %v after a 429 with retry_after 2 s", gap)
	}
	if n := len(h.sim.Messages(lost)); n != 0 {
		t.Fatalf("the rolled-back notification was sent (%d messages)", n)
	}
	var jobs int
	if err := h.store.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'chat_id' = '801'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 0 {
		t.Fatalf("%d jobs exist for the rolled-back notification", jobs)
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	h := start(t, false)
	if code, body := h.get(t, "/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, body := h.get(t, "/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	h.sim.SendText(enUser, "/start")
	h.sim.MustWaitMessages(t, enUser.ID, 1)
	h.sim.FailNext("sendMessage", 1, http.StatusBadRequest, 0)
	h.sim.SendText(enUser, "hello")
	// The failed reply is counted as an error of sendMessage.
	deadline := time.Now().Add(10 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		_, body = h.get(t, "/metrics")
		if strings.Contains(body, `bangban_botapi_errors_total{code="400",method="sendMessage"} 1`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{
		`bangban_updates_total{kind="command"} 1`,
		`bangban_updates_total{kind="text"} 1`,
		`bangban_botapi_calls_total{method="sendMessage"} 2`,
		`bangban_botapi_calls_total{method="getMe"}`,
		`bangban_botapi_errors_total{code="400",method="sendMessage"} 1`,
		`bangban_update_handling_seconds_count 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "TEST-token") {
		t.Error("/metrics leaks the token")
	}
}

// A stop finishes the updates already taken: a reply still on its way to a slow Telegram
// arrives, and Run returns nil.
func TestStopFinishesTheUpdatesInFlight(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, m.webhook)
			h.sim.SetDelay("sendMessage", time.Second)
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				h.sim.SendText(zhUser, "/start") // in webhook mode this returns after the bot answered
			}()
			// The reply is on its way: the update was taken.
			if err := h.sim.WaitInFlight(waitCtx(t), "sendMessage"); err != nil {
				t.Fatal(err)
			}
			if err := h.stop(); err != nil {
				t.Fatalf("Run returned %v, want nil", err)
			}
			if msgs := h.sim.Messages(zhUser.ID); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "帮办") {
				t.Fatalf("after the stop the chat has %+v, want the welcome that was in flight", msgs)
			}
			<-sent
		})
	}
}

// The command menu is set in both languages.
func TestCommandMenuIsLocalized(t *testing.T) {
	t.Parallel()
	h := start(t, false)
	ctx := waitCtx(t)
	for _, lang := range []string{"zh", "en"} {
		c, err := h.sim.WaitCall(ctx, "setMyCommands", func(c telegramtest.Call) bool { return c.Params["language_code"] == lang })
		if err != nil {
			t.Fatalf("no setMyCommands for %s: %v", lang, err)
		}
		if !strings.Contains(c.Params["commands"], `"command":"start"`) || !strings.Contains(c.Params["commands"], `"command":"help"`) ||
			!strings.Contains(c.Params["commands"], `"command":"new"`) || !strings.Contains(c.Params["commands"], `"command":"my"`) {
			t.Errorf("%s menu = %s", lang, c.Params["commands"])
		}
	}
}

// With Redis down the bot keeps running: it says it is not ready, and a user is told to try
// again instead of being left without an answer.
func TestRedisDownUserIsToldToTryAgain(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = dead.Close() })
	h := startWith(t, false, dead, "down:", nil)
	if code, body := h.get(t, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "redis unreachable") {
		t.Fatalf("/readyz = %d %q, want 503 naming Redis", code, body)
	}
	h.sim.SendText(enUser, "/start")
	msgs := h.sim.MustWaitMessages(t, enUser.ID, 1)
	if !strings.Contains(msgs[0].Text, "try again") {
		t.Fatalf("reply = %q, want the try-again message", msgs[0].Text)
	}
	if code, _ := h.get(t, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d: the process must stay alive", code)
	}
}
