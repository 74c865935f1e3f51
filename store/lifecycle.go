package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/bangban/bangban/intake"
)

// Event kinds of the lifecycle (DESIGN.md §3), besides submitted, assigned and info_added.
const (
	EventSigned     = "signed"
	EventProgress   = "progress"
	EventResolved   = "resolved"
	EventRejected   = "rejected"
	EventMerged     = "merged"
	EventMergedIn   = "merged_in"
	EventFeedback   = "feedback"
	EventRehandled  = "rehandled"
	EventWrittenOff = "written_off"
	EventNoFeedback = "no_feedback"
)

// Satisfaction answers of the feedback (回访).
const (
	Satisfied      = "satisfied"   // 满意
	BasicSatisfied = "basic"       // 基本满意
	Unsatisfied    = "unsatisfied" // 不满意
)

// Complexity classes, set at triage (default ordinary).
const (
	Ordinary = "ordinary" // 一般
	Complex  = "complex"  // 重大复杂
)

// Urgency of a case: the reporter says it when filing, an office may change it (cases.urgency).
const (
	Normal = "normal" // 普通
	Urgent = "urgent" // 紧急
)

// MaxNote is the longest note (a reason, a progress note, a result, a comment), in UTF-16
// code units as Telegram counts text.
const MaxNote = 2000

// ActParams name a case, the person acting on it and what they say. Each lifecycle method
// loads the actor's roles itself, in its transaction: who may act is decided here, never by
// what a button or a ticket number claims.
type ActParams struct {
	Ticket  string
	ActorID int64
	// Note is the reason, the progress note or the result, as the action asks.
	Note  string
	Files []Attachment
	// Source, when set, makes the action idempotent: a redelivered update that already
	// acted returns the case as it stands instead of acting twice.
	Source string
	// Seen, when set, is the case as the actor saw it when they decided: if its status or
	// handler has changed since (someone else acted first), the action is refused with
	// ErrChanged rather than applied to a case the actor did not see.
	Seen *Seen
}

// Seen is what an action was decided on: the case's status and handler (0 for none).
type Seen struct {
	Status     Status
	AssigneeID int64
}

// SeenOf is what a case shows of itself to someone about to act on it.
func SeenOf(c Case) *Seen {
	s := &Seen{Status: c.Status}
	if c.AssigneeID != nil {
		s.AssigneeID = *c.AssigneeID
	}
	return s
}

// AssignParams are an office's assignment (交办) of a case to a handler.
type AssignParams struct {
	ActParams
	AssigneeID int64
	// Complexity sets the class (一般 / 重大复杂) and with it the resolve limit; "" keeps it.
	Complexity string
	// CategoryID, when set, corrects the category at triage (one of the unit kind's).
	CategoryID *int64
}

// MergeParams merge a case into another (并案).
type MergeParams struct {
	ActParams
	Into string
}

// FeedbackParams are the reporter's answers to the feedback questions.
type FeedbackParams struct {
	ActParams
	Solved       bool
	Satisfaction string
}

// deadlines are the 13710 limits counted from now, in calendar days of the city's zone (or
// working days, for the rules so set). An urgent case is signed for within
// Limits.UrgentSignHours working hours instead.
func (s *Store) deadlines(now time.Time, complexity, urgency string) (sign, feedback, resolve time.Time) {
	sign = s.signDue(now, urgency)
	feedback = s.after(LimitFeedback, now, s.limits.FeedbackDays)
	resolve = s.after(LimitResolve, now, s.limits.ResolveDays)
	if complexity == Complex {
		resolve = s.after(LimitComplex, now, s.limits.ComplexMonths)
	}
	return sign, feedback, resolve
}

// signDue is when a case assigned at from must be signed for (13710's 1): in days for an
// ordinary case, in working hours for an urgent one.
func (s *Store) signDue(from time.Time, urgency string) time.Time {
	if urgency == Urgent {
		return s.workingHoursAfter(from, time.Duration(s.limits.UrgentSignHours)*time.Hour)
	}
	return s.after(LimitSign, from, s.limits.SignDays)
}

