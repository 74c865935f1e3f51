package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Where a person bound on both platforms is sent their notifications (/where, migration
// 00025): WhereLast, the default, is the platform they used last.
const (
	WhereLast     = ""
	WhereTelegram = "telegram"
	WhereWeCom    = "wecom"
)

// platformOf is the platform of an account number, as people.notify_on names it.
func platformOf(account int64) string {
	if IsWeCom(account) {
		return WhereWeCom
	}
	return WhereTelegram
}

// Reach is how a person can be reached: on which platforms they are bound, and where they
// chose to be sent their notifications (WhereLast unless they chose), and the chat they go
// to now.
type Reach struct {
	Telegram, WeCom bool
	Where           string
	Chat            int64
}

// Both tells whether the person is bound on both platforms, the only case with a choice.
func (r Reach) Both() bool { return r.Telegram && r.WeCom }

// ReachOf is the reach of the person bound to account; ErrNotFound when it is no one's.
func (s *Store) ReachOf(ctx context.Context, account int64) (Reach, error) {
	var r Reach
	var where *string
	err := s.pool.QueryRow(ctx, `SELECT telegram_user_id IS NOT NULL, wecom_account_id IS NOT NULL, notify_on, coalesce(chat_id, 0)
		FROM people WHERE `+accountColumn(account)+` = $1`, account).Scan(&r.Telegram, &r.WeCom, &where, &r.Chat)
	if errors.Is(err, pgx.ErrNoRows) {
		return Reach{}, fmt.Errorf("reach of account %d: %w", account, ErrNotFound)
	}
	if err != nil {
		return Reach{}, fmt.Errorf("reach of account %d: %w", account, err)
	}
	if where != nil {
		r.Where = *where
	}
	return r, nil
}

// SetWhere sets where the notifications of the person bound to account go: WhereTelegram or
// WhereWeCom for good, or WhereLast for the platform they use last, starting with account's,
// which they use now. Only a person bound on both platforms has the choice: anyone else is
// refused with ErrForbidden, and a value that is none of the three with ErrInvalid; neither
// changes anything.
func (s *Store) SetWhere(ctx context.Context, account int64, where string) error {
	if where != WhereLast && where != WhereTelegram && where != WhereWeCom {
		return fmt.Errorf("notifications of account %d to %q: %w", account, where, ErrInvalid)
	}
	// The chat moves at once: to the platform chosen, or for "last used" to this one.
	tag, err := s.pool.Exec(ctx, `UPDATE people SET notify_on = $2,
		chat_id = CASE $3::text WHEN 'telegram' THEN telegram_user_id WHEN 'wecom' THEN wecom_account_id ELSE $1 END,
		unreachable_at = NULL
		WHERE `+accountColumn(account)+` = $1 AND telegram_user_id IS NOT NULL AND wecom_account_id IS NOT NULL`,
		account, nullable(where), cmp.Or(where, platformOf(account)))
	if err != nil {
		return fmt.Errorf("notifications of account %d to %q: %w", account, where, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("notifications of account %d to %q: %w", account, where, ErrForbidden)
	}
	return nil
}

// chatUnlessChosen sets, where a person already known is bound anew or writes from account
// (an ON CONFLICT of people), their chat to account's, unless they chose the other platform
// with /where. The platform's name is one of two constants, never anything the caller typed.
func chatUnlessChosen(account int64) string {
	return "chat_id = CASE WHEN people.notify_on IS NULL OR people.notify_on = '" + platformOf(account) +
		"' THEN EXCLUDED.chat_id ELSE people.chat_id END"
}
