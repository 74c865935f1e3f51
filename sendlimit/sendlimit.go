// Package sendlimit keeps a platform's limits on what a bot sends — so many messages a second
// in all, so many to one chat over time with a short burst — with GCRA counters in Redis,
// shared by every replica. Each platform names its own counters and numbers (Telegram's in
// bot/, WeCom's in wecom/); a message goes only when every counter it falls under allows it.
package sendlimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Counter is one limit a message falls under: at most one message every Interval over time,
// with a burst of Burst / Interval more at once.
type Counter struct {
	Key      string
	Interval time.Duration
	Burst    time.Duration
}

// takeScript keeps several GCRA counters at once: a message goes only when every counter it
// falls under allows it, and then it is counted in all of them. Each counter holds its
// theoretical arrival time in microseconds of Redis' clock; ARGV gives a horizon, then for
// each key its emission interval and how far ahead of it a burst may run, in microseconds.
// When the message may go within the horizon, its place is taken and the script returns how
// long to wait for it (0: now); when later, nothing is taken and it returns minus the wait.
// Taking a place ahead spares senders the round trips of asking again, and queues them in
// the order they asked; a sender that may take its place further ahead than another goes
// before it when the limits are busy (see Take). The keys should share one hash tag, so that
// on a Cluster they live on one slot.
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

// Horizon is how far ahead a message that can wait its turn (a notification) takes its place
// under the limits. It is short, so that a message taking places further ahead (a reply to a
// person's own action) never queues behind such messages for longer.
const Horizon = 50 * time.Millisecond

// CallTimeout bounds one round trip to the counters: a stalled Redis must not hold a reply
// for the whole of its patience.
const CallTimeout = time.Second

// Take takes a place for one message under all counters, waiting while it may wait no longer
// than patience; it returns how much longer the message would have to wait when that is more
// (0 when it went: its place is taken). A place up to ahead away is taken at once, and waited
// for; one further off is asked for again when it is nearer. Messages that take their places
// far ahead queue in the order they asked, ahead of those that take theirs closer: replies
// take theirs as far ahead as their patience, notifications Horizon ahead.
func Take(ctx context.Context, rdb redis.UniversalClient, counters []Counter, patience, ahead time.Duration) (time.Duration, error) {
	keys, args := takeArgs(counters, ahead)
	start := time.Now()
	for {
		actx, cancel := context.WithTimeout(ctx, CallTimeout)
		got, err := takeScript.Run(actx, rdb, keys, args...).Int64()
		cancel()
		if err != nil {
			return 0, fmt.Errorf("send limit: %w", err)
		}
		if got >= 0 {
			// The place is taken: go when it comes.
			return 0, sleep(ctx, time.Duration(got)*time.Microsecond)
		}
		d := time.Duration(-got) * time.Microsecond
		if time.Since(start)+d > patience {
			return d, nil
		}
		if err := sleep(ctx, d-ahead); err != nil {
			return 0, err
		}
	}
}

// Queue adds to pipe the taking of a place for one message under all counters, without
// waiting. The function it returns, called once the pipeline ran, tells how long after it
// ran the place comes, or false when none was taken (it is further off than ahead, or Redis
// did not run the script: the message takes its place with Take then).
func Queue(ctx context.Context, pipe redis.Pipeliner, counters []Counter, ahead time.Duration) func() (time.Duration, bool) {
	keys, args := takeArgs(counters, ahead)
	cmd := pipe.EvalSha(ctx, takeScript.Hash(), keys, args...)
	return func() (time.Duration, bool) {
		got, err := cmd.Int64()
		if err != nil || got < 0 {
			return 0, false
		}
		return time.Duration(got) * time.Microsecond, true
	}
}

func takeArgs(counters []Counter, ahead time.Duration) ([]string, []any) {
	us := func(d time.Duration) int64 { return d.Microseconds() }
	keys := make([]string, len(counters))
	args := []any{us(ahead)}
	for i, c := range counters {
		keys[i] = c.Key
		args = append(args, us(c.Interval), us(c.Burst))
	}
	return keys, args
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
