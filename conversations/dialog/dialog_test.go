package dialog_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
)

// tripToConfirm drives the trip dialog to its confirm step.
func tripToConfirm(p *person) {
	p.t.Helper()
	p.send("/trip")
	p.expect("test.kind")
	p.press("Beta")
	p.expect("test.desc")
	p.send("  the bridge on route 3 is cracked  ")
	p.expect("test.where")
	p.input(dialog.Input{Kind: dialog.KindLocation, Location: &dialog.Location{Latitude: 34.75, Longitude: 113.62}})
	p.expect("test.summary")
}

func TestThreeStepDialogToTheEnd(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 1001)

	p.send("/trip")
	p.expect("test.kind")
	if got := labels(p.prompt); strings.Join(got, ",") != "Alpha,Beta,✖ Cancel" {
		t.Fatalf("first step buttons %q: two choices and Cancel, no Back", got)
	}
	pressed := p.promptID
	out := p.press("Beta")
	if n, ok := p.notice(); !ok || n != "" {
		t.Fatalf("the press was not answered quietly: %+v", out)
	}
	// One call: the pressed prompt becomes the next one, and nothing of the old is left to press.
	if len(out) != 2 || out[1].EditMessageID != pressed || out[1].ClearButtons || !strings.HasPrefix(out[1].Text, "test.desc") {
		t.Fatalf("the pressed prompt was not turned into the next: %+v", out)
	}
	p.expect("test.desc")
	if got := labels(p.prompt); strings.Join(got, ",") != "« Back,✖ Cancel" {
		t.Fatalf("second step buttons %q", got)
	}
	p.send("cracked")
	p.expect("That is too short (7 characters); at least 10", "test.desc")
	p.send(strings.Repeat("长", 51))
	p.expect("That is too long (51 characters); at most 50", "test.desc")
	p.send("   ")
	p.expect("This cannot be empty", "test.desc")
	p.input(dialog.Input{Kind: dialog.KindPhoto, Files: []dialog.File{{ID: "f1", Photo: true}}})
	p.expect("This step asks for something else", "test.desc")
	p.send("  the bridge on route 3 is cracked  ")
	p.expect("test.where")
	if got := labels(p.prompt); strings.Join(got, ",") != "Skip,« Back,✖ Cancel" {
		t.Fatalf("optional step buttons %q", got)
	}
	p.send("near the school")
	p.expect("This step asks for something else", "test.where")
	p.input(dialog.Input{Kind: dialog.KindLocation, Location: &dialog.Location{Latitude: 34.75, Longitude: 113.62}})
	p.expect("test.summary")
	if got := labels(p.prompt); strings.Join(got, ",") != "✔ Confirm,« Back,✖ Cancel" {
		t.Fatalf("confirm step buttons %q", got)
	}
	p.send("yes please")
	p.expect("Please choose with the buttons below.", "test.summary")
	summary := p.promptID
	out = p.press("✔ Confirm")
	p.expect("test.done")
	// What was confirmed stays readable, its buttons gone; the answer comes below it.
	if len(out) != 3 || out[1].EditMessageID != summary || !out[1].ClearButtons || out[1].Text != "" || out[2].EditMessageID != 0 {
		t.Fatalf("confirming: %+v; want the summary's buttons taken off and the answer as a new message", out)
	}

	done := v.trip.completed()
	want := map[string]string{"kind": "b", "desc": "the bridge on route 3 is cracked", "where": "34.750000,113.620000"}
	if len(done) != 1 || len(done[0]) != 3 || done[0]["kind"] != want["kind"] || done[0]["desc"] != want["desc"] || done[0]["where"] != want["where"] {
		t.Fatalf("Done saw %+v, want %+v", done, want)
	}
	if n, _ := v.rdb.Exists(context.Background(), p.stateKey(v)).Result(); n != 0 {
		t.Fatal("the session is still stored after the dialog ended")
	}
	p.send("hello")
	p.expect("I did not understand that.")
}

