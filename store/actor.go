package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Grant is one role of a person, with its scope.
type Grant struct {
	Role     string
	UnitID   *int64
	RegionID *int64 // a handler's region; an office's is its office's region
	OfficeID *int64
	// WorkingGroup is set for the lead of a working group, whose scope is the whole city.
	WorkingGroup *string
}

// Actor is the person behind a Telegram account, as every access check sees them.
type Actor struct {
	PersonID int64
	Name     string
	Lang     *string
	Grants   []Grant
	// Both is set for a person bound on Telegram and in WeCom, who may choose where their
	// notifications go (/where).
	Both bool
}

// Has reports whether the actor holds role in any scope.
func (a Actor) Has(role string) bool {
	for _, g := range a.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

// ActorByAccount finds the person bound to an account, Telegram's or WeCom's (IsWeCom), with their roles. An account
// bound to no one is ErrNotFound.
func (s *Store) ActorByAccount(ctx context.Context, userID int64) (Actor, error) {
	// The person and their roles in one round trip: this runs for every action anyone takes.
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.name, p.lang, p.telegram_user_id IS NOT NULL AND p.wecom_account_id IS NOT NULL, r.role, r.unit_id, coalesce(o.region_id, r.region_id), r.office_id, o.working_group
		FROM people p LEFT JOIN person_roles r ON r.person_id = p.id LEFT JOIN offices o ON o.id = r.office_id
		WHERE p.`+accountColumn(userID)+` = $1 ORDER BY r.id`, userID)
	if err != nil {
		return Actor{}, fmt.Errorf("account %d: %w", userID, err)
	}
	defer rows.Close()
	var a Actor
	found := false
	for rows.Next() {
		var g Grant
		var role *string
		if err := rows.Scan(&a.PersonID, &a.Name, &a.Lang, &a.Both, &role, &g.UnitID, &g.RegionID, &g.OfficeID, &g.WorkingGroup); err != nil {
			return Actor{}, fmt.Errorf("account %d: %w", userID, err)
		}
		found = true
		if role != nil {
			g.Role = *role
			a.Grants = append(a.Grants, g)
		}
	}
	if err := rows.Err(); err != nil {
		return Actor{}, fmt.Errorf("account %d: %w", userID, err)
	}
	if !found {
		return Actor{}, fmt.Errorf("account %d: %w", userID, ErrNotFound)
	}
	return a, nil
}

// grantsOf loads a person's roles, through a transaction or the pool.
func grantsOf(ctx context.Context, q querier, personID int64) ([]Grant, error) {
	rows, err := q.Query(ctx, `
		SELECT r.role, r.unit_id, coalesce(o.region_id, r.region_id), r.office_id, o.working_group
		FROM person_roles r LEFT JOIN offices o ON o.id = r.office_id
		WHERE r.person_id = $1 ORDER BY r.id`, personID)
	if err != nil {
		return nil, fmt.Errorf("roles of person %d: %w", personID, err)
	}
	gs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Grant, error) {
		var g Grant
		return g, r.Scan(&g.Role, &g.UnitID, &g.RegionID, &g.OfficeID, &g.WorkingGroup)
	})
	if err != nil {
		return nil, fmt.Errorf("roles of person %d: %w", personID, err)
	}
	return gs, nil
}

// NotJoined is who in an office's regions has not bound a Telegram account yet.
type NotJoined struct {
	People []NotJoinedPerson
	// Units have no reporter with an account: nobody there can report by chat yet.
	Units []NotJoinedUnit
}

type NotJoinedPerson struct {
	Code, Name, Department, Role string
	// Unreachable: joined, but blocked the bot, so nothing sent reaches them.
	Unreachable bool
}

type NotJoinedUnit struct {
	Code, Name string
}

// NotJoinedFor lists, for an actor with the office role, the people and units of their
// regions (each office's region and all below it; a working group's lead sees the whole
// city) who have not joined, or who joined and then blocked the bot. Anyone else is refused with ErrForbidden.
func (s *Store) NotJoinedFor(ctx context.Context, a Actor) (NotJoined, error) {
	all, regions := officeScope(a)
	if !all && len(regions) == 0 {
		return NotJoined{}, fmt.Errorf("not joined, for person %d: %w", a.PersonID, ErrForbidden)
	}
	const scope = `WITH RECURSIVE scope(id) AS (
			SELECT id FROM regions WHERE $1 OR id = ANY($2)
			UNION SELECT r.id FROM regions r JOIN scope s ON r.parent_id = s.id)`
	var out NotJoined
	rows, err := s.pool.Query(ctx, scope+`
		SELECT coalesce(p.code, ''), p.name, p.department, min(r.role), p.unreachable_at IS NOT NULL
		FROM people p JOIN person_roles r ON r.person_id = p.id
		WHERE ((p.telegram_user_id IS NULL AND p.wecom_account_id IS NULL) OR p.unreachable_at IS NOT NULL) AND r.role <> 'reporter' AND p.region_id IN (SELECT id FROM scope)
		GROUP BY p.id ORDER BY p.code, p.id`, all, regions)
	if err != nil {
		return NotJoined{}, fmt.Errorf("people not joined: %w", err)
	}
	out.People, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (NotJoinedPerson, error) {
		var p NotJoinedPerson
		return p, r.Scan(&p.Code, &p.Name, &p.Department, &p.Role, &p.Unreachable)
	})
	if err != nil {
		return NotJoined{}, fmt.Errorf("people not joined: %w", err)
	}
	rows, err = s.pool.Query(ctx, scope+`
		SELECT u.code, u.name FROM units u
		WHERE u.region_id IN (SELECT id FROM scope) AND NOT EXISTS (
			SELECT 1 FROM person_roles r JOIN people p ON p.id = r.person_id
			WHERE r.unit_id = u.id AND r.role = 'reporter' AND (p.telegram_user_id IS NOT NULL OR p.wecom_account_id IS NOT NULL))
		ORDER BY u.code`, all, regions)
	if err != nil {
		return NotJoined{}, fmt.Errorf("units not joined: %w", err)
	}
	out.Units, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (NotJoinedUnit, error) {
		var u NotJoinedUnit
		return u, r.Scan(&u.Code, &u.Name)
	})
	if err != nil {
		return NotJoined{}, fmt.Errorf("units not joined: %w", err)
	}
	return out, nil
}

// CodeExists reports whether a unit ("unit") or a person ("person") has the code. A failed
// query is an error, not a "no".
func (s *Store) CodeExists(ctx context.Context, kind, code string) (bool, error) {
	table := map[string]string{"unit": "units", "person": "people"}[kind]
	if table == "" || code == "" {
		return false, nil
	}
	var ok bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE code = $1)", code).Scan(&ok); err != nil {
		return false, fmt.Errorf("%s code %q: %w", kind, code, err)
	}
	return ok, nil
}

// Unit is an enterprise or a village as the dialogs need it.
type Unit struct {
	ID       int64  `db:"id"`
	Kind     string `db:"kind"`
	Name     string `db:"name"`
	RegionID int64  `db:"region_id"`
}

// ReporterUnits finds the person bound to an account and the units they report for, in one
// round trip: a report's first step and its confirm both ask. An account bound to no one is
// ErrNotFound; a person who reports for no unit has none.
func (s *Store) ReporterUnits(ctx context.Context, userID int64) (int64, []Unit, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, u.id, u.kind, u.name, u.region_id
		FROM people p LEFT JOIN person_roles r ON r.person_id = p.id AND r.role = 'reporter' LEFT JOIN units u ON u.id = r.unit_id
		WHERE p.`+accountColumn(userID)+` = $1 ORDER BY u.name, u.id`, userID)
	if err != nil {
		return 0, nil, fmt.Errorf("units of account %d: %w", userID, err)
	}
	defer rows.Close()
	var person int64
	found := false
	var us []Unit
	for rows.Next() {
		var id, region *int64
		var kind, name *string
		if err := rows.Scan(&person, &id, &kind, &name, &region); err != nil {
			return 0, nil, fmt.Errorf("units of account %d: %w", userID, err)
		}
		found = true
		if id != nil {
			us = append(us, Unit{ID: *id, Kind: *kind, Name: *name, RegionID: *region})
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("units of account %d: %w", userID, err)
	}
	if !found {
		return 0, nil, fmt.Errorf("units of account %d: %w", userID, ErrNotFound)
	}
	return person, us, nil
}

// SetLang keeps the language a person chose, for the messages sent to them later. An account
// bound to no one has nowhere to keep it; the chat remembers it regardless.
func (s *Store) SetLang(ctx context.Context, userID int64, lang string) error {
	if _, err := s.pool.Exec(ctx, "UPDATE people SET lang = $2 WHERE "+accountColumn(userID)+" = $1", userID, lang); err != nil {
		return fmt.Errorf("language of account %d: %w", userID, err)
	}
	return nil
}

// ChosenLang is the language a person chose with /lang, "" when they chose none or the account
// is bound to no one.
func (s *Store) ChosenLang(ctx context.Context, userID int64) (string, error) {
	var lang *string
	err := s.pool.QueryRow(ctx, "SELECT lang FROM people WHERE "+accountColumn(userID)+" = $1", userID).Scan(&lang)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && lang == nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("language of account %d: %w", userID, err)
	}
	return *lang, nil
}

// SetReachable records whether the person of a private chat can be reached: not when
// Telegram answered 403 to a message or reported that they blocked the bot; again when they
// unblock it or join anew. Their office sees who cannot be reached.
func (s *Store) SetReachable(ctx context.Context, chatID int64, reachable bool) error {
	q := "UPDATE people SET unreachable_at = coalesce(unreachable_at, $2) WHERE chat_id = $1"
	args := []any{chatID, s.now()}
	if reachable {
		q, args = "UPDATE people SET unreachable_at = NULL WHERE chat_id = $1 AND unreachable_at IS NOT NULL", []any{chatID}
	}
	if _, err := s.pool.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("record chat %d reachable=%v: %w", chatID, reachable, err)
	}
	return nil
}
