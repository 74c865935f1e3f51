package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
)

// The 13710 limits of a case assigned on Friday 18 September 2026 at 19:30, the week before
// 中秋节 (25–27 September) with Sunday the 20th worked instead: in calendar days by default,
// in working days of the shipped calendar for the rules so set. The hand-back window follows
// its own rule.
func TestDeadlinesInCalendarAndWorkingDays(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	friday := time.Date(2026, 9, 18, 19, 30, 0, 0, loc)
	all := map[string]bool{store.LimitSign: true, store.LimitFeedback: true, store.LimitResolve: true,
		store.LimitComplex: true, store.LimitHandBack: true}
	for _, tc := range []struct {
		name                                       string
		working                                    map[string]bool
		sign, feedback, resolve, complex, handBack string
	}{
		{"calendar days", nil, "09-19 19:30", "09-21 19:30", "09-25 19:30", "10-18 19:30", "09-20 19:30"},
		{"working days", all, "09-20 19:30", "09-22 19:30", "09-29 19:30", "10-19 19:30", "09-21 19:30"},
		{"resolving only", map[string]bool{store.LimitResolve: true}, "09-19 19:30", "09-21 19:30", "09-29 19:30", "10-18 19:30", "09-20 19:30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := newRemindWorld(t, friday, store.Limits{WorkingDays: tc.working})
			s := w.s
			file := func() string {
				c, err := s.Submit(ctx, store.SubmitParams{RegionID: w.region, UnitID: &w.unit, Description: "厂区道路需要硬化处理"})
				if err != nil {
					t.Fatal(err)
				}
				return c.TicketNo
			}
			at := func(t2 *time.Time) string { return t2.In(loc).Format("01-02 15:04") }
			for complexity, wantResolve := range map[string]string{store.Ordinary: tc.resolve, store.Complex: tc.complex} {
				no := file()
				c, err := s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: w.office},
					AssigneeID: w.cadre, Complexity: complexity})
				if err != nil {
					t.Fatal(err)
				}
				if got := [3]string{at(c.SignDueAt), at(c.FeedbackDueAt), at(c.ResolveDueAt)}; got != [3]string{tc.sign, tc.feedback, wantResolve} {
					t.Errorf("%s: limits %v, want %v", complexity, got, [3]string{tc.sign, tc.feedback, wantResolve})
				}
			}
			// The hand-back window: open a minute before it ends, shut a minute after.
			early, late := file(), file()
			for _, no := range []string{early, late} {
				if _, err := s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: no, ActorID: w.office}, AssigneeID: w.cadre}); err != nil {
					t.Fatal(err)
				}
			}
			end, _ := time.ParseInLocation("2006-01-02 15:04", "2026-"+tc.handBack, loc)
			*w.now = end.Add(-time.Minute)
			if _, err := s.HandBack(ctx, store.ActParams{Ticket: early, ActorID: w.cadre, Note: "不属于本部门"}); err != nil {
				t.Errorf("a hand-back before %s: %v", tc.handBack, err)
			}
			*w.now = end.Add(time.Minute)
			if _, err := s.HandBack(ctx, store.ActParams{Ticket: late, ActorID: w.cadre, Note: "不属于本部门"}); !errors.Is(err, store.ErrTooLate) {
				t.Errorf("a hand-back after %s: %v, want ErrTooLate", tc.handBack, err)
			}
		})
	}
}
