package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Region levels, top to bottom.
const (
	LevelCity     = "city"
	LevelCounty   = "county"
	LevelTownship = "township"
	LevelVillage  = "village"
)

// Region is a node of the region tree.
type Region struct {
	ID       int64  `db:"id"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	Level    string `db:"level"`
	ParentID *int64 `db:"parent_id"`
}

// PutRegion creates a region or, when its code exists, updates its name, level and parent.
func (s *Store) PutRegion(ctx context.Context, r Region) (Region, error) {
	rows, err := s.pool.Query(ctx, `
		INSERT INTO regions (code, name, level, parent_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
			parent_id = EXCLUDED.parent_id
		RETURNING id, code, name, level, parent_id`, r.Code, r.Name, r.Level, r.ParentID)
	if err != nil {
		return Region{}, fmt.Errorf("put region %s: %w", r.Code, err)
	}
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Region])
	if err != nil {
		return Region{}, fmt.Errorf("put region %s: %w", r.Code, err)
	}
	return out, nil
}
