package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// MigrateTo brings the job queue up to date and the schema up to version, no further: a test
// of a migration fills the tables as they were before it.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int64) error {
	jm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return err
	}
	if _, err := jm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	p, db, err := schemaProvider(pool)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("migrate schema to %d: %w", version, err)
	}
	return nil
}

// The queries whose plans the tests check, as the store runs them.
const (
	RecordRefusalSQL = recordRefusalSQL
	TimelineSQL      = timelineSQL
	RefusalsSQL      = refusalsSQL
)

// FigureCountsSQL is the figures' counts query of a region, for the plans the benchmarks
// show: $1 the region, [$2, $3) the period, $4 now.
var FigureCountsSQL = figureCountsSQL
