package main

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// newRedis makes the client of REDIS_URL's options.
//
// A Cluster's client routes each command by a map of which master serves which slot, read
// with CLUSTER SLOTS; go-redis reads it again on a redirection (MOVED, ASK) and otherwise
// only once it is a minute old. When a master dies, nothing redirects: the commands for its
// slots go on failing against its address until then, so every chat on them would be told
// to try again for up to a minute after its replica took over. Here a command that a node
// did not answer (the connection refused or cut, a timeout) or answered that the cluster is
// changing (CLUSTERDOWN, TRYAGAIN, MASTERDOWN, LOADING) has the map read again, at most a
// few times a second, so those chats are served again within moments of the promotion.
func newRedis(opts *redis.UniversalOptions) redis.UniversalClient {
	rdb := redis.NewUniversalClient(opts)
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		cc.AddHook(slotsReload{cc})
	}
	return rdb
}

// slotsReload reads a Cluster's map of slots again after a failure that may mean it changed.
type slotsReload struct{ cc *redis.ClusterClient }

func (h slotsReload) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h slotsReload) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if topologyMayHaveChanged(err) {
			h.cc.ReloadState(ctx) // in the background, deduplicated
		}
		return err
	}
}

func (h slotsReload) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if topologyMayHaveChanged(err) {
			h.cc.ReloadState(ctx)
		}
		return err
	}
}

// topologyMayHaveChanged tells the failures after which the map of slots may be wrong: no
// answer from a node, or an answer that the cluster is changing. Other replies of the server
// (a missing key, a script not loaded, a wrong type) say nothing of it.
func topologyMayHaveChanged(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		return false
	}
	if redis.IsClusterDownError(err) || redis.IsTryAgainError(err) || redis.IsMasterDownError(err) || redis.IsLoadingError(err) {
		return true
	}
	var reply redis.Error
	return !errors.As(err, &reply)
}
