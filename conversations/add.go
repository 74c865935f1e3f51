package conversations

import (
	"context"
	"errors"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
	"github.com/bangban/bangban/store"
)

// /add: a reporter adds text or files to their open case.

// addDialog adds information or photos to a reporter's open case: from the button on the
// case's view, or as /add TICKET.
func (r *report) addDialog() *dialog.Dialog {
	return &dialog.Dialog{
		Name: "add", Command: "add", Button: store.AddButton, Version: 1,
		Begin: func(ctx context.Context, s *dialog.Session) error {
			ticket := strings.ToUpper(strings.TrimSpace(s.Get("arg")))
			if ticket == "" {
				return &dialog.Refusal{MessageID: MsgAddUsage}
			}
			v, err := r.ownCase(ctx, s, ticket, MsgActAdd)
			if err != nil {
				return err
			}
			if !open(v.Status) {
				return &dialog.Refusal{MessageID: MsgNewAddGone, Data: map[string]any{"TicketNo": v.TicketNo}}
			}
			return nil
		},
		Steps: []*dialog.Step{
			{Name: "text", Prompt: MsgAddAskText, PromptData: ticketData, Optional: true, MaxLen: descMax},
			{Name: "files", Prompt: MsgNewAskFiles, Optional: true, Accepts: []dialog.Kind{dialog.KindPhoto, dialog.KindDocument},
				PromptData: func(s *dialog.Session) map[string]any {
					return map[string]any{"Count": len(s.Files["files"]), "Max": maxFiles}
				},
				Validate: validateFiles,
				More:     func(*dialog.Session) bool { return true }},
		},
		Summary: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: MsgAddSummary, Data: map[string]any{"TicketNo": s.Get("ticket"), "Text": s.Get("text"), "Files": len(s.Files["files"])}}
		},
		Done: func(ctx context.Context, s *dialog.Session) (dialog.Reply, error) {
			if intake.Blank(s.Get("text")) && len(s.Files["files"]) == 0 {
				return dialog.Reply{}, &dialog.Refusal{MessageID: MsgAddEmpty}
			}
			id, err := r.actorID(ctx, s)
			if err != nil {
				return dialog.Reply{}, err
			}
			// AddInfo checks again, in its transaction, that the case is theirs and open.
			err = r.o.st.AddInfo(ctx, id, s.Get("ticket"), s.Get("text"), sourceKey(s), attachments(s.Files["files"]))
			if errors.Is(err, store.ErrNotFound) {
				return dialog.Reply{}, &dialog.Refusal{MessageID: MsgStatusUnknown, Data: map[string]any{"TicketNo": s.Get("ticket")}, Final: true}
			}
			if errors.Is(err, store.ErrIllegalTransition) {
				return dialog.Reply{}, &dialog.Refusal{MessageID: MsgNewAddGone, Data: map[string]any{"TicketNo": s.Get("ticket")}, Final: true}
			}
			if err != nil {
				return dialog.Reply{}, err
			}
			return dialog.Reply{MessageID: MsgNewAdded, Data: map[string]any{"TicketNo": s.Get("ticket")}}, nil
		},
	}
}

// open tells the statuses a reporter can still add to.
func open(st store.Status) bool {
	return st == store.StatusSubmitted || st == store.StatusAssigned || st == store.StatusInProgress
}
