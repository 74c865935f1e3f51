package conversations

import (
	"context"
	"strconv"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// Assigning a case (交办): its category, complexity and handler, or a working group.

// maxCandidates is how many handlers the assign dialog offers as buttons.
const maxCandidates = 20

// categoryGroup is the working group of the category chosen in the assign dialog, if any.
func categoryGroup(s *dialog.Session) string {
	for _, l := range strings.Split(s.Get("cats"), "\n") {
		if parts := strings.Split(l, "|"); len(parts) == 4 && parts[0] == s.Get("category") {
			return parts[3]
		}
	}
	return ""
}

// groupPrefix marks a working group's office among the assign dialog's choices.
const groupPrefix = "g"

// assignDialog is triage's main act (交办): the category, the complexity and the handler.
func (h *handling) assignDialog(r rule) *dialog.Dialog {
	return &dialog.Dialog{Name: "assign", Command: "assign", Button: store.AssignButton, Version: 1,
		Begin: func(ctx context.Context, s *dialog.Session) error {
			if err := h.caseStep(MsgActAssign, r)(ctx, s); err != nil {
				return err
			}
			actor, _ := strconv.ParseInt(s.Get("actor"), 10, 64)
			cands, err := h.st.Assignees(ctx, actor, s.Get("ticket"), maxCandidates)
			if err != nil {
				return err
			}
			// Or a working group (专班), which takes the case over: the one of the case's
			// category first.
			wgs, err := h.st.WorkingGroups(ctx, s.Get("ticket"))
			if err != nil {
				return err
			}
			if len(cands) == 0 && len(wgs) == 0 {
				return &dialog.Refusal{MessageID: MsgNoAssignees, Data: map[string]any{"TicketNo": s.Get("ticket")}}
			}
			var lines []string
			for _, c := range cands {
				mark := ""
				if c.Linked {
					mark = "★ "
				}
				lines = append(lines, strconv.FormatInt(c.ID, 10)+"|"+mark+c.Name+" "+c.Department)
			}
			var groups []string
			for _, g := range wgs {
				groups = append(groups, groupPrefix+strconv.FormatInt(g.OfficeID, 10)+"|→ "+g.Name+"|"+g.Code)
			}
			s.Set("groups", strings.Join(groups, "\n"))
			s.Set("cands", strings.Join(lines, "\n"))
			if s.Get("kind") != "" {
				cats, err := h.st.Categories(ctx, s.Get("kind"))
				if err != nil {
					return err
				}
				var cl []string
				for _, c := range cats {
					wg := ""
					if c.WorkingGroup != nil {
						wg = *c.WorkingGroup
					}
					cl = append(cl, strings.Join([]string{strconv.FormatInt(c.ID, 10), c.NameZH, c.NameEN, wg}, "|"))
				}
				s.Set("cats", strings.Join(cl, "\n"))
			}
			return nil
		},
		First: func(s *dialog.Session) string {
			if s.Get("cats") == "" {
				return "complexity"
			}
			return "category"
		},
		Steps: []*dialog.Step{
			{Name: "category", Prompt: MsgAskTriageCategory, PromptData: ticketData, Choices: func(s *dialog.Session) []dialog.Choice {
				var cs []dialog.Choice
				for _, l := range strings.Split(s.Get("cats"), "\n") {
					parts := strings.Split(l, "|")
					if len(parts) == 4 {
						label := parts[1]
						if s.Lang == dialog.LangEN {
							label = parts[2]
						}
						cs = append(cs, dialog.Choice{Label: label, Literal: true, Value: parts[0]})
					}
				}
				return cs
			}},
			{Name: "complexity", Prompt: MsgAskComplexity, Choices: func(*dialog.Session) []dialog.Choice {
				return []dialog.Choice{{Label: complexityMsg[store.Ordinary], Value: store.Ordinary}, {Label: complexityMsg[store.Complex], Value: store.Complex}}
			}},
			{Name: "assignee", Prompt: MsgAskAssignee, Choices: func(s *dialog.Session) []dialog.Choice {
				var cs []dialog.Choice
				for _, l := range strings.Split(s.Get("cands"), "\n") {
					if id, label, ok := strings.Cut(l, "|"); ok {
						cs = append(cs, dialog.Choice{Label: label, Literal: true, Value: id})
					}
				}
				// The working groups, the one of the category chosen first.
				var first, rest []dialog.Choice
				wg := categoryGroup(s)
				for _, l := range strings.Split(s.Get("groups"), "\n") {
					if parts := strings.Split(l, "|"); len(parts) == 3 {
						c := dialog.Choice{Label: parts[1], Literal: true, Value: parts[0]}
						if wg != "" && parts[2] == wg {
							first = append(first, c)
						} else {
							rest = append(rest, c)
						}
					}
				}
				return append(append(cs, first...), rest...)
			}},
		},
		Summary: func(s *dialog.Session) dialog.Reply {
			name := ""
			for _, l := range strings.Split(s.Get("cands")+"\n"+s.Get("groups"), "\n") {
				if parts := strings.Split(l, "|"); len(parts) >= 2 && parts[0] == s.Get("assignee") {
					name = parts[1]
				}
			}
			return dialog.Reply{MessageID: MsgAssignSummary, Data: map[string]any{"TicketNo": s.Get("ticket"), "Assignee": name,
				"Complexity": h.e.Translator().T(s.Lang, complexityMsg[s.Get("complexity")], nil)}}
		},
		Done: func(ctx context.Context, s *dialog.Session) (dialog.Reply, error) {
			var category *int64
			if cat, err := strconv.ParseInt(s.Get("category"), 10, 64); err == nil {
				category = &cat
			}
			if group, ok := strings.CutPrefix(s.Get("assignee"), groupPrefix); ok {
				office, err := strconv.ParseInt(group, 10, 64)
				if err != nil {
					return dialog.Reply{}, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
				}
				return h.finish(ctx, s, MsgActAssign, MsgDoneHandedOver, func(p store.ActParams) (store.Case, error) {
					return h.st.HandOver(ctx, store.HandOverParams{ActParams: p, OfficeID: office, CategoryID: category, Complexity: s.Get("complexity")})
				})
			}
			assignee, err := strconv.ParseInt(s.Get("assignee"), 10, 64)
			if err != nil {
				return dialog.Reply{}, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
			}
			ap := store.AssignParams{AssigneeID: assignee, Complexity: s.Get("complexity"), CategoryID: category}
			return h.finish(ctx, s, MsgActAssign, MsgDoneAssigned, func(p store.ActParams) (store.Case, error) {
				ap.ActParams = p
				return h.st.Assign(ctx, ap)
			})
		},
	}
}
