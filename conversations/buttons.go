package conversations

import (
	"context"
	"errors"
	"fmt"

	"github.com/bangban/bangban/store"
)

// reporterButtons are what a case's own reporter can do next: add to an open case, rate a
// resolved one.
func reporterButtons(tr *Translator, lang string, v store.CaseView) [][]Button {
	var rows [][]Button
	if v.Reporter && open(v.Status) {
		rows = append(rows, []Button{{Text: tr.T(lang, MsgBtnAdd, nil), Data: "add:" + v.TicketNo}})
	}
	if v.Reporter && v.Status == store.StatusResolved && v.Satisfaction == nil {
		fb := store.FeedbackButton + ":" + v.TicketNo + ":"
		rows = append(rows, []Button{{Text: tr.T(lang, store.NoticeBtnSolved, nil), Data: fb + "y"},
			{Text: tr.T(lang, store.NoticeBtnUnsolved, nil), Data: fb + "n"}})
	}
	return rows
}

// LiveButtons are the callback data of the buttons person may press on a case as it now
// stands: the actions of its handler or office, its reporter's addition and rating, and
// opening it. Someone who can no longer see the case has none.
func LiveButtons(ctx context.Context, st *store.Store, tr *Translator, person int64, ticket string) (map[string]bool, error) {
	v, err := st.CaseFor(ctx, person, ticket)
	if errors.Is(err, store.ErrNotFound) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("buttons of case %s for person %d: %w", ticket, person, err)
	}
	live := map[string]bool{store.ViewButton + ":" + ticket: true}
	for _, rows := range [][][]Button{staffButtons(tr, "", v), reporterButtons(tr, "", v)} {
		for _, row := range rows {
			for _, b := range row {
				live[b.Data] = true
			}
		}
	}
	return live, nil
}

// WhatHappened is the line added to a message whose buttons a case's change retired: the
// latest entry of the case's timeline that person may see, and when.
func WhatHappened(ctx context.Context, st *store.Store, tr *Translator, person int64, ticket, lang string) (string, error) {
	v, err := st.CaseFor(ctx, person, ticket)
	if errors.Is(err, store.ErrNotFound) {
		return tr.T(lang, MsgButtonsRetiredGone, nil), nil
	}
	if err != nil {
		return "", fmt.Errorf("case %s for person %d: %w", ticket, person, err)
	}
	if len(v.Events) == 0 {
		return "", nil
	}
	e := v.Events[len(v.Events)-1]
	return tr.T(lang, MsgButtonsRetired, map[string]any{"What": eventWhat(tr, lang, v, e),
		"At": e.At.In(st.Location()).Format("01-02 15:04")}), nil
}
