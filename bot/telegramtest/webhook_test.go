package telegramtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Telegram keeps to setWebhook's max_connections (1 to 100): no more updates are in flight to
// the webhook at once than that, and a number outside is refused.
func TestWebhookConnectionsAreLimitedAsAsked(t *testing.T) {
	t.Parallel()
	var now, most atomic.Int32
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		now.Add(-1)
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer hook.Close()
	s := New()
	defer s.Close()
	for _, bad := range []string{"0", "101", "many"} {
		if code, r := call(t, s, "setWebhook", map[string]string{"url": hook.URL, "max_connections": bad}); code != http.StatusBadRequest || r.OK {
			t.Errorf("max_connections=%s: %d %+v; want 400", bad, code, r)
		}
	}
	if code, r := call(t, s, "setWebhook", map[string]string{"url": hook.URL, "max_connections": "2"}); code != http.StatusOK || !r.OK {
		t.Fatalf("setWebhook: %d %+v", code, r)
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.SendText(User{ID: int64(100 + i), FirstName: "U"}, "hi")
		}()
	}
	time.Sleep(300 * time.Millisecond) // time for more than two to be posted, were they allowed
	close(release)
	wg.Wait()
	if got := most.Load(); got != 2 {
		t.Fatalf("%d updates in flight at once; want max_connections, 2", got)
	}
}

// A method in the webhook's answer is carried out, marked InReply, and refused as a call of it
// would be: the bot is told nothing either way.
func TestAMethodInTheWebhooksAnswerIsCarriedOut(t *testing.T) {
	t.Parallel()
	answer := `{"method":"sendMessage","chat_id":11,"text":"hello"}`
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
	}))
	defer hook.Close()
	s := New()
	defer s.Close()
	if code, _ := call(t, s, "setWebhook", map[string]string{"url": hook.URL}); code != http.StatusOK {
		t.Fatalf("setWebhook: %d", code)
	}
	s.SendText(ann, "hi")
	ms := s.Messages(ann.ID)
	if len(ms) != 1 || ms[0].Text != "hello" {
		t.Fatalf("messages %+v; want the answer's hello", ms)
	}
	if c := s.CallsTo("sendMessage"); len(c) != 1 || !c[0].InReply || c[0].Status != http.StatusOK {
		t.Fatalf("calls %+v; want one sendMessage, in the webhook's answer", c)
	}
	mu.Lock()
	answer = `{"method":"sendMessage","chat_id":11,"text":"` + strings.Repeat("x", 4097) + `"}`
	mu.Unlock()
	s.SendText(ann, "again")
	if ms := s.Messages(ann.ID); len(ms) != 1 {
		t.Fatalf("a text too long for Telegram was sent from a webhook's answer: %d messages", len(ms))
	}
	if c := s.CallsTo("sendMessage"); len(c) != 2 || !c[1].InReply || c[1].Status != http.StatusBadRequest {
		t.Fatalf("calls %+v; want the second refused with 400", c)
	}
}
