package bot_test

import (
	"net/http"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// onlyPromptPressable checks that of u's messages only prompt, the one just shown, still has
// buttons: every earlier prompt lost them, whether it was answered by a press or by typing.
func (h *harness) onlyPromptPressable(t *testing.T, u telegramtest.User, prompt telegramtest.Message) {
	t.Helper()
	if len(prompt.Buttons) == 0 {
		t.Fatalf("the prompt %q has no buttons", prompt.Text)
	}
	for _, m := range h.sim.Messages(u.ID) {
		if len(m.Buttons) > 0 && m.MessageID != prompt.MessageID {
			t.Fatalf("message %d %q still shows buttons %+v after prompt %d", m.MessageID, m.Text, m.Buttons, prompt.MessageID)
		}
	}
}

// A reporter files a problem answering some prompts by pressing and others by typing (the
// description, a photo, a location, a word at the summary): after every answer the chat shows
// the buttons of the current prompt only, none of one answered.
func TestATypedAnswerLeavesNoEarlierPromptToPress(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8701, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))

	m := h.say(t, owner, "/new")
	contains(t, m, "问题属于哪一类")
	m, _ = h.press(t, owner, "融资")
	contains(t, m, "请描述遇到的问题")
	h.onlyPromptPressable(t, owner, m)

	// Too short: the reason and the question again, below; the question above loses its buttons.
	ms := h.sayK(t, owner, "贷款", 2)
	contains(t, ms[0], "内容太短了")
	contains(t, ms[1], "请描述遇到的问题")
	h.onlyPromptPressable(t, owner, ms[1])

	m = h.say(t, owner, "流动资金贷款审批迟迟没有结果，影响原材料采购")
	contains(t, m, "可以发送照片或文件")
	h.onlyPromptPressable(t, owner, m)

	ms = h.send(t, owner, func() telegramtest.Update { return h.sim.SendPhoto(owner, "") }, 1)
	contains(t, ms[0], "已收到 1 个")
	h.onlyPromptPressable(t, owner, ms[0])

	m, _ = h.press(t, owner, "完成")
	contains(t, m, "请发送定位")
	h.onlyPromptPressable(t, owner, m)

	ms = h.send(t, owner, func() telegramtest.Update { return h.sim.SendLocation(owner, 34.7466, 113.6253) }, 1)
	contains(t, ms[0], "紧急程度")
	h.onlyPromptPressable(t, owner, ms[0])

	m, _ = h.press(t, owner, "普通")
	contains(t, m, "请确认您反映的问题")
	h.onlyPromptPressable(t, owner, m)

	// A word typed at the summary: it is shown again below, with the only buttons.
	ms = h.sayK(t, owner, "好的", 2)
	contains(t, ms[1], "请确认您反映的问题")
	h.onlyPromptPressable(t, owner, ms[1])

	m, _ = h.press(t, owner, "✔ 确认提交")
	contains(t, m, "已受理")
	for _, x := range h.sim.Messages(owner.ID) {
		if len(x.Buttons) > 0 {
			t.Fatalf("message %q still shows buttons %+v after the report was filed", x.Text, x.Buttons)
		}
	}
}

// Telegram refuses to take the buttons off a prompt answered by typing (the message was
// deleted, or is too old to edit): the next prompt comes all the same, and the one after is
// handled as usual.
func TestARefusedClearingDoesNotStopTheNextPrompt(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 8702, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.say(t, owner, "/new")
	asked, _ := h.press(t, owner, "融资")

	h.sim.FailNext("editMessageReplyMarkup", 1, http.StatusBadRequest, 0)
	m := h.say(t, owner, "流动资金贷款审批迟迟没有结果，影响原材料采购")
	contains(t, m, "可以发送照片或文件")
	if calls := h.sim.CallsTo("editMessageReplyMarkup"); len(calls) == 0 || calls[len(calls)-1].Status != http.StatusBadRequest {
		t.Fatalf("the clearing of prompt %d was not tried, or not refused: %+v", asked.MessageID, calls)
	}

	ms := h.send(t, owner, func() telegramtest.Update { return h.sim.SendLocation(owner, 34.7466, 113.6253) }, 2)
	contains(t, ms[1], "可以发送照片或文件")
	for _, x := range h.sim.Messages(owner.ID) {
		if len(x.Buttons) > 0 && x.MessageID != ms[1].MessageID && x.MessageID != asked.MessageID {
			t.Fatalf("message %q still shows buttons after the next answer", x.Text)
		}
	}
}
