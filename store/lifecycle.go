package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
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

// FeedbackButton is the callback data of the feedback buttons on a resolved case:
// "fb:<ticket>:y" (solved) or "fb:<ticket>:n" (not solved). It proves nothing by itself: the
// feedback dialog checks on the server that the presser is the case's reporter.
const FeedbackButton = "fb"

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

// act is one transition in the making: the locked case, the actor's roles and the time.
type act struct {
	s   *Store
	tx  pgx.Tx
	c   Case
	a   Actor
	now time.Time
	// again is set when the action's source has acted already.
	again bool
}

// transition runs fn on the case, locked, in one transaction with everything it appends
// and enqueues, and returns the case as it stands after. verb names the action in errors.
// Other cases the action touches (also) are locked with it, all in id order, so that two
// actions on the same pair of cases queue instead of deadlocking.
func (s *Store) transition(ctx context.Context, verb string, p ActParams, fn func(ctx context.Context, t *act) error, also ...string) (Case, error) {
	if err := checkWritten("note", strings.TrimSpace(p.Note), MaxNote); err != nil {
		return Case{}, fmt.Errorf("%s case %s: %w", verb, p.Ticket, err)
	}
	var out Case
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		t := &act{s: s, tx: tx, now: s.now()}
		var err error
		if t.a, err = actorTx(ctx, tx, p.ActorID); err != nil {
			return err
		}
		if len(also) > 0 {
			if _, err := tx.Exec(ctx, "SELECT id FROM cases WHERE ticket_no = ANY($1) ORDER BY id FOR UPDATE", append(also, p.Ticket)); err != nil {
				return err
			}
		}
		if t.c, err = lockCase(ctx, tx, p.Ticket); err != nil {
			return err
		}
		if p.Source != "" {
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_events WHERE case_id = $1 AND data->>'source' = $2)`,
				t.c.ID, p.Source).Scan(&t.again); err != nil {
				return err
			}
			if t.again {
				out = t.c
				return nil
			}
		}
		if p.Seen != nil && *SeenOf(t.c) != *p.Seen {
			return fmt.Errorf("now %s: %w", t.c.Status, ErrChanged)
		}
		if err := fn(ctx, t); err != nil {
			return err
		}
		if out, err = lockCase(ctx, tx, p.Ticket); err != nil {
			return err
		}
		for _, no := range also {
			// A case merged into this one moved on too.
			var id int64
			if err := tx.QueryRow(ctx, "SELECT id FROM cases WHERE ticket_no = $1", no).Scan(&id); err != nil {
				return err
			}
			if err := s.retireButtonsTx(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := s.retireButtonsTx(ctx, tx, out.ID); err != nil {
			return err
		}
		return s.reschedule(ctx, tx, out, t.now)
	})
	if err != nil {
		return Case{}, fmt.Errorf("%s case %s: %w", verb, p.Ticket, err)
	}
	return out, nil
}

func lockCase(ctx context.Context, tx pgx.Tx, ticket string) (Case, error) {
	rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket_no = $1 FOR UPDATE`, ticket)
	if err != nil {
		return Case{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case])
	if errors.Is(err, pgx.ErrNoRows) {
		return Case{}, ErrNotFound
	}
	return c, err
}

// actorTx loads a person's roles inside the transaction that acts for them.
func actorTx(ctx context.Context, tx pgx.Tx, personID int64) (Actor, error) {
	a := Actor{PersonID: personID}
	err := tx.QueryRow(ctx, "SELECT name, lang FROM people WHERE id = $1", personID).Scan(&a.Name, &a.Lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("person %d: %w", personID, ErrForbidden)
	}
	if err != nil {
		return a, fmt.Errorf("person %d: %w", personID, err)
	}
	rows, err := tx.Query(ctx, `
		SELECT r.role, r.unit_id, coalesce(o.region_id, r.region_id), r.office_id, o.working_group
		FROM person_roles r LEFT JOIN offices o ON o.id = r.office_id
		WHERE r.person_id = $1 ORDER BY r.id`, personID)
	if err != nil {
		return a, fmt.Errorf("roles of person %d: %w", personID, err)
	}
	a.Grants, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Grant, error) {
		var g Grant
		return g, r.Scan(&g.Role, &g.UnitID, &g.RegionID, &g.OfficeID, &g.WorkingGroup)
	})
	if err != nil {
		return a, fmt.Errorf("roles of person %d: %w", personID, err)
	}
	return a, nil
}

// from refuses the action unless the case stands in one of the statuses.
func (t *act) from(ss ...Status) error {
	if !slices.Contains(ss, t.c.Status) {
		return fmt.Errorf("from %s: %w", t.c.Status, ErrIllegalTransition)
	}
	return nil
}

// reporter allows the case's own reporter; to anyone else the case does not exist.
func (t *act) reporter() error {
	if t.c.ReporterID == nil || *t.c.ReporterID != t.a.PersonID {
		return ErrNotFound
	}
	return nil
}

// assignee allows the handler the case is assigned to.
func (t *act) assignee() error {
	if t.c.AssigneeID == nil || *t.c.AssigneeID != t.a.PersonID || !t.a.Has(RoleHandler) {
		return ErrForbidden
	}
	return nil
}

