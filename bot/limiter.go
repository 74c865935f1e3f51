package bot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// SendLimits are Telegram's limits on what a bot sends (about 30 messages a second in all, one
// a second to a chat, 20 a minute to a group), kept a little under, across every replica.
// The zero value of each field takes its default.
type SendLimits struct {
	// PerSecond is every message the bot sends, replies and notifications. Default 28.
	PerSecond int
	// BulkPerSecond is what notifications and reminders may use of it, so that replies to a
	// person's own action are never stuck behind a burst. Default 22.
	BulkPerSecond int
	// ChatGap is the least time between two messages to one private chat. Default 1.1 s.
	ChatGap time.Duration
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
	if l.GroupPerMinute <= 0 {
		l.GroupPerMinute = 19
	}
	return l
}

// limiter keeps SendLimits with GCRA counters in Redis (go-redis/redis_rate), shared by
// every replica of the bot. Each counter allows one message at a time, evenly spaced.
type limiter struct {
	rl     *redis_rate.Limiter
	prefix string
	lim    SendLimits
}

func newLimiter(rdb redis.UniversalClient, prefix string, botID int64, lim SendLimits) *limiter {
	return &limiter{rl: redis_rate.NewLimiter(rdb), prefix: prefix + "tg:" + strconv.FormatInt(botID, 10) + ":", lim: lim.withDefaults()}
}

// even is a limit of n per period, one at a time.
func even(n int, period time.Duration) redis_rate.Limit {
	return redis_rate.Limit{Rate: n, Burst: 1, Period: period}
}

// reserve takes a place for one message to chat, waiting while it may wait no longer than
// patience; it returns how much longer the message would have to wait when that is more
// (0 when it may go now). Bulk messages also keep within BulkPerSecond.
func (l *limiter) reserve(ctx context.Context, chat int64, bulk bool, patience time.Duration) (time.Duration, error) {
	type counter struct {
		key string
		lim redis_rate.Limit
	}
	cs := []counter{{"all", even(l.lim.PerSecond, time.Second)}}
	if bulk {
		cs = append(cs, counter{"bulk", even(l.lim.BulkPerSecond, time.Second)})
	}
	if chat < 0 {
		cs = append(cs, counter{"group:" + strconv.FormatInt(chat, 10), even(l.lim.GroupPerMinute, time.Minute)})
	} else {
		cs = append(cs, counter{"chat:" + strconv.FormatInt(chat, 10), redis_rate.Limit{Rate: 1, Burst: 1, Period: l.lim.ChatGap}})
	}
	// The shared counters first, the chat's last, right before the message goes: its gap is
	// what Telegram checks most strictly. A chat that must wait longer than patience returns
	// the wait, for a notification to be put off rather than hold a worker.
	for i, c := range cs {
		for {
			// Each round trip is bounded on its own: a stalled Redis must not hold a reply
			// for the whole of its patience.
			actx, cancel := context.WithTimeout(ctx, limitCallTimeout)
			res, err := l.rl.Allow(actx, l.prefix+c.key, c.lim)
			cancel()
			if err != nil {
				return 0, fmt.Errorf("send limit: %w", err)
			}
			if res.Allowed > 0 {
				break
			}
			if i == len(cs)-1 && res.RetryAfter > patience {
				return res.RetryAfter, nil
			}
			if err := sleep(ctx, res.RetryAfter); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}

// limitCallTimeout bounds one round trip to the shared send counters.
const limitCallTimeout = time.Second

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
