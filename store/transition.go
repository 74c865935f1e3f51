package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/intake"
)

// The machinery of a transition, which every verb of lifecycle.go and handling.go runs on:
// the case locked in its transaction, the actor's roles loaded there, the checks of who may
// act and from which status, the event appended with its files, and the notifications
// enqueued in the same transaction.

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
	if intake.Blank(note) {
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
