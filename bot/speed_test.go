package bot_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
)

// paced are the Bot API methods that put a message in a chat, which Telegram's limits count.
var paced = map[string]bool{"sendMessage": true, "sendPhoto": true, "editMessageText": true, "editMessageReplyMarkup": true}

// pacedCalls counts the paced calls to one chat since the first n calls.
func (h *harness) pacedCalls(chat int64, n int) int {
	k := 0
	for _, c := range h.sim.Calls()[n:] {
		if paced[c.Method] && c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
			k++
		}
	}
	return k
}

// A reporter files a problem at a person's pace, with the bot and the simulator both keeping
// Telegram's limits (here with a chat gap of half a second, to keep the test short): no
// answer to a press or a message waits out the chat's gap, Telegram never says 429, and the
// report costs at most 8 paced calls: each pressed prompt is turned into the next (one call),
// the confirmed summary into the ticket above what was confirmed (one), and the one typed
// answer, the description, takes the buttons off the prompt it answered before the next
// prompt comes (two).
func TestAPersonsOwnActionsAreAnsweredAtOnce(t *testing.T) {
	t.Parallel()
	const gap = 500 * time.Millisecond
	rdb, prefix := redistest.New(t)
	h := startWith(t, false, rdb, prefix, func(e *dialog.Engine, st *store.Store) {
		if _, probs, err := st.ImportOrg(context.Background(), orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
			t.Fatalf("demo: %v %+v", err, probs)
		}
		if err := conversations.RegisterOrg(e, st, "bangban_bot", posterPNG); err != nil {
			t.Fatal(err)
		}
		if err := conversations.RegisterReport(e, st); err != nil {
			t.Fatal(err)
		}
	}, func(o *bot.Options) { o.SendLimits = bot.SendLimits{ChatGap: gap} })
	h.sim.EnforceLimits(30, gap, 20)
	owner := telegramtest.User{ID: 9601, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	time.Sleep(2 * gap) // the joining's messages paid back

	before := len(h.sim.Calls())
	waitedBefore := h.metricValue(t, `bangban_send_wait_seconds_count{kind="reply"}`)
	// A person reads each prompt before answering: one action a gap.
	act := func(f func() telegramtest.Message, want string) {
		t.Helper()
		time.Sleep(gap)
		contains(t, f(), want)
	}
	act(func() telegramtest.Message { return h.say(t, owner, "/new") }, "问题属于哪一类")
	act(func() telegramtest.Message { m, _ := h.press(t, owner, "融资"); return m }, "请描述遇到的问题")
	act(func() telegramtest.Message { return h.say(t, owner, "流动资金贷款审批迟迟没有结果") }, "可以发送照片或文件")
	act(func() telegramtest.Message { m, _ := h.press(t, owner, "跳过"); return m }, "如需说明位置")
	act(func() telegramtest.Message { m, _ := h.press(t, owner, "跳过"); return m }, "紧急程度")
	act(func() telegramtest.Message { m, _ := h.press(t, owner, "普通"); return m }, "请确认您反映的问题")
	summary := h.lastWithButtons(t, owner)
	act(func() telegramtest.Message {
		m, _ := h.press(t, owner, "✔ 确认提交")
		if m.MessageID != summary.MessageID || m.Buttons != nil {
			t.Errorf("the ticket came as message %d with buttons %v; want it in the summary confirmed, %d, without buttons", m.MessageID, m.Buttons, summary.MessageID)
		}
		return m
	}, "已受理")

	calls := h.pacedCalls(owner.ID, before)
	t.Logf("a report cost %d paced Bot API calls", calls)
	if calls > 8 {
		t.Errorf("a report cost %d paced calls; want at most 8", calls)
	}
	if n := h.sim.Throttled(); n != 0 {
		t.Errorf("Telegram had to say 429 %d times", n)
	}
	// Every reply went out without waiting for its place: none waited a gap.
	replies := h.metricValue(t, `bangban_send_wait_seconds_count{kind="reply"}`) - waitedBefore
	quick := h.metricValue(t, `bangban_send_wait_seconds_bucket{kind="reply",le="0.256"}`)
	all := h.metricValue(t, `bangban_send_wait_seconds_bucket{kind="reply",le="+Inf"}`)
	if replies < float64(calls) || quick != all {
		t.Errorf("%v of %v replies went out within 0.256 s (%v during the report); want every one, none held behind the %s gap", quick, all, replies, gap)
	}
}
