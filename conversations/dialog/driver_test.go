package dialog_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
)

// updateIDs hands out update ids across every test of the package, as Telegram does.
var updateIDs atomic.Int64

// trip is the three-step dialog of these tests: choose a kind (buttons), describe it
// (10–50 characters), share a location (optional), confirm.
type trip struct {
	mu       sync.Mutex
	done     []map[string]string
	lastSeen map[string]string // the answers as the description step's prompt saw them
	failNext error
}

func (tr *trip) dialog() *dialog.Dialog {
	return &dialog.Dialog{
		Name: "trip", Command: "trip", Version: 1,
		Steps: []*dialog.Step{
			{Name: "kind", Prompt: "test.kind", Choices: func(*dialog.Session) []dialog.Choice {
				return []dialog.Choice{{Label: "Alpha", Literal: true, Value: "a"}, {Label: "Beta", Literal: true, Value: "b"}}
			}},
			{Name: "desc", Prompt: "test.desc", MinLen: 10, MaxLen: 50, PromptData: func(s *dialog.Session) map[string]any {
				tr.mu.Lock()
				defer tr.mu.Unlock()
				tr.lastSeen = copyMap(s.Data)
				return nil
			}},
			{Name: "where", Prompt: "test.where", Accepts: []dialog.Kind{dialog.KindLocation}, Optional: true},
		},
		Summary: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: "test.summary"}
		},
		Done: func(_ context.Context, s *dialog.Session) (dialog.Reply, error) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			if err := tr.failNext; err != nil {
				tr.failNext = nil
				return dialog.Reply{}, err
			}
			tr.done = append(tr.done, copyMap(s.Data))
			return dialog.Reply{MessageID: "test.done"}, nil
		},
	}
}

func (tr *trip) completed() []map[string]string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]map[string]string(nil), tr.done...)
}

func copyMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// other is a second dialog, to interrupt the first.
func other() *dialog.Dialog {
	return &dialog.Dialog{Name: "other", Command: "other", Version: 1,
		Steps: []*dialog.Step{{Name: "x", Prompt: "test.other"}},
		Done: func(context.Context, *dialog.Session) (dialog.Reply, error) {
			return dialog.Reply{MessageID: "test.other.done"}, nil
		},
	}
}

type env struct {
	rdb    redis.UniversalClient
	prefix string
	trip   *trip
}

func newEnv(t *testing.T) *env { return newEnvTB(t) }

func newEnvTB(tb testing.TB) *env {
	rdb, prefix := redistest.New(tb)
	return &env{rdb: rdb, prefix: prefix, trip: &trip{}}
}

func (v *env) engine(t testing.TB, opts dialog.Options) *dialog.Engine {
	t.Helper()
	tr, err := dialog.NewTranslator(dialog.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Redis == nil {
		opts.Redis = v.rdb
	}
	opts.KeyPrefix, opts.BotID, opts.Translator = v.prefix, 1, tr
	e, err := dialog.NewEngine(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Register(v.trip.dialog()); err != nil {
		t.Fatal(err)
	}
	if err := e.Register(other()); err != nil {
		t.Fatal(err)
	}
	return e
}

// person plays one user in a private chat, whose messages are numbered as Telegram numbers
// them.
type person struct {
	t    *testing.T
	e    *dialog.Engine
	id   int64
	last []dialog.Output // what the latest input got
	msgs int64           // message ids of the chat
	// prompt is the latest output with buttons, and its message id.
	prompt   dialog.Output
	promptID int64
	// buttons are the buttons each message of the chat shows now.
	buttons map[int64][][]dialog.Button
}

func (v *env) person(t *testing.T, e *dialog.Engine, id int64) *person {
	return &person{t: t, e: e, id: id}
}

func (p *person) input(in dialog.Input) []dialog.Output {
	p.t.Helper()
	if in.UpdateID == 0 {
		in.UpdateID = updateIDs.Add(1)
	}
	in.ChatID, in.UserID, in.FirstName = p.id, p.id, "Tester"
	if in.LangCode == "" {
		in.LangCode = "en"
	}
	p.last = nil
	if err := p.e.Process(context.Background(), in, p.deliver); err != nil {
		p.t.Fatalf("Process(%+v): %v", in, err)
	}
	return p.last
}

// deliver shows outputs in the chat and reports the message each went out as.
func (p *person) deliver(_ context.Context, out []dialog.Output) ([]int64, error) {
	if p.buttons == nil {
		p.buttons = map[int64][][]dialog.Button{}
	}
	ids := make([]int64, len(out))
	for i, o := range out {
		switch {
		case o.Text != "" && o.EditMessageID == 0:
			p.msgs++
			ids[i] = p.msgs
		case o.EditMessageID != 0 && (o.Text != "" || o.ClearButtons):
			ids[i] = o.EditMessageID
		default:
			continue // a notice, a menu
		}
		p.buttons[ids[i]] = o.Buttons
		if len(o.Buttons) > 0 {
			p.prompt, p.promptID = o, ids[i]
		}
	}
	p.last = append(p.last, out...)
	return ids, nil
}

// pressable are the messages of the chat that show buttons now.
func (p *person) pressable() []int64 {
	var out []int64
	for id := int64(1); id <= p.msgs; id++ {
		if len(p.buttons[id]) > 0 {
			out = append(out, id)
		}
	}
	return out
}

func (p *person) send(text string) []dialog.Output {
	p.t.Helper()
	in := dialog.Input{Kind: dialog.KindText, Text: text}
	if cmd, ok := strings.CutPrefix(text, "/"); ok {
		name, args, _ := strings.Cut(cmd, " ")
		in.Kind, in.Command, in.Args = dialog.KindCommand, name, args
	}
	return p.input(in)
}

// press presses the button labelled label on the latest prompt.
func (p *person) press(label string) []dialog.Output {
	p.t.Helper()
	b, ok := findButton(p.prompt, label)
	if !ok {
		p.t.Fatalf("no button %q on the latest prompt %q %+v", label, p.prompt.Text, p.prompt.Buttons)
	}
	return p.pressData(b.Data, p.promptID)
}

func (p *person) pressData(data string, messageID int64) []dialog.Output {
	p.t.Helper()
	return p.input(dialog.Input{Kind: dialog.KindButton, Data: data, CallbackID: "cb" + strings.Repeat("x", 3), MessageID: messageID})
}

func findButton(o dialog.Output, label string) (dialog.Button, bool) {
	for _, row := range o.Buttons {
		for _, b := range row {
			if b.Text == label {
				return b, true
			}
		}
	}
	return dialog.Button{}, false
}

func labels(o dialog.Output) []string {
	var out []string
	for _, row := range o.Buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// texts are the new messages of the latest input.
func (p *person) texts() []string {
	var out []string
	for _, o := range p.last {
		if o.Text != "" {
			out = append(out, o.Text)
		}
	}
	return out
}

func (p *person) notice() (string, bool) {
	for _, o := range p.last {
		if o.CallbackID != "" {
			return o.Notice, true
		}
	}
	return "", false
}

// expect checks that the latest input's new messages are exactly want (by prefix).
func (p *person) expect(want ...string) {
	p.t.Helper()
	got := p.texts()
	if len(got) != len(want) {
		p.t.Fatalf("messages %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			p.t.Fatalf("messages %q, want %q", got, want)
		}
	}
}

func (p *person) stateKey(v *env) string {
	return v.prefix + "{1:" + itoa(p.id) + "}:s:" + itoa(p.id)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
