package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"
)

// The weekly bulletin (周通报): each Monday morning every member of a campaign office gets the
// figures of their office's region for the week just ended, beside the week before, the
// cases on the named list, the handling units whose reporters were less satisfied than the
// floor, the categories most found, and two charts. The figures are the store's (Figures),
// asked for two weeks; nothing here counts them again.

// DefaultSatisfactionFloor is the satisfaction rate, in per cent, under which a handling
// unit is named in the bulletin, where nothing else is said.
const DefaultSatisfactionFloor = 85.0

// BulletinWeeks is how many weeks the bulletin's trend shows, the week itself the last.
const BulletinWeeks = 8

// bulletinAt is when, on Monday, the bulletins of the week just ended go out.
const bulletinAt = 9 * time.Hour

// Bulletin is what the bulletin of a region and a week says.
type Bulletin struct {
	// RegionID is the region (0 the whole city) and Region its name.
	RegionID int64
	Region   string
	// This is the week's figures, Last the week before's: This.From is the week's Monday.
	This, Last Figures
	// Trend is the cases found and resolved in each of the last BulletinWeeks weeks, the
	// oldest first and the week itself last.
	Trend []WeekCount
	// Named are the cases on the named list (通报) at the week's end, or now if sooner: in hand
	// and still unresolved NamedAfterDays working days after their resolve limit; the longest
	// overdue first.
	Named []NamedCase
	// NamedAfterDays is the named list's rule: working days past the resolve limit.
	NamedAfterDays int
	// Floor is the satisfaction floor in per cent, and BelowFloor the handling units whose
	// satisfaction rate in the week was under it (units with no answer are not judged).
	Floor      float64
	BelowFloor []FigureRow
}

// WeekCount is one week of the trend.
type WeekCount struct {
	Monday          time.Time
	Found, Resolved int
}

// NamedCase is one case of the named list: its ticket, the unit that handles it and its
// handler, and the limit it passed.
type NamedCase struct {
	TicketNo   string    `db:"ticket_no"`
	Unit       string    `db:"unit"`
	Handler    string    `db:"handler"`
	ResolveDue time.Time `db:"resolve_due_at"`
}

// Monday is the local midnight that starts t's week (Monday to Monday) in the city.
func (s *Store) Monday(t time.Time) time.Time {
	d := s.Day(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// BulletinParams ask for the bulletin of a region and a week.
type BulletinParams struct {
	// RegionID is the region, its sub-regions included; 0 is the whole city.
	RegionID int64
	// Week is any moment of the week: the bulletin covers its Monday 00:00 to the next.
	Week time.Time
}

// Bulletin gathers the bulletin of a region and a week, at the store's now.
func (s *Store) Bulletin(ctx context.Context, p BulletinParams) (Bulletin, error) {
	monday := s.Monday(p.Week)
	b := Bulletin{RegionID: p.RegionID, Floor: s.floor, NamedAfterDays: s.limits.NamedAfterDays}
	var err error
	if b.Region, err = s.RegionName(ctx, p.RegionID); err != nil {
		return Bulletin{}, fmt.Errorf("bulletin of region %d: %w", p.RegionID, err)
	}
	// The named list at the week's end, or now if sooner.
	at := monday.AddDate(0, 0, 7)
	if now := s.now(); now.Before(at) {
		at = now
	}
	bounds := make([]time.Time, BulletinWeeks+1)
	for i := range bounds {
		bounds[i] = monday.AddDate(0, 0, 7*(i+1-BulletinWeeks))
	}
	// Four questions that do not depend on each other, asked at once on their own
	// connections: a city's bulletin takes the time of the longest, not of all four.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		b.This, err = s.Figures(gctx, FiguresParams{RegionID: p.RegionID, From: monday, To: monday.AddDate(0, 0, 7)})
		return err
	})
	g.Go(func() (err error) {
		b.Last, err = s.Figures(gctx, FiguresParams{RegionID: p.RegionID, From: monday.AddDate(0, 0, -7), To: monday})
		return err
	})
	g.Go(func() (err error) {
		b.Trend, err = s.weekCounts(gctx, p.RegionID, bounds)
		return err
	})
	g.Go(func() (err error) {
		b.Named, err = s.named(gctx, p.RegionID, at)
		return err
	})
	if err := g.Wait(); err != nil {
		return Bulletin{}, fmt.Errorf("bulletin of region %d: %w", p.RegionID, err)
	}
	for _, u := range b.This.ByHandlingUnit {
		if r := u.Satisfaction(); u.Key != "" && r.Defined() && r.Percent() < b.Floor {
			b.BelowFloor = append(b.BelowFloor, u)
		}
	}
	return b, nil
}

