package dialog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
)

// receipted is a one-step dialog with a summary and a receipt; done says what Done answers.
func receipted(done func() (dialog.Reply, error)) *dialog.Dialog {
	const addSummary = "add_summary" // a summary of locales/ around a text of any length
	return &dialog.Dialog{Name: "rcpt", Command: "rcpt", Version: 1,
		Steps: []*dialog.Step{{Name: "text", Prompt: "test.text"}},
		Summary: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: "test.summary"}
		},
		Receipt: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: addSummary, Data: map[string]any{"Text": s.Get("text"), "TicketNo": "XC-1", "Files": 0}}
		},
		Done: func(context.Context, *dialog.Session) (dialog.Reply, error) { return done() },
	}
}

// edits are the outputs of the latest input that change a message already shown.
func (p *person) edits() []dialog.Output {
	var out []dialog.Output
	for _, o := range p.last {
		if o.EditMessageID != 0 {
			out = append(out, o)
		}
	}
	return out
}

// A confirm whose dialog keeps a receipt is answered in the summary pressed: Done's answer
// above what was confirmed, in one edit that takes the buttons off, and no message of its
// own. Without a receipt, or with an answer that is more than text, the summary loses its
// buttons and the answer comes below it.
func TestAConfirmWithAReceiptTurnsTheSummaryIntoTheAnswer(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	answers := []func() (dialog.Reply, error){
		func() (dialog.Reply, error) { return dialog.Reply{}, errors.New("postgres went away") },
		func() (dialog.Reply, error) { return dialog.Reply{MessageID: "test.done"}, nil },
		func() (dialog.Reply, error) { return dialog.Reply{MessageID: "test.done", Photo: []byte("png")}, nil },
	}
	next := 0
	if err := e.Register(receipted(func() (dialog.Reply, error) { next++; return answers[next-1]() })); err != nil {
		t.Fatal(err)
	}
	p := v.person(t, e, 9601)
	p.send("/rcpt")
	p.send("the bridge on route 3 is cracked")
	p.expect("test.summary")

	// Failed: the summary pressed keeps its text and loses its buttons; it is asked again below.
	failed := p.promptID
	p.press("✔ Confirm")
	p.expect("The system is busy", "test.summary")
	if ed := p.edits(); len(ed) != 1 || ed[0].EditMessageID != failed || !ed[0].ClearButtons || ed[0].Text != "" {
		t.Fatalf("a failed confirm edited %+v; want the buttons off the summary pressed alone", ed)
	}

	summary, shown := p.promptID, p.msgs
	p.press("✔ Confirm")
	ed := p.edits()
	want := "test.done\n\nPlease confirm what to add to XC-1:\nthe bridge on route 3 is cracked\nAttachments: 0"
	if len(ed) != 1 || ed[0].EditMessageID != summary || !ed[0].Pressed || ed[0].ClearButtons || ed[0].Text != want || ed[0].Buttons != nil {
		t.Fatalf("the confirm edited %+v; want summary %d turned into %q, without buttons", ed, summary, want)
	}
	if p.msgs != shown || len(p.pressable()) != 0 {
		t.Fatalf("the confirm added %d messages and left %v pressable; want none", p.msgs-shown, p.pressable())
	}
	if n, ok := p.notice(); !ok || n != "" {
		t.Fatalf("the press was answered %q (%v); want silently", n, ok)
	}

	// An answer with a picture cannot go into a text message: it comes as its own.
	p.send("/rcpt")
	p.send("the bridge on route 4 is cracked")
	summary = p.promptID
	p.press("✔ Confirm")
	ed = p.edits()
	if len(ed) != 1 || ed[0].EditMessageID != summary || !ed[0].ClearButtons || ed[0].Text != "" {
		t.Fatalf("a confirm answered with a picture edited %+v; want the buttons off the summary alone", ed)
	}
	if len(p.last) != 3 || p.last[2].Photo == nil || p.last[2].EditMessageID != 0 || p.last[2].Text != "test.done" {
		t.Fatalf("a confirm answered with a picture gave %+v; want the picture as a message of its own", p.last)
	}

	// A dialog without a receipt keeps its summary as it was, and answers below.
	trip := v.person(t, e, 9602)
	tripToConfirm(trip)
	summary = trip.promptID
	trip.press("✔ Confirm")
	trip.expect("test.done")
	if ed := trip.edits(); len(ed) != 1 || ed[0].EditMessageID != summary || !ed[0].ClearButtons || ed[0].Text != "" {
		t.Fatalf("a confirm without a receipt edited %+v; want the buttons off the summary alone", ed)
	}
}

// The answer in a receipt is whole, and what was confirmed gives way: the message fits
// Telegram's limit however long the answers were.
func TestAReceiptGivesWayToTheAnswer(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	answer := strings.Repeat("x", 1000)
	if err := e.Register(receipted(func() (dialog.Reply, error) {
		return dialog.Reply{MessageID: dialog.MsgErrTooLong, Data: map[string]any{"Len": answer}}, nil
	})); err != nil {
		t.Fatal(err)
	}
	p := v.person(t, e, 9603)
	p.send("/rcpt")
	p.send(strings.Repeat("🔌", 2048))
	p.press("✔ Confirm")
	ed := p.edits()
	if len(ed) != 1 {
		t.Fatalf("the confirm edited %+v; want the summary alone", ed)
	}
	text := ed[0].Text
	first, rest, _ := strings.Cut(text, "\n\n")
	if n := intake.Len(text); n > dialog.MaxText || n < dialog.MaxText-16 || !strings.Contains(first, answer) ||
		!strings.HasPrefix(rest, "Please confirm what to add to XC-1:\n🔌🔌🔌") || !strings.Contains(rest, "…") {
		t.Fatalf("the receipt is %d units: %q…; want the answer whole and the description cut to fit %d", n, text[:200], dialog.MaxText)
	}
}
