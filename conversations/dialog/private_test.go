package dialog_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bangban/bangban/conversations/dialog"
)

// In a group nothing personal happens: every command, whatever it asks for (an invite's
// /start, a dialog, a command of a feature, /help, /lang), is answered with the pointer to
// the private chat and its link button; a pressed button gets a notice on the press and
// nothing else; other messages get nothing. No hook runs, no dialog begins, and the person's
// dialog in their private chat goes on untouched.
func TestGroupsGetOnlyThePointerToThePrivateChat(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	e.SetBotUsername("demo_bot")
	var hooks atomic.Int64
	count := func(context.Context, dialog.Call) ([]dialog.Reply, error) {
		hooks.Add(1)
		return []dialog.Reply{{MessageID: "test.done"}}, nil
	}
	e.OnStart(count)
	if err := e.RegisterCommand("mine", count); err != nil {
		t.Fatal(err)
	}
	if err := e.RegisterButton("case", count); err != nil {
		t.Fatal(err)
	}

	const group = -1000000000777
	p := v.person(t, e, 5101)
	p.send("/trip")
	p.expect("test.kind")
	private := p.prompt
	// A dialog left open in the group from before groups were refused.
	ctx := context.Background()
	groupKey := v.prefix + "{1:" + itoa(group) + "}:s:" + itoa(p.id)
	raw, err := v.rdb.Get(ctx, p.stateKey(v)).Result()
	if err != nil {
		t.Fatal(err)
	}
	v.rdb.Set(ctx, groupKey, raw, 0)

	in := func(in dialog.Input) []dialog.Output {
		t.Helper()
		in.UpdateID, in.ChatID, in.UserID, in.FirstName, in.LangCode, in.Group = updateIDs.Add(1), group, p.id, "Tester", "en", true
		out, err := e.Handle(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, cmd := range []struct{ name, args string }{{"start", "AbCdEfGhIjKlMnOpQrStUv"}, {"start", ""}, {"trip", ""}, {"mine", ""},
		{"help", ""}, {"lang", ""}, {"cancel", ""}, {"nosuch", ""}} {
		out := in(dialog.Input{Kind: dialog.KindCommand, Command: cmd.name, Args: cmd.args, Text: "/" + cmd.name})
		if len(out) != 1 || out[0].ChatID != group || !strings.Contains(out[0].Text, "Tester, everyone in this group can read") ||
			len(out[0].Buttons) != 1 || len(out[0].Buttons[0]) != 1 || out[0].Buttons[0][0].URL != "https://t.me/demo_bot" ||
			out[0].Buttons[0][0].Data != "" || out[0].Menu != nil {
			t.Errorf("/%s in a group: %+v", cmd.name, out)
		}
	}
	for _, data := range []string{"case:XC-20261124-0001", private.Buttons[0][0].Data, "lang:en"} {
		out := in(dialog.Input{Kind: dialog.KindButton, Data: data, CallbackID: "q1", MessageID: 3})
		if len(out) != 1 || out[0].CallbackID != "q1" || out[0].Notice != "Please message me privately." || out[0].Text != "" || out[0].ChatID != 0 {
			t.Errorf("button %q in a group: %+v", data, out)
		}
	}
	for _, kind := range []dialog.Kind{dialog.KindText, dialog.KindPhoto, dialog.KindLocation} {
		if out := in(dialog.Input{Kind: kind, Text: "Alpha"}); len(out) != 0 {
			t.Errorf("%s in a group answered %+v", kind, out)
		}
	}
	if n := hooks.Load(); n != 0 {
		t.Errorf("%d hooks ran for a group", n)
	}
	if n, _ := v.rdb.Exists(ctx, groupKey).Result(); n != 0 {
		t.Errorf("the dialog left open in the group is still there")
	}

	// The private dialog is where it was.
	p.press("Beta")
	p.expect("test.desc")

	// Without the bot's username the pointer comes without its button.
	e2 := v.engine(t, dialog.Options{})
	out, err := e2.Handle(context.Background(), dialog.Input{UpdateID: updateIDs.Add(1), ChatID: group, UserID: 5102, FirstName: "Li",
		LangCode: "zh-hans", Group: true, Kind: dialog.KindCommand, Command: "help"})
	if err != nil || len(out) != 1 || !strings.Contains(out[0].Text, "请私聊我") || out[0].Buttons != nil {
		t.Fatalf("without the username: %+v %v", out, err)
	}
}

// An input that names no person does nothing.
func TestAnInputWithoutAPersonDoesNothing(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	e := v.engine(t, dialog.Options{})
	out, err := e.Handle(context.Background(), dialog.Input{UpdateID: updateIDs.Add(1), ChatID: 5201, Kind: dialog.KindCommand, Command: "trip"})
	if err != nil || len(out) != 0 {
		t.Fatalf("no person: %+v %v", out, err)
	}
}
