package dialog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Each chat has, in Redis, an inbox of updates waiting (a sorted set by update_id, with the
// inputs in a hash), a lock with a token and a short lease that its holder renews, the
// update_ids already applied (a sorted set by time, trimmed to a day), the replies of applied
// updates not yet confirmed delivered, and a session per user, with the message its dialog's
// latest prompt went out as beside it. All of a chat's keys share one hash tag, so they live
// on one Cluster slot and one script can touch them all.
//
// An update is applied in two round trips, and its replies confirmed in a third. The begin
// script drops an update already applied, puts it in the inbox and, if the chat's lock is
// free, takes it and returns the lowest update waiting with its user's session. The commit
// script stores the new session and the update's replies, marks the update applied, takes it
// out of the inbox and either hands over the next update waiting (keeping the lock) or frees
// the lock. Once the replies are sent, the delivered script forgets them and remembers the
// message the latest prompt among them went out as (only the platform knows it, once it was
// sent), which the next update reads with the session. So one chat's updates never run at
// once, on any number of processes, none is applied twice, and the replies of an update
// applied by a process that died before sending them are sent when the update is delivered
// again.
//
// Whoever holds the lock drains the inbox in update_id order. An update that finds the lock
// taken waits until the holder has applied it, or until the holder's lease ran out (it died,
// or stalled), and then takes the chat over.
//
// The begin script carries a deadline in Redis' own time: when it runs after the deadline
// (Redis stalled, and the caller has already told the person to try again) it does nothing,
// so nothing a person was told failed is applied later.

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
  local f = redis.call('HMGET', data, 'a:' .. id, 'u:' .. id, id)
  local at = tonumber(f[1] or '0')
  local user = f[2] or '0'
  local v = redis.call('MGET', base .. 's:' .. user, base .. 'm:' .. user, base .. 'l:' .. user, base .. 'p:' .. user)
  if window > 0 and now - at < window then
    return {'wait', tostring(window - (now - at)), user, id, f[3] or '', v[1], v[2], v[3], v[4]}
  end
  return {'go', id, f[3] or '', v[1], v[2], v[3], v[4]}
end
-- pending: the replies of an applied update that were not confirmed delivered. The caller
-- claims them for a lease unless another caller holds a live claim.
local function pending(out, id, token, lease, now)
  local o = redis.call('HGET', out, 'o:' .. id)
  if not o then return {'dup'} end
  local claim = redis.call('HGET', out, 'c:' .. id)
  if claim then
    local holder, untl = string.match(claim, '^(.-)|(%d+)$')
    if holder ~= token and tonumber(untl) > now then return {'busy'} end
  end
  redis.call('HSET', out, 'c:' .. id, token .. '|' .. tostring(now + lease))
  return {'redo', o, id}
end
`

// floodLua counts an update of a sender in a chat under a flood limit: a GCRA counter with
// the limit's interval in µs and burst (an interval of 0 counts nothing). Beyond it the
// update is not counted, and the reply says whether the sender is to be told so: the first
// time in noticeMs.
const floodLua = `
local function over_flood(counter, told, interval, burst, noticeMs)
  if interval <= 0 then return nil end
  local t = redis.call('TIME')
  local us = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local tat = tonumber(redis.call('GET', counter) or '0')
  if tat < us then tat = us end
  local nxt = tat + interval
  if nxt - burst * interval > us then
    if redis.call('SET', told, '1', 'NX', 'PX', noticeMs) then return {'flood', '1'} end
    return {'flood', '0'}
  end
  redis.call('SET', counter, string.format('%.0f', nxt), 'PX', math.floor((nxt - us) / 1000) + 1000)
  return nil
end
`

// KEYS: the sender's flood counter and notice mark in the chat. ARGV: the flood limit's
// interval in µs, its burst, how long a notice is remembered in ms.
var floodScript = redis.NewScript(floodLua + `
local flood = over_flood(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
if flood then return flood end
return {'ok', 'taken'}
`)

// KEYS: lock, inbox, data, seen, out, the sender's flood counter, the sender's flood notice
// mark. ARGV: token, lease ms, update id, input, user, base, reorder window ms, deadline
// (Redis time, ms; 0 for none), the flood limit's interval in µs (0: no limit), its burst,
// how long a flood notice is remembered in ms.
//
// The flood limit is a GCRA counter of what the sender sent this chat: an update beyond it
// is not taken, and the reply says whether the sender is to be told so (once a while).
var beginScript = redis.NewScript(headLua + floodLua + `
local now = now_ms()
local deadline = tonumber(ARGV[8])
if deadline > 0 and now > deadline then return {'late'} end
local id = ARGV[3]
if redis.call('ZSCORE', KEYS[4], id) then return pending(KEYS[5], id, ARGV[1], tonumber(ARGV[2]), now) end
if redis.call('HEXISTS', KEYS[3], 'x:' .. id) == 1 then return {'dup'} end
local flood = over_flood(KEYS[6], KEYS[7], tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11])
if flood then return flood end
if redis.call('ZADD', KEYS[2], 'NX', id, id) == 1 then
  redis.call('HSET', KEYS[3], id, ARGV[4], 'a:' .. id, now, 'u:' .. id, ARGV[5])
end
redis.call('PEXPIRE', KEYS[2], 86400000)
redis.call('PEXPIRE', KEYS[3], 86400000)
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'queued'} end
return head(KEYS[1], KEYS[2], KEYS[3], ARGV[6], tonumber(ARGV[7]), now)
`)

// KEYS: lock, inbox, data. ARGV: token, lease ms, base, reorder window ms.
var nextScript = redis.NewScript(headLua + `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return head(KEYS[1], KEYS[2], KEYS[3], ARGV[3], tonumber(ARGV[4]), now_ms())
`)

// KEYS: lock, out. ARGV: token, lease ms, update id whose outputs are being sent ("" for
// none).
//
// renew extends the holder's lease on the chat and its claim on the outputs it is sending, so
// that neither is taken over while it is slow rather than dead.
var renewScript = redis.NewScript(`
local held = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  held = 1
end
if ARGV[3] ~= '' then
  local claim = redis.call('HGET', KEYS[2], 'c:' .. ARGV[3])
  if claim and string.sub(claim, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('HSET', KEYS[2], 'c:' .. ARGV[3], ARGV[1] .. '|' .. tostring(now + tonumber(ARGV[2])))
  end
end
return held
`)

// KEYS: lock, inbox, data, seen, out. ARGV: token, lease ms, update id, base, reorder window
// ms, user, session mode (set|del|keep), session, session ttl ms, marker mode, marker, marker
// ttl ms, seen ttl ms, language ("" keeps it), language ttl ms, replies.
//
// A commit that finds its lock gone may have gone through already, in an attempt whose
// answer was lost: the update is then applied, and its replies are the committer's to send
// if its claim on them stands. An update given up by the process that took it (the person
// was told to try again) is marked applied without its effects. The prompt remembered beside
// the session lives as long as the session, and goes with it.
var commitScript = redis.NewScript(headLua + `
local now = now_ms()
local id = ARGV[3]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  if redis.call('ZSCORE', KEYS[4], id) then return pending(KEYS[5], id, ARGV[1], tonumber(ARGV[2]), now) end
  return {'lost'}
end
local given_up = redis.call('HEXISTS', KEYS[3], 'x:' .. id) == 1
if not given_up then
  local sk = ARGV[4] .. 's:' .. ARGV[6]
  local mk = ARGV[4] .. 'm:' .. ARGV[6]
  local lk = ARGV[4] .. 'l:' .. ARGV[6]
  local pk = ARGV[4] .. 'p:' .. ARGV[6]
  if ARGV[7] == 'set' then
    redis.call('SET', sk, ARGV[8], 'PX', ARGV[9])
    redis.call('PEXPIRE', pk, ARGV[9])
  elseif ARGV[7] == 'del' then
    redis.call('DEL', sk, pk)
  end
  if ARGV[10] == 'set' then redis.call('SET', mk, ARGV[11], 'PX', ARGV[12]) elseif ARGV[10] == 'del' then redis.call('DEL', mk) end
  if ARGV[14] ~= '' then
    redis.call('SET', lk, ARGV[14], 'PX', ARGV[15])
  elseif redis.call('GET', lk) ~= '-' then
    redis.call('PEXPIRE', lk, ARGV[15])
  end
  if ARGV[16] ~= '' then
    redis.call('HSET', KEYS[5], 'o:' .. id, ARGV[16], 'c:' .. id, ARGV[1] .. '|' .. tostring(now + tonumber(ARGV[2])), 'u:' .. id, ARGV[6])
    redis.call('PEXPIRE', KEYS[5], ARGV[13])
  end
end
redis.call('ZADD', KEYS[4], now, id)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[13]))
redis.call('PEXPIRE', KEYS[4], ARGV[13])
redis.call('ZREM', KEYS[2], id)
redis.call('HDEL', KEYS[3], id, 'a:' .. id, 'u:' .. id)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local h = head(KEYS[1], KEYS[2], KEYS[3], ARGV[4], tonumber(ARGV[5]), now)
if given_up then table.insert(h, 1, 'given-up') else table.insert(h, 1, 'ok') end
return h
`)

// KEYS: out. ARGV: update id, token, replies left ("" when all were sent), base, the latest
// prompt sent ("instance|message id"; "-" when it went out as no known message; "" when none
// went out), session ttl ms.
//
// delivered forgets the replies sent and remembers, beside the session of the update's user,
// the message the latest prompt among them went out as.
var deliveredScript = redis.NewScript(`
local claim = redis.call('HGET', KEYS[1], 'c:' .. ARGV[1])
if not claim or string.sub(claim, 1, #ARGV[2] + 1) ~= ARGV[2] .. '|' then return 0 end
if ARGV[5] ~= '' then
  local user = redis.call('HGET', KEYS[1], 'u:' .. ARGV[1])
  if user then
    local pk = ARGV[4] .. 'p:' .. user
    if ARGV[5] == '-' then redis.call('DEL', pk) else redis.call('SET', pk, ARGV[5], 'PX', ARGV[6]) end
  end
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], 'o:' .. ARGV[1], 'c:' .. ARGV[1], 'u:' .. ARGV[1])
else
  redis.call('HSET', KEYS[1], 'o:' .. ARGV[1], ARGV[3])
  redis.call('HDEL', KEYS[1], 'c:' .. ARGV[1])
