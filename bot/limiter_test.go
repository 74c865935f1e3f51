package bot

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
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
	// An answer may run one message ahead of the even pace: two go at once.
	for i := range 2 {
		if w := take(int64(100+i), false); w != 0 {
			t.Fatalf("reply %d waits %s", i+1, w)
		}
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

// A reply's place taken ahead, in the round trip that commits its update, is used by the
// reply it was taken for instead of a place of its own: the counters are charged once for it.
// A reply of another kind, or one more than were taken for, takes its own place.
func TestAPlaceTakenWithTheCommitIsUsedOnce(t *testing.T) {
	t.Parallel()
	s, rdb, tat := placing(t)
	ctx := context.Background()
	press := dialog.Output{ChatID: 300, Text: "next", EditMessageID: 7, Pressed: true}
	if f := s.Reserve(ctx, rdb.Pipeline(), 301, []dialog.Output{press}); f != nil {
		t.Fatal("a place taken for a reply to another chat")
	}
	if f := s.Reserve(ctx, rdb.Pipeline(), 300, []dialog.Output{{ChatID: 300, CallbackID: "q"}}); f != nil {
		t.Fatal("a place taken for a reply the limits do not count (a press answered with no message)")
	}
	// The press is answered first, with no message: the place is the edit's that follows.
	sendCtx := committed(t, s, rdb, []dialog.Output{{CallbackID: "q", Notice: "ok"}, press})
	first := tat()
	if first == 0 {
		t.Fatal("the pipeline charged no counter")
	}
	// A new message is not the edit the place was taken for: it takes a place of its own.
	if err := s.take(sendCtx, 300, false, false); err != nil {
		t.Fatal(err)
	}
	second := tat()
	if second <= first {
		t.Fatalf("a message of another kind used the place taken for the edit (counter %d, then %d)", first, second)
	}
	if err := s.take(sendCtx, 300, false, true); err != nil {
		t.Fatal(err)
	}
	if got := tat(); got != second {
		t.Fatalf("the edit took a second place (counter %d, then %d); want the one taken with the commit used", second, got)
	}
	if err := s.take(sendCtx, 300, false, true); err != nil {
		t.Fatal(err)
	}
	if got := tat(); got <= second {
		t.Fatalf("a second edit used the place taken for the first (counter stayed %d)", got)
	}
}

// A step that answers with more than one message (the buttons taken off the prompt answered
// by typing, then the next prompt) has the places of all of them, the first few, taken with
// its commit: neither takes one of its own when it goes, and the counters were charged for
// both in that one round trip.
func TestEveryReplyOfAStepHasItsPlaceTakenWithTheCommit(t *testing.T) {
	t.Parallel()
	s, rdb, tat := placing(t)
	ctx := context.Background()
	clear := dialog.Output{ChatID: 300, EditMessageID: 7, ClearButtons: true}
	next := dialog.Output{ChatID: 300, Text: "next question"}
	sendCtx := committed(t, s, rdb, []dialog.Output{clear, next, {ChatID: 999, Text: "someone else"}})
	charged := tat()
	// Two places of the chat's one-second gap: the counter stands two gaps ahead of the first.
	if ahead := time.Duration(charged-time.Now().UnixMicro()) * time.Microsecond; ahead < 1900*time.Millisecond || ahead > 2100*time.Millisecond {
		t.Fatalf("the chat's counter stands %s ahead; want two places' worth, 2 s", ahead)
	}
	for i := range 2 {
		if err := s.take(sendCtx, 300, false, false); err != nil {
			t.Fatal(err)
		}
		if got := tat(); got != charged {
			t.Fatalf("reply %d took a place of its own (counter %d, then %d); want the one taken with the commit", i+1, charged, got)
		}
	}
	if err := s.take(sendCtx, 300, false, false); err != nil {
		t.Fatal(err)
	}
	if got := tat(); got <= charged {
		t.Fatalf("a third reply used a place taken for the first two (counter stayed %d)", got)
	}
	if n, err := rdb.Exists(ctx, s.lim.prefix+"chat:999").Result(); err != nil || n != 0 {
		t.Fatalf("a place was taken in another chat's counter (%d, %v)", n, err)
	}
}

// With the budget for all chats busy, an answer takes its place in it at once, however far
// off the place is (within its patience), and waits for it there: answers queue in the order
// they asked. A notification takes no place that far off: it asks again when nearer, behind
// the answers.
func TestAnAnswerTakesItsPlaceInABusyBudgetAtOnce(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, prefix, 1, SendLimits{PerSecond: 1, BulkPerSecond: 1, ChatGap: time.Millisecond, ChatBurst: 4})
	ctx := context.Background()
	allKey := l.prefix + "all"
	ahead := func() time.Duration {
		v := counterAt(t, rdb, allKey)
		if v == 0 {
			return 0 // every place taken has passed
		}
		return time.Duration(v-time.Now().UnixMicro()) * time.Microsecond
	}
	// Two answers go at once (one may run ahead of the even pace).
	for i := range 2 {
		if w, err := l.reserve(ctx, int64(100+i), false, false, replyPatience); err != nil || w != 0 {
			t.Fatalf("answer %d: %s, %v", i+1, w, err)
		}
	}
	// The third answer's place is a second off: taken now, and waited for.
	done := make(chan error, 1)
	go func() {
		_, err := l.reserve(ctx, 200, false, false, replyPatience)
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for ahead() < 2500*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("the budget stands %s ahead; want the third answer's place taken at once (three places, 3 s)", ahead())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A notification asked now takes no place that far off; the answer's place stands.
	if w, err := l.reserve(ctx, 300, true, false, 0); err != nil || w < 2*time.Second {
		t.Fatalf("a notification with two answers queued: wait %s, %v; want it told to wait", w, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// counterAt is a send-limit counter's theoretical arrival time in µs of Redis' clock, 0 when
// it has none (no place taken, or every one passed).
// placing is a sender whose chats take a place a second, five at most at once, with the
// budget for all chats wide open; tat reads chat 300's counter.
func placing(t *testing.T) (s *Sender, rdb redis.UniversalClient, tat func() int64) {
	t.Helper()
	rdb, prefix := redistest.New(t)
	s = &Sender{lim: newLimiter(rdb, prefix, 1, SendLimits{PerSecond: 1000, ChatGap: time.Second, ChatBurst: 5})}
	return s, rdb, func() int64 { return counterAt(t, rdb, s.lim.prefix+"chat:300") }
}

// committed takes the places of outs' replies to chat 300 as the commit of their update does,
// in its pipeline, and returns the context they are sent with.
func committed(t *testing.T, s *Sender, rdb redis.UniversalClient, outs []dialog.Output) context.Context {
	t.Helper()
	ctx := context.Background()
	pipe := rdb.Pipeline()
	placedFn := s.Reserve(ctx, pipe, 300, outs)
	if placedFn == nil {
		t.Fatalf("no place taken for %+v", outs)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return placedFn(ctx)
}

func counterAt(t *testing.T, rdb redis.UniversalClient, key string) int64 {
	t.Helper()
	v, err := rdb.Get(context.Background(), key).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	return v
}
