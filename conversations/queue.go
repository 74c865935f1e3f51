package conversations

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Each chat has, in Redis, an inbox of updates waiting (a sorted set by update_id, with the
// inputs in a hash), a lock with a token and an expiry, the update_ids already applied (a
// sorted set by time, trimmed to a day), and a session per user. All of a chat's keys share
// one hash tag, so they live on one Cluster slot and one script can touch them all.
//
// An update is applied in two round trips. The begin script drops an update already applied,
// puts it in the inbox and, if the chat's lock is free, takes it and returns the lowest
// update waiting with its user's session. The commit script stores the new session, marks
// the update applied, takes it out of the inbox and either hands over the next update
// waiting (keeping the lock) or frees the lock. Whoever holds the lock drains the inbox in
// update_id order; an update that finds the lock taken is left to the holder. So one chat's
// updates never run at once, on any number of processes, and none is applied twice.

const headLua = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function head(lock, inbox, data, base, window, now)
  local first = redis.call('ZRANGE', inbox, 0, 0)
  if #first == 0 then
    redis.call('DEL', lock)
    return {'done'}
  end
  local id = first[1]
  local at = tonumber(redis.call('HGET', data, 'a:' .. id) or '0')
  if window > 0 and now - at < window then
    return {'wait', tostring(window - (now - at))}
  end
  local user = redis.call('HGET', data, 'u:' .. id) or '0'
  local payload = redis.call('HGET', data, id) or ''
  return {'go', id, payload, redis.call('GET', base .. 's:' .. user), redis.call('GET', base .. 'm:' .. user),
    redis.call('GET', base .. 'l:' .. user)}
end
`

// KEYS: lock, inbox, data, seen. ARGV: token, lock ttl ms, update id, input, user, base,
// reorder window ms.
var beginScript = redis.NewScript(headLua + `
local id = ARGV[3]
if redis.call('ZSCORE', KEYS[4], id) then return {'dup'} end
local now = now_ms()
if redis.call('ZADD', KEYS[2], 'NX', id, id) == 1 then
  redis.call('HSET', KEYS[3], id, ARGV[4], 'a:' .. id, now, 'u:' .. id, ARGV[5])
end
redis.call('PEXPIRE', KEYS[2], 86400000)
redis.call('PEXPIRE', KEYS[3], 86400000)
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'queued'} end
return head(KEYS[1], KEYS[2], KEYS[3], ARGV[6], tonumber(ARGV[7]), now)
`)

// KEYS: lock, inbox, data. ARGV: token, lock ttl ms, base, reorder window ms.
var nextScript = redis.NewScript(headLua + `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return head(KEYS[1], KEYS[2], KEYS[3], ARGV[3], tonumber(ARGV[4]), now_ms())
`)

// KEYS: lock, inbox, data, seen. ARGV: token, lock ttl ms, update id, base, reorder window
// ms, user, session mode (set|del|keep), session, session ttl ms, marker mode, marker,
// marker ttl ms, seen ttl ms, language ("" keeps it).
var commitScript = redis.NewScript(headLua + `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
local now = now_ms()
local sk = ARGV[4] .. 's:' .. ARGV[6]
local mk = ARGV[4] .. 'm:' .. ARGV[6]
if ARGV[7] == 'set' then redis.call('SET', sk, ARGV[8], 'PX', ARGV[9]) elseif ARGV[7] == 'del' then redis.call('DEL', sk) end
if ARGV[10] == 'set' then redis.call('SET', mk, ARGV[11], 'PX', ARGV[12]) elseif ARGV[10] == 'del' then redis.call('DEL', mk) end
if ARGV[14] ~= '' then redis.call('SET', ARGV[4] .. 'l:' .. ARGV[6], ARGV[14]) end
local id = ARGV[3]
redis.call('ZADD', KEYS[4], now, id)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[13]))
redis.call('PEXPIRE', KEYS[4], ARGV[13])
redis.call('ZREM', KEYS[2], id)
redis.call('HDEL', KEYS[3], id, 'a:' .. id, 'u:' .. id)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return head(KEYS[1], KEYS[2], KEYS[3], ARGV[4], tonumber(ARGV[5]), now)
`)

type chatKeys struct {
	base, lock, inbox, data, seen string
}

func (e *Engine) keys(chatID int64) chatKeys {
	base := e.prefix + "{" + strconv.FormatInt(e.botID, 10) + ":" + strconv.FormatInt(chatID, 10) + "}:"
	return chatKeys{base: base, lock: base + "lock", inbox: base + "inbox", data: base + "in", seen: base + "seen"}
}

// step is one reply of the scripts.
type step struct {
	kind    string // dup, queued, done, lost, wait, go
	wait    time.Duration
	id      string
	payload string
	state   []byte
	marker  string
	lang    string // the language the person chose with /lang, if any
}

func parseStep(v any) (step, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return step{}, fmt.Errorf("unexpected script reply %v", v)
	}
	s := step{kind: fmt.Sprint(arr[0])}
	switch s.kind {
	case "wait":
		ms, _ := strconv.Atoi(fmt.Sprint(arr[1]))
		s.wait = time.Duration(ms) * time.Millisecond
	case "go":
		if len(arr) < 3 {
			return step{}, fmt.Errorf("short script reply %v", arr)
		}
		s.id, s.payload = fmt.Sprint(arr[1]), fmt.Sprint(arr[2])
		if len(arr) > 3 && arr[3] != nil {
			s.state = []byte(fmt.Sprint(arr[3]))
		}
		if len(arr) > 4 && arr[4] != nil {
			s.marker = fmt.Sprint(arr[4])
		}
		if len(arr) > 5 && arr[5] != nil {
			s.lang = fmt.Sprint(arr[5])
		}
	}
	return s, nil
}

// effect is what applying one update changes in Redis.
type effect struct {
	stateMode  string // set, del, keep
	state      []byte
	markerMode string
	marker     string
	lang       string // set: the person chose this language
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (e *Engine) begin(ctx context.Context, k chatKeys, token string, in Input, payload []byte) (step, error) {
	v, err := beginScript.Run(ctx, e.rdb, []string{k.lock, k.inbox, k.data, k.seen},
		token, e.lockTTL.Milliseconds(), in.UpdateID, payload, in.UserID, k.base, e.reorder.Milliseconds()).Result()
	if err != nil {
		return step{}, err
	}
	return parseStep(v)
}

func (e *Engine) next(ctx context.Context, k chatKeys, token string) (step, error) {
	v, err := nextScript.Run(ctx, e.rdb, []string{k.lock, k.inbox, k.data},
		token, e.lockTTL.Milliseconds(), k.base, e.reorder.Milliseconds()).Result()
	if err != nil {
		return step{}, err
	}
	return parseStep(v)
}

func (e *Engine) commit(ctx context.Context, k chatKeys, token, id string, user int64, ef effect) (step, error) {
	v, err := commitScript.Run(ctx, e.rdb, []string{k.lock, k.inbox, k.data, k.seen},
		token, e.lockTTL.Milliseconds(), id, k.base, e.reorder.Milliseconds(), user,
		ef.stateMode, ef.state, e.stateTTL.Milliseconds(), ef.markerMode, ef.marker, markerTTL.Milliseconds(),
		e.seenTTL.Milliseconds(), ef.lang).Result()
	if err != nil {
		return step{}, err
	}
	return parseStep(v)
}
