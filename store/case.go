package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/intake"
)

// Status is where a case stands in its lifecycle (DESIGN.md §3).
type Status string

const (
	StatusSubmitted  Status = "submitted"   // 已提交: waiting for triage
	StatusAssigned   Status = "assigned"    // 已交办: waiting for sign-for
	StatusInProgress Status = "in_progress" // 办理中
	StatusResolved   Status = "resolved"    // 已办结: waiting for the reporter's feedback
	StatusClosed     Status = "closed"      // 已销号
	StatusRejected   Status = "rejected"    // 不予受理
	StatusMerged     Status = "merged"      // 并案
)

// Event kinds appended to a case's timeline.
const (
	EventSubmitted = "submitted"
	EventAssigned  = "assigned"
)

// Case is one row of the ledger (问题台账).
type Case struct {
	ID         int64      `db:"id"`
	AssigneeID *int64     `db:"assignee_id"`
	SignDueAt  *time.Time `db:"sign_due_at"`
	// The other limits of the 13710 rule, set on assignment.
	FeedbackDueAt *time.Time `db:"feedback_due_at"`
	ResolveDueAt  *time.Time `db:"resolve_due_at"`
	ResolvedAt    *time.Time `db:"resolved_at"`
	MergedIntoID  *int64     `db:"merged_into_id"`
	// Feedback (回访): Solved and Satisfaction as the reporter answered; Flagged while a
	// "not satisfied" answer waits for the office's decision.
	Solved        *bool   `db:"solved"`
	Satisfaction  *string `db:"satisfaction"`
	Flagged       bool    `db:"feedback_flagged"`
	CloseReason   *string `db:"close_reason"`
	RehandleCount int     `db:"rehandle_count"`
	HandbackCount int     `db:"handback_count"`
	UrgeCount     int     `db:"urge_count"`
	// Escalation (提级) moves the case to a higher office: OfficeID is the office it answers to
	// now, EscalationLevel how many times it was lifted.
	OfficeID        *int64     `db:"office_id"`
	EscalationLevel int        `db:"escalation_level"`
	AssignedAt      *time.Time `db:"assigned_at"`
	SignedAt        *time.Time `db:"signed_at"`
	FirstFeedbackAt *time.Time `db:"first_feedback_at"`
	// ExtensionUntil is an extension (延期) asked for and not decided yet.
	ExtensionUntil  *time.Time `db:"extension_until"`
	ExtensionReason string     `db:"extension_reason"`
	// EscalationPending: escalated to OfficeID and not yet taken up there.
	EscalationPending bool     `db:"escalation_pending"`
	TicketNo          string   `db:"ticket_no"`
	Status            Status   `db:"status"`
	RegionID          int64    `db:"region_id"`
	UnitID            *int64   `db:"unit_id"`
	ReporterID        *int64   `db:"reporter_id"`
	CategoryID        *int64   `db:"category_id"`
	Description       string   `db:"description"`
	Urgency           string   `db:"urgency"`
	Complexity        string   `db:"complexity"`
	Latitude          *float64 `db:"latitude"`
	// Place names where the problem is, when the reporter shared a named place.
	Place     string    `db:"place"`
	Longitude *float64  `db:"longitude"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
	// UnverifiedReporter: filed through a link of the reporter to the unit that no invite made
	// and no office had confirmed (a self-registered reporter), so it went to triage.
	UnverifiedReporter bool `db:"unverified_reporter"`
}

const caseColumns = `id, assignee_id, sign_due_at, feedback_due_at, resolve_due_at, resolved_at, merged_into_id,
	solved, satisfaction, feedback_flagged, close_reason, rehandle_count, handback_count, urge_count, office_id, escalation_level,
	assigned_at, signed_at, first_feedback_at, extension_until, extension_reason, escalation_pending, ticket_no, status, region_id, unit_id, reporter_id, category_id, description,
	urgency, complexity, latitude, longitude, place, created_at, updated_at, unverified_reporter`

// Event is one immutable entry of a case's timeline.
type Event struct {
	ID         int64     `db:"id"`
	CaseID     int64     `db:"case_id"`
	At         time.Time `db:"at"`
	ActorID    *int64    `db:"actor_id"`
	Kind       string    `db:"kind"`
	FromStatus *Status   `db:"from_status"`
	ToStatus   *Status   `db:"to_status"`
	Note       string    `db:"note"`
	Internal   bool      `db:"internal"`
	// Data holds what the timeline names besides the note (the assignee, a merged ticket).
	Data map[string]any `db:"data"`
	// SignDueAt and ResolveDueAt are the limits an assignment gave (a granted extension: the
	// resolve limit it moved to), written with the event for the figures to measure it by.
	SignDueAt    *time.Time `db:"-"`
	ResolveDueAt *time.Time `db:"-"`
}

// MaxDescription is the longest description a case takes, in UTF-16 code units as Telegram
// counts text (an emoji is two), so that a case's view can always show it whole.
const MaxDescription = 2000

// MaxUnitName is the longest name of an enterprise or village a reporter may give.
const MaxUnitName = 100

// SubmitParams describe a new problem.
type SubmitParams struct {
	RegionID    int64
	UnitID      *int64
	ReporterID  *int64
	CategoryID  *int64
	Description string
	Urgent      bool
	Latitude    *float64
	Longitude   *float64
	// Place is the name of the shared place, when it has one.
	Place string
	// Notify, when set, is enqueued in the same transaction, with the new ticket number
	// added to its data as "TicketNo".
	Notify *Notification
	// SourceKey, when set, makes submitting idempotent: a second Submit with the same key
	// returns the case the first made (a redelivered confirm).
	SourceKey string
	// Attachments are photos and documents, kept by their platform file ids.
	Attachments []Attachment
	// Route assigns the case to the unit's linked cadre, when it has one and the reporter's
	// link to the unit is verified; otherwise it waits in its region's triage queue.
	Route bool
	// NewUnit, for a reporter who came without an invite, registers them and the unit they
	// named in the same transaction, as an unverified reporter of it: the case waits for
	// triage by the office of the unit's region (the city's, for a unit new to the city),
	// marked, and the office confirms or rejects the link.
	NewUnit *NewUnit
}

// NewUnit is a unit named by a self-registered reporter.
type NewUnit struct {
	Kind, Name, CreditCode string
	Account                Account
}

// Attachment is a photo or document of a case.
type Attachment struct {
	Kind     string `json:"kind"` // photo, document
	FileID   string `json:"file_id"`
	UniqueID string `json:"unique_id,omitempty"`
	Name     string `json:"name,omitempty"`
	MimeType string `json:"mime,omitempty"`
}

// Submitted is a new case and where it went.
type Submitted struct {
	Case
	// Assignee is the linked cadre it was assigned to, empty when it waits for triage.
	Assignee string
	// Again is set when the case was made earlier by the same source (a redelivery).
	Again bool
}

// Submit records a new problem: the case with its ticket number, its first event, its
// attachments, its routing and the notifications it causes, in one transaction.
func (s *Store) Submit(ctx context.Context, p SubmitParams) (Submitted, error) {
	desc := strings.TrimSpace(p.Description)
	if intake.Blank(desc) {
		return Submitted{}, fmt.Errorf("submit case: empty description: %w", ErrInvalid)
	}
	if err := checkWritten("description", desc, MaxDescription); err != nil {
		return Submitted{}, fmt.Errorf("submit case: %w", err)
	}
	if (p.Latitude == nil) != (p.Longitude == nil) || (p.Latitude != nil && !intake.ValidLocation(*p.Latitude, *p.Longitude)) {
		return Submitted{}, fmt.Errorf("submit case: location off the globe: %w", ErrInvalid)
	}
	urgency := Normal
	if p.Urgent {
		urgency = Urgent
	}
	var source *string
	if p.SourceKey != "" {
		source = &p.SourceKey
	}
	place := ""
	if p.Latitude != nil {
		place = strings.TrimSpace(p.Place) // a name without a point says nothing of where
	}
	if err := checkWritten("place", place, intake.MaxPlace); err != nil {
		return Submitted{}, fmt.Errorf("submit case: %w", err)
	}
	now := s.now()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return Submitted{}, fmt.Errorf("submit case: %w", err)
	}
	defer conn.Release()
	var out Submitted
	// A redelivered confirm: the case exists already; answer with it. The ticket number is
	// not taken when it does; a copy that arrives meanwhile is found by the insert, which then
	// adds nothing, and the transaction is undone.
	again := func(q querier) (bool, error) {
		if source == nil {
			return false, nil
		}
		rows, err := q.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE source_key = $1`, *source)
		if err != nil {
			return false, fmt.Errorf("find case by source: %w", err)
		}
		c, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Case])
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("find case by source: %w", err)
		}
		out = Submitted{Case: c, Again: true}
		return true, s.assigneeName(ctx, q, &out)
	}
	// A number is taken unless the case was filed already: then it is answered with. Where the
	// case goes is read in the same round trip, unless it waits on the reporter's registering,
	// which the case's transaction does first.
	var r route
	var routing func(*pgx.Batch)
	if p.NewUnit == nil {
		routing = func(b *pgx.Batch) { queueRouting(b, p, &r) }
	}
	no, filed, err := s.nextTicketNo(ctx, conn.Conn(), now, source, routing)
	if err != nil {
		return Submitted{}, err
	}
	if filed {
		if found, err := again(conn); found || err != nil {
			return out, err
		}
		return Submitted{}, fmt.Errorf("submit case: a copy with its source key vanished")
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if p.NewUnit != nil {
			if err := s.selfRegister(ctx, tx, &p); err != nil {
				return err
			}
			b := &pgx.Batch{}
			queueRouting(b, p, &r)
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return fmt.Errorf("case %s: route: %w", no, err)
			}
		}
		if r.unverified {
			r.cadre = nil
		}
		c, err := s.insertCase(ctx, tx, no, p, r, caseText{desc: desc, urgency: urgency, place: place, source: source}, now)
		if err != nil {
			return err
		}
		if err := s.insertAttachments(ctx, tx, c.ID, nil, p.Attachments); err != nil {
			return fmt.Errorf("case %s: %w", no, err)
		}
		out = Submitted{Case: c}
		if r.cadre != nil {
			out.Assignee = r.cadre.name
			if err := s.tellAssignedCadre(ctx, tx, c, r.cadre, p.Attachments); err != nil {
				return fmt.Errorf("case %s: %w", no, err)
			}
		}
		if c.Urgency == Urgent {
			if err := s.tellOfficeUrgent(ctx, tx, out, now); err != nil {
				return fmt.Errorf("case %s: %w", no, err)
			}
		} else if c.Status == StatusSubmitted {
			if err := s.tellOfficeNew(ctx, tx, out.Case, now); err != nil {
				return fmt.Errorf("case %s: %w", no, err)
			}
		}
		if p.Notify != nil {
			n := *p.Notify
			n.Data = withData(n.Data, "TicketNo", c.TicketNo)
			n.CaseID = c.ID
			if err := s.NotifyTx(ctx, tx, n); err != nil {
				return fmt.Errorf("case %s: %w", no, err)
			}
		}
		return nil
	})
	if errors.Is(err, errFiledMeanwhile) {
		if found, err := again(conn); found || err != nil {
			return out, err
		}
		return Submitted{}, fmt.Errorf("submit case %s: a copy with its source key vanished", no)
	}
	if err != nil {
		return Submitted{}, fmt.Errorf("submit case %s: %w", no, err)
	}
	return out, nil
}

