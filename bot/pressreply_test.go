package bot_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
)

// pressAnswers are the answers to the press q, however they went.
func pressAnswers(h *harness, q string) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range h.sim.CallsTo("answerCallbackQuery") {
		if c.Params["callback_query_id"] == q {
			out = append(out, c)
		}
	}
	return out
}

// waitPressAnswer waits for the press q to be answered once, and returns the answer.
func waitPressAnswer(t *testing.T, h *harness, q string) telegramtest.Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got := pressAnswers(h, q); len(got) > 0 {
			time.Sleep(100 * time.Millisecond) // a second answer would be a fault
			if got = pressAnswers(h, q); len(got) != 1 {
				t.Fatalf("press %s answered %d times; want once: %+v", q, len(got), got)
			}
			return got[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("press %s never answered", q)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A press that comes by webhook is answered in the answer to the webhook request, with its
// notice, and costs no call of its own; by polling it is answered by a call. Either way it is
// answered once, and the press's step is the same.
func TestAPressByWebhookIsAnsweredInTheWebhooksAnswer(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, m.webhook)
			u := telegramtest.User{ID: 9501, FirstName: "Press", LanguageCode: "en"}
			prompt := h.say(t, u, "/lang")

			// A press no button of the bot's carries is refused with a notice.
			stale := h.sim.PressButton(u, prompt, "forged:1")
			got := waitPressAnswer(t, h, stale.CallbackQuery.ID)
			if got.InReply != m.webhook || got.Status != http.StatusOK {
				t.Fatalf("stale press answered %+v; want in the webhook's answer: %v", got, m.webhook)
			}
			if got.Params["text"] != "This button has expired." {
				t.Fatalf("stale press notice %q", got.Params["text"])
			}
			if m.webhook && h.sim.WebhookStatus(stale) != http.StatusOK {
				t.Fatalf("webhook status %d", h.sim.WebhookStatus(stale))
			}

			// A press on the prompt changes it and is answered without a notice.
			n := len(h.sim.CallsTo("answerCallbackQuery"))
			press := h.sim.PressButton(u, prompt, button(t, prompt, "English"))
			got = waitPressAnswer(t, h, press.CallbackQuery.ID)
			if got.InReply != m.webhook || got.Params["text"] != "" {
				t.Fatalf("press answered %+v; want in the webhook's answer: %v, no notice", got, m.webhook)
			}
			waitBecame(t, h, u, prompt, "Switched to English")
			if all := h.sim.CallsTo("answerCallbackQuery"); len(all) != n+1 {
				t.Fatalf("%d more press answers; want one", len(all)-n)
			}
		})
	}
}

// A press whose step cannot be delivered is answered 503, for Telegram to deliver it again;
// the answer to it is then not left to a webhook answer Telegram ignores, but made by a call.
func TestAPressByWebhookThatFailsIsStillAnswered(t *testing.T) {
	t.Parallel()
	h := start(t, true)
	u := telegramtest.User{ID: 9502, FirstName: "Fail", LanguageCode: "en"}
	m := h.say(t, u, "/lang")
	h.sim.FailNext("editMessageText", 3, http.StatusBadGateway, 0) // as many as the sender tries
	press := h.sim.PressButton(u, m, button(t, m, "English"))
	if got := h.sim.WebhookStatus(press); got != http.StatusServiceUnavailable {
		t.Fatalf("webhook status %d; want 503 for the undelivered step", got)
	}
	got := waitPressAnswer(t, h, press.CallbackQuery.ID)
	if got.InReply {
		t.Fatalf("the press of a failed step was answered in the webhook's answer, which Telegram ignores on a 503")
	}
}

// waitBecame waits for u's latest message to be the prompt m, edited to say want.
func waitBecame(t *testing.T, h *harness, u telegramtest.User, m telegramtest.Message, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		msgs := h.sim.Messages(u.ID)
		if last := msgs[len(msgs)-1]; last.MessageID == m.MessageID && strings.Contains(last.Text, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d never became %q: %q", m.MessageID, want, texts(msgs))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
