package store

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// The monthly report (月报告): on the 1st of each month at 09:00 every member of a campaign
// office gets the workbook of their office's region for the month just ended (the ledger,
// its figures and charts), sent as a document, as the weekly bulletin goes out each Monday
// (sendReports). The workbook itself is laid out by ledger/ when the job is worked.

// monthlyAt is when, on the 1st, the reports of the month just ended go out.
const monthlyAt = 9 * time.Hour

// MonthStart is the local midnight that starts t's month in the city.
func (s *Store) MonthStart(t time.Time) time.Time {
	l := t.In(s.loc)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, s.loc)
}

// MonthlyReportJob sends one office member the workbook of their office's region for a
// month. It carries no figures: the worker makes the workbook when it sends, in the
// member's language.
type MonthlyReportJob struct {
	PersonID int64  `json:"person_id"`
	ChatID   int64  `json:"chat_id"`
	Lang     string `json:"lang,omitempty"`
	RegionID int64  `json:"region_id"`
	// Month is the month's first day, as a date (2026-11-01).
	Month string `json:"month"`
	// Asked: the person asked for it (/report month); nothing is written down of it, and
	// it goes whatever the month.
	Asked bool `json:"asked,omitempty"`
}

// Kind names the job for river.
func (MonthlyReportJob) Kind() string { return "monthly_report" }

// InsertOpts put monthly reports on the notifications' queue, as bulletins.
func (MonthlyReportJob) InsertOpts() river.InsertOpts { return BulletinJob{}.InsertOpts() }

// SendMonthlyReports enqueues the report of the month just ended for every office member who
// has not had it yet, from the 1st at 09:00 on; a region with nothing to say for the month
// gets none. It returns how many it enqueued.
func (s *Store) SendMonthlyReports(ctx context.Context) (int, error) {
	now := s.now()
	month := s.MonthStart(now)
	if now.Before(month.Add(monthlyAt)) {
		return 0, nil
	}
	last := month.AddDate(0, -1, 0)
	return s.sendReports(ctx, ReportMonth, last, month, func(r ReportTo) river.JobArgs {
		return MonthlyReportJob{PersonID: r.PersonID, ChatID: r.ChatID, Lang: r.Lang, RegionID: r.RegionID, Month: last.Format(time.DateOnly)}
	})
}

// MonthlyReports is the periodic job that sends the monthly reports, on river's elected
// leader only; each report is written down with its month, so each member gets one a month
// however many replicas run or however often the job runs.
type MonthlyReports struct{}

// Kind names the job for river.
func (MonthlyReports) Kind() string { return "monthly_reports" }

// InsertOpts keep one run pending at a time, on the lifecycle queue.
func (MonthlyReports) InsertOpts() river.InsertOpts { return onePending() }

type monthlyReportsWorker struct {
	river.WorkerDefaults[MonthlyReports]
	s *Store
}

func (w *monthlyReportsWorker) Work(ctx context.Context, _ *river.Job[MonthlyReports]) error {
	_, err := w.s.SendMonthlyReports(ctx)
	return err
}

// monthlySchedule runs the monthly report on the 1st of each month at 09:00 in the city's
// time zone.
type monthlySchedule struct{ s *Store }

// Next is the first 1st-of-a-month 09:00 after t.
func (m monthlySchedule) Next(t time.Time) time.Time {
	at := m.s.MonthStart(t).Add(monthlyAt)
	for !at.After(t) {
		at = m.s.MonthStart(at.AddDate(0, 1, 0)).Add(monthlyAt)
	}
	return at
}

// AskMonthlyReport enqueues the report of the month that starts at month for a person who
// asks for it in chat, in lang: an office's region, the whole city for an admin or a
// working group's lead; anyone else is ErrForbidden. It returns the region's name.
func (s *Store) AskMonthlyReport(ctx context.Context, a Actor, chat int64, lang string, month time.Time) (string, error) {
	region, name, err := s.FiguresRegion(ctx, a)
	if err != nil {
		return "", err
	}
	j := MonthlyReportJob{PersonID: a.PersonID, ChatID: chat, Lang: lang, RegionID: region,
		Month: s.MonthStart(month).Format(time.DateOnly), Asked: true}
	if _, err := s.jobs.Insert(ctx, j, nil); err != nil {
		return "", fmt.Errorf("monthly report for %d: %w", a.PersonID, err)
	}
	return name, nil
}
