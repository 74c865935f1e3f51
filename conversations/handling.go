package conversations

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// handling is the other side of the loop: the handlers who sign for, work on and resolve
// cases, and the offices who triage, assign and supervise them (DESIGN.md §2–§4, §8). Every
// action names its case in its button ("sg:XC-20261124-0007"); the store decides, in the
// transaction that acts, whether the presser may.
type handling struct {
	e  *dialog.Engine
	st *store.Store
}

// RegisterHandling adds /inbox, /triage, /overdue and /stats, the buttons of a case's staff view and
// the dialogs behind them.
func RegisterHandling(e *dialog.Engine, st *store.Store) error {
	h := &handling{e: e, st: st}
	for name, fn := range map[string]dialog.CommandFunc{
		"inbox": func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
			return h.list(ctx, c, listInbox, 0, false)
		},
		"triage": func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
			return h.list(ctx, c, listTriage, 0, false)
		},
		"overdue": func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
			return h.list(ctx, c, listOverdue, 0, false)
		},
	} {
		if err := e.RegisterCommand(name, fn); err != nil {
			return err
		}
	}
	if err := (&stats{e: e, st: st}).register(); err != nil {
		return err
	}
	for _, kind := range []string{listInbox, listTriage, listOverdue} {
		if err := e.RegisterButton(kind, func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
			page, err := strconv.Atoi(strings.TrimPrefix(c.Data, kind+":"))
			if err != nil || page < 0 {
				return nil, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
			}
			return h.list(ctx, c, kind, page, true)
		}); err != nil {
			return err
		}
	}
	// Actions of one press.
	for prefix, act := range map[string]struct {
		verb, done string
		do         func(context.Context, store.ActParams) (store.Case, error)
	}{
		store.SignButton: {MsgActSign, MsgDoneSigned, st.Sign},
		store.UrgeButton: {MsgActUrge, MsgDoneUrged, st.Urge},
		store.GrantButton: {MsgActGrant, MsgDoneGranted, func(ctx context.Context, p store.ActParams) (store.Case, error) {
			return st.DecideExtension(ctx, p, true)
		}},
		store.ConfirmReporterButton: {MsgActConfirmReporter, MsgDoneReporterConfirmed, st.ConfirmReporter},
		store.MarkUrgentButton: {MsgActMarkUrgent, MsgDoneMarkedUrgent, func(ctx context.Context, p store.ActParams) (store.Case, error) {
			return st.SetUrgency(ctx, p, true)
		}},
		store.MarkNormalButton: {MsgActMarkNormal, MsgDoneMarkedNormal, func(ctx context.Context, p store.ActParams) (store.Case, error) {
			return st.SetUrgency(ctx, p, false)
		}},
		store.RejectReporterButton: {MsgActRejectReporter, MsgDoneReporterRejected, st.RejectReporter},
	} {
		if err := e.RegisterButton(prefix, func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
			ticket := strings.TrimPrefix(c.Data, prefix+":")
			actor, err := h.actorID(ctx, c.UserID, ticket)
			if err != nil {
				return nil, err
			}
			p := store.ActParams{Ticket: ticket, ActorID: actor, Source: sourceOf(c.ChatID, c.UpdateID)}
			// Someone who cannot see the case learns nothing of it.
			v, err := h.st.CaseFor(ctx, actor, ticket)
			if err == nil && !v.Reporter && !v.Handler && !v.Office {
				err = store.ErrNotFound
			}
			if err == nil {
				p.Ticket = v.TicketNo
			}
			var cs store.Case
			if err == nil {
				cs, err = act.do(ctx, p)
			}
			if err != nil {
				return nil, h.refusal(ctx, p, act.verb, err)
			}
			return []dialog.Reply{h.doneReply(ctx, c.Lang, act.done, cs, actor)}, nil
		}); err != nil {
			return err
		}
	}
	if err := e.RegisterButton(store.EvidenceButton, h.evidence); err != nil {
		return err
	}
	for _, d := range h.dialogs() {
		if err := e.Register(d); err != nil {
			return err
		}
	}
	return nil
}

// sourceOf names an update, so that a redelivered one acts once.
func sourceOf(chat, update int64) string {
	return "chat:" + strconv.FormatInt(chat, 10) + ":update:" + strconv.FormatInt(update, 10)
}

// actorID is the person behind an account; an account bound to no one knows of no case.
func (h *handling) actorID(ctx context.Context, userID int64, ticket string) (int64, error) {
	a, err := h.st.ActorByAccount(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, &dialog.Refusal{MessageID: MsgStatusUnknown, Data: map[string]any{"TicketNo": ticket}}
	}
	return a.PersonID, err
}

