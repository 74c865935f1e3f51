package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Reminder kinds (DESIGN.md §4.2).
const (
	// ReminderDueSoon: to the handler, DueSoonHours before a limit (催办).
	ReminderDueSoon = "due_soon"
	// ReminderOverdue: to the handler and the case's office, when a limit lapses.
	ReminderOverdue = "overdue"
	// ReminderNamed: still overdue NamedAfterDays working days after the resolve limit, the
	// case goes on the bulletin's named list (通报); the office and the handler are told.
	ReminderNamed = "named"
	// ReminderEscalate: a complex case past its month, or a case re-handled or handed back
	// EscalateAfter times, is lifted one level up (提级督办) and that office is told.
	ReminderEscalate = "escalate"
	// ReminderOfficeNew: a new case that waits in triage, filed outside working hours, is
	// told to its office's members at the start of the next working day.
	ReminderOfficeNew = "office_new"
)

// The limits of the escalations that follow from counts rather than dates.
const (
	limitRehandles = "rehandles"
	limitHandbacks = "handbacks"
	// limitTriage: what an office's notice of a new case waits on (the case still in triage).
	limitTriage = "triage"
)

// EventReminded records a reminder sent on the case (internal).
const EventReminded = "reminded"

// workingMoment is t when it falls in working hours of a working day, else the start of the
// next working day: a reminder due at night goes out the next working morning.
func (s *Store) workingMoment(t time.Time) time.Time {
	local := t.In(s.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc)
	if s.cal.Workday(day) {
		if start := day.Add(s.limits.WorkStart); local.Before(start) {
			return start
		}
		if !local.After(day.Add(s.limits.WorkEnd)) {
			return local
		}
	}
	next := day.AddDate(0, 0, 1)
	for !s.cal.Workday(next) {
		next = next.AddDate(0, 0, 1)
	}
	return next.Add(s.limits.WorkStart)
}

// reminderPlan is one reminder a case's state calls for.
type reminderPlan struct {
	kind, limit     string
	limitAt, sendAt time.Time
}

// plans are the reminders a case calls for as it stands: for each limit still running, a
// due-soon reminder (when it can go out in working hours before the limit), an overdue one,
// and for resolving, the named list; escalations for a complex case past its limit and for
// repeated re-handles or hand-backs.
func (s *Store) plans(c Case, now time.Time) []reminderPlan {
	var out []reminderPlan
	open := c.Status == StatusAssigned || c.Status == StatusInProgress
	if open || c.Status == StatusSubmitted {
		if c.RehandleCount >= s.limits.EscalateAfter {
			out = append(out, reminderPlan{ReminderEscalate, limitRehandles, c.CreatedAt, now})
		}
		if c.HandbackCount >= s.limits.EscalateAfter {
			out = append(out, reminderPlan{ReminderEscalate, limitHandbacks, c.CreatedAt, now})
		}
	}
	if !open {
		return out
	}
	limit := func(name string, due *time.Time, named bool) {
		if due == nil {
			return
		}
		soon := s.workingMoment(due.Add(-time.Duration(s.limits.DueSoonHours) * time.Hour))
		if name == LimitSign && c.Urgency == Urgent && c.AssignedAt != nil {
			// An urgent case's sign-for limit is hours away, not a day: DueSoonHours before it
			// would come with the assignment itself. The reminder comes halfway through the
			// working hours it gives instead, when that is later.
			half := s.workingHoursAfter(*c.AssignedAt, time.Duration(s.limits.UrgentSignHours)*time.Hour/2)
			if half.After(soon) {
				soon = half
			}
		}
		if soon.Before(*due) {
			out = append(out, reminderPlan{ReminderDueSoon, name, *due, soon})
		}
		out = append(out, reminderPlan{ReminderOverdue, name, *due, s.workingMoment(*due)})
		if named {
			out = append(out, reminderPlan{ReminderNamed, name, *due, s.workingMoment(s.cal.AddWorkdays(due.In(s.loc), s.limits.NamedAfterDays))})
		}
	}
	if c.Status == StatusAssigned {
		limit(LimitSign, c.SignDueAt, false)
	}
	if c.FirstFeedbackAt == nil {
		limit(LimitFeedback, c.FeedbackDueAt, false)
	}
	limit(LimitResolve, c.ResolveDueAt, true)
	if c.Complexity == Complex && c.ResolveDueAt != nil {
		out = append(out, reminderPlan{ReminderEscalate, LimitResolve, *c.ResolveDueAt, s.workingMoment(*c.ResolveDueAt)})
	}
	return out
}