// errFiledMeanwhile undoes the filing of a case whose copy (the same confirm, delivered
// twice) was filed meanwhile.
var errFiledMeanwhile = errors.New("filed meanwhile")

// route is where a new case goes: the id it will have, the office it answers to, whether
// its reporter's link to the unit is unverified, and the linked cadre it is assigned to (nil:
// it waits for triage).
type route struct {
	id         int64
	office     *int64
	unverified bool
	cadre      *linkedCadre
}

// linkedCadre is the cadre a new case goes to straight away.
type linkedCadre struct {
	id   int64
	name string
	chat *int64
	lang *string
}

// queueRouting adds to b the reads that find where a new case goes, into r:
//   - its office: the campaign office of its region or, when it has none, of the nearest
//     region above it that has one (none when the city has not loaded its offices yet);
//   - whether it comes through a reporter's link to the unit that is not verified: the
//     reporter named the unit without an invite and no office has confirmed it since (a case
//     without a reporter or a unit has no such link to doubt);
//   - with p.Route, the unit's linked cadre (the longest-linked one, when there are several),
//     unless the link is unverified (the caller drops it then).
//
// They read what is committed, as each statement of the case's transaction would: none of
// them needs that transaction, unless it registers the reporter first.
func queueRouting(b *pgx.Batch, p SubmitParams, r *route) {
	b.Queue(`SELECT nextval(pg_get_serial_sequence('cases', 'id'))`).QueryRow(func(row pgx.Row) error {
		return row.Scan(&r.id)
	})
	b.Queue(`
		WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM regions WHERE id = $1
			UNION ALL SELECT r.id, r.parent_id, up.depth + 1 FROM regions r JOIN up ON r.id = up.parent_id)
		SELECT o.id FROM up JOIN offices o ON o.region_id = up.id ORDER BY up.depth, o.id LIMIT 1`, p.RegionID).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(&r.office); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("office of region %d: %w", p.RegionID, err)
		}
		return nil
	})
	if p.ReporterID != nil && p.UnitID != nil {
		b.Queue(`SELECT NOT EXISTS (SELECT 1 FROM person_roles
			WHERE person_id = $1 AND role = 'reporter' AND unit_id = $2 AND verified)`, *p.ReporterID, *p.UnitID).QueryRow(func(row pgx.Row) error {
			if err := row.Scan(&r.unverified); err != nil {
				return fmt.Errorf("reporter %d of unit %d: %w", *p.ReporterID, *p.UnitID, err)
			}
			return nil
		})
	}
	if p.Route && p.UnitID != nil {
		b.Queue(`
			SELECT p.id, p.name, p.chat_id, p.lang FROM links l JOIN people p ON p.id = l.person_id
			WHERE l.unit_id = $1 AND EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role = 'handler')
			ORDER BY l.created_at, p.id LIMIT 1`, *p.UnitID).QueryRow(func(row pgx.Row) error {
			var c linkedCadre
			err := row.Scan(&c.id, &c.name, &c.chat, &c.lang)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				return nil // no linked cadre: the case waits for triage
			case err != nil:
				return fmt.Errorf("linked cadre: %w", err)
			}
			r.cadre = &c
			return nil
		})
	}
}