// Assign (交办) gives a waiting case to a handler, or moves an assigned one to another; the
// 13710 clock starts again from now. Offices only, within their regions.
func (s *Store) Assign(ctx context.Context, p AssignParams) (Case, error) {
	return s.transition(ctx, "assign", p.ActParams, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if err := t.from(StatusSubmitted, StatusAssigned, StatusInProgress); err != nil {
			return err
		}
		var handler bool
		if err := t.tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM person_roles WHERE person_id = $1 AND role = 'handler')",
			p.AssigneeID).Scan(&handler); err != nil {
			return err
		}
		if !handler {
			return fmt.Errorf("assignee %d is no handler: %w", p.AssigneeID, ErrInvalid)
		}
		// The office assigns within its own reach: a handler of its regions (a working
		// group's lead, anyone in the city).
		var region *int64
		if err := t.tx.QueryRow(ctx, "SELECT region_id FROM people WHERE id = $1", p.AssigneeID).Scan(&region); err != nil {
			return err
		}
		if region == nil {
			return fmt.Errorf("assignee %d has no region: %w", p.AssigneeID, ErrInvalid)
		}
		if ok, err := officeCovers(ctx, t.tx, t.a, *region); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("assignee %d outside the office's regions: %w", p.AssigneeID, ErrInvalid)
		}
		complexity := t.c.Complexity
		if p.Complexity != "" {
			if p.Complexity != Ordinary && p.Complexity != Complex {
				return fmt.Errorf("complexity %q: %w", p.Complexity, ErrInvalid)
			}
			complexity = p.Complexity
		}
		if p.CategoryID != nil {
			if err := t.setCategory(ctx, *p.CategoryID); err != nil {
				return err
			}
		}
		sign, feedback, resolve := s.deadlines(t.now, complexity, t.c.Urgency)
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET status = 'assigned', assignee_id = $2, complexity = $3, assigned_at = $4,
			signed_at = NULL, escalation_pending = false, sign_due_at = $5, feedback_due_at = $6, resolve_due_at = $7, updated_at = $4 WHERE id = $1`,
			t.c.ID, p.AssigneeID, complexity, t.now, sign, feedback, resolve); err != nil {
			return err
		}
		name, err := t.name(ctx, p.AssigneeID)
		if err != nil {
			return err
		}
		if _, err := t.eventDue(ctx, EventAssigned, StatusAssigned, p.ActParams, false, map[string]any{"Assignee": name}, &sign, &resolve); err != nil {
			return err
		}
		if err := t.notifyWithEvidence(ctx, &p.AssigneeID, NoticeAssignedToYou, map[string]any{"Description": t.c.Description, "Due": t.when(sign)},
			assignedButtons(t.c.TicketNo)); err != nil {
			return err
		}
		return t.notifyReporters(ctx, NoticeAssigned, "", map[string]any{"Assignee": name, "Due": t.when(sign)}, nil)
	})
}

// Sign (签收): the handler has studied the case and takes it on.
func (s *Store) Sign(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "sign", p, func(ctx context.Context, t *act) error {
		if err := t.assignee(); err != nil {
			return err
		}
		if err := t.from(StatusAssigned); err != nil {
			return err
		}
		if _, err := t.tx.Exec(ctx, "UPDATE cases SET status = 'in_progress', signed_at = $2, updated_at = $2 WHERE id = $1", t.c.ID, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventSigned, StatusInProgress, p, false, map[string]any{"Assignee": t.a.Name}); err != nil {
			return err
		}
		due := ""
		if t.c.FeedbackDueAt != nil {
			due = t.when(*t.c.FeedbackDueAt)
		}
		return t.notifyReporters(ctx, NoticeSigned, "", map[string]any{"Assignee": t.a.Name, "Due": due}, nil)
	})
}

// Progress (阶段性反馈): a note on how the case stands, which the reporter sees. The first
// one meets the 13710 rule's 3-day limit.
func (s *Store) Progress(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "progress on", p, func(ctx context.Context, t *act) error {
		if err := t.assignee(); err != nil {
			return err
		}
		if err := t.from(StatusInProgress); err != nil {
			return err
		}
		if intake.Blank(p.Note) {
			return fmt.Errorf("empty note: %w", ErrInvalid)
		}
		if _, err := t.tx.Exec(ctx, "UPDATE cases SET first_feedback_at = coalesce(first_feedback_at, $2), updated_at = $2 WHERE id = $1",
			t.c.ID, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventProgress, "", p, false, nil); err != nil {
			return err
		}
		if err := t.sendFiles(ctx, t.c.ReporterID, NoticeHandlerFiles, p.Files); err != nil {
			return err
		}
		return t.notifyReporters(ctx, NoticeProgress, "", map[string]any{"Note": strings.TrimSpace(p.Note)}, nil)
	})
}

// FeedbackTimeout closes a resolved case whose reporter has not answered the feedback
// questions within the window. It names the resolve it follows: a case re-handled and
// resolved again waits for its own, later, timeout.
type FeedbackTimeout struct {
	CaseID  int64 `json:"case_id"`
	EventID int64 `json:"event_id"`
}

// LifecycleQueue carries the lifecycle's own timed jobs.
const LifecycleQueue = "lifecycle"

// Kind names the job for river.
func (FeedbackTimeout) Kind() string { return "feedback_timeout" }

// InsertOpts puts the timeout on the lifecycle queue.
func (FeedbackTimeout) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: LifecycleQueue, MaxAttempts: 25}
}

// Resolve (办结): the handler reports the result. The reporter receives it with the feedback
// questions, and a timeout is scheduled, in the same transaction, for when the window ends.
func (s *Store) Resolve(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "resolve", p, func(ctx context.Context, t *act) error {
		if err := t.assignee(); err != nil {
			return err
		}
		if err := t.from(StatusInProgress); err != nil {
			return err
		}
		if intake.Blank(p.Note) {
			return fmt.Errorf("empty result: %w", ErrInvalid)
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET status = 'resolved', resolved_at = $2, first_feedback_at = coalesce(first_feedback_at, $2),
			solved = NULL, satisfaction = NULL, feedback_comment = '', feedback_at = NULL, feedback_flagged = false, updated_at = $2
			WHERE id = $1`, t.c.ID, t.now); err != nil {
			return err
		}
		ev, err := t.event(ctx, EventResolved, StatusResolved, p, false, nil)
		if err != nil {
			return err
		}
		due := s.after(LimitRating, t.now, s.limits.FeedbackWindowDays)
		if _, err := s.jobs.InsertTx(ctx, t.tx, FeedbackTimeout{CaseID: t.c.ID, EventID: ev}, &river.InsertOpts{ScheduledAt: due}); err != nil {
			return fmt.Errorf("schedule feedback timeout: %w", err)
		}
		// The proof first, so that the reporter rates what they saw.
		if err := t.sendFiles(ctx, t.c.ReporterID, NoticeHandlerFiles, p.Files); err != nil {
			return err
		}
		fb := FeedbackButton + ":" + t.c.TicketNo + ":"
		return t.notifyReporters(ctx, NoticeResolved, NoticeFollowedResolved, map[string]any{"Note": strings.TrimSpace(p.Note), "Days": s.limits.FeedbackWindowDays},
			[][]NotificationButton{{{MessageID: NoticeBtnSolved, Data: fb + "y"}, {MessageID: NoticeBtnUnsolved, Data: fb + "n"}}})
	})
}

