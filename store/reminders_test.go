package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// remindWorld is the demo county on a clock the test moves, with chats for the cadre P001,
// the handler P002 and the county office's two members.
type remindWorld struct {
	s                             *store.Store
	now                           *time.Time
	loc                           *time.Location
	cadre, other, office, office2 int64
	unit, region                  int64
}

func newRemindWorld(t *testing.T, start time.Time, limits store.Limits) *remindWorld {
	t.Helper()
	ctx := context.Background()
	w := &remindWorld{loc: start.Location()}
	now := start
	w.now = &now
	w.s = storetest.NewStore(t, store.Options{Location: w.loc, Now: func() time.Time { return *w.now }, Limits: limits})
	if _, probs, err := w.s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	for code, id := range map[string]*int64{"P001": &w.cadre, "P002": &w.other, "P017": &w.office, "P018": &w.office2} {
		if err := w.s.Pool().QueryRow(ctx, "UPDATE people SET chat_id = 1000 + id WHERE code = $1 RETURNING id", code).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.s.Pool().QueryRow(ctx, "SELECT id, region_id FROM units WHERE code = 'E001'").Scan(&w.unit, &w.region); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *remindWorld) at(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", s, w.loc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// assigned files a case for E001 and has the office assign it to the cadre now.
func (w *remindWorld) assigned(t *testing.T, complexity string) string {
	t.Helper()
	ctx := context.Background()
	c, err := w.s.Submit(ctx, store.SubmitParams{RegionID: w.region, UnitID: &w.unit, Description: "厂区道路需要硬化处理"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Assign(ctx, store.AssignParams{ActParams: store.ActParams{Ticket: c.TicketNo, ActorID: w.office},
		AssigneeID: w.cadre, Complexity: complexity}); err != nil {
		t.Fatal(err)
	}
	return c.TicketNo
}

func (w *remindWorld) pending(t *testing.T, no string) []string {
	t.Helper()
	rs, err := w.s.PendingReminders(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Kind+" "+r.Limit+" "+r.SendAt.In(w.loc).Format("01-02 15:04"))
	}
	return out
}

// sent are the reminder notifications enqueued so far, as "message→chat".
func (w *remindWorld) sent(t *testing.T) []string {
	t.Helper()
	rows, err := w.s.Pool().Query(context.Background(), `SELECT args->>'msg', args->>'chat_id' FROM river_job
		WHERE kind = 'notification' AND args->>'msg' LIKE 'remind_%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var m, c string
		err := r.Scan(&m, &c)
		return m + "→" + c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *remindWorld) sweep(t *testing.T) int {
	t.Helper()
	n, err := w.s.SendDueReminders(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A case assigned on Friday 18 September 2026 at 19:30, the week before 中秋节 with Sunday
// the 20th worked instead, is reminded at exactly these local times: in calendar days and in
// working days, each moved into working hours (08:30–18:00 of a working day), a due-soon
// reminder dropped when working hours bring it no earlier than its limit. Each goes out when
// its time comes and not a minute before.
func TestAFridayEveningAssignmentIsRemindedOnTime(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	friday := time.Date(2026, 9, 18, 19, 30, 0, 0, loc)
	all := map[string]bool{store.LimitSign: true, store.LimitFeedback: true, store.LimitResolve: true}
	for _, tc := range []struct {
		name    string
		working map[string]bool
		want    []string
	}{
		{"calendar days", nil, []string{
			"overdue sign 09-20 08:30", // Saturday 19:30 lapses; Sunday the 20th is worked
			"due_soon feedback 09-21 15:30",
			"overdue feedback 09-22 08:30",
			"overdue resolve 09-28 08:30", // Friday the 25th is 中秋节: no due-soon before the limit
			"named resolve 10-10 08:30",   // five working days on, across 国庆节, a worked Saturday
		}},
		{"working days", all, []string{
			"due_soon sign 09-20 15:30", // the worked Sunday is the first working day
			"overdue sign 09-21 08:30",
			"due_soon feedback 09-22 15:30",
			"overdue feedback 09-23 08:30",
			"due_soon resolve 09-29 15:30",
			"overdue resolve 09-30 08:30",
			"named resolve 10-13 08:30",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newRemindWorld(t, friday, store.Limits{WorkingDays: tc.working})
			no := w.assigned(t, store.Ordinary)
			if got := w.pending(t, no); !slices.Equal(got, tc.want) {
				t.Fatalf("scheduled\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			cadreChat := fmt.Sprint(1000 + w.cadre)
			officeChats := []string{fmt.Sprint(1000 + w.office), fmt.Sprint(1000 + w.office2)}
			before := 0
			for i, line := range tc.want {
				f := strings.Fields(line)
				due := w.at(t, "2026-"+f[2]+" "+f[3])
				*w.now = due.Add(-time.Minute)
				if n := w.sweep(t); n != 0 {
					t.Fatalf("%d reminders went out a minute before %s", n, line)
				}
				*w.now = due
				if n := w.sweep(t); n != 1 {
					t.Fatalf("%d reminders went out at %s, want 1", n, line)
				}
				if got := w.pending(t, no); !slices.Equal(got, tc.want[i+1:]) {
					t.Fatalf("after %s pending %v", line, got)
				}
				msgs := w.sent(t)
				got := msgs[before:]
				before = len(msgs)
				want := map[string][]string{
					"due_soon": {"remind_due_soon→" + cadreChat},
					"overdue":  {"remind_overdue→" + cadreChat, "remind_overdue_office→" + officeChats[0], "remind_overdue_office→" + officeChats[1]},
					"named":    {"remind_named→" + cadreChat, "remind_named→" + officeChats[0], "remind_named→" + officeChats[1]},
				}[f[0]]
				if !slices.Equal(got, want) {
					t.Errorf("%s told %v, want %v", line, got, want)
				}
			}
			// Each reminder is on the case's record.
			var n int
			if err := w.s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
				WHERE c.ticket_no = $1 AND e.kind = 'reminded' AND e.internal`, no).Scan(&n); err != nil || n != len(tc.want) {
				t.Errorf("%d reminders recorded (%v), want %d", n, err, len(tc.want))
			}
		})
	}
}