end
return 1
`)

// KEYS: lock, inbox, data, out. ARGV: token, lease ms, base, reorder window ms.
//
// resume looks after a chat whose updates may have been left unfinished (a process died, or
// Redis stopped answering): outputs not confirmed sent whose claim ran out are claimed, one at
// a time; otherwise, updates waiting with no one holding the chat are taken in order.
var resumeScript = redis.NewScript(headLua + `
local now = now_ms()
local busy = false
for _, f in ipairs(redis.call('HKEYS', KEYS[4])) do
  if string.sub(f, 1, 2) == 'o:' then
    local r = pending(KEYS[4], string.sub(f, 3), ARGV[1], tonumber(ARGV[2]), now)
    if r[1] == 'redo' then return r end
    busy = true
  end
end
if busy then return {'busy'} end
if redis.call('ZCARD', KEYS[2]) == 0 then return {'idle'} end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'busy'} end
return head(KEYS[1], KEYS[2], KEYS[3], ARGV[3], tonumber(ARGV[4]), now)
`)

// KEYS: pending. ARGV: chat, score.
//
// settled takes a chat off the pending list, unless an update arrived since (its score moved).
var settledScript = redis.NewScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1
`)

// KEYS: lock, inbox, data, seen. ARGV: token, update id.
//
// giveUp withdraws an update whose begin may or may not have run (its answer was lost): the
// person was told to try again, so it must not be applied later. An update already applied
// stays applied.
var giveUpScript = redis.NewScript(`
if redis.call('ZSCORE', KEYS[4], ARGV[2]) then return 'applied' end
redis.call('HSET', KEYS[3], 'x:' .. ARGV[2], '1')
redis.call('PEXPIRE', KEYS[3], 86400000)
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2], 'a:' .. ARGV[2], 'u:' .. ARGV[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 'withdrawn'
`)

