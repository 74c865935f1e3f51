package dialog

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/bangban/bangban/intake"
)

// run is the application of one input: what it reads and what it answers.
type run struct {
	e    *Engine
	ctx  context.Context
	in   Input
	lang string
	st   *state // nil when no dialog is open
	outs []Output
	// marker is the dialog the person last had open, remembered beyond the session's TTL.
	marker     string
	markerMode string
	// untouched is set when the input changed nothing (a stale press): the session is left
	// as stored, its TTL included.
	untouched bool
	// chosen is a language chosen now with /lang, to store.
	chosen string
	// pressed is, plus one, the index in outs of the edit that takes the buttons off the
	// prompt just pressed, which the next prompt may replace instead; keepPressed is set when
	// that prompt must stay as it reads (a confirm summary).
	pressed     int
	keepPressed bool
	// asked is the message the open dialog's latest prompt went out as (0 when unknown), of
	// the run askedID at its place askedSeq: when the input answers it other than by a press
	// on it, its buttons are taken off once they no longer apply.
	asked    int64
	askedID  string
	askedSeq int
}

// apply computes the outputs of one input and the change to the session; asked is the message
// the session's latest prompt went out as ("instance|message id", "" unknown). It does no
// Redis I/O of its own: the commit stores what it returns.
func (e *Engine) apply(ctx context.Context, in Input, raw []byte, marker, chosen, asked string) ([]Output, effect) {
	lang := e.tr.Match(in.LangCode)
	if IsLanguage(chosen) {
		lang = chosen // chosen with /lang, over the Telegram language
	}
	r := &run{e: e, ctx: ctx, in: in, lang: lang, marker: marker, markerMode: "keep"}
	stored := raw != nil
	if in.UserID == 0 {
		// No one person sent it; the platform's adapter drops such updates before they get
		// here, and nothing is done for them if one does.
		return nil, effect{stateMode: "keep", markerMode: "keep"}
	}
	if in.Group {
		r.privateOnly()
		ef := effect{stateMode: "keep", markerMode: "keep"}
		if stored {
			ef.stateMode = "del" // a dialog begun in a group before groups were refused
		}
		return r.outs, ef
	}
	if stored {
		st, err := decodeState(raw)
		if err != nil {
			e.log.WarnContext(ctx, "unreadable session reset", "chat", in.ChatID, "error", err)
			r.expired(r.markerDialog())
		} else {
			r.st = st
			r.remember(asked)
			r.checkVersion()
		}
		if r.st == nil && in.Kind != KindCommand {
			// Told above that the dialog is gone; a command still does what it says.
			return r.finish(stored)
		}
	}
	switch in.Kind {
	case KindCommand:
		r.command()
	case KindButton:
		r.button()
	default:
		r.answer()
	}
	return r.finish(stored)
}

func (r *run) finish(stored bool) ([]Output, effect) {
	r.clearAsked()
	// Whatever was rendered, nothing leaves longer than Telegram carries.
	for i := range r.outs {
		r.outs[i] = FitOutput(r.outs[i])
	}
	ef := effect{stateMode: "keep", markerMode: r.markerMode, marker: r.marker, lang: r.chosen}
	switch {
	case r.untouched:
		return r.outs, effect{stateMode: "keep", markerMode: "keep", lang: r.chosen}
	case r.st != nil:
		b, err := encodeState(r.st)
		if err != nil {
			r.e.log.ErrorContext(r.ctx, "encode session", "error", err)
			return r.e.tryAgain(r.in), effect{stateMode: "keep", markerMode: "keep"}
		}
		ef.stateMode, ef.state = "set", b
		ef.markerMode, ef.marker = "set", r.st.Dialog
	case stored:
		ef.stateMode = "del"
	}
	return r.outs, ef
}

// remember takes the message the session's latest prompt went out as, if it was a prompt of
// this run of the dialog (a remembered prompt of an earlier run says nothing now).
func (r *run) remember(asked string) {
	inst, msg, ok := strings.Cut(asked, "|")
	id, err := strconv.ParseInt(msg, 10, 64)
	if !ok || err != nil || inst != r.st.ID {
		return
	}
	r.asked, r.askedID, r.askedSeq = id, r.st.ID, r.st.Seq
}

