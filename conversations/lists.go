package conversations

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// The work lists: /inbox, /triage and /overdue, a page at a time.

// Lists, by their button prefix.
const (
	listInbox   = store.InboxPageButton
	listTriage  = store.TriagePageButton
	listOverdue = store.OverduePageButton
)

// list shows a handler's inbox, an office's queue or its overdue cases, a page at a time.
func (h *handling) list(ctx context.Context, c dialog.Call, kind string, page int, edit bool) ([]dialog.Reply, error) {
	a, err := h.st.ActorByAccount(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &dialog.Refusal{MessageID: MsgNotBound}
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
			return nil, &dialog.Refusal{MessageID: MsgNotAllowed}
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
		return nil, &dialog.Refusal{MessageID: MsgNotAllowed}
	}
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return []dialog.Reply{{MessageID: none, Edit: edit}}, nil
	}
	t := func(id string, d map[string]any) string { return h.e.Translator().T(c.Lang, id, d) }
	now := h.st.Now()
	loc := h.st.Location()
	var b strings.Builder
	var rows [][]dialog.Button
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
		b.WriteString("\n" + t(MsgWorkLine, map[string]any{"TicketNo": l.TicketNo, "Status": staffStatus(h.e.Translator(), c.Lang, l.Status, l.Why == store.WhyUnsatisfied),
			"Unit": dialog.Clip(l.UnitName, listName), "Snippet": snippet(l.Description, 30), "Due": due, "Late": late, "Why": why,
			"Assignee": dialog.Clip(assignee, listName), "Unverified": unverified, "Urgent": l.Urgent}))
		row := []dialog.Button{{Text: "📄 " + l.TicketNo, Data: store.ViewButton + ":" + l.TicketNo}}
		if kind == listOverdue {
			row = append(row, dialog.Button{Text: t(MsgBtnUrge, nil), Data: store.UrgeButton + ":" + l.TicketNo})
		}
		rows = append(rows, row)
	}
	pages := (total + pageSize - 1) / pageSize
	var nav []dialog.Button
	if page > 0 {
		nav = append(nav, dialog.Button{Text: t(MsgPagePrev, nil), Data: kind + ":" + strconv.Itoa(page-1)})
	}
	if page+1 < pages {
		nav = append(nav, dialog.Button{Text: t(MsgPageNext, nil), Data: kind + ":" + strconv.Itoa(page+1)})
	}
	if nav != nil {
		rows = append(rows, nav)
	}
	return []dialog.Reply{{MessageID: head, Edit: edit, Buttons: rows,
		Data: map[string]any{"Total": total, "Page": page + 1, "Pages": pages, "Body": b.String()}}}, nil
}