// refusal answers a refused action plainly and records it on the case: to a stranger the case
// does not exist; to someone who sees it, the action is not theirs, not possible now, too
// late, or incomplete.
func (h *handling) refusal(ctx context.Context, p store.ActParams, verb string, err error) error {
	msg, ok := refusalMessage(staffRefusals, err)
	if !ok {
		return err
	}
	if !errors.Is(err, store.ErrInvalid) {
		recordRefusal(ctx, h.st, h.e.Logger(), p.Ticket, p.ActorID, verb, err)
	}
	// Only input that does not fit can be changed and confirmed again.
	return &dialog.Refusal{MessageID: msg, Data: withTicket(nil, p.Ticket), Final: !errors.Is(err, store.ErrInvalid)}
}

// recordRefusal keeps a refused attempt on its case; one the store does not keep (an unknown
// ticket, or a person over their limits of refusals) is logged instead.
func recordRefusal(ctx context.Context, st *store.Store, log *slog.Logger, ticket string, person int64, verb string, cause error) {
	kept, err := st.RecordRefusal(ctx, ticket, person, verb, cause)
	switch {
	case err != nil:
		log.ErrorContext(ctx, "record a refused action", "case", ticket, "person", person, "error", err)
	case !kept:
		log.InfoContext(ctx, "refused action not kept on a case: unknown case or over the person's limits",
			"case", ticket, "person", person, "action", verb, "cause", cause)
	}
}

func withTicket(d map[string]any, ticket string) map[string]any {
	if d == nil {
		d = map[string]any{}
	}
	d["TicketNo"] = ticket
	return d
}

// doneReply says an action is done, with what can be done next on the case.
func (h *handling) doneReply(ctx context.Context, lang, msg string, c store.Case, actor int64) dialog.Reply {
	r := dialog.Reply{MessageID: msg, Data: map[string]any{"TicketNo": c.TicketNo}, Case: c.TicketNo}
	loc := h.st.Location()
	for k, t := range map[string]*time.Time{"SignDue": c.SignDueAt, "FeedbackDue": c.FeedbackDueAt, "ResolveDue": c.ResolveDueAt} {
		if t != nil {
			r.Data[k] = t.In(loc).Format("2006-01-02 15:04")
		}
	}
	if c.Status != store.StatusAssigned {
		delete(r.Data, "SignDue") // signed for already, or not assigned: no sign-for limit runs
	}
	if v, err := h.st.CaseFor(ctx, actor, c.TicketNo); err == nil {
		r.Buttons = staffButtons(h.e.Translator(), lang, v)
	}
	return r
}

// rule says who may take a case action (its handler, an office that covers it) and when
// (the case's state). The store checks both again when it acts.
type rule struct {
	who, when func(v store.CaseView) bool
}

func byHandler(v store.CaseView) bool { return v.Handler }
func byOffice(v store.CaseView) bool  { return v.Office }
func byEither(v store.CaseView) bool  { return v.Handler || v.Office }

// inStatus is true of a case in one of the states.
func inStatus(ss ...store.Status) func(store.CaseView) bool {
	return func(v store.CaseView) bool {
		for _, s := range ss {
			if v.Status == s {
				return true
			}
		}
		return false
	}
}

// caseStep opens a case action's dialog: it finds the case for the presser and checks the
// action's rule. Someone who cannot see the case is answered as if it did not exist; a
// reporter, or a handler trying an office's action, is told it is not theirs.
func (h *handling) caseStep(verb string, r rule) func(ctx context.Context, s *dialog.Session) error {
	return func(ctx context.Context, s *dialog.Session) error {
		ticket := strings.ToUpper(strings.TrimSpace(s.Get("arg")))
		if ticket == "" {
			return &dialog.Refusal{MessageID: MsgActUsage}
		}
		actor, err := h.actorID(ctx, s.UserID, ticket)
		if err != nil {
			return err
		}
		p := store.ActParams{Ticket: ticket, ActorID: actor}
		v, err := h.st.CaseFor(ctx, actor, ticket)
		switch {
		case err != nil:
		case !v.Reporter && !v.Handler && !v.Office:
			err = store.ErrNotFound // a follower of a merged case
		case !r.who(v):
			err = store.ErrForbidden
		case !r.when(v):
			err = store.ErrIllegalTransition
		}
		if err != nil {
			return h.refusal(ctx, p, verb, err)
		}
		s.Set("ticket", v.TicketNo)
		s.Set("actor", strconv.FormatInt(actor, 10))
		s.Set("kind", v.UnitKind)
		seen := store.SeenOf(v.Case)
		s.Set("seen", string(seen.Status)+"|"+strconv.FormatInt(seen.AssigneeID, 10))
		if v.ResolveDueAt != nil {
			s.Set("due", v.ResolveDueAt.In(h.st.Location()).Format("2006-01-02 15:04"))
		}
		return nil
	}
}

