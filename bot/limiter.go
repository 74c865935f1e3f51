package bot

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/sendlimit"
)

// SendLimits are Telegram's limits on what a bot sends (about 30 messages a second in all, one
// a second to a chat over time with short bursts tolerated, 20 a minute to a group), kept a
// little under, across every replica. The zero value of each field takes its default.
type SendLimits struct {
	// PerSecond is every message the bot sends, replies and notifications, and every edit but
	// the answer in place to a press (which counts in its chat only). Default 28.
	PerSecond int
	// BulkPerSecond is what notifications and reminders may use of it, so that replies to a
	// person's own action are never stuck behind a burst. Default 22.
	BulkPerSecond int
	// ChatGap is the time between two messages to one private chat, over time. Default 1.1 s.
	ChatGap time.Duration
	// ChatBurst is how many replies to a person's own action may go to their chat at once,
	// ahead of the gap: the answer they are looking at. Notifications keep the gap strictly,
	// and wait until a burst is paid back. Default 4.
	ChatBurst int
	// GroupPerMinute is the most messages a minute to one group. Default 19.
	GroupPerMinute int
}

func (l SendLimits) withDefaults() SendLimits {
	if l.PerSecond <= 0 {
		l.PerSecond = 28
	}
	if l.BulkPerSecond <= 0 || l.BulkPerSecond > l.PerSecond {
		l.BulkPerSecond = min(22, l.PerSecond)
	}
	if l.ChatGap <= 0 {
		l.ChatGap = 1100 * time.Millisecond
	}
	if l.ChatBurst <= 0 {
		l.ChatBurst = 4
	}
	if l.GroupPerMinute <= 0 {
		l.GroupPerMinute = 19
	}
	return l
}

// limiter keeps SendLimits with GCRA counters in Redis, shared by every replica of the bot,
// taking all of a message's counters in one round trip.
type limiter struct {
	rdb    redis.UniversalClient
	prefix string
	lim    SendLimits
	// waited, when set, is told how long each message waited for its place.
	waited func(bulk bool, d time.Duration)
}

func newLimiter(rdb redis.UniversalClient, prefix string, botID int64, lim SendLimits) *limiter {
	return &limiter{rdb: rdb, prefix: prefix + "{tg:" + strconv.FormatInt(botID, 10) + "}:", lim: lim.withDefaults()}
}

// reserve takes a place for one message to chat, waiting while it may wait no longer than
// patience; it returns how much longer the message would have to wait when that is more
// (0 when it may go now). A reply may use the chat's burst; a bulk message (a notification)
// keeps the chat's gap strictly and also keeps within BulkPerSecond. An edit of the message
// whose button the person just pressed (inPlace) counts only in its chat: Telegram's limit
// for all chats is on messages sent in bulk, while the message in question of a press is
// limited per chat.
//
// A reply takes its place as far ahead as it may wait, so that when the limits are busy the
// replies go in the order they asked, and before any notification, which takes its place
// only sendlimit.Horizon ahead.
func (l *limiter) reserve(ctx context.Context, chat int64, bulk, inPlace bool, patience time.Duration) (time.Duration, error) {
	start := time.Now()
	ahead := patience
	if bulk {
		ahead = sendlimit.Horizon
	}
	wait, err := sendlimit.Take(ctx, l.rdb, l.counters(chat, bulk, inPlace), patience, ahead)
	if err == nil && wait == 0 && l.waited != nil {
		l.waited(bulk, time.Since(start))
	}
	return wait, err
}