// reschedule brings a case's reminders in line with its state, in the transaction that
// changed it: the pending ones are cancelled and those the case now calls for are written,
// except any already sent for the same limit. A closed or moved case keeps none.
func (s *Store) reschedule(ctx context.Context, tx pgx.Tx, c Case, now time.Time) error {
	// An office's notice of a new case stays while the case waits in triage: it does not
	// follow from the case's limits, and a change there (a category set, an addition) does
	// not make it news already told.
	//
	// The reminders not sent are cancelled and the new plan's inserted in one statement: the
	// insert skips a plan whose reminder was sent already, which the cancelling never touches.
	sql, args := s.rescheduling(c, now)
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("reschedule reminders of case %s: %w", c.TicketNo, err)
	}
	return nil
}

// rescheduling is reschedule's statement, for a batch that sends it with others.
func (s *Store) rescheduling(c Case, now time.Time) (string, []any) {
	ps := s.plans(c, now)
	kinds, limits := make([]string, len(ps)), make([]string, len(ps))
	limitAts, sendAts := make([]time.Time, len(ps)), make([]time.Time, len(ps))
	for i, p := range ps {
		kinds[i], limits[i], limitAts[i], sendAts[i] = p.kind, p.limit, p.limitAt, p.sendAt
	}
	return `
		WITH cancelled AS (
			UPDATE reminders SET cancelled_at = $6 WHERE case_id = $1 AND sent_at IS NULL AND cancelled_at IS NULL
			AND (kind <> $7 OR $8))
		INSERT INTO reminders (case_id, kind, due_limit, limit_at, send_at)
		SELECT $1, p.kind, p.due_limit, p.limit_at, p.send_at
		FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS p(kind, due_limit, limit_at, send_at)
		WHERE NOT EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = $1 AND r.kind = p.kind AND r.due_limit = p.due_limit
			AND r.limit_at = p.limit_at AND r.sent_at IS NOT NULL)`,
		[]any{c.ID, kinds, limits, limitAts, sendAts, now, ReminderOfficeNew, c.Status != StatusSubmitted}
}

// Reminder is one reminder row.
type Reminder struct {
	ID      int64      `db:"id"`
	CaseID  int64      `db:"case_id"`
	Kind    string     `db:"kind"`
	Limit   string     `db:"due_limit"`
	LimitAt time.Time  `db:"limit_at"`
	SendAt  time.Time  `db:"send_at"`
	SentAt  *time.Time `db:"sent_at"`
}

// PendingReminders are a case's reminders not yet sent nor cancelled, soonest first.
func (s *Store) PendingReminders(ctx context.Context, ticket string) ([]Reminder, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.case_id, r.kind, r.due_limit, r.limit_at, r.send_at, r.sent_at
		FROM reminders r JOIN cases c ON c.id = r.case_id
		WHERE c.ticket_no = $1 AND r.sent_at IS NULL AND r.cancelled_at IS NULL ORDER BY r.send_at, r.id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("reminders of %s: %w", ticket, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Reminder])
	if err != nil {
		return nil, fmt.Errorf("reminders of %s: %w", ticket, err)
	}
	return out, nil
}

// stillDue tells whether a reminder still speaks of the case as it stands; one that does not
// (the limit was met or moved, the case left its handler, or a due-soon reminder whose limit
// has already lapsed: the overdue one says it) is cancelled instead of sent.
func stillDue(r Reminder, c Case, now time.Time) bool {
	if r.Kind == ReminderDueSoon && !now.Before(r.LimitAt) {
		return false
	}
	open := c.Status == StatusAssigned || c.Status == StatusInProgress
	at := func(t *time.Time) bool { return t != nil && t.Equal(r.LimitAt) }
	switch r.Limit {
	case LimitSign:
		return c.Status == StatusAssigned && at(c.SignDueAt)
	case LimitFeedback:
		return open && c.FirstFeedbackAt == nil && at(c.FeedbackDueAt)
	case LimitResolve:
		return open && at(c.ResolveDueAt)
	case limitRehandles, limitHandbacks:
		return open || c.Status == StatusSubmitted
	case limitTriage:
		// Marked urgent since, it was told as urgent.
		return c.Status == StatusSubmitted && c.Urgency != Urgent
	}
	return false
}

