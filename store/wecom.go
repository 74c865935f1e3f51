package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// WeComBase is where WeCom accounts' numbers start, going down: below it lie only WeCom
// accounts, above it only Telegram's users and chats (migration 00020).
const WeComBase = -(1 << 62)

// IsWeCom tells whether an account or chat number is a WeCom account's.
func IsWeCom(id int64) bool { return id <= WeComBase }

// accountColumn is the column of people that holds an account of id's platform. The name is
// one of two constants, never anything the caller typed.
func accountColumn(id int64) string {
	if IsWeCom(id) {
		return "wecom_account_id"
	}
	return "telegram_user_id"
}

// WeComAccount is the number of a WeCom userid, given it the first time the userid is seen.
// It is the account's user id and chat id for the dialogs and the job queue.
func (s *Store) WeComAccount(ctx context.Context, userid string) (int64, error) {
	id, _, err := s.WeComAccountNew(ctx, userid)
	return id, err
}

// WeComAccountNew is WeComAccount, and whether the number was given now: the userid had not
// been seen before.
func (s *Store) WeComAccountNew(ctx context.Context, userid string) (id int64, created bool, err error) {
	err = s.pool.QueryRow(ctx, "SELECT account_id FROM wecom_accounts WHERE userid = $1", userid).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// New: numbered now. Two first callbacks at once both insert; the second waits for the
		// first and takes its number (DO UPDATE returns the row, where DO NOTHING would not),
		// and only the first inserted it (xmax is 0 on a row inserted, not updated).
		err = s.pool.QueryRow(ctx, `INSERT INTO wecom_accounts (userid) VALUES ($1)
			ON CONFLICT (userid) DO UPDATE SET userid = EXCLUDED.userid RETURNING account_id, xmax = 0`, userid).Scan(&id, &created)
	}
	if err != nil {
		return 0, false, fmt.Errorf("wecom account of %q: %w", userid, err)
	}
	return id, created, nil
}

// WeComUserID is the userid of a WeCom account number; ErrNotFound for a number never given.
func (s *Store) WeComUserID(ctx context.Context, account int64) (string, error) {
	var userid string
	err := s.pool.QueryRow(ctx, "SELECT userid FROM wecom_accounts WHERE account_id = $1", account).Scan(&userid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("wecom account %d: %w", account, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("wecom account %d: %w", account, err)
	}
	return userid, nil
}

// RoleAt is one role a person holds and where: the name of its unit, office or region.
type RoleAt struct {
	Role, Where string
}

// WeComAdded is the news for a person an import bound to a WeCom account: who they are and
// the roles they were given.
type WeComAdded struct {
	PersonID int64
	Name     string
	Lang     *string
	Roles    []RoleAt
}

// WeComFirstContact takes, once, the news that an import bound the account's person to it
// (people's WeCom userid column): ok is false when there is none, the account not imported
// or its person told already. Taken once under any concurrency: the first contact's callbacks
// may come together.
func (s *Store) WeComFirstContact(ctx context.Context, account int64) (added WeComAdded, ok bool, err error) {
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE people SET wecom_added = false WHERE wecom_account_id = $1 AND wecom_added
			RETURNING id, name, lang`, account).Scan(&added.PersonID, &added.Name, &added.Lang)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		rows, err := tx.Query(ctx, `SELECT r.role, coalesce(u.name, o.name, g.name, '') FROM person_roles r
			LEFT JOIN units u ON u.id = r.unit_id LEFT JOIN offices o ON o.id = r.office_id LEFT JOIN regions g ON g.id = r.region_id
			WHERE r.person_id = $1 ORDER BY r.role, 2`, added.PersonID)
		if err != nil {
			return err
		}
		added.Roles, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RoleAt, error) {
			var r RoleAt
			return r, row.Scan(&r.Role, &r.Where)
		})
		return err
	})
	if err != nil {
		return WeComAdded{}, false, fmt.Errorf("first contact of wecom account %d: %w", account, err)
	}
	return added, ok, nil
}

// WeComUntold puts back the news WeComFirstContact took when it could not be told (WeCom
// refused the message), for the member's next contact to tell it.
func (s *Store) WeComUntold(ctx context.Context, account int64) error {
	if _, err := s.pool.Exec(ctx, "UPDATE people SET wecom_added = true WHERE wecom_account_id = $1", account); err != nil {
		return fmt.Errorf("wecom account %d untold: %w", account, err)
	}
	return nil
}

// UsedFrom makes the account the one its person's notifications go to, when they hold one on
// the other platform too: a person bound on both is sent each notification once, on the
// platform they used last, unless they chose one with /where (SetWhere). Called with each
// message a person sends from their private chat; for anyone else it changes nothing.
func (s *Store) UsedFrom(ctx context.Context, account int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE people SET chat_id = $1, unreachable_at = NULL
		WHERE `+accountColumn(account)+` = $1 AND telegram_user_id IS NOT NULL AND wecom_account_id IS NOT NULL
		AND notify_on IS NULL AND chat_id IS DISTINCT FROM $1`, account)
	if err != nil {
		return fmt.Errorf("account %d used: %w", account, err)
	}
	return nil
}

// WeComName is the name WeCom gave an account's member, and whether WeCom was asked: "" when
// it gave none, or was not asked yet. ErrNotFound for a number never given.
func (s *Store) WeComName(ctx context.Context, account int64) (name string, asked bool, err error) {
	var n *string
	err = s.pool.QueryRow(ctx, "SELECT name FROM wecom_accounts WHERE account_id = $1", account).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, fmt.Errorf("name of wecom account %d: %w", account, ErrNotFound)
	}
	if err != nil {
		return "", false, fmt.Errorf("name of wecom account %d: %w", account, err)
	}
	if n == nil {
		return "", false, nil
	}
	return *n, true, nil
}

// SetWeComName keeps the name WeCom gave an account's member ("" for none). The person bound
// to the account takes it when they are known by the userid alone (a reporter who joined in
// WeCom before WeCom was asked); a name an office imported or a person gave is kept.
func (s *Store) SetWeComName(ctx context.Context, account int64, name string) error {
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var userid string
		if err := tx.QueryRow(ctx, "UPDATE wecom_accounts SET name = $2 WHERE account_id = $1 RETURNING userid", account, name).Scan(&userid); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if name == "" || name == userid {
			return nil
		}
		_, err := tx.Exec(ctx, "UPDATE people SET name = $2 WHERE wecom_account_id = $1 AND name = $3", account, name, userid)
		return err
	})
	if err != nil {
		return fmt.Errorf("name of wecom account %d: %w", account, err)
	}
	return nil
}
