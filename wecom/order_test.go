package wecom_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// A notice for a WeCom member waits while that member is being answered in WeCom, as one for
// a Telegram chat does: the Telegram bot's notification worker asks the WeCom engine, not its
// own, whether the chat is busy. The member's step is held until the notice has had time to
// go; the answer comes first all the same, and the notice after it.
func TestANoticeToAWeComMemberWaitsForTheirAnswer(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	h := start(t, func(e *dialog.Engine) {
		if err := e.RegisterCommand("hold", func(ctx context.Context, _ dialog.Call) ([]dialog.Reply, error) {
			close(entered)
			<-release
			return []dialog.Reply{{MessageID: dialog.MsgNothingToCancel}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	// The step is let go however the test ends: the app's stop waits for it.
	var once sync.Once
	letGo := func() { once.Do(func() { close(release) }) }
	t.Cleanup(letGo)
	h.startTelegram(t, "7000000002:TEST-token")
	const member = "wangwu"
	h.sim.AddUser(member)
	if d, err := h.sim.SendText(member, "/hold"); err != nil || d.Status != wecomtest.StatusOK {
		t.Fatalf("delivery %+v: %v", d, err)
	}
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the step never started")
	}
	ctx := context.Background()
	const no = "XC-20261130-0042"
	if err := h.store.InTx(ctx, func(tx pgx.Tx) error {
		return h.store.NotifyTx(ctx, tx, store.Notification{ChatID: accountOf(t, h, member), Lang: dialog.LangZH,
			MessageID: store.NoticeDueSoon, Data: map[string]any{"TicketNo": no, "Limit": store.LimitSign, "Due": "2026-12-01 09:00"}})
	}); err != nil {
		t.Fatal(err)
	}
	// The notice's worker runs every 50 ms: held here, it would have gone by now.
	if msgs, err := h.sim.WaitFor(member, 1500*time.Millisecond, func(m []wecomtest.Message) bool { return len(m) > 0 }); err == nil {
		t.Fatalf("sent while the member was being answered:%s", dump(msgs))
	}
	letGo()
	msgs, err := h.sim.WaitFor(member, 15*time.Second, func(m []wecomtest.Message) bool { return len(m) >= 2 })
	if err != nil {
		t.Fatalf("%v:%s", err, dump(msgs))
	}
	if !strings.Contains(msgs[0].Text, "当前没有进行中的操作") || !strings.Contains(msgs[1].Text, no) {
		t.Fatalf("want the answer, then the notice:%s", dump(msgs))
	}
}