// selfRegister records a reporter who came without an invite and the unit they named, in
// the case's transaction: a unit new to the city under the top region (whose office triages
// such cases), or the unit that already has the credit code they gave. Either way they are
// an unverified reporter of it: a public credit code proves nothing about who speaks for an
// enterprise. A link they already had (an invite's) stays as it was. A new link may make them
// a reporter, with the reporter's commands in their menu.
func (s *Store) selfRegister(ctx context.Context, tx pgx.Tx, p *SubmitParams) error {
	u := p.NewUnit
	name := strings.TrimSpace(u.Name)
	if intake.Blank(name) {
		return fmt.Errorf("self-registered unit: no name: %w", ErrInvalid)
	}
	if err := checkWritten("self-registered unit name", name, MaxUnitName); err != nil {
		return err
	}
	var credit *string
	if u.CreditCode != "" {
		if !ValidCreditCode(u.CreditCode) {
			return fmt.Errorf("self-registered unit: credit code: %w", ErrInvalid)
		}
		credit = &u.CreditCode
	}
	if err := tx.QueryRow(ctx, "SELECT id FROM regions WHERE parent_id IS NULL ORDER BY id LIMIT 1").Scan(&p.RegionID); err != nil {
		return fmt.Errorf("self-registered unit: top region: %w", err)
	}
	var unit, person int64
	// A unit already registered under the same credit code is the same unit.
	err := tx.QueryRow(ctx, `
		INSERT INTO units (code, kind, name, credit_code, region_id, self_registered)
		VALUES ('self-' || md5(random()::text), $1, $2, $3, $4, true)
		ON CONFLICT (credit_code) DO UPDATE SET credit_code = EXCLUDED.credit_code
		RETURNING id, region_id`, u.Kind, name, credit, p.RegionID).Scan(&unit, &p.RegionID)
	if err != nil {
		return fmt.Errorf("self-registered unit: %w", err)
	}
	err = tx.QueryRow(ctx, `
		INSERT INTO people (name, `+accountColumn(u.Account.UserID)+`, chat_id, region_id, lang) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (`+accountColumn(u.Account.UserID)+`) DO UPDATE SET `+chatUnlessChosen(u.Account.UserID)+`
		RETURNING id`, u.Account.Name, u.Account.UserID, u.Account.ChatID, p.RegionID, nullable(u.Account.Lang)).Scan(&person)
	if err != nil {
		return fmt.Errorf("self-registered reporter: %w", err)
	}
	tag, err := tx.Exec(ctx, "INSERT INTO person_roles (person_id, role, unit_id, verified) VALUES ($1, 'reporter', $2, false) ON CONFLICT DO NOTHING", person, unit)
	if err != nil {
		return fmt.Errorf("self-registered reporter: %w", err)
	}
	p.UnitID, p.ReporterID = &unit, &person
	if tag.RowsAffected() == 0 {
		return nil
	}
	return s.refreshMenusTx(ctx, tx, person)
}

