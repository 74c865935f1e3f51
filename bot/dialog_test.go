package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
)

// pick is a two-step dialog: choose with a button, then write a line.
func pick(done chan<- map[string]string) *dialog.Dialog {
	return &dialog.Dialog{Name: "pick", Command: "pick", Version: 1,
		Steps: []*dialog.Step{
			{Name: "c", Prompt: "test.pick", Choices: func(*dialog.Session) []dialog.Choice {
				return []dialog.Choice{{Label: "红", Literal: true, Value: "red"}, {Label: "蓝", Literal: true, Value: "blue"}}
			}},
			{Name: "why", Prompt: "test.why", MinLen: 2},
		},
		Done: func(_ context.Context, s *dialog.Session) (dialog.Reply, error) {
			done <- map[string]string{"c": s.Get("c"), "why": s.Get("why")}
			return dialog.Reply{MessageID: "test.thanks"}, nil
		},
	}
}

func button(t *testing.T, m telegramtest.Message, label string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == label {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q on %+v", label, m)
	return ""
}

// A dialog through Telegram: its buttons arrive as an inline keyboard; a press is answered,
// takes the keyboard off the prompt, and brings the next step; a press on the old prompt is
// answered with a notice and changes nothing.
func TestDialogThroughTelegram(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			rdb, prefix := redistest.New(t)
			done := make(chan map[string]string, 1)
			h := startWith(t, m.webhook, rdb, prefix, func(e *dialog.Engine, _ *store.Store) {
				if err := e.Register(pick(done)); err != nil {
					t.Fatal(err)
				}
			})
			h.sim.SendText(zhUser, "/pick")
			first := h.sim.MustWaitMessages(t, zhUser.ID, 1)[0]
			if first.Text != "test.pick" || len(first.Buttons) != 2 {
				t.Fatalf("first prompt %+v", first)
			}
			h.sim.PressButton(zhUser, first, button(t, first, "蓝"))
			ctx := waitCtx(t)
			// One call: the pressed prompt is turned into the next.
			second, err := h.sim.WaitAnswer(ctx, first, 1)
			if err != nil || second.MessageID != first.MessageID || second.Text != "test.why" || second.Edits != 1 {
				t.Fatalf("second prompt %+v (%v); want the first edited into it", second, err)
			}
			if _, err := h.sim.WaitCall(ctx, "answerCallbackQuery", func(c telegramtest.Call) bool { return c.Status == 200 }); err != nil {
				t.Fatal(err)
			}
			// The old prompt's other button, pressed late (its data is still in the client).
			h.sim.PressButton(zhUser, first, button(t, first, "红"))
			c, err := h.sim.WaitCall(ctx, "answerCallbackQuery", func(c telegramtest.Call) bool { return c.Params["text"] != "" })
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.Params["text"], "按钮已失效") {
				t.Fatalf("stale press answered %q", c.Params["text"])
			}
			h.sim.SendText(zhUser, "天空的颜色")
			if got := h.sim.MustWaitMessages(t, zhUser.ID, 2)[1]; got.Text != "test.thanks" {
				t.Fatalf("end %+v", got)
			}
			if d := <-done; d["c"] != "blue" || d["why"] != "天空的颜色" {
				t.Fatalf("dialog completed with %+v", d)
			}
		})
	}
}
