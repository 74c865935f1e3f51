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