// clearAsked takes the buttons off the dialog's latest prompt when this input answered it
// other than by pressing it (the person typed, or pressed another message) and they no longer
// apply: another prompt was shown, or the dialog ended. It goes first, before whatever comes
// next, so that the chat never shows two prompts to press. A pressed prompt has its own edit
// (answered), and a press refused as stale changes nothing.
func (r *run) clearAsked() {
	if r.asked == 0 || r.untouched || (r.in.Kind == KindButton && r.in.MessageID == r.asked) {
		return
	}
	if r.st != nil && r.st.ID == r.askedID && r.st.Seq == r.askedSeq {
		return // still the prompt to answer
	}
	at := 0
	if len(r.outs) > 0 && r.outs[0].CallbackID != "" {
		at = 1 // a press is answered first, as Telegram waits for that
	}
	r.outs = slices.Insert(r.outs, at, Output{ChatID: r.in.ChatID, EditMessageID: r.asked, ClearButtons: true})
}

func (r *run) t(id string, data map[string]any) string { return r.e.tr.T(r.lang, id, data) }

func (r *run) say(id string, data map[string]any) {
	r.outs = append(r.outs, Output{ChatID: r.in.ChatID, Text: r.t(id, data)})
}

// notice answers a button press with a short notice, or silently when id is "".
func (r *run) notice(id string) {
	o := Output{CallbackID: r.in.CallbackID}
	if id != "" {
		o.Notice = r.t(id, nil)
	}
	r.outs = append(r.outs, o)
}

// stale refuses a press that is not for the current prompt; nothing changes, not even the
// session's TTL.
func (r *run) stale() {
	r.notice(MsgStaleButton)
	r.untouched = true
}

func (r *run) markerDialog() *Dialog { return r.e.dialogs[r.marker] }

// expired tells the person plainly that their dialog is gone and how to start it again.
func (r *run) expired(d *Dialog) {
	r.st = nil
	r.marker, r.markerMode = "", "del"
	if r.in.Kind == KindButton {
		r.notice(MsgDialogExpiredNotice)
	}
	if d != nil {
		r.say(MsgDialogExpired, map[string]any{"Command": "/" + d.Command})
		return
	}
	r.say(MsgDialogExpiredAny, nil)
}

// checkVersion migrates or resets a session written for an older version of its dialog.
func (r *run) checkVersion() {
	d := r.e.dialogs[r.st.Dialog]
	if d == nil {
		r.e.log.WarnContext(r.ctx, "session of an unknown dialog reset", "dialog", r.st.Dialog)
		r.reset(nil)
		return
	}
	if r.st.DV == d.Version {
		return
	}
	if r.st.DV < d.Version && d.Migrate != nil {
		s := r.session()
		if err := d.Migrate(s, r.st.DV); err == nil {
			r.st.DV, r.st.Data, r.st.Files = d.Version, s.Data, s.Files
			return
		}
	}
	r.reset(d)
}

// reset ends a session the code can no longer continue, and says so.
func (r *run) reset(d *Dialog) {
	r.st = nil
	r.marker, r.markerMode = "", "del"
	if r.in.Kind == KindButton {
		r.notice(MsgDialogExpiredNotice)
	}
	data := map[string]any{"Command": "/help"}
	if d != nil {
		data["Command"] = "/" + d.Command
	}
	r.say(MsgDialogUpdated, data)
}

func (r *run) session() *Session {
	s := &Session{ChatID: r.in.ChatID, UserID: r.in.UserID, FirstName: r.in.FirstName, Lang: r.lang, UpdateID: r.in.UpdateID}
	if r.st != nil {
		s.Dialog, s.Step, s.Data, s.Files, s.Instance = r.st.Dialog, r.st.Step, r.st.Data, r.st.Files, r.st.ID
	}
	return s
}