// Reject (不予受理): an office declines a waiting case, with the reason the reporter is told.
func (s *Store) Reject(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "reject", p, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if err := t.from(StatusSubmitted); err != nil {
			return err
		}
		if intake.Blank(p.Note) {
			return fmt.Errorf("no reason: %w", ErrInvalid)
		}
		if _, err := t.tx.Exec(ctx, "UPDATE cases SET status = 'rejected', escalation_pending = false, closed_at = $2, updated_at = $2 WHERE id = $1", t.c.ID, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventRejected, StatusRejected, p, false, nil); err != nil {
			return err
		}
		return t.notifyReporters(ctx, NoticeRejected, "", map[string]any{"Note": strings.TrimSpace(p.Note)}, nil)
	})
}

// Merge (并案) folds a duplicate into the case that goes on; the duplicate's reporter is told
// and follows the surviving case. The office must cover both.
func (s *Store) Merge(ctx context.Context, p MergeParams) (Case, error) {
	return s.transition(ctx, "merge", p.ActParams, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if err := t.from(StatusSubmitted, StatusAssigned, StatusInProgress); err != nil {
			return err
		}
		if p.Into == t.c.TicketNo {
			return fmt.Errorf("into itself: %w", ErrInvalid)
		}
		var into Case
		rows, err := t.tx.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket_no = $1 FOR UPDATE`, p.Into)
		if err != nil {
			return err
		}
		if into, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case]); errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("into %s: %w", p.Into, ErrInvalid)
		} else if err != nil {
			return err
		}
		ok, err := officeCovers(ctx, t.tx, t.a, into.RegionID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("into %s: %w", p.Into, ErrForbidden)
		}
		if into.Status != StatusSubmitted && into.Status != StatusAssigned && into.Status != StatusInProgress {
			return fmt.Errorf("into %s (%s): %w", p.Into, into.Status, ErrIllegalTransition)
		}
		if _, err := t.tx.Exec(ctx, "UPDATE cases SET status = 'merged', merged_into_id = $2, escalation_pending = false, extension_until = NULL, closed_at = $3, updated_at = $3 WHERE id = $1",
			t.c.ID, into.ID, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventMerged, StatusMerged, p.ActParams, false, map[string]any{"Into": into.TicketNo}); err != nil {
			return err
		}
		// The surviving case records what joined it, for the office and the handler only:
		// its reporter need not learn of another's report.
		if _, err := appendEvent(ctx, t.tx, Event{CaseID: into.ID, At: t.now, ActorID: &t.a.PersonID, Kind: EventMergedIn,
			Internal: true, Data: map[string]any{"From": t.c.TicketNo}}); err != nil {
			return err
		}
		if err := t.notify(ctx, t.c.AssigneeID, NoticeMergedAway, map[string]any{"Into": into.TicketNo}, nil); err != nil {
			return err
		}
		return t.notifyReporters(ctx, NoticeMerged, "", map[string]any{"Into": into.TicketNo}, nil)
	}, p.Into)
}

// Feedback (回访) records the reporter's answers. Satisfied or basically satisfied closes the
// case; not satisfied leaves it resolved and flags it for the office, which re-handles it or
// writes it off. A case answers feedback once.
func (s *Store) Feedback(ctx context.Context, p FeedbackParams) (Case, error) {
	return s.transition(ctx, "feedback on", p.ActParams, func(ctx context.Context, t *act) error {
		if err := t.reporter(); err != nil {
			return err
		}
		if err := t.from(StatusResolved); err != nil {
			return err
		}
		if t.c.Satisfaction != nil {
			return fmt.Errorf("answered already: %w", ErrIllegalTransition)
		}
		if p.Satisfaction != Satisfied && p.Satisfaction != BasicSatisfied && p.Satisfaction != Unsatisfied {
			return fmt.Errorf("satisfaction %q: %w", p.Satisfaction, ErrInvalid)
		}
		to, flagged := StatusClosed, false
		var reason *string
		var closedAt *time.Time
		if p.Satisfaction == Unsatisfied {
			to, flagged = StatusResolved, true
		} else {
			reason, closedAt = ptr("feedback"), &t.now
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET status = $2, solved = $3, satisfaction = $4, feedback_comment = $5, feedback_at = $6,
			feedback_flagged = $7, close_reason = $8, closed_at = $9, updated_at = $6 WHERE id = $1`,
			t.c.ID, to, p.Solved, p.Satisfaction, strings.TrimSpace(p.Note), t.now, flagged, reason, closedAt); err != nil {
			return err
		}
		data := map[string]any{"Solved": p.Solved, "Satisfaction": p.Satisfaction}
		evTo := to
		if flagged {
			evTo = "" // still resolved: the office decides
		}
		if _, err := t.event(ctx, EventFeedback, evTo, p.ActParams, false, data); err != nil {
			return err
		}
		if !flagged {
			// Those who follow the case learn it is closed; the reporter has just closed it.
			saved := t.c.ReporterID
			t.c.ReporterID = nil
			err := t.notifyReporters(ctx, NoticeFollowedClosed, "", nil, nil)
			t.c.ReporterID = saved
			return err
		}
		return t.notifyOffice(ctx, t.c.OfficeID, NoticeUnsatisfied, map[string]any{"Comment": strings.TrimSpace(p.Note), "Solved": p.Solved})
	})
}

