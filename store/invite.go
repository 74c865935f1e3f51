package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// InviteParams describe invites to make: for a unit (anyone who uses it becomes a reporter
// of the unit: a poster in a village's office) or for one person (it binds their Telegram
// account to the person the organisation data describes, with the roles it gives them).
type InviteParams struct {
	Role       string
	UnitCode   string
	PersonCode string
	// MaxUses defaults to 1.
	MaxUses int
	// TTL defaults to 30 days.
	TTL       time.Duration
	CreatedBy *int64
}

// Invite is a made invite. Code is shown once, when it is made: only its hash is stored.
type Invite struct {
	ID        int64
	Code      string
	Role      string
	Target    string // the unit's or the person's name, for the poster
	MaxUses   int
	ExpiresAt time.Time
}

// inviteCodeBytes is 128 bits: unguessable, and 22 characters in a deep link.
const inviteCodeBytes = 16

func hashCode(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// CreateInvite makes one invite.
func (s *Store) CreateInvite(ctx context.Context, p InviteParams) (Invite, error) {
	if p.MaxUses <= 0 {
		p.MaxUses = 1
	}
	if p.TTL <= 0 {
		p.TTL = 30 * 24 * time.Hour
	}
	b := make([]byte, inviteCodeBytes)
	if _, err := rand.Read(b); err != nil {
		return Invite{}, fmt.Errorf("invite code: %w", err)
	}
	inv := Invite{Code: base64.RawURLEncoding.EncodeToString(b), Role: p.Role, MaxUses: p.MaxUses, ExpiresAt: s.now().Add(p.TTL)}
	var unitID, personID *int64
	switch {
	case p.UnitCode != "" && p.PersonCode == "":
		if p.Role != RoleReporter {
			return Invite{}, fmt.Errorf("invite for unit %s as %s: a unit invite makes reporters: %w", p.UnitCode, p.Role, ErrRoleNeedsScope)
		}
		var id int64
		if err := s.pool.QueryRow(ctx, "SELECT id, name FROM units WHERE code = $1", p.UnitCode).Scan(&id, &inv.Target); err != nil {
			return Invite{}, notFound(err, "unit "+p.UnitCode)
		}
		unitID = &id
	case p.PersonCode != "" && p.UnitCode == "":
		var id int64
		var holds bool
		err := s.pool.QueryRow(ctx, `SELECT id, name, EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role = $2)
			FROM people p WHERE code = $1`, p.PersonCode, p.Role).Scan(&id, &inv.Target, &holds)
		if err != nil {
			return Invite{}, notFound(err, "person "+p.PersonCode)
		}
		if !holds {
			return Invite{}, fmt.Errorf("invite for person %s as %s: %w", p.PersonCode, p.Role, ErrRoleNotHeld)
		}
		personID = &id
	default:
		return Invite{}, fmt.Errorf("invite: give a unit or a person: %w", ErrRoleNeedsScope)
	}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO invites (code_hash, role, unit_id, person_id, max_uses, expires_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		hashCode(inv.Code), p.Role, unitID, personID, p.MaxUses, inv.ExpiresAt, p.CreatedBy).Scan(&inv.ID)
	if err != nil {
		return Invite{}, fmt.Errorf("create invite: %w", err)
	}
	return inv, nil
}

func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// RevokeInvite stops an invite from being used again.
func (s *Store) RevokeInvite(ctx context.Context, code string) error {
	tag, err := s.pool.Exec(ctx, "UPDATE invites SET revoked_at = $2 WHERE code_hash = $1 AND revoked_at IS NULL", hashCode(code), s.now())
	if err != nil {
		return fmt.Errorf("revoke invite: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke invite: %w", ErrInviteUnknown)
	}
	return nil
}

// Account is the Telegram side of a person.
type Account struct {
	UserID int64
	ChatID int64
	Name   string
	// Lang is the language the person talks to the bot in, kept for the messages sent to
	// them later; "" leaves it to the configured default.
	Lang string
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Binding is what using an invite gave.
type Binding struct {
	PersonID int64
	Role     string
	Target   string // the unit's or the person's name
	// Already is set when the account already had exactly this; no use was spent.
	Already bool
}

// RedeemInvite uses an invite for a Telegram account, in one transaction: the use is counted
// only if the binding is made. Using an invite one already used is answered as done.
func (s *Store) RedeemInvite(ctx context.Context, code string, acc Account) (Binding, error) {
	var b Binding
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var (
			id       int64
			role     string
			unitID   *int64
			personID *int64
			maxUses  int
			uses     int
			expires  time.Time
			revoked  *time.Time
		)
		err := tx.QueryRow(ctx, `SELECT id, role, unit_id, person_id, max_uses, uses, expires_at, revoked_at
			FROM invites WHERE code_hash = $1 FOR UPDATE`, hashCode(code)).Scan(&id, &role, &unitID, &personID, &maxUses, &uses, &expires, &revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrInviteUnknown
		}
		if err != nil {
			return fmt.Errorf("find invite: %w", err)
		}
		b.Role = role
		// The same person using the same invite again is told it is done, before any
		// refusal for uses or expiry: they are where they wanted to be.
		already, pid, target, err := s.alreadyBound(ctx, tx, acc.UserID, role, unitID, personID)
		if err != nil {
			return err
		}
		if already {
			b.PersonID, b.Target, b.Already = pid, target, true
			_, err := tx.Exec(ctx, "UPDATE people SET unreachable_at = NULL WHERE id = $1", pid)
			return err
		}
		switch {
		case revoked != nil:
			return ErrInviteRevoked
		case !s.now().Before(expires):
			return ErrInviteExpired
		case uses >= maxUses:
			return ErrInviteUsed
		}
		if personID != nil {
			b.PersonID, b.Target, err = bindPerson(ctx, tx, *personID, acc)
		} else {
			b.PersonID, b.Target, err = s.bindReporter(ctx, tx, *unitID, acc)
		}
		if err != nil {
			return err
		}
		// Joining gives the chat its menu; a reporter's link may add a role to a person
		// already joined.
		if err := s.refreshMenusTx(ctx, tx, b.PersonID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE invites SET uses = uses + 1 WHERE id = $1", id)
		return err
	})
	if err != nil {
		return Binding{}, fmt.Errorf("redeem invite: %w", err)
	}
	return b, nil
}

func (s *Store) alreadyBound(ctx context.Context, tx pgx.Tx, userID int64, role string, unitID, personID *int64) (bool, int64, string, error) {
	var pid int64
	var name string
	var err error
	if personID != nil {
		err = tx.QueryRow(ctx, "SELECT id, name FROM people WHERE id = $1 AND "+accountColumn(userID)+" = $2", *personID, userID).Scan(&pid, &name)
	} else {
		// A link the person made without an invite is not what the invite gives: using it
		// verifies the link.
		err = tx.QueryRow(ctx, `SELECT p.id, u.name FROM people p JOIN person_roles r ON r.person_id = p.id AND r.role = $2 AND r.unit_id = $3
			AND r.verified JOIN units u ON u.id = r.unit_id WHERE p.`+accountColumn(userID)+` = $1`, userID, role, *unitID).Scan(&pid, &name)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return false, 0, "", nil
	}
	if err != nil {
		return false, 0, "", fmt.Errorf("check binding: %w", err)
	}
	return true, pid, name, nil
}

func bindPerson(ctx context.Context, tx pgx.Tx, personID int64, acc Account) (int64, string, error) {
	var other int64
	err := tx.QueryRow(ctx, "SELECT id FROM people WHERE "+accountColumn(acc.UserID)+" = $1 AND id <> $2", acc.UserID, personID).Scan(&other)
	if err == nil {
		return 0, "", ErrAccountInUse
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, "", err
	}
	var name string
	col := accountColumn(acc.UserID)
	err = tx.QueryRow(ctx, `UPDATE people SET `+col+` = $2, chat_id = $3, unreachable_at = NULL, lang = coalesce(lang, $4)
		WHERE id = $1 AND (`+col+` IS NULL OR `+col+` = $2) RETURNING name`, personID, acc.UserID, acc.ChatID, nullable(acc.Lang)).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", ErrPersonIsBound
	}
	return personID, name, err
}