// pendingKey lists the chats whose updates are being applied, by when the latest arrived, so
// that those left unfinished are found and resumed.
func (e *Engine) pendingKey() string {
	return e.prefix + "{" + strconv.FormatInt(e.botID, 10) + "}:pending"
}

type chatKeys struct {
	chat                               int64
	base, lock, inbox, data, seen, out string
}

func (e *Engine) keys(chatID int64) chatKeys {
	base := e.prefix + "{" + strconv.FormatInt(e.botID, 10) + ":" + strconv.FormatInt(chatID, 10) + "}:"
	return chatKeys{chat: chatID, base: base, lock: base + "lock", inbox: base + "inbox", data: base + "in", seen: base + "seen", out: base + "out"}
}

// step is one reply of the scripts.
type step struct {
	// kind is what the script found: dup (applied, replies sent), busy (applied, replies being
	// sent by another; or, resuming, the chat is held), redo (applied, replies not confirmed
	// sent: payload holds them, now claimed by the caller), queued, late, done, lost, wait,
	// go, idle (resuming: nothing left).
	kind    string
	givenUp bool // commit: the update committed had been given up
	tell    bool // flood: the sender is to be told to slow down
	wait    time.Duration
	id      string
	payload string
	state   []byte
	marker  string
	lang    string // the language the person chose with /lang, "-" for none, "" unknown
	// asked is the message the open dialog's latest prompt went out as: "instance|message id",
	// "" unknown.
	asked string
	user  string // wait: the user of the update at the head
}