// finish runs a dialog's action and answers with its outcome.
func (h *handling) finish(ctx context.Context, s *dialog.Session, verb, done string, do func(store.ActParams) (store.Case, error)) (dialog.Reply, error) {
	actor, err := strconv.ParseInt(s.Get("actor"), 10, 64)
	if err != nil {
		return dialog.Reply{}, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
	}
	// The person behind the account is looked up again: a binding may have changed since.
	if now, err := h.actorID(ctx, s.UserID, s.Get("ticket")); err != nil {
		return dialog.Reply{}, err
	} else if now != actor {
		return dialog.Reply{}, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
	}
	p := store.ActParams{Ticket: s.Get("ticket"), ActorID: actor, Note: s.Get("note"), Files: attachments(s.Files["files"]), Source: sourceKey(s)}
	if st, assignee, ok := strings.Cut(s.Get("seen"), "|"); ok {
		id, err := strconv.ParseInt(assignee, 10, 64)
		if err != nil {
			return dialog.Reply{}, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
		}
		p.Seen = &store.Seen{Status: store.Status(st), AssigneeID: id}
	}
	c, err := do(p)
	if err != nil {
		return dialog.Reply{}, h.refusal(ctx, p, verb, err)
	}
	return h.doneReply(ctx, s.Lang, done, c, actor), nil
}

func (h *handling) dialogs() []*dialog.Dialog {
	working := inStatus(store.StatusAssigned, store.StatusInProgress)
	flagged := func(v store.CaseView) bool { return v.Status == store.StatusResolved && v.Flagged }
	extension := func(v store.CaseView) bool { return working(v) && v.ExtensionUntil != nil }
	return []*dialog.Dialog{
		h.noteDialog(noteAction{name: "handback", button: store.HandBackButton, verb: MsgActHandBack, ask: MsgAskHandBack, done: MsgDoneHandedBack,
			minLen: 5, rule: rule{byHandler, inStatus(store.StatusAssigned)}, do: h.st.HandBack}),
		h.noteDialog(noteAction{name: "progress", button: store.ProgressButton, verb: MsgActProgress, ask: MsgAskProgress, done: MsgDoneProgress,
			minLen: 5, files: true, rule: rule{byHandler, inStatus(store.StatusInProgress)}, do: h.st.Progress}),
		h.noteDialog(noteAction{name: "resolve", button: store.ResolveButton, verb: MsgActResolve, ask: MsgAskResult, done: MsgDoneResolved,
			minLen: 5, files: true, rule: rule{byHandler, inStatus(store.StatusInProgress)}, do: h.st.Resolve}),
		h.noteDialog(noteAction{name: "escalate", button: store.EscalateButton, verb: MsgActEscalate, ask: MsgAskEscalate, done: MsgDoneEscalated,
			minLen: 5, rule: rule{byEither, func(v store.CaseView) bool {
				return working(v) || (v.Office && v.Status == store.StatusSubmitted)
			}}, do: h.st.Escalate}),
		h.noteDialog(noteAction{name: "reject", button: store.RejectButton, verb: MsgActReject, ask: MsgAskReject, done: MsgDoneRejected,
			minLen: 5, rule: rule{byOffice, inStatus(store.StatusSubmitted)}, do: h.st.Reject}),
		h.noteDialog(noteAction{name: "refuse", button: store.RefuseButton, verb: MsgActRefuse, ask: MsgAskRefuse, done: MsgDoneRefused,
			minLen: 5, rule: rule{byOffice, extension},
			do: func(ctx context.Context, p store.ActParams) (store.Case, error) {
				return h.st.DecideExtension(ctx, p, false)
			}}),
		h.noteDialog(noteAction{name: "rehandle", button: store.RehandleButton, verb: MsgActRehandle, ask: MsgAskRehandle, done: MsgDoneRehandled,
			minLen: 5, rule: rule{byOffice, flagged}, do: h.st.Rehandle}),
		h.noteDialog(noteAction{name: "writeoff", button: store.WriteOffButton, verb: MsgActWriteOff, ask: MsgAskWriteOff, done: MsgDoneWrittenOff,
			minLen: 5, rule: rule{byOffice, flagged}, do: h.st.WriteOff}),
		h.extensionDialog(rule{byHandler, func(v store.CaseView) bool { return working(v) && v.ExtensionUntil == nil }}),
		h.mergeDialog(rule{byOffice, inStatus(store.StatusSubmitted, store.StatusAssigned, store.StatusInProgress)}),
		h.assignDialog(rule{byOffice, inStatus(store.StatusSubmitted, store.StatusAssigned, store.StatusInProgress)}),
	}
}