func TestBackKeepsWhatWasEntered(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 1002)
	tripToConfirm(p)

	p.press("« Back")
	p.expect("test.where")
	p.press("Skip")
	p.expect("test.summary")
	p.press("« Back")
	p.expect("test.where")
	p.press("« Back")
	p.expect("test.desc")
	if seen := v.trip.lastSeen; seen["kind"] != "b" || seen["desc"] != "the bridge on route 3 is cracked" {
		t.Fatalf("back at the description the answers were %+v; want both kept", seen)
	}
	p.press("« Back")
	p.expect("test.kind")
	if got := labels(p.prompt); strings.Join(got, ",") != "Alpha,Beta,✖ Cancel" {
		t.Fatalf("back at the first step: buttons %q", got)
	}
	p.press("Alpha")
	p.send("the bridge on route 3 is cracked")
	p.press("Skip")
	p.press("✔ Confirm")
	done := v.trip.completed()
	if len(done) != 1 || done[0]["kind"] != "a" || done[0]["where"] != "" {
		t.Fatalf("after going back and changing: %+v", done)
	}
}

func TestCancelAtEachStep(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	// Reach each step, then leave by the Cancel button or by /cancel.
	reach := []func(p *person){
		func(p *person) { p.send("/trip") },
		func(p *person) { p.send("/trip"); p.press("Alpha") },
		func(p *person) { p.send("/trip"); p.press("Alpha"); p.send("the bridge on route 3 is cracked") },
		tripToConfirm,
	}
	id := int64(2000)
	for i, r := range reach {
		for _, how := range []string{"button", "command"} {
			id++
			p := v.person(t, e, id)
			r(p)
			if how == "button" {
				p.press("✖ Cancel")
			} else {
				p.send("/cancel")
			}
			p.expect("Cancelled. Nothing you entered was kept.")
			if n, _ := v.rdb.Exists(context.Background(), p.stateKey(v)).Result(); n != 0 {
				t.Fatalf("step %d, %s: session still stored after cancel", i+1, how)
			}
			p.send("/cancel")
			p.expect("There is nothing to cancel.")
		}
	}
	if n := len(v.trip.completed()); n != 0 {
		t.Fatalf("%d dialogs completed; cancelled ones must not", n)
	}
}

func TestStaleAndForgedButtonsChangeNothing(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 3001)
	ctx := context.Background()
	p.send("/trip")
	first := p.prompt
	firstID := p.promptID
	p.press("Beta")
	before, _ := v.rdb.Get(ctx, p.stateKey(v)).Result()
	v.rdb.PExpire(ctx, p.stateKey(v), 23*time.Hour)

	check := func(what, data string) {
		t.Helper()
		out := p.pressData(data, firstID)
		if n, ok := p.notice(); !ok || n != "This button has expired." || len(out) != 1 {
			t.Fatalf("%s: outputs %+v, want only the stale notice", what, out)
		}
		if after, _ := v.rdb.Get(ctx, p.stateKey(v)).Result(); after != before {
			t.Fatalf("%s changed the session", what)
		}
		// The TTL was set to 23 h below: a stale press must not renew it either.
		if ttl, _ := v.rdb.PTTL(ctx, p.stateKey(v)).Result(); ttl > 23*time.Hour {
			t.Fatalf("%s renewed the session's TTL to %v", what, ttl)
		}
	}
	alpha, _ := findButton(first, "Alpha")
	check("a choice from an earlier step", alpha.Data)
	check("garbage", "~trip|zzzzzz|1|cX")
	check("not a dialog button", "sign:42")
	check("a forged value", strings.Replace(alpha.Data, "|ca", "|cz", 1))
	check("a truncated one", alpha.Data[:len(alpha.Data)-3])

	// A button from an earlier run of the same dialog.
	p.send("/cancel")
	p.send("/trip")
	before, _ = v.rdb.Get(ctx, p.stateKey(v)).Result()
	v.rdb.PExpire(ctx, p.stateKey(v), 23*time.Hour)
	check("a choice from an earlier run", alpha.Data)

	// A choice whose value is on no list, with the right instance and sequence.
	cur, _ := findButton(p.prompt, "Alpha")
	check("an unoffered value on the current prompt", strings.Replace(cur.Data, "|ca", "|cq", 1))
}

func TestCommandsInTheMiddleOfADialog(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 4001)
	p.send("/trip")
	p.press("Alpha")

	p.send("/help")
	p.expect("You can use:", "test.desc")
	p.send("/frobnicate")
	p.expect("There is no /frobnicate command.", "test.desc")

	p.send("/other")
	p.expect("You have not finished /trip. Abandon it and start /other?")
	p.send("some text")
	p.expect("Please press a button above first")
	p.press("No")
	p.expect("test.desc")
	p.send("the bridge on route 3 is cracked")
	p.expect("test.where")

	p.send("/trip")
	p.expect("You have not finished /trip. Abandon it and start /trip?")
	p.press("Yes")
	p.expect("test.kind")
	if got := labels(p.prompt); strings.Join(got, ",") != "Alpha,Beta,✖ Cancel" {
		t.Fatalf("a fresh start: buttons %q", got)
	}
	p.send("/other")
	p.press("Yes")
	p.expect("test.other")
	p.send("anything will do")
	p.expect("test.other.done")
}