// caseText is what a new case says, checked.
type caseText struct {
	desc, urgency, place string
	source               *string
}

// insertCase writes a new case with the id r gave it, and its first event, in one round trip;
// a case routed to a linked cadre is written assigned to them, starting the 13710 clock, with
// the assignment's event and its reminders. A copy of the same source filed meanwhile makes
// it errFiledMeanwhile.
func (s *Store) insertCase(ctx context.Context, tx pgx.Tx, no string, p SubmitParams, r route, t caseText, now time.Time) (Case, error) {
	status := StatusSubmitted
	var assignee *int64
	var assignedAt, sign, feedback, resolve *time.Time
	if r.cadre != nil {
		sg, fb, rs := s.deadlines(now, Ordinary, t.urgency)
		status, assignee, assignedAt, sign, feedback, resolve = StatusAssigned, &r.cadre.id, &now, &sg, &fb, &rs
	}
	b := &pgx.Batch{}
	var c Case
	filedMeanwhile := false
	b.Queue(`
		INSERT INTO cases (id, ticket_no, region_id, unit_id, reporter_id, category_id, description,
			urgency, latitude, longitude, source_key, office_id, unverified_reporter, created_at, updated_at, place,
			status, assignee_id, assigned_at, sign_due_at, feedback_due_at, resolve_due_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18, $19, $20, $21)
		ON CONFLICT (source_key) DO NOTHING
		RETURNING `+caseColumns,
		r.id, no, p.RegionID, p.UnitID, p.ReporterID, p.CategoryID, t.desc, t.urgency, p.Latitude, p.Longitude, t.source, r.office,
		r.unverified, now, t.place, status, assignee, assignedAt, sign, feedback, resolve).Query(func(rows pgx.Rows) error {
		var err error
		c, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case])
		if errors.Is(err, pgx.ErrNoRows) {
			filedMeanwhile = true // what follows fails on the missing case, and is undone
			return nil
		}
		return err
	})
	queueEvent(b, Event{CaseID: r.id, At: now, ActorID: p.ReporterID, Kind: EventSubmitted, ToStatus: ptr(StatusSubmitted)})
	if r.cadre != nil {
		queueEvent(b, Event{CaseID: r.id, At: now, Kind: EventAssigned, FromStatus: ptr(StatusSubmitted),
			ToStatus: ptr(StatusAssigned), Data: map[string]any{"Assignee": r.cadre.name}, SignDueAt: sign, ResolveDueAt: resolve})
		planned := Case{ID: r.id, TicketNo: no, Status: StatusAssigned, Urgency: t.urgency, Complexity: Ordinary, CreatedAt: now,
			AssignedAt: assignedAt, SignDueAt: sign, FeedbackDueAt: feedback, ResolveDueAt: resolve}
		sql, args := s.rescheduling(planned, now)
		b.Queue(sql, args...)
	}
	err := tx.SendBatch(ctx, b).Close()
	if filedMeanwhile {
		return Case{}, errFiledMeanwhile
	}
	if err != nil {
		return Case{}, fmt.Errorf("insert case %s: %w", no, err)
	}
	return c, nil
}

