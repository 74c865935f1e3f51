package bot_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
)

// burst enqueues n reminders, spread evenly over chats private chats from first, in one
// transaction, as the sweep does.
func (h *harness) burst(t *testing.T, n, chats int, first int64) {
	t.Helper()
	err := h.store.InTx(context.Background(), func(tx pgx.Tx) error {
		for i := range n {
			if err := h.store.NotifyTx(context.Background(), tx, store.Notification{ChatID: first + int64(i%chats), Lang: "en",
				MessageID: store.NoticeDueSoon, Data: map[string]any{"TicketNo": fmt.Sprintf("XC-20261127-%04d", i+1), "Limit": store.LimitSign,
					"Due": "2026-11-28 19:30"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// delivered counts the messages the chats from first hold.
func (h *harness) delivered(chats int, first int64) int {
	n := 0
	for c := range chats {
		n += len(h.sim.Messages(first + int64(c)))
	}
	return n
}

func (h *harness) waitDelivered(t *testing.T, want, chats int, first int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for h.delivered(chats, first) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d delivered", h.delivered(chats, first), want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A burst of 2,000 reminders to 200 people, with the simulator keeping Telegram's limits
// (30 a second, one a second to a chat): every one is delivered, Telegram never has to say
// 429, no chat gets two within a second; and a person who writes to the bot meanwhile is
// answered at once, ahead of the burst.
func TestABurstOfRemindersKeepsTelegramsLimits(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	h := startWith(t, false, rdb, prefix, nil, func(o *bot.Options) { o.SendLimits = bot.SendLimits{} })
	h.sim.EnforceLimits(30, time.Second, 20)
	const n, chats, first = 2000, 200, 700000
	h.burst(t, n, chats, first)
	h.waitDelivered(t, 100, chats, first, time.Minute)

	user := telegramtest.User{ID: 699999, FirstName: "Wang", LanguageCode: "en"}
	h.sim.SendText(user, "/help")
	h.sim.MustWaitMessages(t, user.ID, 1)
	if got := h.delivered(chats, first); got > n/2 {
		t.Errorf("the reply came after %d of %d reminders: it waited behind them", got, n)
	}

	h.waitDelivered(t, n, chats, first, 4*time.Minute)
	if got := h.sim.Throttled(); got != 0 {
		t.Errorf("Telegram had to answer 429 %d times", got)
	}
	byChat := map[string][]time.Time{}
	for _, c := range h.sim.CallsTo("sendMessage") {
		if c.Status == 200 {
			byChat[c.Params["chat_id"]] = append(byChat[c.Params["chat_id"]], c.At)
		}
	}
	for chat, ts := range byChat {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < time.Second {
				t.Fatalf("chat %s got two messages %s apart", chat, gap)
			}
		}
	}
	for c := range chats {
		if got := len(h.sim.Messages(first + int64(c))); got != n/chats {
			t.Fatalf("chat %d got %d reminders, want %d", first+c, got, n/chats)
		}
	}
}

// With Telegram failing a fifth of the sends with 5xx and asking to wait now and then, every
// reminder still arrives, once.
func TestRemindersSurviveAFlakyTelegram(t *testing.T) {
	t.Parallel()
	h := start(t, false)
	h.sim.FailRandomly("sendMessage", 0.2, 502, 0)
	h.sim.FailNext("sendMessage", 5, 429, 1)
	const n, chats, first = 300, 100, 800000
	h.burst(t, n, chats, first)
	h.waitDelivered(t, n, chats, first, 2*time.Minute)
	for c := range chats {
		if got := len(h.sim.Messages(first + int64(c))); got != n/chats {
			t.Fatalf("chat %d got %d reminders, want %d", first+c, got, n/chats)
		}
	}
	failed := 0
	for _, c := range h.sim.CallsTo("sendMessage") {
		if c.Status >= 500 || c.Status == 429 {
			failed++
		}
	}
	if failed < 30 {
		t.Fatalf("only %d sends failed: the failures were not exercised", failed)
	}
}

// A person who blocked the bot: the message is not tried again and again; the person is
// marked unreachable, and their office sees it.
func TestABlockedBotIsNotRetriedAndTheOfficeSeesIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9901, FirstName: "Yang", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 9902, FirstName: "Li", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 9903, FirstName: "Gao", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)
	h.join(t, officeU, "P017", store.RoleOffice)
	if m := h.say(t, officeU, "/unjoined"); strings.Contains(m.Text, "blocked the bot") {
		t.Fatalf("nobody has blocked the bot yet: %s", m.Text)
	}
	h.sim.FailNext("sendMessage", 1, 403, 0)
	h.file(t, owner, "E001", "厂区道路需要硬化处理，雨天无法通行")
	deadline := time.Now().Add(10 * time.Second)
	for {
		var state string
		if err := h.store.Pool().QueryRow(ctx, `SELECT state FROM river_job WHERE kind = 'notification'
			AND (args->>'chat_id')::bigint = $1 ORDER BY id DESC LIMIT 1`, cadreU.ID).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state == "cancelled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job to a blocked chat is %s", state)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tries := 0
	for _, c := range h.sim.CallsTo("sendMessage") {
		if c.Params["chat_id"] == fmt.Sprint(cadreU.ID) && c.Status == 403 {
			tries++
		}
	}
	if tries != 1 || len(h.sim.Messages(cadreU.ID)) != 1 { // the welcome only
		t.Fatalf("%d tries, %d messages", tries, len(h.sim.Messages(cadreU.ID)))
	}
	contains(t, h.say(t, officeU, "/unjoined"), "P001 李春梅", "blocked the bot")
	// Unblocking tells the bot, and clears it.
	h.sim.SetBlocked(cadreU, false)
	waitFor(t, func() bool { return !strings.Contains(h.say(t, officeU, "/unjoined").Text, "blocked the bot") })
	// Blocking tells the bot too, before any message fails: the office sees it at once, and
	// what is sent to the person is not retried.
	h.sim.SetBlocked(cadreU, true)
	waitFor(t, func() bool { return strings.Contains(h.say(t, officeU, "/unjoined").Text, "P001 李春梅") })
	h.file(t, owner, "E001", "厂区路灯损坏，夜间无法作业")
	waitFor(t, func() bool {
		var n int
		_ = h.store.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notification' AND state = 'cancelled'
			AND (args->>'chat_id')::bigint = $1`, cadreU.ID).Scan(&n)
		return n == 2
	})
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
