package conversations

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// ownCase finds the case a reporter's dialog is about, checking on the server that it is
// their own: anyone else's ticket is refused exactly as one that does not exist.
func (r *report) ownCase(ctx context.Context, s *dialog.Session, ticket, verb string) (store.CaseView, error) {
	unknown := &dialog.Refusal{MessageID: MsgStatusUnknown, Data: map[string]any{"TicketNo": ticket}}
	a, err := r.o.st.ActorByAccount(ctx, s.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.CaseView{}, unknown
	}
	if err != nil {
		return store.CaseView{}, err
	}
	v, err := r.o.st.CaseFor(ctx, a.PersonID, ticket)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !v.Reporter) {
		// The attempt is kept on the case, if there is one.
		recordRefusal(ctx, r.o.st, r.o.e.Logger(), ticket, a.PersonID, verb, store.ErrNotFound)
		return store.CaseView{}, unknown
	}
	if err != nil {
		return store.CaseView{}, err
	}
	s.Set("person_id", strconv.FormatInt(a.PersonID, 10))
	s.Set("ticket", v.TicketNo)
	return v, nil
}

// feedbackDialog is the feedback (回访) on a resolved case: solved?, how satisfied?, and an
// optional comment. It starts from the buttons on the "resolved" message ("fb:TICKET:y"),
// from the case's view, or as /rate TICKET.
func (r *report) feedbackDialog() *dialog.Dialog {
	return &dialog.Dialog{
		Name: "rate", Command: "rate", Button: store.FeedbackButton, Version: 1,
		Begin: func(ctx context.Context, s *dialog.Session) error {
			ticket, solved, _ := strings.Cut(s.Get("arg"), ":")
			ticket = strings.ToUpper(strings.TrimSpace(ticket))
			if ticket == "" {
				return &dialog.Refusal{MessageID: MsgRateUsage}
			}
			v, err := r.ownCase(ctx, s, ticket, MsgActRate)
			if err != nil {
				return err
			}
			if v.Status != store.StatusResolved || v.Satisfaction != nil {
				return &dialog.Refusal{MessageID: MsgFbNotOpen, Data: map[string]any{"TicketNo": v.TicketNo}}
			}
			if solved == "y" || solved == "n" {
				s.Set("solved", solved)
			}
			return nil
		},
		First: func(s *dialog.Session) string {
			if s.Get("solved") != "" {
				return "satisfaction"
			}
			return "solved"
		},
		Steps: []*dialog.Step{
			{Name: "solved", Prompt: MsgFbAskSolved, PromptData: ticketData, Choices: func(*dialog.Session) []dialog.Choice {
				return []dialog.Choice{{Label: MsgFbYes, Value: "y"}, {Label: MsgFbNo, Value: "n"}}
			}},
			{Name: "satisfaction", Prompt: MsgFbAskSatisfaction, PromptData: ticketData, Choices: func(*dialog.Session) []dialog.Choice {
				var cs []dialog.Choice
				for _, v := range []string{store.Satisfied, store.BasicSatisfied, store.Unsatisfied} {
					cs = append(cs, dialog.Choice{Label: satisfactionMsg[v], Value: v})
				}
				return cs
			}},
			{Name: "comment", Prompt: MsgFbAskComment, Optional: true, MaxLen: 500},
		},
		Done: func(ctx context.Context, s *dialog.Session) (dialog.Reply, error) {
			p := store.FeedbackParams{ActParams: store.ActParams{Ticket: s.Get("ticket"), Note: s.Get("comment"), Source: sourceKey(s)},
				Solved: s.Get("solved") == "y", Satisfaction: s.Get("satisfaction")}
			var err error
			if p.ActorID, err = r.actorID(ctx, s); err != nil {
				return dialog.Reply{}, err
			}
			c, err := r.o.st.Feedback(ctx, p)
			if err != nil {
				return dialog.Reply{}, r.refusal(err, p.Ticket)
			}
			if c.Status == store.StatusClosed {
				return dialog.Reply{MessageID: MsgFbThanksClosed, Data: map[string]any{"TicketNo": c.TicketNo}}, nil
			}
			return dialog.Reply{MessageID: MsgFbThanksOffice, Data: map[string]any{"TicketNo": c.TicketNo}}, nil
		},
	}
}

func ticketData(s *dialog.Session) map[string]any { return map[string]any{"TicketNo": s.Get("ticket")} }

// actorID is the person behind the session's account, looked up again when the dialog acts.
func (r *report) actorID(ctx context.Context, s *dialog.Session) (int64, error) {
	a, err := r.o.st.ActorByAccount(ctx, s.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, &dialog.Refusal{MessageID: MsgStatusUnknown, Data: map[string]any{"TicketNo": s.Get("ticket")}}
	}
	return a.PersonID, err
}

// refusal turns the store's expected refusals into messages: a case that is not theirs is
// unknown, one that has moved on since the dialog began is no longer open.
func (r *report) refusal(err error, ticket string) error {
	if msg, ok := refusalMessage(reporterRefusals, err); ok {
		return &dialog.Refusal{MessageID: msg, Data: map[string]any{"TicketNo": ticket}, Final: true}
	}
	return err
}