func (r *run) command() {
	if intake.Check(r.in.Args) != nil {
		// A ticket number or a code never holds control characters.
		r.say(MsgErrUnusable, nil)
		r.reprompt()
		return
	}
	switch r.in.Command {
	case "cancel":
		if r.st == nil {
			r.say(MsgNothingToCancel, nil)
			return
		}
		r.cancel()
		return
	case "help":
		r.help()
		r.reprompt()
		return
	case "lang":
		r.outs = append(r.outs, Output{ChatID: r.in.ChatID, Text: r.t(MsgLangAsk, nil),
			Buttons: [][]Button{{{Text: "中文", Data: "lang:" + LangZH}, {Text: "English", Data: "lang:" + LangEN}}}})
		return
	case "start":
		if r.in.Args != "" && r.e.onStart != nil {
			// Joining, or a new role, sets the chat's menu through the store's job.
			r.call(r.e.onStart)
		} else {
			r.say(MsgWelcome, map[string]any{"Name": r.in.FirstName})
		}
		r.reprompt()
		return
	}
	if fn := r.e.plain[r.in.Command]; fn != nil {
		r.call(fn)
		r.reprompt()
		return
	}
	d := r.e.commands[r.in.Command]
	if d == nil && r.st != nil && r.st.Pending == "" && r.st.Step != confirmStep {
		if st := r.current(); st != nil && st.accepts(KindCommand) {
			// A step may take commands as answers of its own.
			r.answer()
			return
		}
	}
	if d == nil {
		r.say(MsgUnknownCommand, map[string]any{"Command": "/" + r.in.Command})
		r.reprompt()
		return
	}
	// A dialog's command may name what it is about (/rate XC-20261124-0007), as its
	// button would.
	arg := strings.TrimSpace(r.in.Args)
	if r.st != nil {
		r.askAbandon(d, arg)
		return
	}
	r.begin(d, arg)
}

// askAbandon asks, when another dialog is asked for mid-dialog, before throwing away what
// was entered.
func (r *run) askAbandon(d *Dialog, arg string) {
	cur := r.e.dialogs[r.st.Dialog]
	r.st.Pending, r.st.PendingArg = d.Name, arg
	r.st.Seq++
	r.outs = append(r.outs, Output{ChatID: r.in.ChatID,
		Text:    r.t(MsgAbandonAsk, map[string]any{"Current": "/" + cur.Command, "Next": "/" + d.Command}),
		Buttons: [][]Button{{r.btn(MsgBtnYes, actYes, ""), r.btn(MsgBtnNo, actNo, "")}}, Prompt: r.st.ID})
}

// commands are the commands the person may use, or nil without the hook or when it fails
// (the caller then falls back to what everyone may use).
func (r *run) commands() []string {
	if r.e.commandsFor == nil {
		return nil
	}
	cmds, err := r.e.commandsFor(r.ctx, r.in.UserID)
	if err != nil {
		r.e.log.WarnContext(r.ctx, "commands of a person", "chat", r.in.ChatID, "error", err)
		return nil
	}
	return cmds
}

// help lists what the person can do here, for their roles.
func (r *run) help() {
	cmds := r.commands()
	if cmds == nil {
		r.say(MsgHelp, nil)
		return
	}
	var b strings.Builder
	for _, c := range r.e.tr.Menu(r.lang, cmds) {
		b.WriteString("\n/" + c.Command + " — " + c.Description)
	}
	r.say(MsgHelpList, map[string]any{"Commands": b.String()})
}

// menu sets the chat's command menu to the person's commands, in the chat's language.
func (r *run) menu() {
	cmds := r.commands()
	if cmds == nil {
		return
	}
	r.outs = append(r.outs, Output{ChatID: r.in.ChatID, Menu: r.e.tr.Menu(r.lang, cmds)})
}

// reprompt shows the open dialog's question again, after a command that interrupted it.
func (r *run) reprompt() {
	if r.st != nil && r.st.Pending == "" {
		r.prompt()
	}
}

// begin opens a dialog; arg is what the button that started it carried, if any.
func (r *run) begin(d *Dialog, arg string) {
	r.st = &state{V: stateVersion, Dialog: d.Name, DV: d.Version, Step: d.Steps[0].Name, ID: newInstanceID(),
		Data: map[string]string{}, Files: map[string][]File{}}
	if arg != "" {
		r.st.Data["arg"] = arg
	}
	if d.Begin != nil {
		if err := d.Begin(r.ctx, r.session()); err != nil {
			r.st = nil
			r.fail(err)
			return
		}
	}
	if d.First != nil {
		if first := d.First(r.session()); first != "" {
			r.st.Step = first
		}
	}
	r.prompt()
}

