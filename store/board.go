package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// The daily board (每日工作板): each working day at the start of working hours, every member of
// a campaign office gets one message about the office's regions: what is new since the last
// board, what waits in triage, what is overdue now (by handler and unit), what falls due today
// and the extensions waiting for a decision. A day with nothing to say sends nothing.

// maxBoardGroups is how many handler-and-unit groups of overdue cases a board names, and
// maxBoardTickets how many tickets each group lists: the rest are counted, so that a board of
// any size fits one message (/overdue lists them all).
const (
	maxBoardGroups  = 15
	maxBoardTickets = 3
)

// boardGroup is the overdue cases of one handler at one unit, as a board names them.
type boardGroup struct {
	Assignee string   `db:"assignee"`
	Unit     string   `db:"unit"`
	Count    int      `db:"n"`
	Tickets  []string `db:"tickets"`
}

// SendBoards enqueues today's board for every office member who has not had it yet: none on
// a day off, before working hours or after them. Each member's board is written down with
// the day in the transaction that enqueues it, so that a second run, or another replica's,
// sends nothing more. It returns how many boards it enqueued.
func (s *Store) SendBoards(ctx context.Context) (int, error) {
	now := s.now()
	local := now.In(s.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc)
	if !s.cal.Workday(day) || local.Before(day.Add(s.limits.WorkStart)) || local.After(day.Add(s.limits.WorkEnd)) {
		return 0, nil
	}
	// New since the last board: the start of the previous working day's working hours.
	prev := day.AddDate(0, 0, -1)
	for !s.cal.Workday(prev) {
		prev = prev.AddDate(0, 0, -1)
	}
	since := prev.Add(s.limits.WorkStart)
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT r.person_id FROM person_roles r JOIN people p ON p.id = r.person_id
		WHERE r.role = 'office' AND p.chat_id IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM boards b WHERE b.person_id = r.person_id AND b.day = $1)
		ORDER BY r.person_id`, day)
	if err != nil {
		return 0, fmt.Errorf("boards: %w", err)
	}
	people, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("boards: %w", err)
	}
	sent := 0
	for _, person := range people {
		err := s.InTx(ctx, func(tx pgx.Tx) error {
			data, err := s.board(ctx, tx, person, since, now, day)
			if err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, "INSERT INTO boards (person_id, day, sent, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
				person, day, data != nil, now)
			if err != nil || tag.RowsAffected() == 0 || data == nil {
				return err // another run has it, or there is nothing to say
			}
			var chat int64
			var lang *string
			if err := tx.QueryRow(ctx, "SELECT chat_id, lang FROM people WHERE id = $1", person).Scan(&chat, &lang); err != nil {
				return err
			}
			n := Notification{ChatID: chat, MessageID: NoticeBoard, Data: data}
			if lang != nil {
				n.Lang = *lang
			}
			sent++
			return s.NotifyTx(ctx, tx, n)
		})
		if err != nil {
			return sent, fmt.Errorf("board of person %d: %w", person, err)
		}
	}
	return sent, nil
}

// board is what a person's board says, nil when there is nothing to say: the counts of the
// cases of their offices (triage, extensions) and of their offices' regions and all below
// (new, overdue, due today; a working group's lead: the whole city).
func (s *Store) board(ctx context.Context, tx pgx.Tx, person int64, since, now, day time.Time) (map[string]any, error) {
	a, err := actorTx(ctx, tx, person)
	if err != nil {
		return nil, err
	}
	all, regions := officeScope(a)
	var offices []int64
	for _, g := range a.Grants {
		if g.Role == RoleOffice && g.OfficeID != nil {
			offices = append(offices, *g.OfficeID)
		}
	}
	const scope = `WITH RECURSIVE scope(id) AS (
			SELECT id FROM regions WHERE $1 OR id = ANY($2)
			UNION SELECT r.id FROM regions r JOIN scope s ON r.parent_id = s.id) `
	var newCount, triage, extensions, overdue, dueToday int
	err = tx.QueryRow(ctx, scope+`SELECT
			count(*) FILTER (WHERE c.region_id IN (SELECT id FROM scope) AND c.created_at >= $4 AND c.created_at < $5),
			count(*) FILTER (WHERE c.office_id = ANY($3) AND c.status = 'submitted'),
			count(*) FILTER (WHERE c.office_id = ANY($3) AND c.extension_until IS NOT NULL),
			count(*) FILTER (WHERE c.region_id IN (SELECT id FROM scope) AND c.status IN ('assigned', 'in_progress') AND `+nextDue+` < $5),
			count(*) FILTER (WHERE c.region_id IN (SELECT id FROM scope) AND c.status IN ('assigned', 'in_progress')
				AND `+nextDue+` >= $5 AND `+nextDue+` < $6)
		FROM cases c`, all, regions, offices, since, now, day.AddDate(0, 0, 1)).Scan(&newCount, &triage, &extensions, &overdue, &dueToday)
	if err != nil {
		return nil, fmt.Errorf("board counts: %w", err)
	}
	if newCount+triage+extensions+overdue+dueToday == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, scope+`SELECT coalesce(p.name, '') AS assignee, coalesce(u.name, '') AS unit, count(*) AS n,
			(array_agg(c.ticket_no ORDER BY `+nextDue+`, c.id))[1:$4] AS tickets
		FROM cases c LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN people p ON p.id = c.assignee_id
		WHERE c.region_id IN (SELECT id FROM scope) AND c.status IN ('assigned', 'in_progress') AND `+nextDue+` < $3
		GROUP BY p.name, p.id, u.name, u.id ORDER BY n DESC, assignee, unit`, all, regions, now, maxBoardTickets)
	if err != nil {
		return nil, fmt.Errorf("board overdue: %w", err)
	}
	groups, err := pgx.CollectRows(rows, pgx.RowToStructByName[boardGroup])
	if err != nil {
		return nil, fmt.Errorf("board overdue: %w", err)
	}
	shown := groups[:min(len(groups), maxBoardGroups)]
	list := make([]map[string]any, len(shown))
	for i, g := range shown {
		list[i] = map[string]any{"Assignee": g.Assignee, "Unit": g.Unit, "Count": g.Count,
			"Tickets": strings.Join(g.Tickets, ", "), "MoreTickets": g.Count > len(g.Tickets)}
	}
	return map[string]any{"Day": day.Format("2006-01-02"), "New": newCount, "Triage": triage, "Overdue": overdue,
		"Groups": list, "More": len(groups) - len(shown), "DueToday": dueToday, "Extensions": extensions}, nil
}

// OfficeBoard is the periodic job that sends the daily boards. River runs periodic jobs on
// its elected leader only, and each board is written down with its day, so each member gets
// one a working day however many replicas run or however often the job runs.
type OfficeBoard struct{}

// Kind names the job for river.
func (OfficeBoard) Kind() string { return "office_board" }

// InsertOpts keep one run pending at a time, on the lifecycle queue.
func (OfficeBoard) InsertOpts() river.InsertOpts {
	return onePending()
}

type officeBoardWorker struct {
	river.WorkerDefaults[OfficeBoard]
	s *Store
}

func (w *officeBoardWorker) Work(ctx context.Context, _ *river.Job[OfficeBoard]) error {
	_, err := w.s.SendBoards(ctx)
	return err
}

// boardSchedule runs the board at the start of working hours of each working day of the
// calendar, in the city's time zone.
type boardSchedule struct{ s *Store }

// Next is the first start of working hours on a working day after t.
func (b boardSchedule) Next(t time.Time) time.Time {
	local := t.In(b.s.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, b.s.loc)
	for {
		if at := day.Add(b.s.limits.WorkStart); b.s.cal.Workday(day) && at.After(t) {
			return at
		}
		day = day.AddDate(0, 0, 1)
	}
}