func parseStep(v any) (step, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return step{}, fmt.Errorf("unexpected script reply %v", v)
	}
	var s step
	switch fmt.Sprint(arr[0]) {
	case "ok":
		arr = arr[1:]
	case "given-up":
		s.givenUp = true
		arr = arr[1:]
	}
	if len(arr) == 0 {
		return step{}, fmt.Errorf("short script reply %v", v)
	}
	s.kind = fmt.Sprint(arr[0])
	switch s.kind {
	case "flood":
		s.tell = len(arr) > 1 && fmt.Sprint(arr[1]) == "1"
	case "wait":
		// The update at the head waits out the reorder window; what it would be applied to
		// comes with it, for when it is still the head once the window has passed.
		if len(arr) < 5 {
			return step{}, fmt.Errorf("short script reply %v", arr)
		}
		ms, _ := strconv.Atoi(fmt.Sprint(arr[1]))
		s.wait = time.Duration(ms) * time.Millisecond
		s.user = fmt.Sprint(arr[2])
		s.head(arr[3:])
	case "redo":
		if len(arr) < 3 {
			return step{}, fmt.Errorf("short script reply %v", arr)
		}
		s.payload, s.id = fmt.Sprint(arr[1]), fmt.Sprint(arr[2])
	case "go":
		if len(arr) < 3 {
			return step{}, fmt.Errorf("short script reply %v", arr)
		}
		s.head(arr[1:])
	}
	return s, nil
}

// head reads the update at the head of the inbox, and what it is applied to, from a script's
// reply: its id, its input, its user's session, the session's marker, the language chosen and
// the message the latest prompt went out as.
func (s *step) head(arr []any) {
	s.id, s.payload = fmt.Sprint(arr[0]), fmt.Sprint(arr[1])
	if len(arr) > 2 && arr[2] != nil {
		s.state = []byte(fmt.Sprint(arr[2]))
	}
	if len(arr) > 3 && arr[3] != nil {
		s.marker = fmt.Sprint(arr[3])
	}
	if len(arr) > 4 && arr[4] != nil {
		s.lang = fmt.Sprint(arr[4])
	}
	if len(arr) > 5 && arr[5] != nil {
		s.asked = fmt.Sprint(arr[5])
	}
}

