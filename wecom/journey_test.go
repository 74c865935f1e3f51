package wecom_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom/wecomtest"
)

var ticketRe = regexp.MustCompile(`XC-\d{8}-\d{4,}`)

// choose picks the choice reading text from userid's latest choices: a card's button is
// pressed; in a numbered list its number is typed.
func (h *harness) choose(t *testing.T, userid, text string, want int) []wecomtest.Message {
	t.Helper()
	// A choice may come a moment after the text before it (a card after a long text): the
	// latest choices are waited for, so that an older card is never the one pressed.
	msgs, _ := h.sim.WaitFor(userid, 10*time.Second, func(m []wecomtest.Message) bool { return offers(m, text) })
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Card != nil {
			return h.press(t, userid, text, want)
		}
		if n := numbered(m.Text, text); n > 0 {
			return h.say(t, userid, fmt.Sprint(n), want)
		}
	}
	t.Fatalf("%s was offered no %q: %s", userid, text, dump(msgs))
	return nil
}

// offers tells whether the latest choices among msgs (a card not pressed yet, or a numbered
// list) offer text.
func offers(msgs []wecomtest.Message, text string) bool {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Card != nil {
			if m.Card.Pressed != "" {
				return false
			}
			for _, b := range m.Card.Buttons {
				if b.Text == text {
					return true
				}
			}
			return false
		}
		if numbered(m.Text, text) > 0 {
			return true
		}
	}
	return false
}

// numbered is the number of the line "N. text" in a numbered list, 0 for none.
func numbered(list, text string) int {
	for _, line := range strings.Split(list, "\n") {
		var n int
		var rest string
		if k, _ := fmt.Sscanf(line, "%d.", &n); k == 1 {
			_, rest, _ = strings.Cut(line, ". ")
			if rest == text {
				return n
			}
		}
	}
	return 0
}

func contains(t *testing.T, msgs []wecomtest.Message, parts ...string) {
	t.Helper()
	all := dump(msgs)
	for _, p := range parts {
		if !strings.Contains(all, p) {
			t.Fatalf("want %q in:%s", p, all)
		}
	}
}

// An enterprise owner in WeCom binds the invite of their enterprise by "绑定 CODE", files a
// problem with /new — the category from a numbered list, the description typed, the rest by
// the cards' buttons, each card updated to the choice made — and gets a ticket number; the
// case is theirs, the same as one filed on Telegram.
func TestAWeComOwnerBindsAndFilesAProblem(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	const owner = "yangfan"
	h.sim.AddUser(owner)
	contains(t, h.enter(t, owner), "/new")
	inv, err := h.store.CreateInvite(context.Background(), store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	if err != nil {
		t.Fatal(err)
	}
	contains(t, h.say(t, owner, "绑定 "+inv.Code, 1), "云岭精密机械有限公司")

	h.say(t, owner, "/new", 1)
	h.choose(t, owner, "用电/用水/用气", 1)
	h.say(t, owner, "厂区变压器容量不足，新生产线无法投产", 1)
	h.choose(t, owner, "跳过", 1)
	h.choose(t, owner, "跳过", 1)
	h.choose(t, owner, "普通", 1)
	got := h.choose(t, owner, "✔ 确认提交", 1)
	contains(t, got, "已转交您的包联干部李春梅")
	no := ticketRe.FindString(dump(got))
	if no == "" {
		t.Fatalf("no ticket in %s", dump(got))
	}
	// Each card pressed shows the choice made, and offers nothing more.
	for _, m := range h.sim.Messages(owner) {
		if m.Card != nil && m.Card.Pressed != "" && m.Card.Replaced == "" {
			t.Errorf("card %q pressed but not updated", m.Card.Text)
		}
	}
	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil || !strings.Contains(c.Description, "变压器容量不足") {
		t.Fatalf("case %+v %v", c, err)
	}
	a, err := h.store.ActorByAccount(context.Background(), accountOf(t, h, owner))
	if err != nil || c.ReporterID == nil || *c.ReporterID != a.PersonID {
		t.Fatalf("reporter %+v of %+v: %v", a, c, err)
	}
	contains(t, h.say(t, owner, "/status "+no, 1), no, "变压器容量不足")
}

func (h *harness) enter(t *testing.T, userid string) []wecomtest.Message {
	t.Helper()
	return h.expect(t, userid, 1, func() (wecomtest.Delivery, error) { return h.sim.Enter(userid) })
}

func accountOf(t *testing.T, h *harness, userid string) int64 {
	t.Helper()
	id, err := h.store.WeComAccount(context.Background(), userid)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
