package conversations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options configure an Engine. Zero values have the defaults documented on each field.
type Options struct {
	// Redis holds sessions, the chats' inboxes and locks, and the updates already applied.
	Redis redis.UniversalClient
	// KeyPrefix starts every Redis key; tests give each package its own. Defaults to "bangban:".
	KeyPrefix string
	// BotID separates the keys of several bots on one Redis.
	BotID int64
	// Translator renders messages. Required.
	Translator *Translator
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// SeenTTL is how long an applied update_id is remembered, so that a redelivery is
	// recognised. Defaults to 24 hours.
	SeenTTL time.Duration
	// StateTTL is how long a session lives without an answer; each step renews it.
	// Defaults to 24 hours.
	StateTTL time.Duration
	// LockTTL bounds how long a chat stays locked by a process that died holding it.
	// Defaults to 60 s: longer than any step may take.
	LockTTL time.Duration
	// ReorderWindow holds a newly arrived update this long before applying it, so that
	// updates of one chat delivered at nearly the same moment to different replicas are still
	// applied in update_id order. Zero (the default) applies at once: right for one process
	// taking updates by long polling, which already receives them in order.
	ReorderWindow time.Duration
}

// markerTTL is how long the engine remembers that a person had a dialog open, to tell them
// plainly that it expired rather than not understanding their answer.
const markerTTL = 7 * 24 * time.Hour

// confirmStep is the name of the built-in confirm step.
const confirmStep = "~confirm"

// ToConfirm, returned by a step's Next, skips the remaining steps to the confirm step (or to
// Done when the dialog has no Summary).
const ToConfirm = confirmStep

// Engine runs the dialogs: it turns inputs into outputs, one chat at a time, with the
// sessions in Redis.
type Engine struct {
	rdb         redis.UniversalClient
	prefix      string
	botID       int64
	tr          *Translator
	log         *slog.Logger
	seenTTL     time.Duration
	stateTTL    time.Duration
	lockTTL     time.Duration
	reorder     time.Duration
	dialogs     map[string]*Dialog
	commands    map[string]*Dialog
	plain       map[string]CommandFunc
	onStart     CommandFunc
	commandsFor func(ctx context.Context, userID int64) ([]string, error)
	buttons     map[string]CommandFunc
	// buttonDialogs are the dialogs a button starts, by prefix.
	buttonDialogs map[string]*Dialog
	onLang        func(ctx context.Context, userID int64, lang string) error
	botUsername   string // for links to the bot's private chat; see SetBotUsername
}