func TestRedeliveredUpdateIsANoOp(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 5001)
	p.send("/trip")
	in := dialog.Input{UpdateID: updateIDs.Add(1), Kind: dialog.KindButton,
		Data: mustButton(t, p.prompt, "Alpha").Data, CallbackID: "cb", MessageID: p.promptID}
	p.input(in)
	p.expect("test.desc")
	state, _ := v.rdb.Get(context.Background(), p.stateKey(v)).Result()
	if out := p.input(in); len(out) != 0 {
		t.Fatalf("redelivery gave %+v", out)
	}
	// Another engine (a second replica) also drops it.
	p.e = v.engine(t, dialog.Options{})
	if out := p.input(in); len(out) != 0 {
		t.Fatalf("redelivery to another replica gave %+v", out)
	}
	if after, _ := v.rdb.Get(context.Background(), p.stateKey(v)).Result(); after != state {
		t.Fatal("the redelivery changed the session")
	}
}

func mustButton(t *testing.T, o dialog.Output, label string) dialog.Button {
	t.Helper()
	b, ok := findButton(o, label)
	if !ok {
		t.Fatalf("no button %q", label)
	}
	return b
}

func TestExpiredSessionIsToldPlainly(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{StateTTL: 300 * time.Millisecond})
	p := v.person(t, e, 6001)
	p.send("/trip")
	old := p.prompt
	oldID := p.promptID
	p.press("Alpha")
	waitGone(t, v, p.stateKey(v))

	p.send("the bridge on route 3 is cracked")
	p.expect("What you were doing has expired, and what you entered was not kept. Send /trip to start again.")
	// Told once; afterwards it is plain unknown input.
	p.send("the bridge on route 3 is cracked")
	p.expect("I did not understand that.")

	p.send("/trip")
	waitGone(t, v, p.stateKey(v))
	p.pressData(mustButton(t, old, "Beta").Data, oldID)
	if n, _ := p.notice(); n != "This has expired." {
		t.Fatalf("press on an expired dialog: notice %q", n)
	}
	p.expect("What you were doing has expired")
}

func waitGone(t *testing.T, v *env, key string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := v.rdb.Exists(context.Background(), key).Result()
		if err == nil && n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not expire", key)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRestartResumesTheDialog(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	p := v.person(t, v.engine(t, dialog.Options{}), 7001)
	p.send("/trip")
	p.press("Beta")
	p.send("the bridge on route 3 is cracked")
	// A new process: new engine, nothing in memory, the same Redis.
	p.e = v.engine(t, dialog.Options{})
	p.press("Skip")
	p.expect("test.summary")
	p.press("✔ Confirm")
	if done := v.trip.completed(); len(done) != 1 || done[0]["desc"] != "the bridge on route 3 is cracked" || done[0]["kind"] != "b" {
		t.Fatalf("after a restart: %+v", done)
	}
}

func TestFlushedRedisMidDialog(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 8001)
	p.send("/trip")
	p.press("Alpha")
	prompt, promptID := p.prompt, p.promptID
	flush(t, v)
	p.send("the bridge on route 3 is cracked")
	p.expect("I did not understand that. If you were in the middle of something, it may have expired")
	p.pressData(mustButton(t, prompt, "✖ Cancel").Data, promptID)
	p.expect("What you were doing has expired, and what you entered was not kept. Send /trip to start again.")
	p.send("/trip")
	p.expect("test.kind")
}