// office allows an office whose region is the case's or one above it; a working group's lead
// acts across the city.
func (t *act) office(ctx context.Context, regionID int64) error {
	ok, err := officeCovers(ctx, t.tx, t.a, regionID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrForbidden
	}
	return nil
}

// officeCovers tells whether an actor's office roles reach a region: an office's region or
// one above it, or anywhere for a working group's lead.
func officeCovers(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, a Actor, regionID int64) (bool, error) {
	all, regions := officeScope(a)
	if all {
		return true, nil
	}
	if len(regions) == 0 {
		return false, nil
	}
	var ok bool
	err := q.QueryRow(ctx, `
		WITH RECURSIVE up(id, parent_id) AS (
			SELECT id, parent_id FROM regions WHERE id = $1
			UNION ALL SELECT r.id, r.parent_id FROM regions r JOIN up ON r.id = up.parent_id)
		SELECT EXISTS (SELECT 1 FROM up WHERE id = ANY($2))`, regionID, regions).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("office scope: %w", err)
	}
	return ok, nil
}

// event appends the transition's event (with its files) and returns its id.
func (t *act) event(ctx context.Context, kind string, to Status, p ActParams, internal bool, data map[string]any) (int64, error) {
	return t.eventDue(ctx, kind, to, p, internal, data, nil, nil)
}

// eventDue is event for a change that sets limits (an assignment, a granted extension): the
// event keeps them, for the figures to measure the handling by.
func (t *act) eventDue(ctx context.Context, kind string, to Status, p ActParams, internal bool, data map[string]any, sign, resolve *time.Time) (int64, error) {
	data = withData(data, "source", p.Source)
	if p.Source == "" {
		delete(data, "source")
	}
	var from *Status
	var toS *Status
	if to != "" {
		from, toS = ptr(t.c.Status), &to
	}
	note := strings.TrimSpace(p.Note)
	if Blank(note) {
		note = "" // invisible characters only: no note at all
	}
	id, err := appendEvent(ctx, t.tx, Event{CaseID: t.c.ID, At: t.now, ActorID: &t.a.PersonID, Kind: kind,
		FromStatus: from, ToStatus: toS, Note: note, Internal: internal, Data: data, SignDueAt: sign, ResolveDueAt: resolve})
	if err != nil {
		return 0, err
	}
	if err := t.s.insertAttachments(ctx, t.tx, t.c.ID, &id, p.Files); err != nil {
		return 0, err
	}
	return id, nil
}

// notify enqueues a message to a person, in their language, with the case's ticket number
// in its data, and whether it is urgent (for the mark the message shows). A person without a
// chat (not joined) is skipped: there is nowhere to send.
func (t *act) notify(ctx context.Context, personID *int64, msg string, data map[string]any, buttons [][]NotificationButton) error {
	return t.enqueue(ctx, personID, Notification{MessageID: msg, Data: data, Buttons: buttons})
}

// notifyActing is notify with the buttons the person may press on the case when the message
// goes out (its view and their own actions on it), worked out then rather than now: what
// may be done with a case is the staff view's to say, and it may change before the message
// is sent.
func (t *act) notifyActing(ctx context.Context, personID *int64, msg string, data map[string]any) error {
	if personID == nil {
		return nil
	}
	return t.enqueue(ctx, personID, Notification{MessageID: msg, Data: data, Buttons: viewButton(t.c.TicketNo), ButtonsFor: *personID})
}

// notifyWithEvidence is notify for someone who acts on the case: its photos, documents and
// place are summed up under the message, and a button beside the others sends them.
func (t *act) notifyWithEvidence(ctx context.Context, personID *int64, msg string, data map[string]any, buttons [][]NotificationButton) error {
	if personID == nil {
		return nil
	}
	ev, err := evidenceOf(ctx, t.tx, t.c, true)
	if err != nil {
		return err
	}
	return t.enqueue(ctx, personID, Notification{MessageID: msg, Data: data, Evidence: &ev,
		Buttons: append(slices.Clone(buttons), evidenceButtons(t.c.TicketNo, ev)...)})
}

