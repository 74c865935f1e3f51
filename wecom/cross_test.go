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
	"github.com/bangban/bangban/store/storetest"
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
	h.sim.AddUser(cadre)
	inv, err := h.store.CreateInvite(ctx, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	if err != nil {
		t.Fatal(err)
	}
	contains(t, h.say(t, cadre, "绑定 "+inv.Code, 1), "李春梅")

	owner := telegramtest.User{ID: 8801, FirstName: "Yang", LanguageCode: "zh-hans"}
	inv, err = h.store.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tg.SendText(owner, "/start "+inv.Code)
	if _, err := tg.WaitMessages(wctx, owner.ID, 1); err != nil {
		t.Fatal(err)
	}
	reporter, err := h.store.ActorByAccount(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	unit, region := storetest.UnitID(t, h.store, "E001")
	sub, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &reporter.PersonID,
		Description: "厂区变压器容量不足，新生产线无法投产", Route: true})
	if err != nil {
		t.Fatal(err)
	}
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
	ctx := context.Background()
	const cadre, owner = "lichunmei", "yangfan"
	for u, p := range map[string]store.InviteParams{cadre: {Role: store.RoleHandler, PersonCode: "P001"},
		owner: {Role: store.RoleReporter, UnitCode: "E001"}} {
		h.sim.AddUser(u)
		inv, err := h.store.CreateInvite(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		h.say(t, u, "绑定 "+inv.Code, 1)
	}
	reporter, err := h.store.ActorByAccount(ctx, accountOf(t, h, owner))
	if err != nil {
		t.Fatal(err)
	}
	unit, region := storetest.UnitID(t, h.store, "E001")
	sub, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &reporter.PersonID,
		Description: "村口道路塌陷，车辆无法通行", Route: true})
	if err != nil {
		t.Fatal(err)
	}
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
