package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
)

// A reporter's confirm assigns the case to their linked cadre, who signs for it the moment the
// assignment arrives, while Telegram is slow to take the reporter's answer. In 100 of 100
// runs Telegram takes "registered as ticket …" (the summary confirmed, turned into the
// ticket) before "… has signed for your problem": the notice caused by their own action never
// overtakes the answer to it.
func TestANoticeNeverOvertakesTheAnswerThatCausedIt(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	const pairs, runs = 13, 100
	categories := []string{"融资", "用地", "用工", "审批办证", "产销对接", "科技人才", "数字化转型", "政策落实"}
	t.Run("pairs", func(t *testing.T) {
		for p := range pairs {
			t.Run(fmt.Sprint(p+1), func(t *testing.T) {
				t.Parallel()
				owner := telegramtest.User{ID: int64(9700 + p), FirstName: "业主", LanguageCode: "zh-hans"}
				cadre := telegramtest.User{ID: int64(9800 + p), FirstName: "Cadre", LanguageCode: "en"}
				h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: fmt.Sprintf("E%03d", p+1)}))
				h.join(t, cadre, fmt.Sprintf("P%03d", p+1), store.RoleHandler)
				for r := 0; r*pairs+p < runs; r++ {
					h.say(t, owner, "/new")
					h.press(t, owner, categories[r])
					h.say(t, owner, fmt.Sprintf("第 %d 件：厂区门前道路破损", r+1))
					h.press(t, owner, "跳过")
					h.press(t, owner, "跳过")
					h.press(t, owner, "普通")
					assignments := len(h.sim.Messages(cadre.ID))
					from := len(h.sim.Calls())
					// Telegram is slow for the reporter's chat from the confirm on.
					h.sim.SetChatDelay(owner.ID, 300*time.Millisecond)
					summary := h.lastWithButtons(t, owner)
					h.sim.PressButton(owner, summary, button(t, summary, "✔ 确认提交"))
					msgs, err := h.sim.WaitMessages(waitCtx(t), cadre.ID, assignments+1)
					if err != nil {
						t.Fatal(err)
					}
					assigned := msgs[assignments]
					h.sim.PressButton(cadre, assigned, button(t, assigned, "✍ Sign for it"))
					var got []string
					deadline := time.Now().Add(20 * time.Second)
					for {
						got = nil
						for _, c := range h.sim.CallsFrom(from) {
							if c.Status == http.StatusOK && c.Params["chat_id"] == strconv.FormatInt(owner.ID, 10) && c.Params["text"] != "" {
								got = append(got, c.Params["text"])
							}
						}
						if len(got) >= 2 && strings.Contains(got[len(got)-1], "已签收") || time.Now().After(deadline) {
							break
						}
						time.Sleep(20 * time.Millisecond)
					}
					h.sim.SetChatDelay(owner.ID, 0)
					ticket, signed := -1, -1
					for i, s := range got {
						switch {
						case strings.Contains(s, "已受理"):
							ticket = i
						case strings.Contains(s, "已签收您反映的问题"):
							signed = i
						}
					}
					if ticket < 0 || signed < 0 || signed < ticket {
						t.Fatalf("run %d: Telegram took %q for the reporter's chat; want the ticket, then the signing", r*pairs+p+1, got)
					}
				}
			})
		}
	})
}

// Notices to one chat arrive in the order of the changes that caused them, even when
// Telegram makes some of them wait and fail: 40 notices, enqueued one change after the
// other, arrive once each and in order.
func TestNoticesToOneChatKeepTheOrderOfTheirChanges(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	h := startWith(t, false, rdb, prefix, nil, func(o *bot.Options) { o.SendLimits = bot.SendLimits{ChatGap: 20 * time.Millisecond} })
	const chat, n = 9901001, 40
	h.sim.FailRandomly("sendMessage", 0.3, 502, 0)
	ctx := context.Background()
	for i := range n {
		err := h.store.InTx(ctx, func(tx pgx.Tx) error {
			return h.store.NotifyTx(ctx, tx, store.Notification{ChatID: chat, Lang: "en", MessageID: store.NoticeDueSoon,
				Data: map[string]any{"TicketNo": fmt.Sprintf("XC-20261130-%04d", i+1), "Limit": store.LimitSign, "Due": "2026-12-01 09:00"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := h.sim.WaitMessages(waitCtx(t), chat, n)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		if want := fmt.Sprintf("XC-20261130-%04d", i+1); !strings.Contains(m.Text, want) {
			t.Fatalf("notice %d in the chat is %q; want the one of %s", i+1, m.Text, want)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if got := len(h.sim.Messages(chat)); got != n {
		t.Fatalf("%d notices arrived; want %d, once each", got, n)
	}
}