// named are the cases of a region on the named list at a moment: in hand, and at it still
// unresolved NamedAfterDays working days after their resolve limit, as the reminder that
// names them counts them (ReminderNamed).
func (s *Store) named(ctx context.Context, region int64, at time.Time) ([]NamedCase, error) {
	rows, err := s.pool.Query(ctx, figuresScope+`
		SELECT c.ticket_no, coalesce(nullif(h.department, ''), h.name, '') AS unit, coalesce(h.name, '') AS handler, c.resolve_due_at
		FROM cases c LEFT JOIN people h ON h.id = c.assignee_id
		WHERE c.region_id IN (SELECT id FROM scope) AND c.status IN ('assigned', 'in_progress')
			AND c.resolve_due_at IS NOT NULL AND c.resolve_due_at < $2
		ORDER BY c.resolve_due_at, c.id`, region, at)
	if err != nil {
		return nil, fmt.Errorf("named list of region %d: %w", region, err)
	}
	cases, err := pgx.CollectRows(rows, pgx.RowToStructByName[NamedCase])
	if err != nil {
		return nil, fmt.Errorf("named list of region %d: %w", region, err)
	}
	var out []NamedCase
	for _, c := range cases {
		if !s.workingMoment(s.cal.AddWorkdays(c.ResolveDue.In(s.loc), s.limits.NamedAfterDays)).After(at) {
			out = append(out, c)
		}
	}
	return out, nil
}

// BulletinJob sends one office member the bulletin of their office's region for a week. It
// carries no figures: the worker gathers and draws them when it sends, in the member's
// language.
type BulletinJob struct {
	PersonID int64  `json:"person_id"`
	ChatID   int64  `json:"chat_id"`
	Lang     string `json:"lang,omitempty"`
	RegionID int64  `json:"region_id"`
	// Week is the week's Monday, as a date (2026-11-23).
	Week string `json:"week"`
}

// Kind names the job for river.
func (BulletinJob) Kind() string { return "bulletin" }

// InsertOpts put bulletins on the notifications' queue, their attempts bounded as theirs.
func (BulletinJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: NotifyQueue, MaxAttempts: 20}
}

// ReportKind names a report that goes out by itself to every office member: the weekly
// bulletin or the monthly report. Each sent is written down with its kind and the first
// day of its period (the week's Monday, the month's first).
type ReportKind string

const (
	ReportWeek  ReportKind = "week"
	ReportMonth ReportKind = "month"
)

// ReportTo is an office member a report goes to: their chat and language, and the region
// of their office (0 the whole city).
type ReportTo struct {
	PersonID int64
	ChatID   int64
	Lang     string
	RegionID int64
}

// SendBulletins enqueues the bulletin of the week just ended for every office member who has
// not had it yet, from Monday 09:00 on. A region with nothing to say for the week (nothing
// found, assigned, resolved, closed or rated in it, and nothing overdue now) gets no
// bulletin, as a quiet day gets no board. It returns how many bulletins it enqueued.
func (s *Store) SendBulletins(ctx context.Context) (int, error) {
	now := s.now()
	monday := s.Monday(now)
	if now.Before(monday.Add(bulletinAt)) {
		return 0, nil
	}
	week := monday.AddDate(0, 0, -7)
	return s.sendReports(ctx, ReportWeek, week, monday, func(r ReportTo) river.JobArgs {
		return BulletinJob{PersonID: r.PersonID, ChatID: r.ChatID, Lang: r.Lang, RegionID: r.RegionID, Week: week.Format(time.DateOnly)}
	})
}

