package bot

import (
	"context"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/redistest"
)

// With the budget for all chats spent, an edit of the prompt a person just pressed still goes
// at once (it counts in its chat only), while a new message and an edit of any other message
// wait for the budget; and the in-place edit still keeps its chat's burst.
func TestAnAnswerInPlaceCountsInItsChatOnly(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, prefix, 1, SendLimits{PerSecond: 1, ChatGap: time.Second, ChatBurst: 2})
	ctx := context.Background()
	take := func(chat int64, inPlace bool) time.Duration {
		t.Helper()
		wait, err := l.reserve(ctx, chat, false, inPlace, 0)
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	if w := take(100, false); w != 0 {
		t.Fatalf("the first reply waits %s", w)
	}
	if w := take(200, false); w < 500*time.Millisecond {
		t.Fatalf("a new message with the budget spent waits only %s", w)
	}
	if w := take(300, true); w != 0 {
		t.Fatalf("an answer in place with the budget spent waits %s", w)
	}
	if w := take(300, true); w != 0 {
		t.Fatalf("a second answer in place within the chat's burst waits %s", w)
	}
	if w := take(300, true); w < 500*time.Millisecond {
		t.Fatalf("an answer in place past its chat's burst waits only %s", w)
	}
	// A notification never counts as an answer in place.
	if w, err := l.reserve(ctx, 400, true, true, 0); err != nil || w < 500*time.Millisecond {
		t.Fatalf("a notification with the budget spent waits %s (%v)", w, err)
	}
}
