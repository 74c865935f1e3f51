package conversations

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// pageSize is how many cases one page of /my shows.
const pageSize = 5

// registerMyCases adds /my, /status and their buttons.
func (r *report) registerMyCases(e *dialog.Engine) error {
	if err := e.RegisterCommand("my", func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) { return r.myPage(ctx, c, 0, false) }); err != nil {
		return err
	}
	if err := e.RegisterButton(store.MyPageButton, func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
		page, err := strconv.Atoi(strings.TrimPrefix(c.Data, store.MyPageButton+":"))
		if err != nil || page < 0 {
			return nil, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
		}
		return r.myPage(ctx, c, page, true)
	}); err != nil {
		return err
	}
	if err := e.RegisterCommand("status", func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
		no := strings.ToUpper(strings.TrimSpace(c.Args))
		if no == "" {
			return []dialog.Reply{{MessageID: MsgStatusUsage}}, nil
		}
		return r.status(ctx, c, no)
	}); err != nil {
		return err
	}
	return e.RegisterButton(store.ViewButton, func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
		return r.status(ctx, c, strings.TrimPrefix(c.Data, store.ViewButton+":"))
	})
}

func (r *report) person(ctx context.Context, userID int64) (store.Actor, error) {
	a, err := r.o.st.ActorByAccount(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return a, &dialog.Refusal{MessageID: MsgMyNone}
	}
	return a, err
}

func (r *report) myPage(ctx context.Context, c dialog.Call, page int, edit bool) ([]dialog.Reply, error) {
	a, err := r.person(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	lines, total, err := r.o.st.ReporterCases(ctx, a.PersonID, pageSize, page*pageSize)
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return []dialog.Reply{{MessageID: MsgMyNone, Edit: edit}}, nil
	}
	pages := (total + pageSize - 1) / pageSize
	t := func(id string, d map[string]any) string { return r.o.e.Translator().T(c.Lang, id, d) }
	var b strings.Builder
	var rows [][]dialog.Button
	for _, l := range lines {
		cat := ""
		if c.Lang == dialog.LangEN && l.CategoryEN != nil {
			cat = *l.CategoryEN
		} else if l.CategoryZH != nil {
			cat = *l.CategoryZH
		}
		status := t("status_"+string(l.Status), nil)
		if l.Flagged {
			status = t(MsgStatusFlagged, nil)
		}
		b.WriteString("\n" + t(MsgMyLine, map[string]any{"TicketNo": l.TicketNo, "Status": status,
			"Category": cat, "Snippet": snippet(l.Description, 30), "Date": l.CreatedAt.In(r.o.st.Location()).Format("01-02"), "Urgent": l.Urgent}))
		rows = append(rows, []dialog.Button{{Text: "📄 " + l.TicketNo, Data: store.ViewButton + ":" + l.TicketNo}})
	}
	var nav []dialog.Button
	if page > 0 {
		nav = append(nav, dialog.Button{Text: t(MsgPagePrev, nil), Data: store.MyPageButton + ":" + strconv.Itoa(page-1)})
	}
	if page+1 < pages {
		nav = append(nav, dialog.Button{Text: t(MsgPageNext, nil), Data: store.MyPageButton + ":" + strconv.Itoa(page+1)})
	}
	if nav != nil {
		rows = append(rows, nav)
	}
	return []dialog.Reply{{MessageID: MsgMyList, Edit: edit, Buttons: rows,
		Data: map[string]any{"Total": total, "Page": page + 1, "Pages": pages, "Body": b.String()}}}, nil
}

// snippet is the start of a description as a list shows it: on one line, at most n UTF-16
// units with its ellipsis.
func snippet(s string, n int) string { return dialog.Clip(strings.Join(strings.Fields(s), " "), n) }

// listName is how much of a name a list line shows.
const listName = 40

// followed are the events a follower of a merged case is shown: the handling, not the other
// reporter's words.
var followed = map[string]bool{store.EventSubmitted: true, store.EventAssigned: true, store.EventSigned: true, store.EventProgress: true,
	store.EventResolved: true, store.EventRehandled: true, store.EventWrittenOff: true, store.EventNoFeedback: true, store.EventRejected: true}

// status shows a case and its timeline to someone who may see it. Another person's ticket
// is answered exactly as one that does not exist.
func (r *report) status(ctx context.Context, c dialog.Call, no string) ([]dialog.Reply, error) {
	unknown := []dialog.Reply{{MessageID: MsgStatusUnknown, Data: map[string]any{"TicketNo": no}}}
	a, err := r.o.st.ActorByAccount(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return unknown, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := r.o.st.CaseFor(ctx, a.PersonID, no)
	if errors.Is(err, store.ErrNotFound) {
		return unknown, nil
	}
	if err != nil {
		return nil, err
	}
	tr, loc := r.o.e.Translator(), r.o.st.Location()
	t := func(id string, d map[string]any) string { return tr.T(c.Lang, id, d) }
	rows := reporterButtons(tr, c.Lang, v)
	if v.Handler || v.Office {
		// Handlers and offices see everything, internal notes included.
		view := staffView(tr, loc, c.Lang, v)
		view.Buttons = append(rows, view.Buttons...)
		return []dialog.Reply{view}, nil
	}
	cat := v.CategoryZH
	if c.Lang == dialog.LangEN {
		cat = v.CategoryEN
	}
	// Someone following a case their own was merged into sees how it is handled, not what
	// its reporter wrote or said of it.
	follower := !v.Reporter
	events := v.Events
	if follower {
		events = nil
		for _, e := range v.Events {
			if followed[e.Kind] {
				events = append(events, e)
			}
		}
	}
	status := t("status_"+string(v.Status), nil)
	switch {
	case v.Status == store.StatusResolved && v.Flagged && v.Reporter:
		status = t(MsgStatusFlagged, nil) // not satisfied: the office decides
	case v.Status == store.StatusResolved && !v.Reporter:
		status = t(MsgStatusResolvedPlain, nil) // the rating is not theirs to give
	}
	tl := func(room int) string { return timeline(tr, loc, c.Lang, v, events, room) }
	if follower {
		data := map[string]any{"TicketNo": v.TicketNo, "Status": status, "Urgent": v.Urgency == store.Urgent}
		withTimeline(tr, c.Lang, MsgStatusFollowView, data, tl)
		return []dialog.Reply{{MessageID: MsgStatusFollowView, Data: data}}, nil
	}
	data := map[string]any{"TicketNo": v.TicketNo, "Status": status, "Unit": dialog.Clip(v.UnitName, viewName), "Category": cat,
		"Description": dialog.Clip(v.Description, store.MaxDescription), "Evidence": EvidenceLine(tr, c.Lang, v.Evidence),
		"Urgent": v.Urgency == store.Urgent}
	withTimeline(tr, c.Lang, MsgStatusView, data, tl)
	return []dialog.Reply{{MessageID: MsgStatusView, Buttons: rows, Data: data, Case: v.TicketNo}}, nil
}
