package conversations

import (
	"strings"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
	"github.com/bangban/bangban/store"
)

// A case as its handler and its offices see it: the view, its buttons, its timeline.

// staffButtons are the actions a handler or an office can take on a case as it stands.
func staffButtons(tr *dialog.Translator, lang string, v store.CaseView) [][]dialog.Button {
	b := func(label, prefix string) dialog.Button {
		return dialog.Button{Text: tr.T(lang, label, nil), Data: prefix + ":" + v.TicketNo}
	}
	var rows [][]dialog.Button
	open := v.Status == store.StatusAssigned || v.Status == store.StatusInProgress
	if v.Handler {
		switch v.Status {
		case store.StatusAssigned:
			rows = append(rows, []dialog.Button{b(store.NoticeBtnSign, store.SignButton), b(store.NoticeBtnHandBack, store.HandBackButton)})
		case store.StatusInProgress:
			rows = append(rows, []dialog.Button{b(MsgBtnProgress, store.ProgressButton), b(MsgBtnResolve, store.ResolveButton)})
		}
		if open && v.ExtensionUntil == nil {
			rows = append(rows, []dialog.Button{b(MsgBtnExtension, store.ExtensionButton), b(MsgBtnEscalate, store.EscalateButton)})
		}
	}
	if v.Office && v.Unverified && v.LinkPending {
		// A self-registered reporter: the office that sees the case settles whether they
		// speak for the unit.
		rows = append(rows, []dialog.Button{b(MsgBtnConfirmReporter, store.ConfirmReporterButton), b(MsgBtnRejectReporter, store.RejectReporterButton)})
	}
	if v.Office {
		switch {
		case v.Status == store.StatusSubmitted:
			rows = append(rows, []dialog.Button{b(MsgBtnAssign, store.AssignButton), b(MsgBtnReject, store.RejectButton)}, []dialog.Button{b(MsgBtnMerge, store.MergeButton), b(MsgBtnEscalate, store.EscalateButton)})
		case open:
			rows = append(rows, []dialog.Button{b(MsgBtnReassign, store.AssignButton), b(MsgBtnUrge, store.UrgeButton)}, []dialog.Button{b(MsgBtnMerge, store.MergeButton), b(MsgBtnEscalate, store.EscalateButton)})
			if v.ExtensionUntil != nil {
				rows = append(rows, []dialog.Button{b(MsgBtnGrant, store.GrantButton), b(MsgBtnRefuse, store.RefuseButton)})
			}
		case v.Status == store.StatusResolved && v.Flagged:
			rows = append(rows, []dialog.Button{b(MsgBtnRehandle, store.RehandleButton), b(MsgBtnWriteOff, store.WriteOffButton)})
		}
		// The office judges how urgent a case is while it is still to be handled; each
		// mark's button gives way to the other's once pressed.
		if v.Status == store.StatusSubmitted || open {
			if v.Urgency == store.Urgent {
				rows = append(rows, []dialog.Button{b(MsgBtnMarkNormal, store.MarkNormalButton)})
			} else {
				rows = append(rows, []dialog.Button{b(MsgBtnMarkUrgent, store.MarkUrgentButton)})
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
func staffView(tr *dialog.Translator, loc *time.Location, lang string, v store.CaseView) dialog.Reply {
	t := func(id string, d map[string]any) string { return tr.T(lang, id, d) }
	when := func(at *time.Time) string {
		if at == nil {
			return "—"
		}
		return at.In(loc).Format("2006-01-02 15:04")
	}
	cat := v.CategoryZH
	if lang == dialog.LangEN {
		cat = v.CategoryEN
	}
	if cat == "" {
		cat = "—"
	}
	status := staffStatus(tr, lang, v.Status, v.Flagged)
	data := map[string]any{"TicketNo": v.TicketNo, "Status": status, "Unit": dialog.Clip(v.UnitName, viewName), "Category": cat,
		"Complexity": t(complexityMsg[v.Complexity], nil), "Assignee": dialog.Clip(v.Assignee, viewName), "SignDue": when(v.SignDueAt),
		"FeedbackDue": when(v.FeedbackDueAt), "ResolveDue": when(v.ResolveDueAt), "Urged": v.UrgeCount,
		"Rehandled": v.RehandleCount, "HandedBack": v.HandbackCount, "Description": dialog.Clip(v.Description, store.MaxDescription),
		"Evidence": EvidenceLine(tr, lang, v.Evidence),
		"Urgent":   v.Urgency == store.Urgent}
	if v.ExtensionUntil != nil {
		data["Extension"] = when(v.ExtensionUntil)
		data["ExtensionReason"] = dialog.Clip(v.ExtensionReason, viewReason)
	}
	switch {
	case v.Unverified && v.LinkPending && v.Office:
		data["Unverified"] = t(MsgUnverifiedAsk, nil)
	case v.Unverified:
		data["Unverified"] = t(MsgUnverifiedMark, nil)
	}
	withTimeline(tr, lang, MsgStaffView, data, func(room int) string {
		refused := refusalsLine(tr, loc, lang, v.Refusals)
		return timeline(tr, loc, lang, v, v.Events, room-intake.Len(refused)) + refused
	})
	return dialog.Reply{MessageID: MsgStaffView, Data: data, Buttons: staffButtons(tr, lang, v), Case: v.TicketNo}
}

// refusalsLine sums up the refused attempts on a case in one line at the end of its
// timeline, however many there were ("" for none): each is on record, none crowds the view.
func refusalsLine(tr *dialog.Translator, loc *time.Location, lang string, r store.Refusals) string {
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
func withTimeline(tr *dialog.Translator, lang, id string, data map[string]any, render func(room int) string) {
	data["Timeline"] = ""
	room := dialog.MaxText - intake.Len(tr.T(lang, id, data))
	if d, ok := data["Description"].(string); ok && room < minTimeline {
		data["Description"] = dialog.Clip(d, max(intake.Len(d)-(minTimeline-room), dialog.MinField))
		room = dialog.MaxText - intake.Len(tr.T(lang, id, data))
	}
	data["Timeline"] = render(room)
}

// staffStatus names a case's status for its handler and office: a resolved case waits for
// the reporter's rating, or, when they were not satisfied, for the office.
func staffStatus(tr *dialog.Translator, lang string, st store.Status, flagged bool) string {
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
func timeline(tr *dialog.Translator, loc *time.Location, lang string, v store.CaseView, evs []store.Event, room int) string {
	t := func(id string, d map[string]any) string { return tr.T(lang, id, d) }
	lines := make([]string, len(evs))
	for i, e := range evs {
		lines[i] = "\n" + t(MsgStatusEvent, map[string]any{"At": e.At.In(loc).Format("01-02 15:04"),
			"What": eventWhat(tr, lang, v, e), "Note": dialog.Clip(strings.Join(strings.Fields(e.Note), " "), timelineNote)})
	}
	earlier := func(n int) string { return "\n" + t(MsgStatusEarlier, map[string]any{"Count": n}) }
	first, used := len(lines), 0
	for first > 0 {
		n := intake.Len(lines[first-1])
		more := 0
		if first > 1 {
			more = intake.Len(earlier(first - 1))
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
func eventWhat(tr *dialog.Translator, lang string, v store.CaseView, e store.Event) string {
	data := map[string]any{}
	for k, val := range e.Data {
		data[k] = val
	}
	if _, ok := data["Assignee"]; !ok {
		data["Assignee"] = v.Assignee
	}
	if e.Kind == store.EventFileNotKept {
		// A file's name is the sender's to choose, and may be long: the entry stays one line.
		data["Name"] = dialog.Clip(toString(e.Data["Name"]), fileNameInTimeline)
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