func TestUnreadableOrOutdatedSessionIsReset(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	ctx := context.Background()
	p := v.person(t, e, 9001)
	p.send("/trip")
	for _, garbage := range []string{"{not json", `{"v":99,"d":"trip","s":"kind","id":"abcdef"}`, `{"v":1,"d":"gone","dv":1,"s":"x","id":"abcdef"}`, `{"v":1,"d":"trip","dv":0,"s":"kind","id":"abcdef"}`} {
		if err := v.rdb.Set(ctx, p.stateKey(v), garbage, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		p.send("hello")
		if got := p.texts(); len(got) != 1 || !(strings.Contains(got[0], "expired") || strings.Contains(got[0], "updated")) {
			t.Fatalf("%s: got %q, want one message that the dialog is over", garbage, got)
		}
		if n, _ := v.rdb.Exists(ctx, p.stateKey(v)).Result(); n != 0 {
			t.Fatalf("%s: the bad session is still stored", garbage)
		}
	}
	// An outdated version says the system was updated and how to start again.
	v.rdb.Set(ctx, p.stateKey(v), `{"v":1,"d":"trip","dv":0,"s":"kind","id":"abcdef"}`, time.Hour)
	p.send("/trip")
	p.expect("The system was updated", "test.kind")
}

func TestDoneFailureKeepsTheConfirmStep(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 9101)
	tripToConfirm(p)
	v.trip.failNext = errors.New("postgres went away")
	p.press("✔ Confirm")
	p.expect("The system is busy", "test.summary")
	v.trip.failNext = &dialog.Refusal{MessageID: dialog.MsgNothingToCancel}
	p.press("✔ Confirm")
	p.expect("There is nothing to cancel.", "test.summary")
	p.press("✔ Confirm")
	p.expect("test.done")
	if n := len(v.trip.completed()); n != 1 {
		t.Fatalf("%d completions, want 1", n)
	}
}

func TestTextUpToTheTelegramMaximum(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 9201)
	p.send("/other")
	p.send(strings.Repeat("字", 4097))
	p.expect("That is too long (4097 characters); at most 4096", "test.other")
	p.send(strings.Repeat("字", 4096))
	p.expect("test.other.done")
}