// sendFiles enqueues a handler's photos and documents to a person, with msg as their caption:
// the proof of a note. Enqueued before the note, it reaches them first.
func (t *act) sendFiles(ctx context.Context, personID *int64, msg string, files []Attachment) error {
	// One message each: the photos as albums of up to albumSize, then each document, so
	// that a retry sends again only what failed.
	var photos []Attachment
	for _, f := range files {
		if f.Kind == "photo" {
			photos = append(photos, f)
		}
	}
	for start := 0; start < len(photos); start += albumSize {
		if err := t.enqueue(ctx, personID, Notification{MessageID: msg, Files: photos[start:min(start+albumSize, len(photos))]}); err != nil {
			return err
		}
	}
	for _, f := range files {
		if f.Kind != "photo" {
			if err := t.enqueue(ctx, personID, Notification{MessageID: msg, Files: []Attachment{f}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// albumSize is how many photos one album holds.
const albumSize = 10

// enqueue completes n for a person and the case, and enqueues it.
func (t *act) enqueue(ctx context.Context, personID *int64, n Notification) error {
	if personID == nil {
		return nil
	}
	var chat *int64
	var lang *string
	if err := t.tx.QueryRow(ctx, "SELECT chat_id, lang FROM people WHERE id = $1", *personID).Scan(&chat, &lang); err != nil {
		return fmt.Errorf("notify person %d: %w", *personID, err)
	}
	if chat == nil {
		return nil
	}
	n.ChatID, n.CaseID, n.Data = *chat, t.c.ID, withData(n.Data, "TicketNo", t.c.TicketNo)
	if t.c.Urgency == Urgent {
		n.Data["Urgent"] = true // for the mark the message shows
	}
	if lang != nil {
		n.Lang = *lang
	}
	return t.s.NotifyTx(ctx, t.tx, n)
}

// setCategory corrects a case's category at triage to one of its unit kind's.
func (t *act) setCategory(ctx context.Context, categoryID int64) error {
	var ok bool
	if err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM categories k LEFT JOIN units u ON u.id = $2
		WHERE k.id = $1 AND k.active AND (u.id IS NULL OR k.unit_kind = u.kind))`, categoryID, t.c.UnitID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("category %d: %w", categoryID, ErrInvalid)
	}
	_, err := t.tx.Exec(ctx, "UPDATE cases SET category_id = $2 WHERE id = $1", t.c.ID, categoryID)
	return err
}

// notifyReporters tells the case's reporter, with the buttons, and the reporters of cases
// merged into it, who follow it, without them (they cannot act on another's case):
// followerMsg, when set, is what they are told instead.
func (t *act) notifyReporters(ctx context.Context, msg, followerMsg string, data map[string]any, buttons [][]NotificationButton) error {
	if err := t.notify(ctx, t.c.ReporterID, msg, data, buttons); err != nil {
		return err
	}
	rows, err := t.tx.Query(ctx, `SELECT DISTINCT reporter_id FROM cases WHERE merged_into_id = $1 AND reporter_id IS NOT NULL
		AND reporter_id IS DISTINCT FROM $2 ORDER BY reporter_id`, t.c.ID, t.c.ReporterID)
	if err != nil {
		return fmt.Errorf("followers: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("followers: %w", err)
	}
	if followerMsg == "" {
		followerMsg = msg
	}
	for _, id := range ids {
		if err := t.notify(ctx, &id, followerMsg, data, nil); err != nil {
			return err
		}
	}
	return nil
}

func (t *act) name(ctx context.Context, personID int64) (string, error) {
	var name string
	if err := t.tx.QueryRow(ctx, "SELECT name FROM people WHERE id = $1", personID).Scan(&name); err != nil {
		return "", fmt.Errorf("person %d: %w", personID, err)
	}
	return name, nil
}

func (t *act) when(at time.Time) string { return at.In(t.s.loc).Format("2006-01-02 15:04") }

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
		if Blank(p.Note) {
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
		if Blank(p.Note) {
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
		if Blank(p.Note) {
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

// notifyOffice tells every member of an office (none when the case has no office) of what
// waits for its decision, its photos, documents and place summed up under the message, each
// with the case's buttons as theirs when it reaches them: a hand-back's Assign, an extension's
// Grant and Refuse, a "not satisfied" result's Re-handle and Write off.
func (t *act) notifyOffice(ctx context.Context, officeID *int64, msg string, data map[string]any) error {
	if officeID == nil {
		return nil
	}
	ids, err := officeMembers(ctx, t.tx, officeID)
	if err != nil {
		return err
	}
	ev, err := evidenceOf(ctx, t.tx, t.c, true)
	if err != nil {
		return err
	}
	for _, id := range ids {
		// The buttons stand in only when the case cannot be read when the message is sent.
		n := Notification{MessageID: msg, Data: data, Evidence: &ev, ButtonsFor: id,
			Buttons: append(viewButton(t.c.TicketNo), evidenceButtons(t.c.TicketNo, ev)...)}
		if err := t.enqueue(ctx, &id, n); err != nil {
			return err
		}
	}
	return nil
}

// notifyOfficeActing tells every member of an office but one (the member who acted, who
// is answered), each with the buttons of the case that are theirs when it reaches them.
func (t *act) notifyOfficeActing(ctx context.Context, officeID *int64, except int64, msg string, data map[string]any) error {
	ids, err := officeMembers(ctx, t.tx, officeID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == except {
			continue
		}
		if err := t.notifyActing(ctx, &id, msg, data); err != nil {
			return err
		}
	}
	return nil
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
		if Blank(p.Note) {
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
// sweep that gives every file to keep a job, the offices' daily board and weekly bulletin)
// with the job client
// that runs them; their queue is LifecycleQueue.
func (s *Store) AddWorkers(w *river.Workers) error {
	if err := river.AddWorkerSafely(w, &feedbackTimeoutWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &archiveSweepWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &officeBoardWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &weeklyBulletinWorker{s: s}); err != nil {
		return err
	}
	return river.AddWorkerSafely(w, &reminderSweepWorker{s: s})
}