// queueEvent adds appendEvent's insert to a batch.
func queueEvent(b *pgx.Batch, e Event) {
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	b.Queue(insertEvent,
		e.CaseID, e.At, e.ActorID, e.Kind, e.FromStatus, e.ToStatus, e.Note, e.Internal, e.Data, e.SignDueAt, e.ResolveDueAt)
}

// insertEvent writes one event of a case's timeline.
const insertEvent = `
	INSERT INTO case_events (case_id, at, actor_id, kind, from_status, to_status, note, internal, data, sign_due_at, resolve_due_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// tellAssignedCadre tells the linked cadre a new case went to, when they have a chat: the case
// with the files it was filed with and nothing else, and its buttons.
func (s *Store) tellAssignedCadre(ctx context.Context, tx pgx.Tx, c Case, cadre *linkedCadre, files []Attachment) error {
	if cadre.chat == nil {
		return nil
	}
	ev := filesEvidence(files)
	ev.Latitude, ev.Longitude, ev.Place = c.Latitude, c.Longitude, c.Place
	n := Notification{ChatID: *cadre.chat, MessageID: NoticeAssignedToYou, CaseID: c.ID, Evidence: &ev,
		Buttons: append(assignedButtons(c.TicketNo), evidenceButtons(c.TicketNo, ev)...),
		Data:    map[string]any{"TicketNo": c.TicketNo, "Description": c.Description, "Due": c.SignDueAt.In(s.loc).Format("2006-01-02 15:04")}}
	if c.Urgency == Urgent {
		n.Data["Urgent"] = true
	}
	if cadre.lang != nil {
		n.Lang = *cadre.lang
	}
	return s.NotifyTx(ctx, tx, n)
}

// tellOfficeUrgent tells each member of the office a new urgent case answers to, with the
// case's buttons as theirs: one waiting in triage is theirs to assign first, and one that
// went straight to the unit's linked cadre is theirs to watch. At once, whatever the hour:
// working hours hold back reminders of limits, which can wait for the morning, while a
// problem its reporter calls urgent is news the office wants when it comes, as every other
// notice of a change goes out when the change is made.
func (s *Store) tellOfficeUrgent(ctx context.Context, tx pgx.Tx, c Submitted, now time.Time) error {
	data := map[string]any{"Description": c.Description, "Assignee": c.Assignee}
	if c.UnitID != nil {
		var unit string
		if err := tx.QueryRow(ctx, "SELECT name FROM units WHERE id = $1", *c.UnitID).Scan(&unit); err != nil {
			return fmt.Errorf("unit %d: %w", *c.UnitID, err)
		}
		data["Unit"] = unit
	}
	if c.SignDueAt != nil {
		data["Due"] = c.SignDueAt.In(s.loc).Format("2006-01-02 15:04")
	}
	t := &act{s: s, tx: tx, c: c.Case, now: now}
	return t.notifyOfficeActing(ctx, c.OfficeID, 0, NoticeUrgentNew, data)
}

// tellOfficeNew tells each member of its office of a new case that waits in triage (from an
// unverified reporter, for a unit with no linked cadre, or filed without one), with the case's
// buttons as theirs: nobody else will act on it. In working hours at once; at night or on a
// day off it waits, as a reminder, for the start of the next working day, when the sweep sends
// it with whatever else is due for each member then, several as one digest. An urgent case is
// not told here: tellOfficeUrgent has told it, whatever the hour.
func (s *Store) tellOfficeNew(ctx context.Context, tx pgx.Tx, c Case, now time.Time) error {
	if c.OfficeID == nil {
		return nil
	}
	if at := s.workingMoment(now); at.After(now) {
		_, err := tx.Exec(ctx, `INSERT INTO reminders (case_id, kind, due_limit, limit_at, send_at) VALUES ($1, $2, $3, $4, $5)`,
			c.ID, ReminderOfficeNew, limitTriage, c.CreatedAt, at)
		if err != nil {
			return fmt.Errorf("schedule the office's notice: %w", err)
		}
		return nil
	}
	data, err := newCaseData(ctx, tx, c)
	if err != nil {
		return err
	}
	t := &act{s: s, tx: tx, c: c, now: now}
	return t.notifyOfficeActing(ctx, c.OfficeID, 0, NoticeNewCase, data)
}

// newCaseData is what an office is told of a new case: its description, its unit, and
// whether its reporter is unverified.
func newCaseData(ctx context.Context, tx pgx.Tx, c Case) (map[string]any, error) {
	data := map[string]any{"Description": c.Description}
	if c.UnitID != nil {
		var unit string
		if err := tx.QueryRow(ctx, "SELECT name FROM units WHERE id = $1", *c.UnitID).Scan(&unit); err != nil {
			return nil, fmt.Errorf("unit %d: %w", *c.UnitID, err)
		}
		data["Unit"] = unit
	}
	if c.UnverifiedReporter {
		data["Unverified"] = true
	}
	return data, nil
}

func (s *Store) assigneeName(ctx context.Context, q querier, out *Submitted) error {
	if out.AssigneeID == nil {
		return nil
	}
	if err := q.QueryRow(ctx, "SELECT name FROM people WHERE id = $1", *out.AssigneeID).Scan(&out.Assignee); err != nil {
		return fmt.Errorf("assignee of %s: %w", out.TicketNo, err)
	}
	return nil
}

// CaseByTicket finds a case by its ticket number. It does not check access: callers that act
// for a person go through the access-checked methods.
func (s *Store) CaseByTicket(ctx context.Context, no string) (Case, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket_no = $1`, no)
	if err != nil {
		return Case{}, fmt.Errorf("case %s: %w", no, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Case])
	if errors.Is(err, pgx.ErrNoRows) {
		return Case{}, fmt.Errorf("case %s: %w", no, ErrNotFound)
	}
	if err != nil {
		return Case{}, fmt.Errorf("case %s: %w", no, err)
	}
	return c, nil
}

// Events is the timeline of a case, oldest first.
func (s *Store) Events(ctx context.Context, caseID int64) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, case_id, at, actor_id, kind, from_status, to_status, note, internal, data
		FROM case_events WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("events of case %d: %w", caseID, err)
	}
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Event])
	if err != nil {
		return nil, fmt.Errorf("events of case %d: %w", caseID, err)
	}
	return evs, nil
}

// appendEvent appends one immutable event and returns its id.
func appendEvent(ctx context.Context, tx pgx.Tx, e Event) (int64, error) {
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	var id int64
	err := tx.QueryRow(ctx, insertEvent+" RETURNING id",
		e.CaseID, e.At, e.ActorID, e.Kind, e.FromStatus, e.ToStatus, e.Note, e.Internal, e.Data, e.SignDueAt, e.ResolveDueAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append %s event: %w", e.Kind, err)
	}
	return id, nil
}

func ptr[T any](v T) *T { return &v }
