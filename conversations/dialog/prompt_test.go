package dialog_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
)

// onlyLatestPressable checks that the chat's latest prompt is the one message with buttons.
func (p *person) onlyLatestPressable() {
	p.t.Helper()
	if got := p.pressable(); len(got) != 1 || got[0] != p.promptID {
		p.t.Fatalf("messages with buttons %v; want only the latest prompt, %d", got, p.promptID)
	}
}

// clears says whether outs begin (after the answer to a press, if any) with exactly one edit
// that takes the buttons off message id and nothing else, and no other output clears anything.
func clears(outs []dialog.Output, id int64) bool {
	at := 0
	if len(outs) > 0 && outs[0].CallbackID != "" {
		at = 1
	}
	if len(outs) <= at {
		return false
	}
	o := outs[at]
	if o.EditMessageID != id || !o.ClearButtons || o.Pressed || o.Text != "" || o.Buttons != nil {
		return false
	}
	for _, x := range outs[at+1:] {
		if x.ClearButtons {
			return false
		}
	}
	return true
}

// A prompt answered by typing (a message, a location, a command) loses its buttons, as a
// pressed one does: the answer first takes them off that very message, then shows the next
// prompt as a new message, so that the chat only ever shows the buttons of the latest prompt.
// A pressed prompt is still turned into the next one in a single edit, and keeps its message:
// the id remembered for it stays right.
func TestATypedAnswerTakesTheButtonsOffItsPrompt(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 15001)

	p.send("/trip")
	first := p.promptID
	out := p.press("Beta")
	if len(out) != 2 || out[1].EditMessageID != first || !out[1].Pressed || out[1].ClearButtons || p.promptID != first {
		t.Fatalf("a press: %+v; want the pressed prompt turned into the next, and nothing else", out)
	}
	p.onlyLatestPressable()

	// The description is typed: the prompt pressed into place above loses its buttons first.
	out = p.send("the bridge on route 3 is cracked")
	if !clears(out, first) || len(out) != 2 || out[1].EditMessageID != 0 || !strings.HasPrefix(out[1].Text, "test.where") {
		t.Fatalf("a typed answer: %+v; want the buttons of message %d taken off, then the next prompt as a new message", out, first)
	}
	p.onlyLatestPressable()

	// A refused answer asks again below: the prompt it answered loses its buttons too.
	where := p.promptID
	out = p.send("near the school")
	if !clears(out, where) || len(out) != 3 {
		t.Fatalf("a refused typed answer: %+v; want the buttons of message %d taken off, the reason, the prompt again", out, where)
	}
	p.expect("This step asks for something else", "test.where")
	p.onlyLatestPressable()

	// Pressed again: one edit of the pressed prompt, no other message touched.
	where = p.promptID
	out = p.press("Skip")
	if len(out) != 2 || out[1].EditMessageID != where || !out[1].Pressed || !strings.HasPrefix(out[1].Text, "test.summary") {
		t.Fatalf("a press: %+v; want the pressed prompt turned into the summary", out)
	}
	p.onlyLatestPressable()

	// Typing at the summary: its buttons go, and it is shown again below, to press.
	summary := p.promptID
	out = p.send("yes please")
	if !clears(out, summary) {
		t.Fatalf("typing at the summary: %+v; want the buttons of message %d taken off", out, summary)
	}
	p.expect("Please choose with the buttons below.", "test.summary")
	p.onlyLatestPressable()

	// A command in the middle of the dialog shows the prompt again: the one above loses its
	// buttons.
	summary = p.promptID
	out = p.send("/help")
	if !clears(out, summary) {
		t.Fatalf("/help mid-dialog: %+v; want the buttons of message %d taken off", out, summary)
	}
	p.onlyLatestPressable()

	p.press("✔ Confirm")
	p.expect("test.done")
	if got := p.pressable(); len(got) != 0 {
		t.Fatalf("messages with buttons %v after the dialog ended; want none", got)
	}
	// The dialog is over: nothing is remembered for it, and nothing is taken off.
	if out := p.send("hello"); len(out) != 1 || out[0].ClearButtons {
		t.Fatalf("after the dialog: %+v", out)
	}
}

// Leaving a dialog by typing /cancel, or answering its last step by typing, ends it: the
// prompt that was open loses its buttons before the answer.
func TestADialogEndedByTypingLeavesNoButtons(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 15002)

	p.send("/trip")
	asked := p.promptID
	if out := p.send("/cancel"); !clears(out, asked) || len(out) != 2 {
		t.Fatalf("/cancel: %+v; want the buttons of message %d taken off, then word of it", out, asked)
	}
	if got := p.pressable(); len(got) != 0 {
		t.Fatalf("messages with buttons %v after /cancel; want none", got)
	}

	// A dialog whose last step is typed ends with its answer, and its prompt keeps no buttons.
	p.send("/other")
	asked = p.promptID
	if out := p.send("done with it"); !clears(out, asked) || !strings.HasPrefix(p.texts()[0], "test.other.done") {
		t.Fatalf("the last step typed: %+v; want the buttons of message %d taken off, then the answer", out, asked)
	}
	if got := p.pressable(); len(got) != 0 {
		t.Fatalf("messages with buttons %v after the dialog; want none", got)
	}
}

