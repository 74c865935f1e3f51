package wecom_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/wecom"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// The access token expires in the middle of a burst of replies to several members: WeCom
// refuses it to each, one new token is fetched for all of them, and every reply goes out once.
func TestAnExpiredTokenIsFetchedAnewOnceForABurst(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.sim.AddUser("first")
	h.say(t, "first", "/help", 1)
	if n := h.sim.TokenFetches(); n != 1 {
		t.Fatalf("%d tokens fetched for the first reply", n)
	}
	h.sim.ExpireTokens()
	const members = 8
	var wg sync.WaitGroup
	for i := range members {
		u := fmt.Sprintf("member%d", i)
		h.sim.AddUser(u)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d, err := h.sim.SendText(u, "/help"); err != nil || d.Status != http.StatusOK {
				t.Errorf("%s: %+v %v", u, d, err)
			}
		}()
	}
	wg.Wait()
	for i := range members {
		u := fmt.Sprintf("member%d", i)
		if _, err := h.sim.WaitFor(u, 10*time.Second, func(m []wecomtest.Message) bool { return len(m) >= 1 }); err != nil {
			t.Fatal(err)
		}
	}
	h.app.Wait()
	if n := h.sim.TokenFetches(); n != 2 {
		t.Fatalf("%d tokens fetched, want 2: the first, and one after the expiry", n)
	}
	for i := range members {
		if m := h.sim.Messages(fmt.Sprintf("member%d", i)); len(m) != 1 {
			t.Fatalf("member%d was sent %d messages: %s", i, len(m), dump(m))
		}
	}
}

// A step that takes longer than WeCom waits for an answer (5 s) does not make WeCom deliver
// the callback again: it is answered at once, and acts once.
func TestASlowStepIsAnsweredAtOnceAndActsOnce(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	h := start(t, func(e *dialog.Engine) {
		if err := e.RegisterCommand("slow", func(ctx context.Context, _ dialog.Call) ([]dialog.Reply, error) {
			runs.Add(1)
			time.Sleep(6 * time.Second)
			return []dialog.Reply{{MessageID: dialog.MsgNothingToCancel}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	h.sim.AddUser("wangwu")
	start := time.Now()
	d, err := h.sim.SendText("wangwu", "/slow")
	if err != nil || d.Status != http.StatusOK || d.Attempts != 1 || time.Since(start) > 2*time.Second {
		t.Fatalf("delivery %+v in %s: %v", d, time.Since(start), err)
	}
	if _, err := h.sim.WaitFor("wangwu", 15*time.Second, func(m []wecomtest.Message) bool { return len(m) >= 1 }); err != nil {
		t.Fatal(err)
	}
	h.app.Wait()
	if n := runs.Load(); n != 1 {
		t.Fatalf("the step ran %d times", n)
	}
	if m := h.sim.Messages("wangwu"); len(m) != 1 {
		t.Fatalf("sent %s", dump(m))
	}
}

// A member is sent no more than WeCom takes from an app (30 a minute, over time): a burst
// goes at once, the rest at the member's pace, while another member is not held up.
func TestAMemberIsSentWithinWeComsLimit(t *testing.T) {
	t.Parallel()
	h := start(t, nil, func(o *wecom.Options) {
		o.SendLimits = wecom.SendLimits{PerMemberMinute: 120, MemberBurst: 2, PerSecond: 1000} // one each 500 ms after two
	})
	for _, u := range []string{"zhou", "wu"} {
		h.sim.AddUser(u)
	}
	begin := time.Now()
	for range 4 {
		if d, err := h.sim.SendText("zhou", "/help"); err != nil || d.Status != http.StatusOK {
			t.Fatalf("%+v %v", d, err)
		}
	}
	h.say(t, "wu", "/help", 1)
	if d := time.Since(begin); d > time.Second {
		t.Fatalf("another member waited %s", d)
	}
	if _, err := h.sim.WaitFor("zhou", 10*time.Second, func(m []wecomtest.Message) bool { return len(m) >= 4 }); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < 900*time.Millisecond {
		t.Fatalf("four messages to one member in %s, want at least two gaps of 500 ms", d)
	}
}

// Two replicas sending at once when the token expires fetch one new token between them: it
// is kept in Redis, and fetched by whichever takes the lock.
func TestTwoReplicasFetchOneTokenBetweenThem(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	ctx := context.Background()
	var outs []dialog.Output
	for i := range 10 {
		u := fmt.Sprintf("cadre%d", i)
		h.sim.AddUser(u)
		outs = append(outs, dialog.Output{ChatID: accountOf(t, h, u), Text: "通知 " + u})
	}
	if _, err := h.app.Deliver(ctx, outs[:1]); err != nil {
		t.Fatal(err)
	}
	h.sim.ExpireTokens()
	var wg sync.WaitGroup
	for i, out := range outs[1:] {
		app := h.app
		if i%2 == 1 {
			app = h.replica
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := app.Deliver(ctx, []dialog.Output{out}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := h.sim.TokenFetches(); n != 2 {
		t.Fatalf("%d tokens fetched, want 2", n)
	}
	for i := range outs {
		if m := h.sim.Messages(fmt.Sprintf("cadre%d", i)); len(m) != 1 {
			t.Fatalf("cadre%d sent %s", i, dump(m))
		}
	}
}
