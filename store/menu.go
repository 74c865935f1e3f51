package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// MenuQueue is the job queue that carries command menus, apart from the notifications: an
// import that changes many people's roles does not hold up their messages.
const MenuQueue = "menu"

// MenuRefresh sets a person's chat command menu again to what their roles allow (DESIGN.md
// §8), as a durable job inserted in the transaction that changed their roles: an import, an
// invite, a first report, an office's decision on a self-registered reporter. It names only
// the person: the worker in bot/ reads their roles, chat and language when it runs, so a job
// that runs late, or twice, still sets the menu as it stands then.
type MenuRefresh struct {
	PersonID int64 `json:"person_id"`
}

// Kind names the job for river.
func (MenuRefresh) Kind() string { return "menu_refresh" }

// InsertOpts puts menus on their queue. They are not unique jobs: river's uniqueness holds
// while a job runs, so a change committed while the person's menu is being set, after its
// roles were read, would find no new job inserted, and the menu would miss it. A change
// enqueues one job a person instead, however many of their roles it touches.
func (MenuRefresh) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: MenuQueue, MaxAttempts: 10}
}

// refreshMenusTx enqueues in tx, whose change gave or took away roles of people, one menu
// refresh for each of them who has a chat; a person who has not joined has no menu to set,
// and gets theirs when they join.
func (s *Store) refreshMenusTx(ctx context.Context, tx pgx.Tx, people ...int64) error {
	if len(people) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, "SELECT id FROM people WHERE id = ANY($1) AND chat_id IS NOT NULL ORDER BY id", people)
	if err != nil {
		return fmt.Errorf("people to refresh the menus of: %w", err)
	}
	joined, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("people to refresh the menus of: %w", err)
	}
	if len(joined) == 0 {
		return nil
	}
	jobs := make([]river.InsertManyParams, len(joined))
	for i, id := range joined {
		jobs[i] = river.InsertManyParams{Args: MenuRefresh{PersonID: id}}
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("refresh the menus of %d people: %w", len(jobs), err)
	}
	return nil
}

// ActorByPerson is a person with their roles, and the chat their command menu is set in: their
// Telegram chat when they hold one, the only platform with a menu of each person's own, else
// the chat they joined from (0 when they have not joined). A person who does not exist is ErrNotFound.
func (s *Store) ActorByPerson(ctx context.Context, personID int64) (Actor, int64, error) {
	a := Actor{PersonID: personID}
	var chat *int64
	err := s.pool.QueryRow(ctx, `SELECT name, lang, coalesce(telegram_user_id, chat_id), telegram_user_id IS NOT NULL AND wecom_account_id IS NOT NULL
		FROM people WHERE id = $1`, personID).Scan(&a.Name, &a.Lang, &chat, &a.Both)
	if errors.Is(err, pgx.ErrNoRows) {
		return Actor{}, 0, fmt.Errorf("person %d: %w", personID, ErrNotFound)
	}
	if err != nil {
		return Actor{}, 0, fmt.Errorf("person %d: %w", personID, err)
	}
	if a.Grants, err = grantsOf(ctx, s.pool, personID); err != nil {
		return Actor{}, 0, err
	}
	if chat == nil {
		return a, 0, nil
	}
	return a, *chat, nil
}
