package conversations

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// reporterButtons are what a case's own reporter can do next: add to an open case, rate a
// resolved one.
func reporterButtons(tr *dialog.Translator, lang string, v store.CaseView) [][]dialog.Button {
	var rows [][]dialog.Button
	if v.Reporter && open(v.Status) {
		rows = append(rows, []dialog.Button{{Text: tr.T(lang, MsgBtnAdd, nil), Data: store.AddButton + ":" + v.TicketNo}})
	}
	if v.Reporter && v.Status == store.StatusResolved && v.Satisfaction == nil {
		fb := store.FeedbackButton + ":" + v.TicketNo + ":"
		rows = append(rows, []dialog.Button{{Text: tr.T(lang, store.NoticeBtnSolved, nil), Data: fb + "y"},
			{Text: tr.T(lang, store.NoticeBtnUnsolved, nil), Data: fb + "n"}})
	}
	if v.Reporter && !v.Handler && !v.Office {
		rows = append(rows, evidenceButton(tr, lang, v)...)
	}
	return rows
}

// ButtonsNow says what person may press on a case as it now stands, and what last happened
// to it. live holds the callback data of its handler's or office's actions, its reporter's
// addition and rating, and opening it; line, in lang, is the latest entry of the timeline
// person may see, with its time, for a message whose other buttons the change retired.
// Someone who can no longer see the case has no buttons, and a line that says so.
func ButtonsNow(ctx context.Context, st *store.Store, tr *dialog.Translator, person int64, ticket, lang string) (live map[string]bool, line string, err error) {
	v, err := st.CaseFor(ctx, person, ticket)
	if errors.Is(err, store.ErrNotFound) {
		return map[string]bool{}, tr.T(lang, MsgButtonsRetiredGone, nil), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("case %s for person %d: %w", ticket, person, err)
	}
	live = map[string]bool{store.ViewButton + ":" + ticket: true}
	for _, rows := range [][][]dialog.Button{staffButtons(tr, lang, v), reporterButtons(tr, lang, v)} {
		for _, row := range rows {
			for _, b := range row {
				live[b.Data] = true
			}
		}
	}
	if v.Reporter || v.Handler || v.Office {
		// What came with one addition stays to be had.
		for _, e := range v.Events {
			if e.Kind == store.EventInfoAdded {
				live[store.EvidenceButton+":"+ticket+":"+strconv.FormatInt(e.ID, 10)] = true
			}
		}
	}
	if n := len(v.Events); n > 0 {
		e := v.Events[n-1]
		line = tr.T(lang, MsgButtonsRetired, map[string]any{"What": eventWhat(tr, lang, v, e),
			"At": e.At.In(st.Location()).Format("01-02 15:04")})
	}
	return live, line, nil
}

// CaseButtons are the buttons a message about a case gives person, in lang, as the case now
// stands: opening it, then what they may do with it (a handler's or an office's actions, a
// reporter's addition and rating), as its view offers them. Someone who can no longer see
// the case gets none.
func CaseButtons(ctx context.Context, st *store.Store, tr *dialog.Translator, person int64, ticket, lang string) ([][]dialog.Button, error) {
	v, err := st.CaseFor(ctx, person, ticket)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("case %s for person %d: %w", ticket, person, err)
	}
	rows := [][]dialog.Button{{{Text: tr.T(lang, store.NoticeBtnView, nil), Data: store.ViewButton + ":" + v.TicketNo}}}
	rows = append(rows, reporterButtons(tr, lang, v)...)
	return append(rows, staffButtons(tr, lang, v)...), nil
}
