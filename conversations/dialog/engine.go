package dialog

import (
	"context"
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
	// LockTTL is the lease of a chat's lock: its holder renews it every third of it while it
	// applies an update, so it bounds how long a chat waits for a process that died or
	// stalled holding it. Defaults to 10 s.
	LockTTL time.Duration
	// CallTimeout bounds each Redis round trip. An update whose first round trip fails is
	// answered "try again", and that round trip does nothing if Redis runs it more than half
	// of CallTimeout after it was sent (by Redis' clock, which must agree with ours to
	// within that half). Defaults to 2 s. The Redis client should have
	// ContextTimeoutEnabled set, so that it keeps to it.
	CallTimeout time.Duration
	// ReorderWindow holds a newly arrived update this long before applying it, so that
	// updates of one chat delivered at nearly the same moment to different replicas are still
	// applied in update_id order. Zero (the default) applies at once: right for one process
	// taking updates by long polling, which already receives them in order.
	ReorderWindow time.Duration
}

// The language a person chose is kept with the chat for chosenLangTTL after they last wrote;
// that none is known (they follow their Telegram language) for unknownLangTTL, after which the
// engine asks again where languages are kept for good (LangFrom).
const (
	chosenLangTTL  = 30 * 24 * time.Hour
	unknownLangTTL = 24 * time.Hour
	noLang         = "-"
)

func (e *Engine) langTTL(lang string) time.Duration {
	if lang == noLang {
		return unknownLangTTL
	}
	return chosenLangTTL
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
	langOf        func(ctx context.Context, userID int64) (string, error)
	callTimeout   time.Duration
	botUsername   string // for links to the bot's private chat; see SetBotUsername
}

// NewEngine makes an Engine.
func NewEngine(opts Options) (*Engine, error) {
	if opts.Redis == nil || opts.Translator == nil {
		return nil, errors.New("dialog: Redis and Translator are required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "bangban:"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{rdb: opts.Redis, prefix: opts.KeyPrefix, botID: opts.BotID, tr: opts.Translator, log: opts.Logger,
		seenTTL: or(opts.SeenTTL, 24*time.Hour), stateTTL: or(opts.StateTTL, 24*time.Hour),
		lockTTL: or(opts.LockTTL, 10*time.Second), callTimeout: or(opts.CallTimeout, 2*time.Second), reorder: opts.ReorderWindow,
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

// LangFrom tells the engine where a person's chosen language is kept for good (the database,
// for people who joined), for when the chat has not seen them for a while.
func (e *Engine) LangFrom(fn func(ctx context.Context, userID int64) (string, error)) {
	e.langOf = fn
}

// OnStart sets what /start with a parameter does (a deep link: an invite code). Without a
// parameter, or without a hook, /start shows the welcome.
func (e *Engine) OnStart(fn CommandFunc) { e.onStart = fn }

// OnCommands tells which commands a person may use, in the order of their menu. /help lists
// them, and the chat's command menu is set to them when the person picks a language; when
// their roles change (joining with an invite among them), the store enqueues the job that
// sets it. Each command is described by the message "cmd_<command>".
func (e *Engine) OnCommands(fn func(ctx context.Context, userID int64) ([]string, error)) {
	e.commandsFor = fn
}

// Translator is the engine's translator, for the notifications bot/ renders.
func (e *Engine) Translator() *Translator { return e.tr }

// Logger is the engine's logger, for the dialogs built on it.
func (e *Engine) Logger() *slog.Logger { return e.log }