// effect is what applying one update changes in Redis.
type effect struct {
	stateMode  string // set, del, keep
	state      []byte
	markerMode string
	marker     string
	lang       string // set: the person chose this language, or "-" for none known
	replies    []byte // the update's outputs, kept until they are confirmed sent
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// call runs one script with the engine's per-call timeout, so that a stalled Redis is
// noticed in seconds rather than after the client's retries.
func (e *Engine) call(ctx context.Context, s *redis.Script, keys []string, args ...any) (step, error) {
	ctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	v, err := s.Run(ctx, e.rdb, keys, args...).Result()
	if err != nil {
		return step{}, err
	}
	return parseStep(v)
}

// begin offers an update to its chat. With a deadline it does nothing once Redis' clock has
// passed it.
func (e *Engine) begin(ctx context.Context, k chatKeys, token string, in Input, payload []byte, deadline time.Time, flood FloodLimit) (step, error) {
	return e.call(ctx, beginScript, e.beginKeys(k, in), e.beginArgs(k, token, in, payload, deadline, flood)...)
}

func (e *Engine) beginKeys(k chatKeys, in Input) []string {
	counter, told := floodKeys(k, in.UserID)
	return []string{k.lock, k.inbox, k.data, k.seen, k.out, counter, told}
}

func floodKeys(k chatKeys, user int64) (counter, told string) {
	u := strconv.FormatInt(user, 10)
	return k.base + "flood:" + u, k.base + "told:" + u
}

func floodArgs(flood FloodLimit) []any {
	var interval int64
	if flood.PerSecond > 0 && flood.Burst > 0 {
		interval = (time.Second / time.Duration(flood.PerSecond)).Microseconds()
	}
	return []any{interval, flood.Burst, floodNoticeEvery.Milliseconds()}
}

// CountFlood counts an update of user in chat under flood, as ProcessWithin does in the round
// trip that takes it, and returns a *FloodError when it is beyond the limit. For an update
// about to wait behind others of its chat, so that a flood is dropped before it waits; the
// update is then processed with no limit, being counted already.
func (e *Engine) CountFlood(ctx context.Context, chat, user int64, flood FloodLimit) error {
	counter, told := floodKeys(e.keys(chat), user)
	s, err := e.call(ctx, floodScript, []string{counter, told}, floodArgs(flood)...)
	if err != nil {
		return fmt.Errorf("count update of user %d in chat %d: %w", user, chat, err)
	}
	if s.kind == "flood" {
		return &FloodError{Tell: s.tell}
	}
	return nil
}

// beginArgs are the begin script's arguments; a zero flood limit counts nothing, as when an
// update already counted is offered again.
func (e *Engine) beginArgs(k chatKeys, token string, in Input, payload []byte, deadline time.Time, flood FloodLimit) []any {
	var ms int64
	if !deadline.IsZero() {
		ms = deadline.UnixMilli()
	}
	return append([]any{token, e.lockTTL.Milliseconds(), in.UpdateID, payload, in.UserID, k.base, e.reorder.Milliseconds(), ms},
		floodArgs(flood)...)
}

// waited goes on from a head that waited out the reorder window. When it is still the head
// and the chat is still held, it is applied to the session the script handed over with it,
// which only the holder changes, and to the latest prompt read afresh (the delivery of the
// update before may have sent it meanwhile). Otherwise (an earlier update arrived meanwhile,
// or the hold was lost) the scripts say what is next. The check is plain reads, not a script.
func (e *Engine) waited(ctx context.Context, k chatKeys, token string, s step) (step, error) {
	if s.id == "" || s.user == "" {
		return e.next(ctx, k, token)
	}
	cctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	pipe := e.rdb.Pipeline()
	first := pipe.ZRange(cctx, k.inbox, 0, 0)
	lock := pipe.Get(cctx, k.lock)
	asked := pipe.Get(cctx, k.base+"p:"+s.user)
	_, err := pipe.Exec(cctx)
	cancel()
	if (err == nil || errors.Is(err, redis.Nil)) && slices.Equal(first.Val(), []string{s.id}) && lock.Err() == nil && lock.Val() == token &&
		(asked.Err() == nil || errors.Is(asked.Err(), redis.Nil)) {
		s.kind, s.wait, s.asked = "go", 0, asked.Val()
		return s, nil
	}
	return e.next(ctx, k, token)
}

func (e *Engine) next(ctx context.Context, k chatKeys, token string) (step, error) {
	return e.call(ctx, nextScript, []string{k.lock, k.inbox, k.data},
		token, e.lockTTL.Milliseconds(), k.base, e.reorder.Milliseconds())
}

func (e *Engine) commit(ctx context.Context, k chatKeys, token, id string, user int64, ef effect) (step, error) {
	return e.call(ctx, commitScript, e.commitKeys(k), e.commitArgs(k, token, id, user, ef)...)
}

func (e *Engine) commitKeys(k chatKeys) []string {
	return []string{k.lock, k.inbox, k.data, k.seen, k.out}
}

func (e *Engine) commitArgs(k chatKeys, token, id string, user int64, ef effect) []any {
	return []any{token, e.lockTTL.Milliseconds(), id, k.base, e.reorder.Milliseconds(), user,
		ef.stateMode, ef.state, e.stateTTL.Milliseconds(), ef.markerMode, ef.marker, markerTTL.Milliseconds(),
		e.seenTTL.Milliseconds(), ef.lang, e.langTTL(ef.lang).Milliseconds(), ef.replies}
}

// commitPaced is commit with, when pacer is set, the place of the first reply under the send
// limits taken in the same round trip; it returns the context to deliver the outputs
// with. A place taken for an update whose commit then finds the chat lost is wasted: one
// message's worth of the limit.
func (e *Engine) commitPaced(ctx context.Context, k chatKeys, token, id string, user int64, ef effect, pacer Pacer, outs []Output) (step, context.Context, error) {
	if pacer == nil || len(outs) == 0 {
		s, err := e.commit(ctx, k, token, id, user, ef)
		return s, ctx, err
	}
	cctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	pipe := e.rdb.Pipeline()
	committed := pipe.EvalSha(cctx, commitScript.Hash(), e.commitKeys(k), e.commitArgs(k, token, id, user, ef)...)
	placed := pacer.Reserve(cctx, pipe, k.chat, outs)
	_, _ = pipe.Exec(cctx)
	if err := committed.Err(); err != nil {
		if redis.HasErrorPrefix(err, "NOSCRIPT") {
			// Redis does not know the script (yet): the commit alone, with its text; the
			// deliverer takes its places itself.
			s, err := e.commit(ctx, k, token, id, user, ef)
			return s, ctx, err
		}
		return step{}, ctx, err
	}
	s, err := parseStep(committed.Val())
	if err != nil {
		return step{}, ctx, err
	}
	if placed != nil {
		ctx = placed(ctx)
	}
	return s, ctx, nil
}

// renew extends the lease of a chat's lock while its holder is still applying an update, and
// its claim on the outputs of update sending (0 for none) while it sends them.
func (e *Engine) renew(ctx context.Context, k chatKeys, token string, sending int64) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	id := ""
	if sending > 0 {
		id = strconv.FormatInt(sending, 10)
	}
	n, err := renewScript.Run(ctx, e.rdb, []string{k.lock, k.out}, token, e.lockTTL.Milliseconds(), id).Int()
	return n == 1, err
}

// delivered forgets the replies of an update once they are sent, or keeps those left, and
// remembers the message the latest prompt among those sent went out as (see promptSent).
func (e *Engine) delivered(ctx context.Context, k chatKeys, token, id string, left []byte, asked string) error {
	ctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	return deliveredScript.Run(ctx, e.rdb, []string{k.out}, e.deliveredArgs(k, token, id, left, asked)...).Err()
}

func (e *Engine) deliveredArgs(k chatKeys, token, id string, left []byte, asked string) []any {
	return []any{id, token, left, k.base, asked, e.stateTTL.Milliseconds()}
}

// resume looks after a chat that may have been left unfinished.
func (e *Engine) resume(ctx context.Context, k chatKeys, token string) (step, error) {
	return e.call(ctx, resumeScript, []string{k.lock, k.inbox, k.data, k.out},
		token, e.lockTTL.Milliseconds(), k.base, e.reorder.Milliseconds())
}

// giveUp withdraws an update the person was told to try again.
func (e *Engine) giveUp(ctx context.Context, k chatKeys, token string, id int64) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	return giveUpScript.Run(ctx, e.rdb, []string{k.lock, k.inbox, k.data, k.seen}, token, id).Text()
}
