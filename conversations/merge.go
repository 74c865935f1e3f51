package conversations

import (
	"context"
	"strconv"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// Merging a case into another (并案).

// mergeDialog merges a case into another the office can see (并案).
func (h *handling) mergeDialog(r rule) *dialog.Dialog {
	return &dialog.Dialog{Name: "merge", Command: "merge", Button: store.MergeButton, Version: 1,
		Begin: h.caseStep(MsgActMerge, r),
		Steps: []*dialog.Step{{Name: "into", Prompt: MsgAskMergeInto, PromptData: ticketData, MaxLen: 40,
			Validate: func(ctx context.Context, s *dialog.Session, in dialog.Input) string {
				into := strings.ToUpper(strings.TrimSpace(in.Text))
				actor, _ := strconv.ParseInt(s.Get("actor"), 10, 64)
				v, err := h.st.CaseFor(ctx, actor, into)
				if err != nil || !v.Office || into == s.Get("ticket") {
					return MsgMergeBadTarget
				}
				return ""
			},
			Save: func(s *dialog.Session, in dialog.Input) { s.Set("into", strings.ToUpper(strings.TrimSpace(in.Text))) }}},
		Summary: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: MsgMergeSummary, Data: map[string]any{"TicketNo": s.Get("ticket"), "Into": s.Get("into")}}
		},
		Done: func(ctx context.Context, s *dialog.Session) (dialog.Reply, error) {
			return h.finish(ctx, s, MsgActMerge, MsgDoneMerged, func(p store.ActParams) (store.Case, error) {
				return h.st.Merge(ctx, store.MergeParams{ActParams: p, Into: s.Get("into")})
			})
		},
	}
}