// sendReports enqueues, for every office member who has not had it, the report of kind for
// the period [from, to), the job job makes. Each member's report is written down with its
// period in the transaction that enqueues it, so that a second run, or another replica's,
// sends nothing more. A region with nothing to say for the period (nothing found,
// assigned, resolved, closed or rated in it, and nothing overdue now) gets none.
func (s *Store) sendReports(ctx context.Context, kind ReportKind, from, to time.Time, job func(ReportTo) river.JobArgs) (int, error) {
	now := s.now()
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT r.person_id FROM person_roles r JOIN people p ON p.id = r.person_id
		WHERE r.role = 'office' AND p.chat_id IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM bulletins b WHERE b.person_id = r.person_id AND b.kind = $1 AND b.period = $2)
		ORDER BY r.person_id`, kind, from)
	if err != nil {
		return 0, fmt.Errorf("%s reports: %w", kind, err)
	}
	people, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("%s reports: %w", kind, err)
	}
	quiet := map[int64]bool{}
	isQuiet := func(region int64) (bool, error) {
		if q, ok := quiet[region]; ok {
			return q, nil
		}
		f, err := s.Figures(ctx, FiguresParams{RegionID: region, From: from, To: to})
		if err != nil {
			return false, err
		}
		quiet[region] = f.Found+f.Assigned+f.Resolved+f.Closed+f.Feedbacks+f.Overdue == 0
		return quiet[region], nil
	}
	sent := 0
	for _, person := range people {
		err := s.InTx(ctx, func(tx pgx.Tx) error {
			a, err := actorTx(ctx, tx, person)
			if err != nil {
				return err
			}
			all, regions := officeScope(a)
			to := ReportTo{PersonID: person}
			switch {
			case all:
			case len(regions) > 0:
				to.RegionID = regions[0]
			default:
				return nil // an office of no region: no report to send
			}
			q, err := isQuiet(to.RegionID)
			if err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, "INSERT INTO bulletins (person_id, kind, period, region_id, at, sent) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
				person, kind, from, to.RegionID, now, !q)
			if err != nil || tag.RowsAffected() == 0 || q {
				return err // another run has it, or there is nothing to say
			}
			var lang *string
			if err := tx.QueryRow(ctx, "SELECT chat_id, lang FROM people WHERE id = $1", person).Scan(&to.ChatID, &lang); err != nil {
				return err
			}
			if lang != nil {
				to.Lang = *lang
			}
			if _, err := s.jobs.InsertTx(ctx, tx, job(to), nil); err != nil {
				return err
			}
			sent++
			return nil
		})
		if err != nil {
			return sent, fmt.Errorf("%s report of person %d: %w", kind, person, err)
		}
	}
	return sent, nil
}

// WeeklyBulletin is the periodic job that sends the weekly bulletins. River runs periodic
// jobs on its elected leader only, and each bulletin is written down with its week, so each
// member gets one a week however many replicas run or however often the job runs.
type WeeklyBulletin struct{}

// Kind names the job for river.
func (WeeklyBulletin) Kind() string { return "weekly_bulletin" }

// InsertOpts keep one run pending at a time, on the lifecycle queue.
func (WeeklyBulletin) InsertOpts() river.InsertOpts {
	return onePending()
}

type weeklyBulletinWorker struct {
	river.WorkerDefaults[WeeklyBulletin]
	s *Store
}

func (w *weeklyBulletinWorker) Work(ctx context.Context, _ *river.Job[WeeklyBulletin]) error {
	_, err := w.s.SendBulletins(ctx)
	return err
}

// bulletinSchedule runs the bulletin every Monday at 09:00 in the city's time zone.
type bulletinSchedule struct{ s *Store }

// Next is the first Monday 09:00 after t.
func (b bulletinSchedule) Next(t time.Time) time.Time {
	at := b.s.Monday(t).Add(bulletinAt)
	for !at.After(t) {
		at = at.AddDate(0, 0, 7)
	}
	return at
}

// ReportPartsSent is how many of the messages of a person's report of kind for the period
// starting on from have gone.
func (s *Store) ReportPartsSent(ctx context.Context, kind ReportKind, person int64, from time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(parts), 0) FROM bulletins WHERE person_id = $1 AND kind = $2 AND period = $3",
		person, kind, from).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("%s report of person %d: %w", kind, person, err)
	}
	return n, nil
}

// ReportPartSent records that the first n of the messages of a person's report of kind for
// the period starting on from have gone.
func (s *Store) ReportPartSent(ctx context.Context, kind ReportKind, person int64, from time.Time, n int) error {
	if _, err := s.pool.Exec(ctx, "UPDATE bulletins SET parts = greatest(parts, $4) WHERE person_id = $1 AND kind = $2 AND period = $3",
		person, kind, from, n); err != nil {
		return fmt.Errorf("%s report of person %d: %w", kind, person, err)
	}
	return nil
}

// Trend is the cases found and resolved in each week (Monday to Monday) of [from, to), each
// week cut to the period, the earliest first, as Figures counts them: the monthly report's
// chart of its weeks.
func (s *Store) Trend(ctx context.Context, region int64, from, to time.Time) ([]WeekCount, error) {
	bounds := []time.Time{s.Day(from)}
	for start := bounds[0]; start.Before(to); {
		end := s.Monday(start).AddDate(0, 0, 7)
		if end.After(to) {
			end = s.Day(to)
		}
		bounds = append(bounds, end)
		start = end
	}
	if len(bounds) < 2 {
		return nil, nil
	}
	return s.weekCounts(ctx, region, bounds)
}
