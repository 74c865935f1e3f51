package conversations

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options configure an Engine.
type Options struct {
	// Redis holds dialog state and the record of updates already seen.
	Redis redis.UniversalClient
	// KeyPrefix starts every Redis key; tests give each package its own. Defaults to "bangban:".
	KeyPrefix string
	// BotID separates the keys of several bots on one Redis.
	BotID int64
	// Translator renders messages. Required.
	Translator *Translator
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// SeenTTL is how long an update_id is remembered, so a redelivery is recognised.
	// Defaults to 24 hours.
	SeenTTL time.Duration
}

// Engine turns inputs into outputs.
type Engine struct {
	rdb     redis.UniversalClient
	prefix  string
	botID   int64
	tr      *Translator
	log     *slog.Logger
	seenTTL time.Duration
}

// NewEngine makes an Engine.
func NewEngine(opts Options) (*Engine, error) {
	if opts.Redis == nil || opts.Translator == nil {
		return nil, fmt.Errorf("conversations: Redis and Translator are required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "bangban:"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SeenTTL == 0 {
		opts.SeenTTL = 24 * time.Hour
	}
	return &Engine{rdb: opts.Redis, prefix: opts.KeyPrefix, botID: opts.BotID, tr: opts.Translator,
		log: opts.Logger, seenTTL: opts.SeenTTL}, nil
}

// Translator is the engine's translator, for the notifications bot/ renders.
func (e *Engine) Translator() *Translator { return e.tr }

// Handle answers one input. An update already handled (Telegram redelivers after a timeout
// or a restart) gives no output. When Redis cannot be reached the user is told to try again;
// the error is returned too, for the caller's logs and metrics.
func (e *Engine) Handle(ctx context.Context, in Input) ([]Output, error) {
	lang := e.tr.Match(in.LangCode)
	if in.UpdateID != 0 {
		first, err := e.rdb.SetNX(ctx, e.seenKey(in.UpdateID), 1, e.seenTTL).Result()
		if err != nil {
			return e.tryAgain(in, lang), fmt.Errorf("mark update %d seen: %w", in.UpdateID, err)
		}
		if !first {
			e.log.InfoContext(ctx, "redelivered update dropped", "update_id", in.UpdateID, "chat", in.ChatID)
			return nil, nil
		}
	}
	switch in.Kind {
	case KindCommand:
		switch in.Command {
		case "start":
			return []Output{{ChatID: in.ChatID, Text: e.tr.T(lang, MsgWelcome, map[string]any{"Name": in.FirstName})}}, nil
		case "help":
			return []Output{{ChatID: in.ChatID, Text: e.tr.T(lang, MsgHelp, nil)}}, nil
		case "cancel":
			return []Output{{ChatID: in.ChatID, Text: e.tr.T(lang, MsgNothingToCancel, nil)}}, nil
		}
	case KindButton:
		// No dialog is open yet, so every button is from an earlier one.
		return []Output{{CallbackID: in.CallbackID, Notice: e.tr.T(lang, MsgStaleButton, nil)}}, nil
	}
	return []Output{{ChatID: in.ChatID, Text: e.tr.T(lang, MsgUnknownInput, nil)}}, nil
}

func (e *Engine) tryAgain(in Input, lang string) []Output {
	msg := e.tr.T(lang, MsgTryAgain, nil)
	if in.Kind == KindButton {
		return []Output{{CallbackID: in.CallbackID, Notice: msg}}
	}
	return []Output{{ChatID: in.ChatID, Text: msg}}
}

func (e *Engine) seenKey(updateID int64) string {
	return e.prefix + "seen:" + strconv.FormatInt(e.botID, 10) + ":" + strconv.FormatInt(updateID, 10)
}