func TestRegisterRefusesBadDeclarations(t *testing.T) {
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	for name, d := range map[string]*dialog.Dialog{
		"same name":     {Name: "trip", Command: "x1", Steps: []*dialog.Step{{Name: "a", Prompt: "p"}}, Done: other().Done},
		"same command":  {Name: "t2", Command: "trip", Steps: []*dialog.Step{{Name: "a", Prompt: "p"}}, Done: other().Done},
		"builtin":       {Name: "t3", Command: "cancel", Steps: []*dialog.Step{{Name: "a", Prompt: "p"}}, Done: other().Done},
		"long name":     {Name: "muchtoolong", Command: "x4", Steps: []*dialog.Step{{Name: "a", Prompt: "p"}}, Done: other().Done},
		"no steps":      {Name: "t5", Command: "x5", Done: other().Done},
		"twin steps":    {Name: "t6", Command: "x6", Steps: []*dialog.Step{{Name: "a", Prompt: "p"}, {Name: "a", Prompt: "p"}}, Done: other().Done},
		"min above max": {Name: "t7", Command: "x7", Steps: []*dialog.Step{{Name: "a", Prompt: "p", MinLen: 10, MaxLen: 5}}, Done: other().Done},
	} {
		if err := e.Register(d); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
}

func TestAStepMayTakeCommands(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	var got []string
	if err := e.Register(&dialog.Dialog{Name: "cmds", Command: "cmds", Version: 1,
		Steps: []*dialog.Step{{Name: "c", Prompt: "test.cmd", Accepts: []dialog.Kind{dialog.KindCommand},
			Save: func(s *dialog.Session, in dialog.Input) { got = append(got, in.Command+":"+in.Args) }}},
		Done: func(context.Context, *dialog.Session) (dialog.Reply, error) {
			return dialog.Reply{MessageID: "test.cmd.done"}, nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	p := v.person(t, e, 9301)
	p.send("/cmds")
	p.send("/help") // built-in commands keep their meaning
	p.expect("You can use:", "test.cmd")
	p.send("/pick 42")
	p.expect("test.cmd.done")
	if len(got) != 1 || got[0] != "pick:42" {
		t.Fatalf("the step got %q", got)
	}
}

func TestLanguageChosenWithLangIsRemembered(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	var kept []string
	e.OnLang(func(_ context.Context, userID int64, lang string) error {
		kept = append(kept, fmt.Sprintf("%d:%s", userID, lang))
		return nil
	})
	p := v.person(t, e, 9401)
	zh := func(text string) []dialog.Output {
		return p.input(dialog.Input{Kind: dialog.KindCommand, Command: strings.TrimPrefix(text, "/"), LangCode: "zh-hans"})
	}
	p.send("/trip") // a dialog open meanwhile is kept and shown again
	out := p.input(dialog.Input{Kind: dialog.KindCommand, Command: "lang", LangCode: "zh-hans"})
	if len(out) != 1 || len(out[0].Buttons) != 1 {
		t.Fatalf("/lang = %+v", out)
	}
	choice := out[0].Buttons[0][1]
	out = p.input(dialog.Input{Kind: dialog.KindButton, Data: choice.Data, CallbackID: "cb", MessageID: 9, LangCode: "zh-hans"})
	if !strings.Contains(fmt.Sprint(out), "Switched to English.") || !strings.Contains(fmt.Sprint(out), "test.kind") {
		t.Fatalf("choosing English: %+v", out)
	}
	if len(kept) != 1 || kept[0] != "9401:en" {
		t.Fatalf("kept %v", kept)
	}
	// The Telegram client says Chinese; the choice wins, also after a restart.
	if zh("/help"); !strings.HasPrefix(p.texts()[0], "You can use:") {
		t.Fatalf("after choosing: %q", p.texts())
	}
	p.e = v.engine(t, dialog.Options{})
	if zh("/help"); !strings.HasPrefix(p.texts()[0], "You can use:") {
		t.Fatalf("after a restart: %q", p.texts())
	}
	out = p.input(dialog.Input{Kind: dialog.KindButton, Data: "lang:fr", CallbackID: "cb2", LangCode: "zh-hans"})
	if len(out) != 1 || out[0].Notice == "" || out[0].Text != "" {
		t.Fatalf("a forged language: %+v", out)
	}
}

// Every answer is checked the way it will be shown: lengths in UTF-16 units as Telegram
// counts them (an emoji is two, and the message says so), control and broken characters
// refused, invisible characters counted as nothing, locations off the globe refused.
// Nothing refused reaches the dialog.
func TestAnswersAreCheckedAsTelegramShowsThem(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	p := v.person(t, e, 9301)
	p.send("/trip")
	p.press("Alpha")
	p.expect("test.desc")
	p.send(strings.Repeat("🔌", 26))
	p.expect("That is too long (52 characters, an emoji counting as two); at most 50", "test.desc")
	p.send("🔌🔌🔌🔌a")
	p.expect("That is too short (9 characters, an emoji counting as two); at least 10", "test.desc")
	for _, bad := range []string{"the bridge\x00 is cracked", "the bridge is cracked\r\x07", "the bridge \ufffd is cracked",
		"the \u202ebridge is cracked", "the bridge is \xffcracked"} {
		p.send(bad)
		p.expect("That contains control characters", "test.desc")
	}
	p.send("\u200b\u200c\u200d\ufeff\u3000\u00a0\u2060\u3164")
	p.expect("This cannot be empty", "test.desc")
	p.send("/other the\x00ticket")
	p.expect("That contains control characters", "test.desc")
	p.pressData("~trip|abcdef|3|ca\x00", p.promptID)
	if n, _ := p.notice(); n != "This button has expired." {
		t.Fatalf("forged data answered %q", n)
	}
	p.send("🔌🔌🔌🔌ab\ttab")
	p.expect("test.where")
	// (Not finite is refused too, by the same store.ValidLocation; JSON, and so Telegram,
	// cannot carry it.)
	for _, at := range [][2]float64{{90.5, 0}, {0, -181}, {-1e308, 10}, {10, math.MaxFloat64}} {
		p.input(dialog.Input{Kind: dialog.KindLocation, Location: &dialog.Location{Latitude: at[0], Longitude: at[1]}})
		p.expect("That is not a valid location", "test.where")
	}
	p.input(dialog.Input{Kind: dialog.KindLocation, Location: &dialog.Location{Latitude: -90, Longitude: 180}})
	p.expect("test.summary")
	p.press("✔ Confirm")
	done := v.trip.completed()
	if len(done) != 1 || done[0]["desc"] != "🔌🔌🔌🔌ab\ttab" || done[0]["where"] != "-90.000000,180.000000" {
		t.Fatalf("Done saw %+v", done)
	}
}

// Whatever the engine renders, what leaves fits one message: a summary around the longest
// answer, a reply around a field of any length, and what echoes an overlong command give way
// without a character cut.
func TestAnOverlongSummaryIsFitted(t *testing.T) {
	const addSummary = "add_summary" // a summary of locales/ around a text of any length
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	long := &dialog.Dialog{Name: "long", Command: "long", Version: 1,
		Steps: []*dialog.Step{{Name: "text", Prompt: "test.text"}},
		Summary: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: addSummary, Data: map[string]any{"Text": s.Get("text"), "TicketNo": "XC-1"}}
		},
		Done: func(_ context.Context, s *dialog.Session) (dialog.Reply, error) {
			return dialog.Reply{MessageID: dialog.MsgErrTooLong, Data: map[string]any{"Len": strings.Repeat("🔌", 3000)}}, nil
		}}
	if err := e.Register(long); err != nil {
		t.Fatal(err)
	}
	p := v.person(t, e, 9302)
	// What the engine says of what was typed, however long, fits too.
	p.send("/" + strings.Repeat("x", 5000))
	if got := p.texts(); len(got) != 1 || !strings.HasPrefix(got[0], "There is no /xxx") || intake.Len(got[0]) > dialog.MaxText {
		t.Fatalf("an unknown command of 5,000 characters answered with %d messages, the first %d units", len(got), intake.Len(got[0]))
	}
	p.send("/long")
	p.send(strings.Repeat("🔌", 2048))
	for _, step := range []string{"summary", "done"} {
		got := p.texts()
		if len(got) != 1 || intake.Len(got[0]) > dialog.MaxText || !utf8.ValidString(got[0]) || !strings.Contains(got[0], "🔌🔌🔌…") {
			t.Fatalf("%s: %d messages, the first %d units", step, len(got), intake.Len(got[0]))
		}
		if step == "summary" {
			p.press("✔ Confirm")
		}
	}
}

// Every key the engine keeps for a person expires: sessions, markers, the language (chosen or
// not), the chat's queue and its record of applied updates. A chosen language that Redis no
// longer holds is found again where it is kept for good, and kept with the chat again.
func TestPerPersonKeysExpireAndTheChosenLanguageComesBack(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	stored := map[int64]string{}
	var lookups int
	e.OnLang(func(_ context.Context, userID int64, lang string) error { stored[userID] = lang; return nil })
	e.LangFrom(func(_ context.Context, userID int64) (string, error) { lookups++; return stored[userID], nil })
	ctx := context.Background()

	stranger := v.person(t, e, 9501)
	stranger.input(dialog.Input{Kind: dialog.KindCommand, Command: "help", LangCode: "zh-hans"})
	joined := v.person(t, e, 9502)
	out := joined.input(dialog.Input{Kind: dialog.KindCommand, Command: "lang", LangCode: "zh-hans"})
	joined.input(dialog.Input{Kind: dialog.KindButton, Data: out[0].Buttons[0][1].Data, CallbackID: "cb", MessageID: 1, LangCode: "zh-hans"})
	joined.send("/trip")

	var keys []string
	iter := v.rdb.Scan(ctx, 0, v.prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if len(keys) < 6 { // sessions, markers, languages, records of applied updates
		t.Fatalf("only %d keys: %q", len(keys), keys)
	}
	for _, k := range keys {
		if strings.HasSuffix(k, "}:pending") {
			continue // the list of chats in hand, emptied as they settle: no one's own
		}
		if ttl, err := v.rdb.PTTL(ctx, k).Result(); err != nil || ttl <= 0 {
			t.Errorf("key %s does not expire (%v, %v)", k, ttl, err)
		}
	}
	lk := func(id int64) string { return v.prefix + "{1:" + itoa(id) + "}:l:" + itoa(id) }
	if got, _ := v.rdb.Get(ctx, lk(9501)).Result(); got != "-" {
		t.Fatalf("a stranger's language key holds %q; want none known", got)
	}
	if ttl, _ := v.rdb.PTTL(ctx, lk(9501)).Result(); ttl > 24*time.Hour {
		t.Fatalf("none known is kept %s; want at most a day, to ask again", ttl)
	}
	if ttl, _ := v.rdb.PTTL(ctx, lk(9502)).Result(); ttl < 29*24*time.Hour {
		t.Fatalf("a chosen language is kept %s; want a month from the last word", ttl)
	}

	// Redis forgets the choice (expired, or flushed): the next answer is still in English.
	v.rdb.Del(ctx, lk(9502))
	before := lookups
	joined.input(dialog.Input{Kind: dialog.KindCommand, Command: "help", LangCode: "zh-hans"})
	if got := joined.texts(); !strings.HasPrefix(got[0], "You can use:") || lookups != before+1 {
		t.Fatalf("after Redis forgot the choice: %q (%d lookups); want English, found again", got, lookups-before)
	}
	joined.input(dialog.Input{Kind: dialog.KindCommand, Command: "help", LangCode: "zh-hans"})
	if lookups != before+1 {
		t.Fatalf("the language was looked up %d times; want once, then kept with the chat again", lookups-before)
	}
}
