package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A self-registered reporter's link to a unit, decided by an office (DESIGN.md §2: trust comes
// from invites; someone who names an enterprise by its public credit code is not yet known to
// speak for it).
const (
	EventReporterConfirmed = "reporter_confirmed"
	EventReporterRejected  = "reporter_rejected"
)

// ConfirmReporter: an office over the case's region confirms that the person who filed it,
// having named its unit without an invite, does speak for the unit. Their link is verified
// from now on, so their later cases go to the unit's linked cadre like an invited reporter's;
// this case stays where it is, for the office to assign.
func (s *Store) ConfirmReporter(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "confirm the reporter of", p, func(ctx context.Context, t *act) error {
		linkID, data, err := t.unverifiedLink(ctx)
		if err != nil {
			return err
		}
		if _, err := t.tx.Exec(ctx, "UPDATE person_roles SET verified = true WHERE id = $1", linkID); err != nil {
			return fmt.Errorf("verify link: %w", err)
		}
		_, err = t.event(ctx, EventReporterConfirmed, "", p, true, data)
		return err
	})
}

// RejectReporter: an office over the case's region finds that the person who filed it does
// not speak for its unit. Their link to the unit is removed and they are told; the case stays
// in the office's triage for it to decide (it may still be a real problem).
func (s *Store) RejectReporter(ctx context.Context, p ActParams) (Case, error) {
	return s.transition(ctx, "reject the reporter of", p, func(ctx context.Context, t *act) error {
		linkID, data, err := t.unverifiedLink(ctx)
		if err != nil {
			return err
		}
		if _, err := t.tx.Exec(ctx, "DELETE FROM person_roles WHERE id = $1", linkID); err != nil {
			return fmt.Errorf("remove link: %w", err)
		}
		// Without this link they may be no reporter any more: their menu is set again.
		if err := t.s.refreshMenusTx(ctx, t.tx, *t.c.ReporterID); err != nil {
			return err
		}
		if _, err := t.event(ctx, EventReporterRejected, "", p, true, data); err != nil {
			return err
		}
		return t.notify(ctx, t.c.ReporterID, NoticeReporterRejected, map[string]any{"Unit": data["Unit"]}, nil)
	})
}

// unverifiedLink checks that the actor is an office over the case's region and that the case
// was filed through a reporter's link to its unit that still waits for a decision, and locks
// that link. A second press, or one on a case whose reporter was never in doubt, is
// ErrIllegalTransition.
func (t *act) unverifiedLink(ctx context.Context) (int64, map[string]any, error) {
	if err := t.office(ctx, t.c.RegionID); err != nil {
		return 0, nil, err
	}
	if !t.c.UnverifiedReporter || t.c.ReporterID == nil || t.c.UnitID == nil {
		return 0, nil, fmt.Errorf("reporter not in doubt: %w", ErrIllegalTransition)
	}
	var id int64
	var reporter, unit string
	err := t.tx.QueryRow(ctx, `SELECT r.id, p.name, u.name FROM person_roles r JOIN people p ON p.id = r.person_id JOIN units u ON u.id = r.unit_id
		WHERE r.person_id = $1 AND r.role = 'reporter' AND r.unit_id = $2 AND NOT r.verified FOR UPDATE OF r`, *t.c.ReporterID, *t.c.UnitID).Scan(&id, &reporter, &unit)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, fmt.Errorf("reporter's link decided already: %w", ErrIllegalTransition)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("reporter's link: %w", err)
	}
	return id, map[string]any{"Reporter": reporter, "Unit": unit}, nil
}
