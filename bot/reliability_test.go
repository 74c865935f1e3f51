package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// One person floods the bot with 300 messages. After a short burst the rest are dropped,
// counted, and answered with one slow-down notice; another person's /help meanwhile is
// answered without waiting behind the flood.
func TestAFloodFromOnePersonIsDroppedAndDelaysNoOneElse(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	h := startWith(t, false, rdb, prefix, nil, func(o *bot.Options) {
		o.Incoming = bot.IncomingLimit{Burst: 20, PerSecond: 3}
	})
	flood := telegramtest.User{ID: 9101, FirstName: "Flood", LanguageCode: "en"}
	other := telegramtest.User{ID: 9117, FirstName: "Other", LanguageCode: "en"} // 9101 ≡ 9117 mod 16
	for range 300 {
		h.sim.SendText(flood, "/help")
	}
	start := time.Now()
	contains(t, h.say(t, other, "/help"), "/help")
	t.Logf("another person's /help answered %s after a flood of 300", time.Since(start))

	// Every update of the flood is taken: most are dropped, and counted.
	deadline := time.Now().Add(15 * time.Second)
	for h.metricValue(t, `bangban_updates_dropped_total{reason="flood"}`) < 270 {
		if time.Now().After(deadline) {
			t.Fatalf("dropped %v of the flood; want at least 270", h.metricValue(t, `bangban_updates_dropped_total{reason="flood"}`))
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.waitFor(t, flood.ID, "sending faster than I can read")
	// The last answers of the burst may still be on their way: each update is answered or
	// dropped, so the two come to 300 once they have all been seen through.
	var got float64
	var helps, notices int
	for {
		got = h.metricValue(t, `bangban_updates_dropped_total{reason="flood"}`)
		helps, notices = 0, 0
		for _, m := range h.sim.Messages(flood.ID) {
			switch {
			case strings.Contains(m.Text, "sending faster than I can read"):
				notices++
			case m.Text != "":
				helps++
			}
		}
		if int(got)+helps >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if notices != 1 {
		t.Fatalf("%d slow-down notices; want one", notices)
	}
	if int(got)+helps != 300 || helps > 40 {
		t.Fatalf("%d answered and %v dropped of 300; want all but a short burst dropped", helps, got)
	}
}

// A chat whose messages hang at Telegram holds up only itself: another chat (which shared
// its lane before) is answered meanwhile.
func TestAHungChatHoldsUpOnlyItself(t *testing.T) {
	t.Parallel()
	h := start(t, false)
	slow := telegramtest.User{ID: 9201, FirstName: "Slow", LanguageCode: "en"}
	quick := telegramtest.User{ID: 9217, FirstName: "Quick", LanguageCode: "en"} // 9201 ≡ 9217 mod 16
	h.sim.SetChatDelay(slow.ID, 5*time.Second)
	h.sim.SendText(slow, "/help")
	h.sim.SendText(slow, "/help")
	if err := h.sim.WaitInFlight(waitCtx(t), "sendMessage"); err != nil {
		t.Fatal(err)
	}
	contains(t, h.say(t, quick, "/help"), "/help")
	if n := len(h.sim.Messages(slow.ID)); n != 0 {
		t.Fatalf("the hung chat got %d messages before the other chat's answer; want it still hanging", n)
	}
	h.sim.SetChatDelay(slow.ID, 0)
}

// A webhook body must be exactly one update: trailing data or two updates are refused with
// 400 and nothing is done.
func TestWebhookRefusesABodyThatIsNotOneUpdate(t *testing.T) {
	t.Parallel()
	h := start(t, true)
	u := telegramtest.User{ID: 9301, FirstName: "Hook", LanguageCode: "en"}
	one := func(id int64) []byte {
		b, err := json.Marshal(telegramtest.Update{UpdateID: id, Message: &telegramtest.IncomingMessage{MessageID: id,
			From: &u, Chat: telegramtest.Chat{ID: u.ID, Type: "private"}, Date: time.Now().Unix(), Text: "/help",
			Entities: []telegramtest.Entity{{Type: "bot_command", Offset: 0, Length: 5}}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	post := func(body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+h.bot.Addr().String()+"/telegram/hook", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", h.secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, body := range map[string][]byte{
		"trailing data": append(one(900001), []byte(`garbage`)...),
		"two updates":   append(one(900002), one(900003)...),
		"an array":      append(append([]byte("["), one(900004)...), ']'),
		"not an update": []byte(`{"hello":"world"}`),
	} {
		if code := post(body); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	if code := post(one(900005)); code != http.StatusOK {
		t.Fatalf("one good update: %d", code)
	}
	h.sim.MustWaitMessages(t, u.ID, 1)
	time.Sleep(200 * time.Millisecond)
	if ms := h.sim.Messages(u.ID); len(ms) != 1 {
		t.Fatalf("%d answers; want one, to the good update only", len(ms))
	}
}

// A reply Telegram fails on its side (5xx) or asks to wait (429) is sent again; a press
// whose answer Telegram refuses (too old) still gets the text that follows it.
func TestRepliesAreRetriedAndAStalePressStillGetsItsText(t *testing.T) {
	t.Parallel()
	h := start(t, false)
	u := telegramtest.User{ID: 9401, FirstName: "Retry", LanguageCode: "en"}
	h.sim.FailNext("sendMessage", 2, http.StatusBadGateway, 0)
	contains(t, h.say(t, u, "/help"), "/help")
	h.sim.FailNext("sendMessage", 1, http.StatusTooManyRequests, 1)
	contains(t, h.say(t, u, "/lang"), "language")

	h.sim.FailNext("answerCallbackQuery", 1, http.StatusBadRequest, 0)
	m := h.lastWithButtons(t, u)
	h.sim.PressButton(u, m, button(t, m, "English"))
	// After a refused press answer the chosen language is still confirmed.
	waitBecame(t, h, u, m, "Switched to English")
	var statuses []int
	for _, c := range h.sim.CallsTo("sendMessage") {
		statuses = append(statuses, c.Status)
	}
	if len(statuses) < 5 || statuses[0] != 502 || statuses[1] != 502 || statuses[2] != 200 || statuses[3] != 429 || statuses[4] != 200 {
		t.Fatalf("sendMessage statuses %v; want 502, 502, 200, 429, 200", statuses)
	}
}

// proxiedDemo is the demo county on a database the test can cut off and stall.
func proxiedDemo(t *testing.T) (*harness, *redistest.Proxy) {
	t.Helper()
	_, dbURL := storetest.NewDB(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := redistest.NewProxyTo(t, u.Host)
	u.Host = proxy.Addr()
	pool, err := store.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st, err := store.New(pool, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := redistest.New(t)
	h := startOn(t, &harness{}, false, rdb, prefix, st, func(e *dialog.Engine, st *store.Store) {
		if _, probs, err := st.ImportOrg(context.Background(), orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
			t.Fatalf("demo: %v %+v", err, probs)
		}
		for _, register := range []func(*dialog.Engine, *store.Store) error{
			func(e *dialog.Engine, st *store.Store) error {
				return conversations.RegisterOrg(e, st, "bangban_bot", posterPNG)
			},
			conversations.RegisterReport, conversations.RegisterHandling,
		} {
			if err := register(e, st); err != nil {
				t.Fatal(err)
			}
		}
	})
	return h, proxy
}

// Postgres unreachable when a report is confirmed: the reporter is asked to try again (not
// told they may not), nothing is kept, and confirming again once it is back files the report
// once.
func TestConfirmWithPostgresDownAsksToTryAgain(t *testing.T) {
	t.Parallel()
	h, proxy := proxiedDemo(t)
	owner := telegramtest.User{ID: 9501, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.say(t, owner, "/new")
	h.press(t, owner, "融资")
	h.say(t, owner, "流动资金贷款审批迟迟没有结果")
	h.press(t, owner, "跳过")
	h.press(t, owner, "跳过")
	m, _ := h.press(t, owner, "普通")
	if !strings.Contains(m.Text, "请确认") {
		t.Fatalf("no confirm step: %q", texts(h.sim.Messages(owner.ID)))
	}

	proxy.Stop()
	n := len(h.sim.Messages(owner.ID))
	h.sim.PressButton(owner, m, button(t, m, "✔ 确认提交"))
	ms := h.next(t, owner, n, 2)
	got := ms[0]
	contains(t, got, "系统暂时繁忙")
	contains(t, ms[1], "请确认") // still at the confirm step
	if strings.Contains(got.Text, "没有权限") || strings.Contains(got.Text, "不能") {
		t.Fatalf("with the database down the reporter was refused: %q", got.Text)
	}

	// Back: the reporter confirms again, as often as they are asked to (a connection the
	// outage broke may fail once more before the pool replaces it), and the report is filed.
	proxy.Start(t)
	confirm := ms[1]
	for try := 1; ; try++ {
		n = len(h.sim.Messages(owner.ID))
		h.sim.PressButton(owner, confirm, button(t, confirm, "✔ 确认提交"))
		got, err := h.sim.WaitAnswer(waitCtx(t), confirm, n)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got.Text, "已受理") {
			if got.MessageID != confirm.MessageID {
				t.Fatalf("the ticket came as message %d; want it in the summary confirmed, %d", got.MessageID, confirm.MessageID)
			}
			break
		}
		if try == 5 {
			t.Fatalf("Postgres back, and the confirm still answers %q", got.Text)
		}
		confirm = h.next(t, owner, n, 2)[1]
	}
	if n := strings.Count(strings.Join(texts(h.sim.Messages(owner.ID)), "\n"), "已受理"); n != 1 {
		t.Fatalf("the ticket was told %d times", n)
	}
	var cases int
	if err := h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM cases").Scan(&cases); err != nil || cases != 1 {
		t.Fatalf("%d cases (%v); want the report filed once", cases, err)
	}
}

// /readyz names only the dependency that is really down: a hanging Postgres does not make
// Redis look down, nor the other way round.
func TestReadyzNamesOnlyWhatIsDown(t *testing.T) {
	t.Parallel()
	h, proxy := proxiedDemo(t)
	if code, body := h.get(t, "/readyz"); code != http.StatusOK {
		t.Fatalf("readyz %d %q", code, body)
	}
	proxy.Stall()
	code, body := h.get(t, "/readyz")
	proxy.Unstall()
	if code != http.StatusServiceUnavailable || body != "postgres unreachable\n" {
		t.Fatalf("Postgres hanging: readyz %d %q; want 503 naming Postgres alone", code, body)
	}

	srv := redistest.StartServer(t)
	rdb := srv.Client(t)
	h2 := startWith(t, false, rdb, "readyz:", nil)
	srv.Pause(t)
	code, body = h2.get(t, "/readyz")
	srv.Resume(t)
	if code != http.StatusServiceUnavailable || body != "redis unreachable\n" {
		t.Fatalf("Redis hanging: readyz %d %q; want 503 naming Redis alone", code, body)
	}
}

// metricValue is the value of a series of /metrics, 0 when it has none yet.
func (h *harness) metricValue(t *testing.T, series string) float64 {
	t.Helper()
	l := h.metric(t, series)
	if l == "" {
		return 0
	}
	var v float64
	if _, err := fmt.Sscan(strings.TrimPrefix(l, series+" "), &v); err != nil {
		t.Fatalf("metric %q: %v", l, err)
	}
	return v
}