// NewEngine makes an Engine.
func NewEngine(opts Options) (*Engine, error) {
	if opts.Redis == nil || opts.Translator == nil {
		return nil, errors.New("conversations: Redis and Translator are required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "bangban:"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{rdb: opts.Redis, prefix: opts.KeyPrefix, botID: opts.BotID, tr: opts.Translator, log: opts.Logger,
		seenTTL: or(opts.SeenTTL, 24*time.Hour), stateTTL: or(opts.StateTTL, 24*time.Hour),
		lockTTL: or(opts.LockTTL, 60*time.Second), reorder: opts.ReorderWindow,
		dialogs: map[string]*Dialog{}, commands: map[string]*Dialog{}, plain: map[string]CommandFunc{}, buttons: map[string]CommandFunc{},
		buttonDialogs: map[string]*Dialog{}}
	return e, nil
}

func or(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// builtinCommands answer whether or not a dialog is open; no dialog may take them.
var builtinCommands = map[string]bool{"start": true, "help": true, "cancel": true, "lang": true}

// Register adds a dialog. It is checked here, once, so that a mistake in a declaration stops
// the program at start rather than a user mid-dialog.
func (e *Engine) Register(d *Dialog) error {
	switch {
	case d.Name == "" || len(d.Name) > 8 || strings.ContainsAny(d.Name, "|~"):
		return fmt.Errorf("dialog %q: name must be 1 to 8 bytes without | or ~", d.Name)
	case e.dialogs[d.Name] != nil:
		return fmt.Errorf("dialog %q registered twice", d.Name)
	case d.Command == "" || builtinCommands[d.Command] || e.commands[d.Command] != nil || e.plain[d.Command] != nil:
		return fmt.Errorf("dialog %q: command %q is empty or taken", d.Name, d.Command)
	case len(d.Steps) == 0 || d.Done == nil:
		return fmt.Errorf("dialog %q: needs steps and Done", d.Name)
	}
	names := map[string]bool{}
	for _, st := range d.Steps {
		if st.Name == "" || st.Name == confirmStep || names[st.Name] || st.Prompt == "" {
			return fmt.Errorf("dialog %q: step %q: name must be unique and set, and Prompt set", d.Name, st.Name)
		}
		if st.MinLen > st.maxLen() {
			return fmt.Errorf("dialog %q: step %q: MinLen above MaxLen", d.Name, st.Name)
		}
		names[st.Name] = true
	}
	if d.Button != "" {
		if !e.freeButton(d.Button) {
			return fmt.Errorf("dialog %q: button prefix %q is empty or taken", d.Name, d.Button)
		}
		e.buttonDialogs[d.Button] = d
	}
	e.dialogs[d.Name] = d
	e.commands[d.Command] = d
	return nil
}

// RegisterCommand adds a command that answers at once, without a dialog. It keeps working
// in the middle of a dialog, which is shown again after the answer.
func (e *Engine) RegisterCommand(name string, fn CommandFunc) error {
	if name == "" || builtinCommands[name] || e.commands[name] != nil || e.plain[name] != nil {
		return fmt.Errorf("command %q is empty or taken", name)
	}
	e.plain[name] = fn
	return nil
}

// RegisterButton handles buttons outside dialogs whose data is "prefix:…" (a list's pages,
// a case's details). The data proves nothing: the handler checks on the server what the
// presser may see or do.
func (e *Engine) RegisterButton(prefix string, fn CommandFunc) error {
	if !e.freeButton(prefix) || fn == nil {
		return fmt.Errorf("button prefix %q is empty or taken", prefix)
	}
	e.buttons[prefix] = fn
	return nil
}

func (e *Engine) freeButton(prefix string) bool {
	return prefix != "" && prefix != "lang" && !strings.ContainsAny(prefix, ":~") && e.buttons[prefix] == nil && e.buttonDialogs[prefix] == nil
}

// OnLang is told when a person chooses a language with /lang, to keep it where
// notifications are written (the engine keeps it in Redis for the chat itself).
func (e *Engine) OnLang(fn func(ctx context.Context, userID int64, lang string) error) { e.onLang = fn }

// OnStart sets what /start with a parameter does (a deep link: an invite code). Without a
// parameter, or without a hook, /start shows the welcome.
func (e *Engine) OnStart(fn CommandFunc) { e.onStart = fn }

// OnCommands tells which commands a person may use, in the order of their menu. /help lists
// them, and the chat's command menu is set to them when the person joins with an invite or
// picks a language. Each command is described by the message "cmd_<command>".
func (e *Engine) OnCommands(fn func(ctx context.Context, userID int64) ([]string, error)) {
	e.commandsFor = fn
}

// Translator is the engine's translator, for the notifications bot/ renders.
func (e *Engine) Translator() *Translator { return e.tr }

// Handle applies one input and returns what to show. The outputs may also answer other
// updates of the same chat that were waiting while this process held the chat (each output
// names its chat). An update already applied gives nothing; an update that finds its chat
// held elsewhere is left to the holder and gives nothing here. When Redis cannot be reached
// the user is told to try again, and the error is returned for the caller's logs.
func (e *Engine) Handle(ctx context.Context, in Input) ([]Output, error) {
	if in.UpdateID <= 0 || in.ChatID == 0 {
		return nil, fmt.Errorf("input without update or chat id: update %d, chat %d", in.UpdateID, in.ChatID)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode update %d: %w", in.UpdateID, err)
	}
	k := e.keys(in.ChatID)
	token := newToken()
	s, err := e.begin(ctx, k, token, in, payload)
	if err != nil {
		return e.tryAgain(in), fmt.Errorf("take update %d of chat %d: %w", in.UpdateID, in.ChatID, err)
	}
	var outs []Output
	for {
		switch s.kind {
		case "dup":
			e.log.InfoContext(ctx, "redelivered update dropped", "update_id", in.UpdateID, "chat", in.ChatID)
			return outs, nil
		case "queued", "done":
			return outs, nil
		case "lost":
			// Held past LockTTL: another process may have taken the chat. What was computed
			// stands, but nothing more is applied here.
			e.log.WarnContext(ctx, "chat lock lost while applying updates", "chat", in.ChatID)
			return outs, nil
		case "wait":
			select {
			case <-time.After(s.wait):
			case <-ctx.Done():
				return outs, ctx.Err()
			}
			s, err = e.next(ctx, k, token)
		case "go":
			var cur Input
			if err := json.Unmarshal([]byte(s.payload), &cur); err != nil {
				// Only a corrupted inbox gets here: the entry is dropped, not retried forever.
				e.log.ErrorContext(ctx, "unreadable update in inbox", "chat", in.ChatID, "id", s.id, "error", err)
				s, err = e.commit(ctx, k, token, s.id, 0, effect{stateMode: "keep", markerMode: "keep"})
				break
			}
			o, ef := e.apply(ctx, cur, s.state, s.marker, s.lang)
			s, err = e.commit(ctx, k, token, s.id, cur.UserID, ef)
			if err != nil {
				// The step was computed but not stored: instead of its outputs the user is
				// told to try again. The update stays in the inbox for the next holder.
				return append(outs, e.tryAgain(cur)...), fmt.Errorf("store update %d of chat %d: %w", cur.UpdateID, in.ChatID, err)
			}
			outs = append(outs, o...)
			continue
		default:
			return outs, fmt.Errorf("chat %d: unexpected script reply %q", in.ChatID, s.kind)
		}
		if err != nil {
			return append(outs, e.tryAgain(in)...), fmt.Errorf("chat %d: %w", in.ChatID, err)
		}
	}
}

func (e *Engine) tryAgain(in Input) []Output {
	msg := e.tr.T(e.tr.Match(in.LangCode), MsgTryAgain, nil)
	if in.Kind == KindButton {
		return []Output{{CallbackID: in.CallbackID, Notice: msg}}
	}
	return []Output{{ChatID: in.ChatID, Text: msg}}
}
