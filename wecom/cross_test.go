package wecom_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// startTelegram runs the Telegram bot beside the harness's WeCom app, on the same database and
// Redis, its workers sending to WeCom what is for people bound there.
// Without a token (WeCom alone), the bot runs its job workers only, on the app's engine.
func (h *harness) startTelegram(t *testing.T, token string, options ...func(*bot.Options)) *telegramtest.Server {
	t.Helper()
	sim := telegramtest.New()
	t.Cleanup(sim.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng := h.app.Engine()
	if token != "" {
		tr, err := dialog.NewTranslator(dialog.LangZH)
		if err != nil {
			t.Fatal(err)
		}
		if eng, err = dialog.NewEngine(dialog.Options{Redis: h.rdb, KeyPrefix: h.prefix, BotID: 7000000002, Translator: tr, Logger: log}); err != nil {
			t.Fatal(err)
		}
		if err := conversations.Register(eng, h.store, "bangban_bot", nil); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	opts := bot.Options{Token: token, APIURL: sim.URL(), Listener: ln, Store: h.store, Redis: h.rdb,
		Engine: eng, RetryBase: 20 * time.Millisecond, JobPollInterval: 50 * time.Millisecond, PollTimeout: 2 * time.Second,
		Logger: log, KeyPrefix: h.prefix,
		SendLimits: bot.SendLimits{PerSecond: 10000, BulkPerSecond: 10000, ChatGap: time.Millisecond, GroupPerMinute: 10000},
		Incoming:   bot.IncomingLimit{Burst: 10000, PerSecond: 10000},
		Elsewhere: bot.Elsewhere{Owns: store.IsWeCom, Deliver: h.app.Notify, Keeps: h.app.Keeps, Fetch: h.app.Fetch,
			Answering: h.app.Engine().Answering}}
	for _, f := range options {
		f(&opts)
	}
	b, err := bot.New(ctx, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bot: %v", err)
		}
	})
	if token != "" {
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if _, err := sim.WaitCall(wctx, "getUpdates", func(telegramtest.Call) bool { return true }); err != nil {
			t.Fatalf("bot never polled: %v", err)
		}
	}
	return sim
}

// The reporter on Telegram, the linked cadre on WeCom: the case the reporter files reaches
// the cadre in WeCom, with its buttons as a card; the cadre signs for it there, and the
// reporter is told on Telegram.
func TestAReporterOnTelegramAndTheirCadreOnWeCom(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	tg := h.startTelegram(t, "7000000002:TEST-token")
	ctx := context.Background()

	const cadre = "lichunmei"
	contains(t, h.joinWeCom(t, cadre, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"}), "李春梅")

	owner := telegramtest.User{ID: 8801, FirstName: "Yang", LanguageCode: "zh-hans"}
	tgSay(t, tg, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	sub := h.fileAs(t, owner.ID, "厂区变压器容量不足，新生产线无法投产")
	msgs, err := h.sim.WaitFor(cadre, 15*time.Second, func(m []wecomtest.Message) bool {
		return strings.Contains(dump(m), sub.TicketNo)
	})
	if err != nil {
		t.Fatalf("%v:%s", err, dump(msgs))
	}
	if got := tg.Messages(accountOf(t, h, cadre)); len(got) != 0 {
		t.Fatalf("telegram was sent a wecom account's notice: %+v", got)
	}
	n := len(tg.Messages(owner.ID))
	h.choose(t, cadre, "✍ 签收", 1)
	got, err := tg.WaitMessages(wctx, owner.ID, n+1)
	if err != nil {
		t.Fatal(err)
	}
	if last := got[len(got)-1].Text; !strings.Contains(last, "李春梅 已签收您反映的问题 "+sub.TicketNo) {
		t.Fatalf("the reporter was told %q", last)
	}
	for _, m := range h.sim.Messages(cadre) {
		if m.Card != nil && m.Card.Pressed != "" && m.Card.Replaced != "✍ 签收" {
			t.Errorf("the pressed card shows %q", m.Card.Replaced)
		}
	}
	c, err := h.store.CaseByTicket(ctx, sub.TicketNo)
	if err != nil || c.Status != store.StatusInProgress {
		t.Fatalf("case %+v %v", c, err)
	}
}

// WeCom alone: the reporter and the cadre both on WeCom, no Telegram token. The job workers
// still run, and send through the app: the case reaches the cadre, who signs for it, and the
// reporter is told.
func TestWeComAloneStillNotifies(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	tg := h.startTelegram(t, "")
	const cadre, owner = "lichunmei", "yangfan"
	h.joinWeCom(t, cadre, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	h.joinWeCom(t, owner, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	sub := h.fileAs(t, accountOf(t, h, owner), "村口道路塌陷，车辆无法通行")
	if msgs, err := h.sim.WaitFor(cadre, 15*time.Second, func(m []wecomtest.Message) bool {
		return strings.Contains(dump(m), sub.TicketNo)
	}); err != nil {
		t.Fatalf("%v:%s", err, dump(msgs))
	}
	h.choose(t, cadre, "✍ 签收", 1)
	if msgs, err := h.sim.WaitFor(owner, 15*time.Second, func(m []wecomtest.Message) bool {
		return strings.Contains(dump(m), "李春梅 已签收您反映的问题 "+sub.TicketNo)
	}); err != nil {
		t.Fatalf("%v:%s", err, dump(msgs))
	}
	if n := len(tg.Calls()); n != 0 {
		t.Fatalf("telegram was called %d times without a token", n)
	}
}

// A cadre bound on both platforms is sent each notice once, on the platform they used last:
// bound on Telegram, then in WeCom, they write on Telegram, and the next assignment comes
// there only; they write in WeCom, and the one after comes there only.
func TestACadreOnBothPlatformsIsNotifiedWhereTheyWroteLast(t *testing.T) {
	t.Parallel()
	h, tg := startBoth(t)
	cadreTG := telegramtest.User{ID: 8814, FirstName: "Li", LanguageCode: "zh-hans"}
	const cadre, owner = "lichunmei", "yangfan"
	tgSay(t, tg, cadreTG, "/start "+h.invite(t, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"}))
	h.joinWeCom(t, cadre, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	h.joinWeCom(t, owner, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	file := func(desc string) string { return h.fileAs(t, accountOf(t, h, owner), desc).TicketNo }
	sent := func(no string) (onTG, onWeCom int) {
		for _, m := range tg.Messages(cadreTG.ID) {
			if strings.Contains(m.Text, no) {
				onTG++
			}
		}
		for _, m := range h.sim.Messages(cadre) {
			if strings.Contains(m.Text+cardText(m), no) {
				onWeCom++
			}
		}
		return onTG, onWeCom
	}

	tgSay(t, tg, cadreTG, "/help")
	first := file("厂区变压器容量不足，新生产线无法投产")
	tgWait(t, tg, cadreTG, first)
	h.say(t, cadre, "/help", 1)
	second := file("厂区门前道路破损，货车无法通行")
	h.waitWeCom(t, cadre, second)
	h.app.Wait()
	if a, b := sent(first); a != 1 || b != 0 {
		t.Errorf("%s sent %d times on Telegram, %d in WeCom; want once, on Telegram", first, a, b)
	}
	if a, b := sent(second); a != 0 || b != 1 {
		t.Errorf("%s sent %d times on Telegram, %d in WeCom; want once, in WeCom", second, a, b)
	}
}