// Rehandle (重办): an office sends a case the reporter was not satisfied with back to its
// handler, who signs for it again under a fresh 13710 clock.
func (s *Store) Rehandle(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "re-handle", p, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if err := t.from(StatusResolved); err != nil {
			return err
		}
		if !t.c.Flagged || t.c.AssigneeID == nil {
			return fmt.Errorf("not waiting for a decision: %w", ErrIllegalTransition)
		}
		sign, feedback, resolve := s.deadlines(t.now, t.c.Complexity, t.c.Urgency)
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET status = 'assigned', feedback_flagged = false, rehandle_count = rehandle_count + 1,
			assigned_at = $2, signed_at = NULL, resolved_at = NULL, sign_due_at = $3, feedback_due_at = $4, resolve_due_at = $5, updated_at = $2
			WHERE id = $1`, t.c.ID, t.now, sign, feedback, resolve); err != nil {
			return err
		}
		if _, err := t.eventDue(ctx, EventRehandled, StatusAssigned, p, false, nil, &sign, &resolve); err != nil {
			return err
		}
		data := map[string]any{"Note": strings.TrimSpace(p.Note), "Due": t.when(sign), "Description": t.c.Description}
		if err := t.notifyWithEvidence(ctx, t.c.AssigneeID, NoticeRehandle, data, [][]NotificationButton{{{MessageID: NoticeBtnSign, Data: SignButton + ":" + t.c.TicketNo}}}); err != nil {
			return err
		}
		return t.notifyReporters(ctx, NoticeRehandled, "", data, nil)
	})
}

// WriteOff (销号) closes a case the reporter was not satisfied with but that cannot be
// handled again, with the reason.
func (s *Store) WriteOff(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "write off", p, func(ctx context.Context, t *act) error {
		if err := t.office(ctx, t.c.RegionID); err != nil {
			return err
		}
		if err := t.from(StatusResolved); err != nil {
			return err
		}
		if !t.c.Flagged {
			return fmt.Errorf("not waiting for a decision: %w", ErrIllegalTransition)
		}
		if intake.Blank(p.Note) {
			return fmt.Errorf("no reason: %w", ErrInvalid)
		}
		if _, err := t.tx.Exec(ctx, `UPDATE cases SET status = 'closed', feedback_flagged = false, close_reason = 'written_off',
			closed_at = $2, updated_at = $2 WHERE id = $1`, t.c.ID, t.now); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventWrittenOff, StatusClosed, p, false, nil); err != nil {
			return err
		}
		return t.notifyReporters(ctx, NoticeWrittenOff, "", map[string]any{"Note": strings.TrimSpace(p.Note)}, nil)
	})
}

// CloseUnanswered closes a resolved case as "no feedback" when the reporter has not answered
// within the window after the resolve the timeout names. It reports whether it closed the
// case; a case answered, re-handled or resolved again since is left alone. The window not
// yet over (a clock behind the scheduler's) returns when it ends.
func (s *Store) CloseUnanswered(ctx context.Context, job FeedbackTimeout) (closed bool, wait time.Duration, err error) {
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = $1 FOR UPDATE`, job.CaseID)
		if err != nil {
			return err
		}
		c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case])
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var last *int64
		if err := tx.QueryRow(ctx, "SELECT max(id) FROM case_events WHERE case_id = $1 AND kind = $2", c.ID, EventResolved).Scan(&last); err != nil {
			return err
		}
		if c.Status != StatusResolved || c.Satisfaction != nil || last == nil || *last != job.EventID || c.ResolvedAt == nil {
			return nil
		}
		now := s.now()
		if due := s.after(LimitRating, *c.ResolvedAt, s.limits.FeedbackWindowDays); now.Before(due) {
			wait = due.Sub(now)
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET status = 'closed', close_reason = 'no_feedback', closed_at = $2, updated_at = $2
			WHERE id = $1`, c.ID, now); err != nil {
			return err
		}
		if _, err := appendEvent(ctx, tx, Event{CaseID: c.ID, At: now, Kind: EventNoFeedback,
			FromStatus: ptr(StatusResolved), ToStatus: ptr(StatusClosed)}); err != nil {
			return err
		}
		c.Status = StatusClosed
		if err := s.reschedule(ctx, tx, c, now); err != nil {
			return err
		}
		if err := s.retireButtonsTx(ctx, tx, c.ID); err != nil {
			return err
		}
		t := &act{s: s, tx: tx, c: c, now: now}
		closed = true
		return t.notifyReporters(ctx, NoticeNoFeedback, "", nil, nil)
	})
	if err != nil {
		return false, 0, fmt.Errorf("close unanswered case %d: %w", job.CaseID, err)
	}
	return closed, wait, nil
}

// feedbackTimeoutWorker works the feedback timeouts.
type feedbackTimeoutWorker struct {
	river.WorkerDefaults[FeedbackTimeout]
	s *Store
}

func (w *feedbackTimeoutWorker) Work(ctx context.Context, job *river.Job[FeedbackTimeout]) error {
	_, wait, err := w.s.CloseUnanswered(ctx, job.Args)
	if err != nil {
		return err
	}
	if wait > 0 {
		return river.JobSnooze(wait)
	}
	return nil
}

// AddWorkers registers the store's own jobs (the lifecycle's timeouts, the reminder sweep, the
// sweep that gives every file to keep a job, the offices' daily board, weekly bulletin and
// monthly report) with the job client that runs them; their queue is LifecycleQueue.
func (s *Store) AddWorkers(w *river.Workers) error {
	if err := river.AddWorkerSafely(w, &feedbackTimeoutWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &archiveSweepWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &figuresFlushWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &officeBoardWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &weeklyBulletinWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &monthlyReportsWorker{s: s}); err != nil {
		return err
	}
	return river.AddWorkerSafely(w, &reminderSweepWorker{s: s})
}
