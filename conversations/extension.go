package conversations

import (
	"context"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// Asking for more time (延期).

// extensionDialog asks for more time (延期): the reason and the new date.
func (h *handling) extensionDialog(r rule) *dialog.Dialog {
	return &dialog.Dialog{Name: "extend", Command: "extend", Button: store.ExtensionButton, Version: 1,
		Begin: h.caseStep(MsgActExtension, r),
		Steps: []*dialog.Step{
			{Name: "note", Prompt: MsgAskExtReason, PromptData: ticketData, MinLen: 5, MaxLen: store.MaxNote},
			{Name: "until", Prompt: MsgAskExtDate, MaxLen: 10, PromptData: func(s *dialog.Session) map[string]any {
				return map[string]any{"Due": s.Get("due")}
			}, Validate: func(_ context.Context, s *dialog.Session, in dialog.Input) string {
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
		Summary: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: MsgExtSummary, Data: map[string]any{"TicketNo": s.Get("ticket"), "Note": s.Get("note"), "Until": s.Get("until")}}
		},
		Done: func(ctx context.Context, s *dialog.Session) (dialog.Reply, error) {
			day, err := time.ParseInLocation(time.DateOnly, s.Get("until"), h.st.Location())
			if err != nil {
				return dialog.Reply{}, &dialog.Refusal{MessageID: MsgBadDate}
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
