package conversations

import (
	"context"

	"github.com/bangban/bangban/conversations/dialog"
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

func (h *handling) noteDialog(a noteAction) *dialog.Dialog {
	steps := []*dialog.Step{{Name: "note", Prompt: a.ask, PromptData: ticketData, MinLen: a.minLen, MaxLen: store.MaxNote}}
	if a.files {
		steps = append(steps, &dialog.Step{Name: "files", Prompt: MsgNewAskFiles, Optional: true, Accepts: []dialog.Kind{dialog.KindPhoto, dialog.KindDocument},
			PromptData: func(s *dialog.Session) map[string]any {
				return map[string]any{"Count": len(s.Files["files"]), "Max": maxFiles}
			},
			Validate: validateFiles, More: func(*dialog.Session) bool { return true }})
	}
	return &dialog.Dialog{Name: a.name, Command: a.name, Button: a.button, Version: 1,
		Begin: h.caseStep(a.verb, a.rule),
		Steps: steps,
		Summary: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: MsgActSummary, Data: map[string]any{"Action": h.e.Translator().T(s.Lang, a.verb, nil), "TicketNo": s.Get("ticket"),
				"Note": s.Get("note"), "Files": len(s.Files["files"])}}
		},
		Done: func(ctx context.Context, s *dialog.Session) (dialog.Reply, error) {
			return h.finish(ctx, s, a.verb, a.done, func(p store.ActParams) (store.Case, error) { return a.do(ctx, p) })
		},
	}
}
