package bot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
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

// takeScript keeps several GCRA counters at once: a message goes only when every counter it
// falls under allows it, and then it is counted in all of them. Each counter holds its
// theoretical arrival time in microseconds of Redis' clock; ARGV gives a horizon, then for
// each key its emission interval and how far ahead of it a burst may run, in microseconds.
// When the message may go within the horizon, its place is taken and the script returns how
// long to wait for it (0: now); when later, nothing is taken and it returns minus the wait.
// Taking a place a little ahead spares many senders the round trips of asking again; the
// horizon is short, so that a reply never queues behind notifications for longer. The keys
// share one hash tag, so that on a Cluster they live on one slot.
var takeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local horizon = tonumber(ARGV[1])
local wait = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local tolerance = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local at = tat - tolerance
  if at > now and at - now > wait then wait = at - now end
  tats[i] = tat
end
if wait > horizon then return -wait end
for i, key in ipairs(KEYS) do
  local tat = tats[i]
  if tat < now + wait then tat = now + wait end
  tat = tat + tonumber(ARGV[2 * i])
  redis.call('SET', key, string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
end
return wait
`)

// takeHorizon is how far ahead a message may take its place under the limits.
const takeHorizon = 50 * time.Millisecond

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
func (l *limiter) reserve(ctx context.Context, chat int64, bulk, inPlace bool, patience time.Duration) (time.Duration, error) {
	us := func(d time.Duration) int64 { return d.Microseconds() }
	var keys []string
	args := []any{us(takeHorizon)}
	if bulk || !inPlace {
		// The even pace, with no burst: PerSecond is kept under Telegram's 30 by a margin
		// that absorbs the jitter of the way there, which a burst would use up.
		keys = append(keys, l.prefix+"all")
		args = append(args, us(time.Second)/int64(l.lim.PerSecond), 0)
	}
	if bulk {
		keys = append(keys, l.prefix+"bulk")
		args = append(args, us(time.Second)/int64(l.lim.BulkPerSecond), 0)
	}
	if chat < 0 {
		keys = append(keys, l.prefix+"group:"+strconv.FormatInt(chat, 10))
		args = append(args, us(time.Minute)/int64(l.lim.GroupPerMinute), 0)
	} else {
		burst := int64(0)
		if !bulk {
			burst = int64(l.lim.ChatBurst-1) * us(l.lim.ChatGap)
		}
		keys = append(keys, l.prefix+"chat:"+strconv.FormatInt(chat, 10))
		args = append(args, us(l.lim.ChatGap), burst)
	}
	start := time.Now()
	for {
		// Each round trip is bounded on its own: a stalled Redis must not hold a reply for the
		// whole of its patience.
		actx, cancel := context.WithTimeout(ctx, limitCallTimeout)
		got, err := takeScript.Run(actx, l.rdb, keys, args...).Int64()
		cancel()
		if err != nil {
			return 0, fmt.Errorf("send limit: %w", err)
		}
		if got >= 0 {
			// The place is taken: go when it comes.
			if err := sleep(ctx, time.Duration(got)*time.Microsecond); err != nil {
				return 0, err
			}
			if l.waited != nil {
				l.waited(bulk, time.Since(start))
			}
			return 0, nil
		}
		d := time.Duration(-got) * time.Microsecond
		if time.Since(start)+d > patience {
			return d, nil
		}
		if err := sleep(ctx, d-takeHorizon); err != nil {
			return 0, err
		}
	}
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