// call runs a command handler and shows its replies.
func (r *run) call(fn CommandFunc) {
	replies, err := fn(r.ctx, Call{Input: r.in, Lang: r.lang})
	if err != nil {
		r.fail(err)
		return
	}
	for _, rep := range replies {
		r.reply(rep)
	}
}

func (r *run) reply(rep Reply) { r.outs = append(r.outs, r.output(rep)) }

// output is how a Reply is shown: its text in the person's language, fitted.
func (r *run) output(rep Reply) Output {
	limit := MaxText
	if rep.Photo != nil || rep.Document != nil || len(rep.Media) > 0 {
		limit = MaxCaption
	}
	o := Output{ChatID: r.in.ChatID, Buttons: rep.Buttons, Photo: rep.Photo, Document: rep.Document, Media: rep.Media, Location: rep.Location}
	if rep.MessageID != "" && rep.Location == nil {
		o.Text = r.e.tr.Fit(r.lang, rep.MessageID, rep.Data, limit)
	}
	if rep.Case != "" && len(rep.Buttons) > 0 {
		o.Case, o.Lang = rep.Case, r.lang
	}
	if rep.Edit && r.in.Kind == KindButton && r.in.MessageID != 0 {
		o.EditMessageID, o.Pressed, o.Forget = r.in.MessageID, true, r.pressedCase()
	}
	return o
}

// fail shows a dialog hook's error: a Refusal's own message, anything else "try again".
func (r *run) fail(err error) {
	var ref *Refusal
	if errors.As(err, &ref) {
		r.say(ref.MessageID, ref.Data)
		return
	}
	r.e.log.ErrorContext(r.ctx, "dialog step failed", "chat", r.in.ChatID, "update_id", r.in.UpdateID, "error", err)
	r.say(MsgTryAgain, nil)
}

func (r *run) cancel() {
	r.st = nil
	r.marker, r.markerMode = "", "del"
	r.show(Output{ChatID: r.in.ChatID, Text: r.t(MsgDialogCancelled, nil)})
}

func (r *run) dialog() *Dialog { return r.e.dialogs[r.st.Dialog] }

func (r *run) current() *Step {
	for _, s := range r.dialog().Steps {
		if s.Name == r.st.Step {
			return s
		}
	}
	return nil
}

