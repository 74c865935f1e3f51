package conversations

import (
	"context"

	"github.com/bangban/bangban/store"
)

// The actions that are a note and a confirm: progress, resolve, escalate, reject, refuse an
// extension, re-handle, write off.

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