// The message remembered for a prompt is the one the platform reports: a pressed prompt
// that could not be edited goes out as a new message, and that one loses its buttons; a
// prompt the platform refused (no message) leaves nothing to take off, and no earlier prompt
// is taken for it.
func TestThePromptsMessageIsTheOneThePlatformReported(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	var ids []int64 // what the platform says each output went out as, in turn; 0 for none
	deliver := func(_ context.Context, outs []dialog.Output) ([]int64, error) {
		got := make([]int64, len(outs))
		for i, o := range outs {
			if o.Text != "" || o.ClearButtons {
				got[i], ids = ids[0], ids[1:]
			}
		}
		return got, nil
	}
	const chat = 15003
	step := func(in dialog.Input, reported ...int64) []dialog.Output {
		t.Helper()
		ids = reported
		var outs []dialog.Output
		in.UpdateID, in.ChatID, in.UserID, in.LangCode = updateIDs.Add(1), chat, chat, "en"
		err := e.Process(context.Background(), in, func(ctx context.Context, o []dialog.Output) ([]int64, error) {
			outs = append(outs, o...)
			return deliver(ctx, o)
		})
		if err != nil || len(ids) != 0 {
			t.Fatalf("%+v: %v; %d reported ids left", in, err, len(ids))
		}
		return outs
	}
	typed := func(s string) dialog.Input {
		return dialog.Input{Kind: dialog.KindText, Text: s}
	}
	out := step(dialog.Input{Kind: dialog.KindCommand, Command: "trip"}, 1)
	// The person presses on message 1; it could not be edited, and the next prompt came as
	// message 2.
	press := func(o dialog.Output, label string, msg int64) dialog.Input {
		t.Helper()
		b, ok := findButton(o, label)
		if !ok {
			t.Fatalf("no %q on %+v", label, o)
		}
		return dialog.Input{Kind: dialog.KindButton, Data: b.Data, CallbackID: "cb", MessageID: msg}
	}
	step(press(out[0], "Beta", 1), 2)
	if out = step(typed("the bridge on route 3 is cracked"), 2, 3); !clears(out, 2) {
		t.Fatalf("after a pressed prompt went out as a new message: %+v; want message 2's buttons taken off", out)
	}
	// The prompt asked again is refused (the person blocked the bot, say): nothing to take
	// off later, and message 3 is not taken for it.
	if out = step(typed("near the school"), 3, 4, 0); !clears(out, 3) || len(out) != 3 {
		t.Fatalf("%+v; want message 3's buttons taken off, the reason, the prompt again", out)
	}
	for _, o := range step(typed("still near the school"), 5, 6) {
		if o.ClearButtons {
			t.Fatalf("after a prompt that went out as no message, %+v", o)
		}
	}
	if out = step(typed("and again"), 6, 7, 8); !clears(out, 6) {
		t.Fatalf("%+v; want message 6's buttons taken off", out)
	}
}

// A language chosen in the middle of a dialog shows its question again, in that language:
// that prompt's buttons work, and the one it replaces loses its buttons.
func TestALanguageChosenMidDialogAsksAgainWithLiveButtons(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 15004)
	p.send("/trip")
	asked := p.promptID
	out := p.send("/lang")
	chooser := p.msgs
	b, ok := findButton(out[0], "English")
	if !ok {
		t.Fatalf("/lang: %+v", out)
	}
	out = p.pressData(b.Data, chooser)
	if !clears(out, asked) {
		t.Fatalf("choosing a language: %+v; want the buttons of message %d taken off", out, asked)
	}
	p.expect("Switched to English.", "test.kind")
	p.onlyLatestPressable()
	p.press("Beta")
	p.expect("test.desc")
}

// An update that waits out the reorder window while the update before it is still being
// delivered answers the prompt that delivery sent: a typed answer takes the buttons off the
// prompt shown last, not the one before it.
func TestAnUpdateWaitingOutTheWindowAnswersThePromptSentMeanwhile(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	opts := dialog.Options{ReorderWindow: 300 * time.Millisecond}
	a, b := v.engine(t, opts), v.engine(t, opts)
	p := v.person(t, a, 15002)
	p.send("/trip")
	p.press("Beta")
	pressed := p.promptID

	// The description's delivery, which sends the next prompt as a new message, is held up
	// after its update was committed.
	var mu sync.Mutex
	deliver := func(ctx context.Context, outs []dialog.Output) ([]int64, error) {
		mu.Lock()
		defer mu.Unlock()
		return p.deliver(ctx, outs)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var where int64 // the prompt the held delivery sent
	held := func(ctx context.Context, outs []dialog.Output) ([]int64, error) {
		close(entered)
		<-release
		ids, err := deliver(ctx, outs)
		mu.Lock()
		where = p.promptID
		mu.Unlock()
		return ids, err
	}
	done := make(chan error, 2)
	go func() {
		done <- a.Process(context.Background(), dialog.Input{UpdateID: updateIDs.Add(1), ChatID: p.id, UserID: p.id,
			LangCode: "en", Kind: dialog.KindText, Text: "the bridge on route 3 is cracked"}, held)
	}()
	<-entered
	var answer []dialog.Output
	go func() {
		done <- b.Process(context.Background(), dialog.Input{UpdateID: updateIDs.Add(1), ChatID: p.id, UserID: p.id,
			LangCode: "en", Kind: dialog.KindText, Text: "near the school"}, func(ctx context.Context, outs []dialog.Output) ([]int64, error) {
			mu.Lock()
			answer = append(answer, outs...)
			mu.Unlock()
			return deliver(ctx, outs)
		})
	}()
	time.Sleep(100 * time.Millisecond) // the typed answer waits out its window on b
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if where == pressed {
		t.Fatalf("no new prompt was sent for the location")
	}
	if !clears(answer, where) {
		t.Fatalf("the typed answer: %+v; want the buttons of message %d, the prompt sent meanwhile, taken off (not %d)", answer, where, pressed)
	}
}