func (r *run) button() {
	if intake.Check(r.in.Data) != nil {
		r.stale() // no button of ours carries such data
		return
	}
	if lang, ok := strings.CutPrefix(r.in.Data, "lang:"); ok {
		r.untouched = true
		if !IsLanguage(lang) {
			r.notice(MsgStaleButton)
			return
		}
		if r.e.onLang != nil {
			if err := r.e.onLang(r.ctx, r.in.UserID, lang); err != nil {
				r.fail(err)
				return
			}
		}
		r.chosen, r.lang = lang, lang
		r.notice("")
		r.outs = append(r.outs, Output{ChatID: r.in.ChatID, EditMessageID: r.in.MessageID, Pressed: true, Text: r.t(MsgLangSet, nil)})
		r.menu() // in the chosen language
		if r.st != nil && r.st.Pending == "" {
			// The open dialog's question again, in the chosen language: its buttons are the
			// ones to press now, so the session is stored with them.
			r.untouched = false
			r.prompt()
		}
		return
	}
	if prefix, arg, found := strings.Cut(r.in.Data, ":"); found && !IsDialogButton(r.in.Data) {
		if d := r.e.buttonDialogs[prefix]; d != nil {
			r.notice("")
			if r.st != nil {
				r.askAbandon(d, arg)
				return
			}
			r.begin(d, arg)
			return
		}
		if fn := r.e.buttons[prefix]; fn != nil {
			// Outside any dialog: the session, if one is open, is left as it is.
			r.untouched = true
			r.notice("")
			r.call(fn)
			return
		}
	}
	b, ok := parseButton(r.in.Data)
	if !ok {
		// Not a dialog button, or forged: nothing here acts on it.
		r.stale()
		return
	}
	if r.st == nil {
		r.expired(r.e.dialogs[b.Dialog])
		return
	}
	if b.Dialog != r.st.Dialog || b.ID != r.st.ID || b.Seq != r.st.Seq {
		r.stale()
		return
	}
	if r.st.Pending != "" {
		switch b.Act {
		case actYes:
			next, arg := r.e.dialogs[r.st.Pending], r.st.PendingArg
			r.answered()
			r.st = nil
			if next == nil {
				r.say(MsgDialogCancelled, nil)
				return
			}
			r.begin(next, arg)
		case actNo:
			r.st.Pending, r.st.PendingArg = "", ""
			r.answered()
			r.prompt()
		default:
			r.stale()
		}
		return
	}
	d := r.dialog()
	switch b.Act {
	case actCancel:
		r.answered()
		r.cancel()
	case actBack:
		if len(r.st.Hist) == 0 {
			r.stale()
			return
		}
		r.answered()
		r.st.Step = r.st.Hist[len(r.st.Hist)-1]
		r.st.Hist = r.st.Hist[:len(r.st.Hist)-1]
		r.prompt()
	case actConfirm:
		if r.st.Step != confirmStep {
			r.stale()
			return
		}
		r.answered()
		r.done(d)
	case actSkip, actDone:
		st := r.current()
		if st == nil || (b.Act == actSkip && !st.Optional) || (b.Act == actDone && st.More == nil) {
			r.stale()
			return
		}
		r.answered()
		if b.Act == actSkip {
			delete(r.st.Data, st.Name)
			delete(r.st.Files, st.Name)
		}
		r.advance(d, st)
	case actChoose:
		st := r.current()
		if st == nil || st.Choices == nil || !hasChoice(st.Choices(r.session()), b.Value) {
			// A value the step does not offer now: forged, or from a list that changed.
			r.stale()
			return
		}
		r.answered()
		in := r.in
		in.Text = b.Value
		if !r.validate(st, in) {
			return
		}
		r.save(st, in)
		r.advance(d, st)
	default:
		r.stale()
	}
}

func hasChoice(cs []Choice, v string) bool {
	for _, c := range cs {
		if c.Value == v {
			return true
		}
	}
	return false
}

// answered acknowledges a press and takes the buttons off the prompt it was on.
//
// When what comes next is another prompt of the dialog (or word that it was cancelled), it
// replaces the pressed prompt instead: one call to Telegram rather than two, and the chat
// keeps one live prompt. A confirm summary is not replaced by what comes next: what was
// confirmed stays readable, above the answer or, with a receipt, below it in the same message.
func (r *run) answered() {
	r.notice("")
	if r.in.MessageID != 0 {
		r.outs = append(r.outs, Output{ChatID: r.in.ChatID, EditMessageID: r.in.MessageID, Pressed: true, Forget: r.pressedCase(), ClearButtons: true})
		r.pressed = len(r.outs)
		r.keepPressed = r.st != nil && r.st.Step == confirmStep
	}
}

// pressedCase tells whether the message just pressed may carry a case's buttons: the press
// was not on a dialog's own prompt.
func (r *run) pressedCase() bool {
	return r.in.Kind == KindButton && !strings.HasPrefix(r.in.Data, buttonPrefix)
}

// show adds a dialog's message: in place of the prompt just pressed when nothing has been
// shown since and that prompt may go, else as a new message.
func (r *run) show(o Output) {
	if i := r.pressed - 1; i >= 0 && i == len(r.outs)-1 && !r.keepPressed {
		o.EditMessageID, o.Pressed, o.Forget = r.outs[i].EditMessageID, true, r.outs[i].Forget
		r.outs[i] = o
		r.pressed = 0
		return
	}
	r.outs = append(r.outs, o)
}

// answer takes a message (text, photo, location…) as the answer to the current step.
func (r *run) answer() {
	if r.st == nil {
		if d := r.markerDialog(); d != nil {
			r.expired(d)
			return
		}
		r.say(MsgUnknownInput, nil)
		return
	}
	if r.st.Pending != "" {
		r.say(MsgAbandonChoose, nil)
		return
	}
	d := r.dialog()
	if r.st.Step == confirmStep {
		r.say(MsgErrUseButtons, nil)
		r.prompt()
		return
	}
	st := r.current()
	if st == nil {
		r.reset(d)
		return
	}
	if !st.accepts(r.in.Kind) {
		if st.Choices != nil && len(st.Accepts) == 0 {
			r.say(MsgErrUseButtons, nil)
		} else {
			r.say(MsgErrWrongKind, nil)
		}
		r.prompt()
		return
	}
	if !r.validate(st, r.in) {
		return
	}
	r.save(st, r.in)
	if st.More != nil && st.More(r.session()) {
		r.prompt()
		return
	}
	r.advance(d, st)
}