// counters are the counters a message to chat falls under (see reserve).
func (l *limiter) counters(chat int64, bulk, inPlace bool) []sendlimit.Counter {
	var counters []sendlimit.Counter
	if bulk || !inPlace {
		// The even pace: PerSecond is kept under Telegram's 30 by a margin that absorbs the
		// jitter of the way there. An answer may run one message ahead of it, so that a step
		// that takes a prompt's buttons off and sends the next prompt sends both at once; in
		// any second that is one message more than PerSecond at most, still under 30.
		all := sendlimit.Counter{Key: l.prefix + "all", Interval: time.Second / time.Duration(l.lim.PerSecond)}
		if !bulk {
			all.Burst = all.Interval
		}
		counters = append(counters, all)
	}
	if bulk {
		counters = append(counters, sendlimit.Counter{Key: l.prefix + "bulk", Interval: time.Second / time.Duration(l.lim.BulkPerSecond)})
	}
	if chat < 0 {
		counters = append(counters, sendlimit.Counter{Key: l.prefix + "group:" + strconv.FormatInt(chat, 10),
			Interval: time.Minute / time.Duration(l.lim.GroupPerMinute)})
	} else {
		var burst time.Duration
		if !bulk {
			burst = time.Duration(l.lim.ChatBurst-1) * l.lim.ChatGap
		}
		counters = append(counters, sendlimit.Counter{Key: l.prefix + "chat:" + strconv.FormatInt(chat, 10), Interval: l.lim.ChatGap, Burst: burst})
	}
	return counters
}

// placed are the places of an update's replies taken ahead, in the round trip that committed
// the update: each message to chat of the kind (inPlace) a place was taken for uses the first
// such place not used yet instead of taking one.
type placed struct {
	chat   int64
	at     time.Time // when they were taken
	places []*place
}

type place struct {
	inPlace bool
	wait    time.Duration // how long after they were taken the place comes
	used    atomic.Bool
}

type placedKey struct{}

// reserveAhead is the most replies of one update whose places are taken with its commit: an
// answer is a message or two, and a chat's burst is a few.
const reserveAhead = 3

// Reserve takes, in the pipeline that commits an update, the places of its replies to chat
// that the limits count, the first few of them (dialog.Pacer): a step that clears a prompt's
// buttons and sends the next prompt spends no round trip of its own on the second.
func (s *Sender) Reserve(ctx context.Context, pipe redis.Pipeliner, chat int64, outs []dialog.Output) func(context.Context) context.Context {
	if s.lim == nil {
		return nil
	}
	var kinds []bool // inPlace of each reply whose place is taken
	for _, out := range outs {
		if out.ChatID != chat {
			continue
		}
		if limited, inPlace := firstPlace(out); limited {
			if kinds = append(kinds, inPlace); len(kinds) == reserveAhead {
				break
			}
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	got := make([]func() (time.Duration, bool), len(kinds))
	for i, inPlace := range kinds {
		got[i] = sendlimit.Queue(ctx, pipe, s.lim.counters(chat, false, inPlace), replyPatience)
	}
	return func(ctx context.Context) context.Context {
		p := &placed{chat: chat, at: time.Now()}
		for i, g := range got {
			// A place further off than a reply waits was not taken: its reply finds out
			// when it goes.
			if wait, ok := g(); ok {
				p.places = append(p.places, &place{inPlace: kinds[i], wait: wait})
			}
		}
		if len(p.places) == 0 {
			return ctx
		}
		return context.WithValue(ctx, placedKey{}, p)
	}
}

// usePlaced uses a place taken ahead for a message to chat of the kind inPlace, if ctx
// carries one not used yet, waiting until it comes; it tells whether it did.
func (l *limiter) usePlaced(ctx context.Context, chat int64, inPlace bool) (bool, error) {
	p, _ := ctx.Value(placedKey{}).(*placed)
	if p == nil || p.chat != chat {
		return false, nil
	}
	for _, pl := range p.places {
		if pl.inPlace != inPlace || !pl.used.CompareAndSwap(false, true) {
			continue
		}
		if l.waited != nil {
			l.waited(false, pl.wait)
		}
		return true, sleep(ctx, time.Until(p.at.Add(pl.wait)))
	}
	return false, nil
}

// limitCallTimeout bounds one round trip to the shared counters.
const limitCallTimeout = sendlimit.CallTimeout

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
