package wecom_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/wecom/wecomtest"
)

// WeCom checks the callback URL when it is saved: the echostr is decrypted and sent back;
// signed with another token, it is refused.
func TestTheCallbackURLIsVerified(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	status, answer, want, err := h.sim.VerifyURL(h.sim.Options().Token)
	if err != nil || status != http.StatusOK || answer != want {
		t.Fatalf("URL check: %d %q (want %q) %v", status, answer, want, err)
	}
	status, answer, _, err = h.sim.VerifyURL("not-the-token")
	if err != nil || status != http.StatusForbidden || strings.Contains(answer, want) {
		t.Fatalf("forged URL check: %d %q %v", status, answer, err)
	}
}

// A callback signed by someone who is not WeCom is refused, and nothing is done: no account
// is made, nothing is sent.
func TestAForgedCallbackIsRefusedAndDoesNothing(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.sim.AddUser("zhangsan")
	d, err := h.sim.DeliverForged(h.sim.Text("zhangsan", "/start"))
	if err != nil || d.Status != http.StatusForbidden || d.Attempts != 1 {
		t.Fatalf("forged: %+v %v", d, err)
	}
	h.app.Wait()
	var n int
	if err := h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM wecom_accounts").Scan(&n); err != nil || n != 0 {
		t.Fatalf("accounts %d %v", n, err)
	}
	if m := h.sim.Messages("zhangsan"); len(m) != 0 || h.sim.Calls("message/send") != 0 {
		t.Fatalf("sent %v", m)
	}
	// The same, signed by WeCom, is answered.
	msgs := h.say(t, "zhangsan", "/start", 1)
	if msgs[0].Type != "text" || msgs[0].Text == "" {
		t.Fatalf("welcome %+v", msgs)
	}
}

// WeCom delivers a callback again when it did not see the answer; the same message, delivered
// twice, acts once.
func TestAReplayedCallbackActsOnce(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.sim.AddUser("lisi")
	cb := h.sim.Text("lisi", "/help")
	for range 3 {
		if d, err := h.sim.Deliver(cb); err != nil || d.Status != http.StatusOK {
			t.Fatalf("delivery %+v %v", d, err)
		}
	}
	if _, err := h.sim.WaitFor("lisi", 10*time.Second, func(m []wecomtest.Message) bool { return len(m) >= 1 }); err != nil {
		t.Fatal(err)
	}
	h.app.Wait()
	if m := h.sim.Messages("lisi"); len(m) != 1 {
		t.Fatalf("answered %d times: %s", len(m), dump(m))
	}
}

// Events have no MsgId: one delivered again (the same member, time and content) acts once
// too — entering the app, and pressing a card's button. Entering is welcomed the first time
// only.
func TestAReplayedEventActsOnce(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.sim.AddUser("sunqi")
	enter := h.sim.EnterEvent("sunqi")
	for range 2 {
		if d, err := h.sim.Deliver(enter); err != nil || d.Status != http.StatusOK {
			t.Fatalf("delivery %+v %v", d, err)
		}
	}
	h.app.Wait()
	if m := h.sim.Messages("sunqi"); len(m) != 1 {
		t.Fatalf("welcomed %d times: %s", len(m), dump(m))
	}
	// Opening the app again later is no first contact: no welcome again.
	if d, err := h.sim.Enter("sunqi"); err != nil || d.Status != http.StatusOK {
		t.Fatalf("delivery %+v %v", d, err)
	}
	h.app.Wait()
	if m := h.sim.Messages("sunqi"); len(m) != 1 {
		t.Fatalf("welcomed again on opening the app: %s", dump(m))
	}
	msgs := h.say(t, "sunqi", "/lang", 1)
	c := msgs[len(msgs)-1].Card
	if c == nil || len(c.Buttons) < 2 {
		t.Fatalf("/lang offers %s", dump(msgs))
	}
	press, err := h.sim.Press("sunqi", c.TaskID, c.Buttons[len(c.Buttons)-1].Key)
	if err != nil {
		t.Fatal(err)
	}
	n := len(h.sim.Messages("sunqi"))
	for range 2 {
		if d, err := h.sim.Deliver(press); err != nil || d.Status != http.StatusOK {
			t.Fatalf("delivery %+v %v", d, err)
		}
	}
	h.app.Wait()
	if m := h.sim.Messages("sunqi")[n:]; len(m) != 1 {
		t.Fatalf("the press answered %d times: %s", len(m), dump(m))
	}
}