// validate checks an answer's characters, length and place and the step's own rule; on
// failure it says why and asks again. Lengths are counted as Telegram counts them, so that
// what is accepted can be shown back.
func (r *run) validate(st *Step, in Input) bool {
	refuse := func(id string, data map[string]any) bool {
		r.say(id, data)
		r.prompt()
		return false
	}
	if in.Kind == KindText || (in.Kind == KindButton && st.accepts(KindText)) {
		text := strings.TrimSpace(in.Text)
		n := intake.Len(text)
		// Wide: some characters count twice (emoji), which the message then explains.
		wide := n != len([]rune(text))
		switch {
		case intake.Check(text) != nil:
			return refuse(MsgErrUnusable, nil)
		case intake.Blank(text):
			return refuse(MsgErrEmpty, nil)
		case n < st.MinLen:
			return refuse(MsgErrTooShort, map[string]any{"Min": st.MinLen, "Len": n, "Wide": wide})
		case n > st.maxLen():
			return refuse(MsgErrTooLong, map[string]any{"Max": st.maxLen(), "Len": n, "Wide": wide})
		}
	}
	if in.Kind == KindLocation && (in.Location == nil || !intake.ValidLocation(in.Location.Latitude, in.Location.Longitude)) {
		return refuse(MsgErrLocation, nil)
	}
	if st.Validate != nil {
		if msg := st.Validate(r.ctx, r.session(), in); msg != "" {
			r.say(msg, nil)
			r.prompt()
			return false
		}
	}
	return true
}

func (r *run) save(st *Step, in Input) {
	if st.Save != nil {
		st.Save(r.session(), in)
		return
	}
	switch {
	case len(in.Files) > 0:
		r.st.Files[st.Name] = append(r.st.Files[st.Name], in.Files...)
	case in.Location != nil:
		r.st.Data[st.Name] = formatLocation(*in.Location)
		delete(r.st.Data, st.Name+placeSuffix)
		if name := Clip(strings.TrimSpace(in.Location.Name), intake.MaxPlace); name != "" && intake.Check(name) == nil {
			r.st.Data[st.Name+placeSuffix] = name
		}
	case in.Phone != "":
		r.st.Data[st.Name] = in.Phone
	default:
		r.st.Data[st.Name] = strings.TrimSpace(in.Text)
	}
}

func (r *run) advance(d *Dialog, st *Step) {
	next := ""
	if st.Next != nil {
		next = st.Next(r.ctx, r.session())
	}
	if next == "" {
		for i, s := range d.Steps {
			if s == st && i+1 < len(d.Steps) {
				next = d.Steps[i+1].Name
			}
		}
	}
	r.st.Hist = append(r.st.Hist, r.st.Step)
	if next == "" || next == ToConfirm {
		if d.Summary != nil {
			r.st.Step = confirmStep
			r.prompt()
			return
		}
		r.done(d)
		return
	}
	r.st.Step = next
	r.prompt()
}

func (r *run) done(d *Dialog) {
	s := r.session()
	reply, err := d.Done(r.ctx, s)
	if err != nil {
		r.fail(err)
		var ref *Refusal
		switch {
		case errors.As(err, &ref) && ref.Final:
			r.st = nil
			r.marker, r.markerMode = "", "del"
		case r.st.Step == confirmStep:
			r.prompt() // still open: the person can confirm again, or go back and change
		case errors.As(err, &ref):
			// Refused at the last step of a dialog without a confirm step: nothing is left
			// to answer, so the dialog ends here.
			r.st = nil
			r.marker, r.markerMode = "", "del"
		default:
			// Failed: the last step is asked again, so the answer can be given again.
			if n := len(r.st.Hist); n > 0 {
				r.st.Step, r.st.Hist = r.st.Hist[n-1], r.st.Hist[:n-1]
			}
			r.prompt()
		}
		return
	}
	r.st = nil
	r.marker, r.markerMode = "", "del"
	if !r.receipt(d, s, reply) {
		r.reply(reply)
	}
}

