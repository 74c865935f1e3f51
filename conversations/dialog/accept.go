package dialog

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// KEYS: inbox, data, seen. ARGV: update id, input, user.
//
// accept puts an update in its chat's inbox as begin does, without taking the chat: one
// applied already, or given up, is left out.
var acceptScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
if redis.call('ZSCORE', KEYS[3], id) then return 0 end
if redis.call('HEXISTS', KEYS[2], 'x:' .. id) == 1 then return 0 end
if redis.call('ZADD', KEYS[1], 'NX', id, id) == 1 then
  redis.call('HSET', KEYS[2], id, ARGV[2], 'a:' .. id, now, 'u:' .. id, ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('PEXPIRE', KEYS[2], 86400000)
return 1
`)

// Accept makes an update durable without applying it: it goes in its chat's inbox, and the
// chat on the list of chats pending, in one round trip. A platform that must answer its
// server before it applies an update (WeCom, which does not deliver again what was answered)
// accepts it first, then answers, then has Process apply it: should the process die in
// between, the update is not lost, for the resume sweep (Resume) of any process finds the
// chat and applies what waits in its inbox, in order and once. Process, given the update
// after, applies it as it would any other; accepting it twice changes nothing.
func (e *Engine) Accept(ctx context.Context, in Input) error {
	if in.UpdateID <= 0 || in.ChatID == 0 {
		return fmt.Errorf("accept: input without update or chat id: update %d, chat %d", in.UpdateID, in.ChatID)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode update %d: %w", in.UpdateID, err)
	}
	k := e.keys(in.ChatID)
	ctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	pipe := e.rdb.Pipeline()
	pipe.ZAdd(ctx, e.pendingKey(), redis.Z{Score: float64(pendingScore()), Member: in.ChatID})
	accepted := pipe.EvalSha(ctx, acceptScript.Hash(), []string{k.inbox, k.data, k.seen}, in.UpdateID, payload, in.UserID)
	_, err = pipe.Exec(ctx)
	if err != nil && redis.HasErrorPrefix(accepted.Err(), "NOSCRIPT") {
		// Redis does not know the script yet: run with its text (the chat is pending already).
		err = acceptScript.Run(ctx, e.rdb, []string{k.inbox, k.data, k.seen}, in.UpdateID, payload, in.UserID).Err()
	}
	if err != nil {
		return fmt.Errorf("accept update %d of chat %d: %w", in.UpdateID, in.ChatID, err)
	}
	return nil
}
