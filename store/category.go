package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Category is a kind of problem, in one of the two dictionaries (enterprises, villages).
type Category struct {
	ID           int64   `db:"id"`
	Code         string  `db:"code"`
	UnitKind     string  `db:"unit_kind"`
	NameZH       string  `db:"name_zh"`
	NameEN       string  `db:"name_en"`
	WorkingGroup *string `db:"working_group"`
}

// Categories lists the active categories for a unit kind, in their order.
func (s *Store) Categories(ctx context.Context, unitKind string) ([]Category, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, code, unit_kind, name_zh, name_en, working_group
		FROM categories WHERE unit_kind = $1 AND active ORDER BY position`, unitKind)
	if err != nil {
		return nil, fmt.Errorf("categories of %s: %w", unitKind, err)
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Category])
	if err != nil {
		return nil, fmt.Errorf("categories of %s: %w", unitKind, err)
	}
	return cs, nil
}