// receipt puts Done's answer in place of the summary just confirmed, above what was
// confirmed, when the dialog keeps a receipt and the answer is text alone (with its buttons,
// if any). It reports whether it did; otherwise the answer goes as a message of its own below
// the summary, whose buttons were taken off.
func (r *run) receipt(d *Dialog, s *Session, rep Reply) bool {
	i := r.pressed - 1
	if d.Receipt == nil || i < 0 || i != len(r.outs)-1 || !r.keepPressed || rep.MessageID == "" || rep.Edit ||
		rep.Photo != nil || rep.Document != nil || len(rep.Media) > 0 || rep.Location != nil {
		return false
	}
	o := r.output(rep)
	rec := d.Receipt(s)
	// The answer (the ticket number) is whole; what was confirmed gives way if need be.
	text := o.Text + "\n\n" + r.e.tr.Fit(r.lang, rec.MessageID, rec.Data, MaxText-intake.Len(o.Text)-2)
	o.Text = strings.TrimRightFunc(text, unicode.IsSpace)
	o.EditMessageID, o.Pressed, o.Forget = r.outs[i].EditMessageID, true, r.outs[i].Forget
	r.outs[i] = o
	r.pressed = 0
	return true
}

// prompt shows the current step (or the confirm step) with fresh buttons; buttons of earlier
// prompts become stale.
func (r *run) prompt() {
	d := r.dialog()
	r.st.Seq++
	var rows [][]Button
	var text string
	nav := []Button{}
	if len(r.st.Hist) > 0 {
		nav = append(nav, r.btn(MsgBtnBack, actBack, ""))
	}
	nav = append(nav, r.btn(MsgBtnCancel, actCancel, ""))
	if r.st.Step == confirmStep {
		// A summary repeats what was entered: its longest answer gives way if need be.
		sum := d.Summary(r.session())
		text = r.e.tr.Fit(r.lang, sum.MessageID, sum.Data, MaxText)
		rows = append(rows, []Button{r.btn(MsgBtnConfirm, actConfirm, "")})
	} else {
		st := r.current()
		s := r.session()
		var data map[string]any
		if st.PromptData != nil {
			data = st.PromptData(s)
		}
		text = r.e.tr.Fit(r.lang, st.Prompt, data, MaxText)
		if st.Choices != nil {
			var row []Button
			for _, c := range st.Choices(s) {
				label := c.Label
				if !c.Literal {
					label = r.t(c.Label, nil)
				}
				b := r.btn("", actChoose, c.Value)
				if b.Data == "" {
					r.e.log.ErrorContext(r.ctx, "choice value too long for a button", "dialog", d.Name, "step", st.Name, "value", c.Value)
					continue
				}
				b.Text = label
				row = append(row, b)
				if len(row) == 2 {
					rows, row = append(rows, row), nil
				}
			}
			if row != nil {
				rows = append(rows, row)
			}
		}
		var extra []Button
		if st.More != nil && len(r.st.Files[st.Name])+len(r.st.Data[st.Name]) > 0 {
			extra = append(extra, r.btn(MsgBtnDone, actDone, ""))
		}
		if st.Optional {
			extra = append(extra, r.btn(MsgBtnSkip, actSkip, ""))
		}
		if len(extra) > 0 {
			rows = append(rows, extra)
		}
	}
	rows = append(rows, nav)
	r.show(Output{ChatID: r.in.ChatID, Text: text, Buttons: rows, Prompt: r.st.ID})
}

// btn makes a button of the open dialog's current prompt. Data is empty when the value does
// not fit Telegram's 64 bytes.
func (r *run) btn(label string, a action, value string) Button {
	data, ok := button{Dialog: r.st.Dialog, ID: r.st.ID, Seq: r.st.Seq, Act: a, Value: value}.encode()
	if !ok {
		data = ""
	}
	b := Button{Data: data}
	if label != "" {
		b.Text = r.t(label, nil)
	}
	return b
}
