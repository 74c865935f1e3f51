package conversations

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/bangban/bangban/store"
)

// handling is the other side of the loop: the handlers who sign for, work on and resolve
// cases, and the offices who triage, assign and supervise them (DESIGN.md §2–§4, §8). Every
// action names its case in its button ("sg:XC-20261124-0007"); the store decides, in the
// transaction that acts, whether the presser may.
type handling struct {
	e  *Engine
	st *store.Store
}

// RegisterHandling adds /inbox, /triage, /overdue and /stats, the buttons of a case's staff view and
// the dialogs behind them.
func RegisterHandling(e *Engine, st *store.Store) error {
	h := &handling{e: e, st: st}
	for name, fn := range map[string]CommandFunc{
		"inbox":   func(ctx context.Context, c Call) ([]Reply, error) { return h.list(ctx, c, listInbox, 0, false) },
		"triage":  func(ctx context.Context, c Call) ([]Reply, error) { return h.list(ctx, c, listTriage, 0, false) },
		"overdue": func(ctx context.Context, c Call) ([]Reply, error) { return h.list(ctx, c, listOverdue, 0, false) },
	} {
		if err := e.RegisterCommand(name, fn); err != nil {
			return err
		}
	}
	if err := (&stats{e: e, st: st}).register(); err != nil {
		return err
	}
	for _, kind := range []string{listInbox, listTriage, listOverdue} {
		if err := e.RegisterButton(kind, func(ctx context.Context, c Call) ([]Reply, error) {
			page, err := strconv.Atoi(strings.TrimPrefix(c.Data, kind+":"))
			if err != nil || page < 0 {
				return nil, &Refusal{MessageID: MsgStaleButton}
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
		if err := e.RegisterButton(prefix, func(ctx context.Context, c Call) ([]Reply, error) {
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
			return []Reply{h.doneReply(ctx, c.Lang, act.done, cs, actor)}, nil
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
		return 0, &Refusal{MessageID: MsgStatusUnknown, Data: map[string]any{"TicketNo": ticket}}
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
		recordRefusal(ctx, h.st, h.e.log, p.Ticket, p.ActorID, verb, err)
	}
	// Only input that does not fit can be changed and confirmed again.
	return &Refusal{MessageID: msg, Data: withTicket(nil, p.Ticket), Final: !errors.Is(err, store.ErrInvalid)}
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
func (h *handling) doneReply(ctx context.Context, lang, msg string, c store.Case, actor int64) Reply {
	r := Reply{MessageID: msg, Data: map[string]any{"TicketNo": c.TicketNo}, Case: c.TicketNo}
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
		r.Buttons = staffButtons(h.e.tr, lang, v)
	}
	return r
}

// staffButtons are the actions a handler or an office can take on a case as it stands.
func staffButtons(tr *Translator, lang string, v store.CaseView) [][]Button {
	b := func(label, prefix string) Button {
		return Button{Text: tr.T(lang, label, nil), Data: prefix + ":" + v.TicketNo}
	}
	var rows [][]Button
	open := v.Status == store.StatusAssigned || v.Status == store.StatusInProgress
	if v.Handler {
		switch v.Status {
		case store.StatusAssigned:
			rows = append(rows, []Button{b(store.NoticeBtnSign, store.SignButton), b(store.NoticeBtnHandBack, store.HandBackButton)})
		case store.StatusInProgress:
			rows = append(rows, []Button{b(MsgBtnProgress, store.ProgressButton), b(MsgBtnResolve, store.ResolveButton)})
		}
		if open && v.ExtensionUntil == nil {
			rows = append(rows, []Button{b(MsgBtnExtension, store.ExtensionButton), b(MsgBtnEscalate, store.EscalateButton)})
		}
	}
	if v.Office && v.Unverified && v.LinkPending {
		// A self-registered reporter: the office that sees the case settles whether they
		// speak for the unit.
		rows = append(rows, []Button{b(MsgBtnConfirmReporter, store.ConfirmReporterButton), b(MsgBtnRejectReporter, store.RejectReporterButton)})
	}
	if v.Office {
		switch {
		case v.Status == store.StatusSubmitted:
			rows = append(rows, []Button{b(MsgBtnAssign, store.AssignButton), b(MsgBtnReject, store.RejectButton)}, []Button{b(MsgBtnMerge, store.MergeButton), b(MsgBtnEscalate, store.EscalateButton)})
		case open:
			rows = append(rows, []Button{b(MsgBtnReassign, store.AssignButton), b(MsgBtnUrge, store.UrgeButton)}, []Button{b(MsgBtnMerge, store.MergeButton), b(MsgBtnEscalate, store.EscalateButton)})
			if v.ExtensionUntil != nil {
				rows = append(rows, []Button{b(MsgBtnGrant, store.GrantButton), b(MsgBtnRefuse, store.RefuseButton)})
			}
		case v.Status == store.StatusResolved && v.Flagged:
			rows = append(rows, []Button{b(MsgBtnRehandle, store.RehandleButton), b(MsgBtnWriteOff, store.WriteOffButton)})
		}
		// The office judges how urgent a case is while it is still to be handled; each
		// mark's button gives way to the other's once pressed.
		if v.Status == store.StatusSubmitted || open {
			if v.Urgency == store.Urgent {
				rows = append(rows, []Button{b(MsgBtnMarkNormal, store.MarkNormalButton)})
			} else {
				rows = append(rows, []Button{b(MsgBtnMarkUrgent, store.MarkUrgentButton)})
			}
		}
	}
	if v.Handler || v.Office {
		rows = append(rows, evidenceButton(tr, lang, v)...)
	}
	return rows
}

// staffView is a case as a handler or an office sees it: everything, internal notes and
// limits included, with the actions open to them.
func staffView(tr *Translator, loc *time.Location, lang string, v store.CaseView) Reply {
	t := func(id string, d map[string]any) string { return tr.T(lang, id, d) }
	when := func(at *time.Time) string {
		if at == nil {
			return "—"
		}
		return at.In(loc).Format("2006-01-02 15:04")
	}
	cat := v.CategoryZH
	if lang == LangEN {
		cat = v.CategoryEN
	}
	if cat == "" {
		cat = "—"
	}
	status := staffStatus(tr, lang, v.Status, v.Flagged)
	data := map[string]any{"TicketNo": v.TicketNo, "Status": status, "Unit": Clip(v.UnitName, viewName), "Category": cat,
		"Complexity": t(complexityMsg[v.Complexity], nil), "Assignee": Clip(v.Assignee, viewName), "SignDue": when(v.SignDueAt),
		"FeedbackDue": when(v.FeedbackDueAt), "ResolveDue": when(v.ResolveDueAt), "Urged": v.UrgeCount,
		"Rehandled": v.RehandleCount, "HandedBack": v.HandbackCount, "Description": Clip(v.Description, store.MaxDescription),
		"Evidence": EvidenceLine(tr, lang, v.Evidence),
		"Urgent":   v.Urgency == store.Urgent}
	if v.ExtensionUntil != nil {
		data["Extension"] = when(v.ExtensionUntil)
		data["ExtensionReason"] = Clip(v.ExtensionReason, viewReason)
	}
	switch {
	case v.Unverified && v.LinkPending && v.Office:
		data["Unverified"] = t(MsgUnverifiedAsk, nil)
	case v.Unverified:
		data["Unverified"] = t(MsgUnverifiedMark, nil)
	}
	withTimeline(tr, lang, MsgStaffView, data, func(room int) string {
		refused := refusalsLine(tr, loc, lang, v.Refusals)
		return timeline(tr, loc, lang, v, v.Events, room-store.TextLen(refused)) + refused
	})
	return Reply{MessageID: MsgStaffView, Data: data, Buttons: staffButtons(tr, lang, v), Case: v.TicketNo}
}

// refusalsLine sums up the refused attempts on a case in one line at the end of its
// timeline, however many there were ("" for none): each is on record, none crowds the view.
func refusalsLine(tr *Translator, loc *time.Location, lang string, r store.Refusals) string {
	if r.Count == 0 || r.LastAt == nil {
		return ""
	}
	return "\n" + tr.T(lang, MsgStatusRefused, map[string]any{"Count": r.Count, "At": r.LastAt.In(loc).Format("01-02 15:04"),
		"Action": tr.T(lang, r.LastAction, nil)})
}

// What a case's view gives each of its parts, in UTF-16 units, so that the whole fits one
// message: a name, the reason of an extension asked for, a note in the timeline (each
// reached its readers whole when it was written), the name of a file the timeline says was
// not kept, and the least room the timeline keeps beside the description.
const (
	fileNameInTimeline = 60
	viewName           = 100
	viewReason         = 300
	timelineNote       = 200
	minTimeline        = 800
)

// withTimeline fills data["Timeline"] with as much of the case's timeline as message id
// leaves room for: the description, shown whole up to its limit, is clipped only when it
// would leave the timeline less than minTimeline.
func withTimeline(tr *Translator, lang, id string, data map[string]any, render func(room int) string) {
	data["Timeline"] = ""
	room := MaxText - store.TextLen(tr.T(lang, id, data))
	if d, ok := data["Description"].(string); ok && room < minTimeline {
		data["Description"] = Clip(d, max(store.TextLen(d)-(minTimeline-room), minField))
		room = MaxText - store.TextLen(tr.T(lang, id, data))
	}
	data["Timeline"] = render(room)
}

// staffStatus names a case's status for its handler and office: a resolved case waits for
// the reporter's rating, or, when they were not satisfied, for the office.
func staffStatus(tr *Translator, lang string, st store.Status, flagged bool) string {
	switch {
	case st == store.StatusResolved && flagged:
		return tr.T(lang, MsgStatusUnsatisfied, nil)
	case st == store.StatusResolved:
		return tr.T(lang, MsgStatusResolvedPlain, nil)
	}
	return tr.T(lang, "status_"+string(st), nil)
}

// timeline renders events in the viewer's language within room UTF-16 units: the newest
// that fit, oldest first, each note on one line and clipped, under a line that says how many
// earlier entries are left out.
func timeline(tr *Translator, loc *time.Location, lang string, v store.CaseView, evs []store.Event, room int) string {
	t := func(id string, d map[string]any) string { return tr.T(lang, id, d) }
	lines := make([]string, len(evs))
	for i, e := range evs {
		lines[i] = "\n" + t(MsgStatusEvent, map[string]any{"At": e.At.In(loc).Format("01-02 15:04"),
			"What": eventWhat(tr, lang, v, e), "Note": Clip(strings.Join(strings.Fields(e.Note), " "), timelineNote)})
	}
	earlier := func(n int) string { return "\n" + t(MsgStatusEarlier, map[string]any{"Count": n}) }
	first, used := len(lines), 0
	for first > 0 {
		n := store.TextLen(lines[first-1])
		more := 0
		if first > 1 {
			more = store.TextLen(earlier(first - 1))
		}
		if used+n+more > room {
			break
		}
		used += n
		first--
	}
	var tl strings.Builder
	if first > 0 {
		tl.WriteString(earlier(first))
	}
	for _, l := range lines[first:] {
		tl.WriteString(l)
	}
	return tl.String()
}

// eventWhat says what an entry of a case's timeline records, in the viewer's language.
func eventWhat(tr *Translator, lang string, v store.CaseView, e store.Event) string {
	data := map[string]any{}
	for k, val := range e.Data {
		data[k] = val
	}
	if _, ok := data["Assignee"]; !ok {
		data["Assignee"] = v.Assignee
	}
	if e.Kind == store.EventFileNotKept {
		// A file's name is the sender's to choose, and may be long: the entry stays one line.
		data["Name"] = Clip(toString(e.Data["Name"]), fileNameInTimeline)
	}
	if e.Kind == store.EventFeedback {
		data["Satisfaction"] = tr.T(lang, satisfactionMsg[strings.TrimSpace(toString(e.Data["Satisfaction"]))], nil)
		data["Solved"] = tr.T(lang, MsgFbNo, nil)
		if e.Data["Solved"] == true {
			data["Solved"] = tr.T(lang, MsgFbYes, nil)
		}
	}
	return tr.T(lang, "ev_"+e.Kind, data)
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

// Lists, by their button prefix.
const (
	listInbox   = store.InboxPageButton
	listTriage  = store.TriagePageButton
	listOverdue = store.OverduePageButton
)

// list shows a handler's inbox, an office's queue or its overdue cases, a page at a time.
func (h *handling) list(ctx context.Context, c Call, kind string, page int, edit bool) ([]Reply, error) {
	a, err := h.st.ActorByAccount(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Refusal{MessageID: MsgNotBound}
	}
	if err != nil {
		return nil, err
	}
	var lines []store.WorkLine
	var total int
	var none, head string
	switch kind {
	case listInbox:
		if !a.Has(store.RoleHandler) {
			return nil, &Refusal{MessageID: MsgNotAllowed}
		}
		lines, total, err = h.st.Inbox(ctx, a.PersonID, pageSize, page*pageSize)
		none, head = MsgInboxNone, MsgInboxList
	case listTriage:
		lines, total, err = h.st.Queue(ctx, a.PersonID, pageSize, page*pageSize)
		none, head = MsgTriageNone, MsgTriageList
	default:
		lines, total, err = h.st.Overdue(ctx, a.PersonID, pageSize, page*pageSize)
		none, head = MsgOverdueNone, MsgOverdueList
	}
	if errors.Is(err, store.ErrForbidden) {
		return nil, &Refusal{MessageID: MsgNotAllowed}
	}
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return []Reply{{MessageID: none, Edit: edit}}, nil
	}
	t := func(id string, d map[string]any) string { return h.e.tr.T(c.Lang, id, d) }
	now := h.st.Now()
	loc := h.st.Location()
	var b strings.Builder
	var rows [][]Button
	for _, l := range lines {
		due, late := "—", ""
		if l.DueAt != nil {
			due = t(limitMsg[l.Limit], map[string]any{"At": l.DueAt.In(loc).Format("01-02 15:04")})
			if l.DueAt.Before(now) {
				// whole days late, at least one
				late = t(MsgLate, map[string]any{"Days": max(1, int(now.Sub(*l.DueAt).Hours()/24))})
			}
		}
		why := ""
		if l.Why != "" {
			why = t(whyMsg[l.Why], nil)
		}
		assignee := l.Assignee
		if kind == listInbox {
			assignee = "" // their own
		}
		unverified := ""
		if l.Unverified {
			unverified = t(MsgUnverifiedMark, nil)
		}
		b.WriteString("\n" + t(MsgWorkLine, map[string]any{"TicketNo": l.TicketNo, "Status": staffStatus(h.e.tr, c.Lang, l.Status, l.Why == store.WhyUnsatisfied),
			"Unit": Clip(l.UnitName, listName), "Snippet": snippet(l.Description, 30), "Due": due, "Late": late, "Why": why,
			"Assignee": Clip(assignee, listName), "Unverified": unverified, "Urgent": l.Urgent}))
		row := []Button{{Text: "📄 " + l.TicketNo, Data: store.ViewButton + ":" + l.TicketNo}}
		if kind == listOverdue {
			row = append(row, Button{Text: t(MsgBtnUrge, nil), Data: store.UrgeButton + ":" + l.TicketNo})
		}
		rows = append(rows, row)
	}
	pages := (total + pageSize - 1) / pageSize
	var nav []Button
	if page > 0 {
		nav = append(nav, Button{Text: t(MsgPagePrev, nil), Data: kind + ":" + strconv.Itoa(page-1)})
	}
	if page+1 < pages {
		nav = append(nav, Button{Text: t(MsgPageNext, nil), Data: kind + ":" + strconv.Itoa(page+1)})
	}
	if nav != nil {
		rows = append(rows, nav)
	}
	return []Reply{{MessageID: head, Edit: edit, Buttons: rows,
		Data: map[string]any{"Total": total, "Page": page + 1, "Pages": pages, "Body": b.String()}}}, nil
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
func (h *handling) caseStep(verb string, r rule) func(ctx context.Context, s *Session) error {
	return func(ctx context.Context, s *Session) error {
		ticket := strings.ToUpper(strings.TrimSpace(s.Get("arg")))
		if ticket == "" {
			return &Refusal{MessageID: MsgActUsage}
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
func (h *handling) finish(ctx context.Context, s *Session, verb, done string, do func(store.ActParams) (store.Case, error)) (Reply, error) {
	actor, err := strconv.ParseInt(s.Get("actor"), 10, 64)
	if err != nil {
		return Reply{}, &Refusal{MessageID: MsgStaleButton}
	}
	// The person behind the account is looked up again: a binding may have changed since.
	if now, err := h.actorID(ctx, s.UserID, s.Get("ticket")); err != nil {
		return Reply{}, err
	} else if now != actor {
		return Reply{}, &Refusal{MessageID: MsgStaleButton}
	}
	p := store.ActParams{Ticket: s.Get("ticket"), ActorID: actor, Note: s.Get("note"), Files: attachments(s.Files["files"]), Source: sourceKey(s)}
	if st, assignee, ok := strings.Cut(s.Get("seen"), "|"); ok {
		id, err := strconv.ParseInt(assignee, 10, 64)
		if err != nil {
			return Reply{}, &Refusal{MessageID: MsgStaleButton}
		}
		p.Seen = &store.Seen{Status: store.Status(st), AssigneeID: id}
	}
	c, err := do(p)
	if err != nil {
		return Reply{}, h.refusal(ctx, p, verb, err)
	}
	return h.doneReply(ctx, s.Lang, done, c, actor), nil
}

// noteAction is a case action that asks for a note (a reason, a progress note, a result),
// optionally photos, and a confirm.
type noteAction struct {
	name, button, verb, ask, done string
	minLen                        int
	files                         bool
	rule                          rule
	do                            func(ctx context.Context, p store.ActParams) (store.Case, error)
}

func (h *handling) noteDialog(a noteAction) *Dialog {
	steps := []*Step{{Name: "note", Prompt: a.ask, PromptData: ticketData, MinLen: a.minLen, MaxLen: store.MaxNote}}
	if a.files {
		steps = append(steps, &Step{Name: "files", Prompt: MsgNewAskFiles, Optional: true, Accepts: []Kind{KindPhoto, KindDocument},
			PromptData: func(s *Session) map[string]any {
				return map[string]any{"Count": len(s.Files["files"]), "Max": maxFiles}
			},
			Validate: validateFiles, More: func(*Session) bool { return true }})
	}
	return &Dialog{Name: a.name, Command: a.name, Button: a.button, Version: 1,
		Begin: h.caseStep(a.verb, a.rule),
		Steps: steps,
		Summary: func(s *Session) Reply {
			return Reply{MessageID: MsgActSummary, Data: map[string]any{"Action": h.e.tr.T(s.Lang, a.verb, nil), "TicketNo": s.Get("ticket"),
				"Note": s.Get("note"), "Files": len(s.Files["files"])}}
		},
		Done: func(ctx context.Context, s *Session) (Reply, error) {
			return h.finish(ctx, s, a.verb, a.done, func(p store.ActParams) (store.Case, error) { return a.do(ctx, p) })
		},
	}
}

func (h *handling) dialogs() []*Dialog {
	working := inStatus(store.StatusAssigned, store.StatusInProgress)
	flagged := func(v store.CaseView) bool { return v.Status == store.StatusResolved && v.Flagged }
	extension := func(v store.CaseView) bool { return working(v) && v.ExtensionUntil != nil }
	return []*Dialog{
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

// extensionDialog asks for more time (延期): the reason and the new date.
func (h *handling) extensionDialog(r rule) *Dialog {
	return &Dialog{Name: "extend", Command: "extend", Button: store.ExtensionButton, Version: 1,
		Begin: h.caseStep(MsgActExtension, r),
		Steps: []*Step{
			{Name: "note", Prompt: MsgAskExtReason, PromptData: ticketData, MinLen: 5, MaxLen: store.MaxNote},
			{Name: "until", Prompt: MsgAskExtDate, MaxLen: 10, PromptData: func(s *Session) map[string]any {
				return map[string]any{"Due": s.Get("due")}
			}, Validate: func(_ context.Context, s *Session, in Input) string {
				day, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(in.Text), h.st.Location())
				if err != nil {
					return MsgBadDate
				}
				if due, err := time.ParseInLocation("2006-01-02 15:04", s.Get("due"), h.st.Location()); err == nil && !endOfDay(day).After(due) {
					return MsgBadDate
				}
				return ""
			}},
		},
		Summary: func(s *Session) Reply {
			return Reply{MessageID: MsgExtSummary, Data: map[string]any{"TicketNo": s.Get("ticket"), "Note": s.Get("note"), "Until": s.Get("until")}}
		},
		Done: func(ctx context.Context, s *Session) (Reply, error) {
			day, err := time.ParseInLocation(time.DateOnly, s.Get("until"), h.st.Location())
			if err != nil {
				return Reply{}, &Refusal{MessageID: MsgBadDate}
			}
			until := endOfDay(day)
			return h.finish(ctx, s, MsgActExtension, MsgDoneExtAsked, func(p store.ActParams) (store.Case, error) {
				return h.st.RequestExtension(ctx, store.ExtensionParams{ActParams: p, Until: until})
			})
		},
	}
}

// endOfDay is the end of the working day named: the new limit an extension asks for.
func endOfDay(day time.Time) time.Time { return day.Add(18 * time.Hour) }

// mergeDialog merges a case into another the office can see (并案).
func (h *handling) mergeDialog(r rule) *Dialog {
	return &Dialog{Name: "merge", Command: "merge", Button: store.MergeButton, Version: 1,
		Begin: h.caseStep(MsgActMerge, r),
		Steps: []*Step{{Name: "into", Prompt: MsgAskMergeInto, PromptData: ticketData, MaxLen: 40,
			Validate: func(ctx context.Context, s *Session, in Input) string {
				into := strings.ToUpper(strings.TrimSpace(in.Text))
				actor, _ := strconv.ParseInt(s.Get("actor"), 10, 64)
				v, err := h.st.CaseFor(ctx, actor, into)
				if err != nil || !v.Office || into == s.Get("ticket") {
					return MsgMergeBadTarget
				}
				return ""
			},
			Save: func(s *Session, in Input) { s.Set("into", strings.ToUpper(strings.TrimSpace(in.Text))) }}},
		Summary: func(s *Session) Reply {
			return Reply{MessageID: MsgMergeSummary, Data: map[string]any{"TicketNo": s.Get("ticket"), "Into": s.Get("into")}}
		},
		Done: func(ctx context.Context, s *Session) (Reply, error) {
			return h.finish(ctx, s, MsgActMerge, MsgDoneMerged, func(p store.ActParams) (store.Case, error) {
				return h.st.Merge(ctx, store.MergeParams{ActParams: p, Into: s.Get("into")})
			})
		},
	}
}

// maxCandidates is how many handlers the assign dialog offers as buttons.
const maxCandidates = 20

// categoryGroup is the working group of the category chosen in the assign dialog, if any.
func categoryGroup(s *Session) string {
	for _, l := range strings.Split(s.Get("cats"), "\n") {
		if parts := strings.Split(l, "|"); len(parts) == 4 && parts[0] == s.Get("category") {
			return parts[3]
		}
	}
	return ""
}

// groupPrefix marks a working group's office among the assign dialog's choices.
const groupPrefix = "g"

// assignDialog is triage's main act (交办): the category, the complexity and the handler.
func (h *handling) assignDialog(r rule) *Dialog {
	return &Dialog{Name: "assign", Command: "assign", Button: store.AssignButton, Version: 1,
		Begin: func(ctx context.Context, s *Session) error {
			if err := h.caseStep(MsgActAssign, r)(ctx, s); err != nil {
				return err
			}
			actor, _ := strconv.ParseInt(s.Get("actor"), 10, 64)
			cands, err := h.st.Assignees(ctx, actor, s.Get("ticket"), maxCandidates)
			if err != nil {
				return err
			}
			// Or a working group (专班), which takes the case over: the one of the case's
			// category first.
			wgs, err := h.st.WorkingGroups(ctx, s.Get("ticket"))
			if err != nil {
				return err
			}
			if len(cands) == 0 && len(wgs) == 0 {
				return &Refusal{MessageID: MsgNoAssignees, Data: map[string]any{"TicketNo": s.Get("ticket")}}
			}
			var lines []string
			for _, c := range cands {
				mark := ""
				if c.Linked {
					mark = "★ "
				}
				lines = append(lines, strconv.FormatInt(c.ID, 10)+"|"+mark+c.Name+" "+c.Department)
			}
			var groups []string
			for _, g := range wgs {
				groups = append(groups, groupPrefix+strconv.FormatInt(g.OfficeID, 10)+"|→ "+g.Name+"|"+g.Code)
			}
			s.Set("groups", strings.Join(groups, "\n"))
			s.Set("cands", strings.Join(lines, "\n"))
			if s.Get("kind") != "" {
				cats, err := h.st.Categories(ctx, s.Get("kind"))
				if err != nil {
					return err
				}
				var cl []string
				for _, c := range cats {
					wg := ""
					if c.WorkingGroup != nil {
						wg = *c.WorkingGroup
					}
					cl = append(cl, strings.Join([]string{strconv.FormatInt(c.ID, 10), c.NameZH, c.NameEN, wg}, "|"))
				}
				s.Set("cats", strings.Join(cl, "\n"))
			}
			return nil
		},
		First: func(s *Session) string {
			if s.Get("cats") == "" {
				return "complexity"
			}
			return "category"
		},
		Steps: []*Step{
			{Name: "category", Prompt: MsgAskTriageCategory, PromptData: ticketData, Choices: func(s *Session) []Choice {
				var cs []Choice
				for _, l := range strings.Split(s.Get("cats"), "\n") {
					parts := strings.Split(l, "|")
					if len(parts) == 4 {
						label := parts[1]
						if s.Lang == LangEN {
							label = parts[2]
						}
						cs = append(cs, Choice{Label: label, Literal: true, Value: parts[0]})
					}
				}
				return cs
			}},
			{Name: "complexity", Prompt: MsgAskComplexity, Choices: func(*Session) []Choice {
				return []Choice{{Label: complexityMsg[store.Ordinary], Value: store.Ordinary}, {Label: complexityMsg[store.Complex], Value: store.Complex}}
			}},
			{Name: "assignee", Prompt: MsgAskAssignee, Choices: func(s *Session) []Choice {
				var cs []Choice
				for _, l := range strings.Split(s.Get("cands"), "\n") {
					if id, label, ok := strings.Cut(l, "|"); ok {
						cs = append(cs, Choice{Label: label, Literal: true, Value: id})
					}
				}
				// The working groups, the one of the category chosen first.
				var first, rest []Choice
				wg := categoryGroup(s)
				for _, l := range strings.Split(s.Get("groups"), "\n") {
					if parts := strings.Split(l, "|"); len(parts) == 3 {
						c := Choice{Label: parts[1], Literal: true, Value: parts[0]}
						if wg != "" && parts[2] == wg {
							first = append(first, c)
						} else {
							rest = append(rest, c)
						}
					}
				}
				return append(append(cs, first...), rest...)
			}},
		},
		Summary: func(s *Session) Reply {
			name := ""
			for _, l := range strings.Split(s.Get("cands")+"\n"+s.Get("groups"), "\n") {
				if parts := strings.Split(l, "|"); len(parts) >= 2 && parts[0] == s.Get("assignee") {
					name = parts[1]
				}
			}
			return Reply{MessageID: MsgAssignSummary, Data: map[string]any{"TicketNo": s.Get("ticket"), "Assignee": name,
				"Complexity": h.e.tr.T(s.Lang, complexityMsg[s.Get("complexity")], nil)}}
		},
		Done: func(ctx context.Context, s *Session) (Reply, error) {
			var category *int64
			if cat, err := strconv.ParseInt(s.Get("category"), 10, 64); err == nil {
				category = &cat
			}
			if group, ok := strings.CutPrefix(s.Get("assignee"), groupPrefix); ok {
				office, err := strconv.ParseInt(group, 10, 64)
				if err != nil {
					return Reply{}, &Refusal{MessageID: MsgStaleButton}
				}
				return h.finish(ctx, s, MsgActAssign, MsgDoneHandedOver, func(p store.ActParams) (store.Case, error) {
					return h.st.HandOver(ctx, store.HandOverParams{ActParams: p, OfficeID: office, CategoryID: category, Complexity: s.Get("complexity")})
				})
			}
			assignee, err := strconv.ParseInt(s.Get("assignee"), 10, 64)
			if err != nil {
				return Reply{}, &Refusal{MessageID: MsgStaleButton}
			}
			ap := store.AssignParams{AssigneeID: assignee, Complexity: s.Get("complexity"), CategoryID: category}
			return h.finish(ctx, s, MsgActAssign, MsgDoneAssigned, func(p store.ActParams) (store.Case, error) {
				ap.ActParams = p
				return h.st.Assign(ctx, ap)
			})
		},
	}
}