// bindReporter makes the account a verified reporter of the unit, creating the person if the
// account is new and verifying the link if they had named the unit without an invite.
func (s *Store) bindReporter(ctx context.Context, tx pgx.Tx, unitID int64, acc Account) (int64, string, error) {
	var pid int64
	var region int64
	var unitName string
	if err := tx.QueryRow(ctx, "SELECT name, region_id FROM units WHERE id = $1", unitID).Scan(&unitName, &region); err != nil {
		return 0, "", fmt.Errorf("unit %d: %w", unitID, err)
	}
	var lang *string
	if acc.Lang != "" {
		lang = &acc.Lang
	}
	err := tx.QueryRow(ctx, `
		INSERT INTO people (name, `+accountColumn(acc.UserID)+`, chat_id, region_id, lang) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (`+accountColumn(acc.UserID)+`) DO UPDATE SET `+chatUnlessChosen(acc.UserID)+`
		RETURNING id`, acc.Name, acc.UserID, acc.ChatID, region, lang).Scan(&pid)
	if err != nil {
		return 0, "", fmt.Errorf("person for account: %w", err)
	}
	tag, err := tx.Exec(ctx, `UPDATE person_roles SET verified = true WHERE person_id = $1 AND role = 'reporter' AND unit_id = $2`, pid, unitID)
	if err != nil {
		return 0, "", fmt.Errorf("reporter role: %w", err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO person_roles (person_id, role, unit_id) VALUES ($1, 'reporter', $2) ON CONFLICT DO NOTHING`, pid, unitID); err != nil {
			return 0, "", fmt.Errorf("reporter role: %w", err)
		}
	}
	return pid, unitName, nil
}
