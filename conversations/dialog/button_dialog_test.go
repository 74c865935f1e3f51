package dialog_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/bangban/bangban/conversations/dialog"
)

// rating is a one-step dialog a button starts ("rt:ARG") as well as its command (/rt ARG).
type rating struct {
	mu    sync.Mutex
	begun []string
	done  []string
	fail  error // the next Done fails with it
}

func (r *rating) dialog() *dialog.Dialog {
	return &dialog.Dialog{Name: "rt", Command: "rt", Button: "rt", Version: 1,
		Begin: func(_ context.Context, s *dialog.Session) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.begun = append(r.begun, s.Get("arg"))
			if s.Get("arg") == "not-yours" {
				return &dialog.Refusal{MessageID: "test.refused"}
			}
			return nil
		},
		Steps: []*dialog.Step{{Name: "stars", Prompt: "test.stars", Choices: func(*dialog.Session) []dialog.Choice {
			return []dialog.Choice{{Label: "★", Literal: true, Value: "1"}, {Label: "★★", Literal: true, Value: "2"}}
		}}},
		Done: func(_ context.Context, s *dialog.Session) (dialog.Reply, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			if err := r.fail; err != nil {
				r.fail = nil
				return dialog.Reply{}, err
			}
			r.done = append(r.done, s.Get("arg")+"="+s.Get("stars"))
			return dialog.Reply{MessageID: "test.rated"}, nil
		},
	}
}

// A button outside any dialog starts its dialog with what it carries; mid-dialog it asks
// before abandoning the open one, and a "no" keeps it; a Begin that refuses leaves no
// session behind.
func TestAButtonStartsItsDialog(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	r := &rating{}
	if err := e.Register(r.dialog()); err != nil {
		t.Fatal(err)
	}
	if err := e.RegisterButton("rt", func(context.Context, dialog.Call) ([]dialog.Reply, error) { return nil, nil }); err == nil {
		t.Error("a button prefix taken by a dialog was registered again")
	}
	p := v.person(t, e, 4501)

	p.pressData("rt:XC-1", 7)
	if n, ok := p.notice(); !ok || n != "" {
		t.Errorf("the press was not answered quietly: %q %v", n, ok)
	}
	p.expect("test.stars")
	p.press("★★")
	p.expect("test.rated")

	p.send("/trip")
	p.press("Alpha")
	p.pressData("rt:XC-2", 8)
	p.expect("You have not finished /trip. Abandon it and start /rt?")
	p.press("No")
	p.expect("test.desc")
	p.pressData("rt:XC-3", 9)
	p.press("Yes")
	p.expect("test.stars")
	p.press("★")
	p.expect("test.rated")

	p.send("/rt XC-4")
	p.press("★")

	p.pressData("rt:not-yours", 10)
	p.expect("test.refused")
	if n, _ := v.rdb.Exists(context.Background(), p.stateKey(v)).Result(); n != 0 {
		t.Error("a refused start left a session")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if want := []string{"XC-1=2", "XC-3=1", "XC-4=1"}; !slices.Equal(r.done, want) {
		t.Errorf("done %v, want %v", r.done, want)
	}
	if want := []string{"XC-1", "XC-3", "XC-4", "not-yours"}; !slices.Equal(r.begun, want) {
		t.Errorf("begun with %v, want %v", r.begun, want)
	}
}

// A dialog without a confirm step whose last answer cannot be acted on does not leave the
// person stuck: a refusal ends the dialog with its message; a failure asks the last step again.
func TestALastStepThatFailsDoesNotStick(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	r := &rating{}
	if err := e.Register(r.dialog()); err != nil {
		t.Fatal(err)
	}
	p := v.person(t, e, 4502)

	r.fail = &dialog.Refusal{MessageID: "test.moved.on"}
	p.pressData("rt:XC-1", 7)
	p.press("★")
	p.expect("test.moved.on")
	p.send("hello")
	p.expect("I did not understand that")
	if n, _ := v.rdb.Exists(context.Background(), p.stateKey(v)).Result(); n != 0 {
		t.Error("a refused last step left the session open")
	}

	r.fail = errors.New("postgres went away")
	p.pressData("rt:XC-2", 8)
	p.press("★★")
	p.expect("The system is busy", "test.stars")
	p.press("★★")
	p.expect("test.rated")
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(r.done, []string{"XC-2=2"}) {
		t.Errorf("done %v", r.done)
	}
}