// dueItem is one reminder as its recipient is told of it.
type dueItem struct {
	msg    string
	data   map[string]any
	caseID int64
	// acting: sent alone, it carries the case's buttons as its recipient may press them
	// then (an office's notice of a new case), not only the button that opens it.
	acting bool
}

// SendDueReminders sends, once, the reminders whose time has come: up to batch of them, in one
// transaction that marks them sent, records each on its case and enqueues the messages (one
// digest for a person with several at once). Cases another sweeper or an action holds are
// left for the next round, so several replicas may sweep at once.
func (s *Store) SendDueReminders(ctx context.Context, batch int) (Sweep, error) {
	var out Sweep
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		now := s.now()
		// Cases first, then their reminders: the order every action locks in.
		rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE id IN (
				SELECT DISTINCT case_id FROM (SELECT case_id FROM reminders WHERE sent_at IS NULL AND cancelled_at IS NULL AND send_at <= $1
					ORDER BY send_at LIMIT $2) due)
			ORDER BY id FOR UPDATE SKIP LOCKED`, now, batch)
		if err != nil {
			return err
		}
		cases, err := pgx.CollectRows(rows, pgx.RowToStructByName[Case])
		if err != nil {
			return err
		}
		if len(cases) == 0 {
			return nil
		}
		byID := make(map[int64]Case, len(cases))
		ids := make([]int64, 0, len(cases))
		for _, c := range cases {
			byID[c.ID] = c
			ids = append(ids, c.ID)
		}
		rows, err = tx.Query(ctx, `SELECT id, case_id, kind, due_limit, limit_at, send_at, sent_at FROM reminders
			WHERE case_id = ANY($1) AND sent_at IS NULL AND cancelled_at IS NULL AND send_at <= $2
			ORDER BY send_at, id FOR UPDATE`, ids, now)
		if err != nil {
			return err
		}
		due, err := pgx.CollectRows(rows, pgx.RowToStructByName[Reminder])
		if err != nil {
			return err
		}
		var sent, cancelled []int64
		items := map[int64][]dueItem{} // by recipient
		var order []int64
		tell := func(person *int64, it dueItem) {
			if person == nil {
				return
			}
			if _, ok := items[*person]; !ok {
				order = append(order, *person)
			}
			items[*person] = append(items[*person], it)
		}
		for _, r := range due {
			c := byID[r.CaseID]
			if !stillDue(r, c, now) {
				cancelled = append(cancelled, r.ID)
				continue
			}
			sent = append(sent, r.ID)
			data := map[string]any{"TicketNo": c.TicketNo, "Limit": r.Limit, "Due": r.LimitAt.In(s.loc).Format("2006-01-02 15:04"), "Kind": r.Kind}
			if c.Urgency == Urgent {
				data["Urgent"] = true // marked in the reminder, and in a digest's line
			}
			switch r.Kind {
			case ReminderDueSoon:
				tell(c.AssigneeID, dueItem{NoticeDueSoon, data, c.ID, false})
			case ReminderOverdue, ReminderNamed:
				msg, officeMsg := NoticeOverdue, NoticeOverdueOffice
				if r.Kind == ReminderNamed {
					msg, officeMsg = NoticeNamed, NoticeNamed
					if _, err := tx.Exec(ctx, "UPDATE cases SET named_at = coalesce(named_at, $2) WHERE id = $1", c.ID, now); err != nil {
						return err
					}
				}
				tell(c.AssigneeID, dueItem{msg, data, c.ID, false})
				office, err := officeMembers(ctx, tx, c.OfficeID)
				if err != nil {
					return err
				}
				for _, id := range office {
					tell(&id, dueItem{officeMsg, data, c.ID, false})
				}
			case ReminderOfficeNew:
				office, err := officeMembers(ctx, tx, c.OfficeID)
				if err != nil {
					return err
				}
				extra, err := newCaseData(ctx, tx, c)
				if err != nil {
					return err
				}
				maps.Copy(data, extra)
				for _, id := range office {
					tell(&id, dueItem{NoticeNewCase, data, c.ID, true})
				}
				continue // news, not a reminder of a limit: nothing to record on the case
			case ReminderEscalate:
				to, name, err := upperOffice(ctx, tx, c)
				if err != nil {
					continue // no office above: the case stays where it is
				}
				if _, err := tx.Exec(ctx, `UPDATE cases SET office_id = $2, escalation_level = escalation_level + 1, escalation_pending = true,
					updated_at = $3 WHERE id = $1`, c.ID, to, now); err != nil {
					return err
				}
				if _, err := appendEvent(ctx, tx, Event{CaseID: c.ID, At: now, Kind: EventEscalated,
					Data: map[string]any{"Office": name, "Why": r.Limit}}); err != nil {
					return err
				}
				office, err := officeMembers(ctx, tx, &to)
				if err != nil {
					return err
				}
				data["Description"] = c.Description
				for _, id := range office {
					tell(&id, dueItem{NoticeAutoEscalated, data, c.ID, false})
				}
				continue
			}
			if _, err := appendEvent(ctx, tx, Event{CaseID: c.ID, At: now, Kind: EventReminded, Internal: true,
				Data: map[string]any{"Kind": r.Kind, "Limit": r.Limit}}); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE reminders SET sent_at = $2 WHERE id = ANY($1)", sent, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE reminders SET cancelled_at = $2 WHERE id = ANY($1)", cancelled, now); err != nil {
			return err
		}
		for _, person := range order {
			if err := s.remind(ctx, tx, person, items[person]); err != nil {
				return err
			}
		}
		out = Sweep{Sent: len(sent), Cancelled: len(cancelled)}
		return nil
	})
	if err != nil {
		return Sweep{}, fmt.Errorf("send due reminders: %w", err)
	}
	return out, nil
}

// Sweep is what one round of the reminder sweep did: reminders sent, and reminders dropped
// because the case no longer called for them.
type Sweep struct {
	Sent, Cancelled int
}

// maxDigestButtons is how many cases a digest offers to open with a button, and
// maxDigestItems how many it names: the rest are counted ("and 80 more"), so that a digest
// of any size fits one message. The lists (/inbox, /overdue) show them all.
const (
	maxDigestButtons = 10
	maxDigestItems   = 20
)

// remind enqueues what a person is reminded of: the reminder itself, or one digest of several.
func (s *Store) remind(ctx context.Context, tx pgx.Tx, person int64, its []dueItem) error {
	var chat *int64
	var lang *string
	if err := tx.QueryRow(ctx, "SELECT chat_id, lang FROM people WHERE id = $1", person).Scan(&chat, &lang); err != nil {
		return fmt.Errorf("remind person %d: %w", person, err)
	}
	if chat == nil {
		return nil
	}
	n := Notification{ChatID: *chat, MessageID: its[0].msg, Data: its[0].data, CaseID: its[0].caseID,
		Buttons: viewButton(its[0].data["TicketNo"].(string))}
	if its[0].acting {
		n.ButtonsFor = person
	}
	if len(its) > 1 {
		shown := its[:min(len(its), maxDigestItems)]
		list := make([]map[string]any, len(shown))
		var buttons [][]NotificationButton
		for i, it := range shown {
			list[i] = maps.Clone(it.data) // shared with the other people told of the same case
			list[i]["Msg"] = it.msg
			if i < maxDigestButtons {
				buttons = append(buttons, viewButton(it.data["TicketNo"].(string))...)
			}
		}
		n = Notification{ChatID: *chat, MessageID: NoticeDigest, Buttons: buttons,
			Data: map[string]any{"Items": list, "Count": len(its), "More": len(its) - len(shown)}}
	}
	if lang != nil {
		n.Lang = *lang
	}
	return s.NotifyTx(ctx, tx, n)
}

// officeMembers are the people of an office.
func officeMembers(ctx context.Context, tx pgx.Tx, officeID *int64) ([]int64, error) {
	if officeID == nil {
		return nil, nil
	}
	rows, err := tx.Query(ctx, "SELECT DISTINCT person_id FROM person_roles WHERE office_id = $1 AND role = 'office' ORDER BY person_id", *officeID)
	if err != nil {
		return nil, fmt.Errorf("office %d: %w", *officeID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("office %d: %w", *officeID, err)
	}
	return ids, nil
}

// ReminderSweep is the periodic job that sends the reminders whose time has come. River
// runs periodic jobs on its elected leader only, and the sweep skips what another holds, so
// each reminder goes out once however many replicas run.
type ReminderSweep struct{}

// Kind names the job for river.
func (ReminderSweep) Kind() string { return "reminder_sweep" }

// onePending are the options of a periodic job of the lifecycle queue that keeps one run
// pending at a time: a run due while another waits or runs is not added.
func onePending() river.InsertOpts {
	return river.InsertOpts{Queue: LifecycleQueue, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
		rivertype.JobStateRetryable}}}
}

// InsertOpts keep one sweep pending at a time, on the lifecycle queue.
func (ReminderSweep) InsertOpts() river.InsertOpts {
	return onePending()
}

// sweepBatch is how many reminders one transaction of the sweep handles.
const sweepBatch = 500

type reminderSweepWorker struct {
	river.WorkerDefaults[ReminderSweep]
	s *Store
}

func (w *reminderSweepWorker) Work(ctx context.Context, _ *river.Job[ReminderSweep]) error {
	for {
		r, err := w.s.SendDueReminders(ctx, sweepBatch)
		if err != nil || r.Sent+r.Cancelled == 0 {
			return err
		}
	}
}

// The store's periodic jobs, by name.
const (
	PeriodicReminders = "reminder_sweep"
	PeriodicArchive   = "archive_sweep"
	PeriodicBoard     = "office_board"
	PeriodicBulletin  = "weekly_bulletin"
	PeriodicMonthly   = "monthly_reports"
	PeriodicFigures   = "figures_flush"
)

// PeriodicJobs are the store's periodic work, for the client that runs the jobs: the
// reminder sweep, every minute, the sweep that gives every file still to keep a job, every
// hour, the flush of the figures' kept days, every figuresFlushEvery, the offices' daily board, at the start of each working day, their weekly bulletin,
// on Monday at 09:00, and their monthly report, on the 1st at 09:00. Given names, only those
// (tests that send the board and the reports themselves leave them out, so that a run on
// start at whatever hour they run does not come in among the messages they count).
func (s *Store) PeriodicJobs(only ...string) []*river.PeriodicJob {
	var out []*river.PeriodicJob
	for _, j := range s.periodicJobs() {
		if len(only) == 0 || slices.Contains(only, j.name) {
			out = append(out, j.job)
		}
	}
	return out
}

type namedPeriodicJob struct {
	name string
	job  *river.PeriodicJob
}

func (s *Store) periodicJobs() []namedPeriodicJob {
	periodic := func(sched river.PeriodicSchedule, args river.JobArgs, id string) namedPeriodicJob {
		return namedPeriodicJob{id, river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{ID: id, RunOnStart: true})}
	}
	return []namedPeriodicJob{
		periodic(river.PeriodicInterval(time.Minute), ReminderSweep{}, PeriodicReminders),
		periodic(river.PeriodicInterval(time.Hour), ArchiveSweep{}, PeriodicArchive),
		// Often, so that a read of the figures finds few cases to count afresh first.
		periodic(river.PeriodicInterval(figuresFlushEvery), FiguresFlush{}, PeriodicFigures),
		// Run on start too: a board missed while no replica ran goes out when one starts,
		// still within working hours.
		periodic(boardSchedule{s}, OfficeBoard{}, PeriodicBoard),
		// On start too: a bulletin missed while no replica ran goes out when one starts, within
		// the week.
		periodic(bulletinSchedule{s}, WeeklyBulletin{}, PeriodicBulletin),
		// On start too: a report missed while no replica ran goes out when one starts, within
		// the month.
		periodic(monthlySchedule{s}, MonthlyReports{}, PeriodicMonthly),
	}
}

// figuresFlushEvery is how often the cases written meanwhile are counted into the figures'
// kept days.
const figuresFlushEvery = 15 * time.Second

// FiguresFlush is the periodic job that counts the cases written meanwhile into the figures'
// kept days (Store.FlushFigures), so that a read of the figures finds few to count first.
type FiguresFlush struct{}

// Kind names the job for river.
func (FiguresFlush) Kind() string { return "figures_flush" }

// InsertOpts put the flush on the lifecycle queue, which every bot works.
func (FiguresFlush) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: LifecycleQueue, MaxAttempts: 1}
}

type figuresFlushWorker struct {
	river.WorkerDefaults[FiguresFlush]
	s *Store
}

func (w *figuresFlushWorker) Work(ctx context.Context, _ *river.Job[FiguresFlush]) error {
	_, err := w.s.FlushFigures(ctx)
	return err
}
