package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLockKey is the Postgres advisory lock that serialises migrations, so that replicas
// started together migrate one after another instead of racing on the same DDL. The number
// is "bangban" in ASCII, chosen only to be recognisable in pg_locks.
const migrateLockKey = 0x62616e6762616e

// MigrationResult says what Migrate applied.
type MigrationResult struct {
	Schema []int64 // bangban schema versions applied now
	Jobs   []int   // river (job queue) versions applied now
}

// Migrate brings the schema and the job queue's tables up to date. It holds a session
// advisory lock for the whole run, so it is safe when several processes start at once: the
// first migrates, the others wait and then find nothing to do.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (MigrationResult, error) {
	var res MigrationResult
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLockKey)); err != nil {
		return res, fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		// A fresh context: the unlock must happen even when ctx was cancelled, or the lock
		// stays with the pooled connection.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLockKey))
	}()

	jm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return res, fmt.Errorf("migrate: job queue migrator: %w", err)
	}
	jr, err := jm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return res, fmt.Errorf("migrate job queue: %w", err)
	}
	for _, v := range jr.Versions {
		res.Jobs = append(res.Jobs, v.Version)
	}

	p, db, err := schemaProvider(pool)
	if err != nil {
		return res, err
	}
	defer db.Close()
	applied, err := p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate schema: %w", err)
	}
	for _, r := range applied {
		res.Schema = append(res.Schema, r.Source.Version)
	}
	return res, nil
}

// MigrationsApplied reports whether both the schema and the job queue are fully migrated;
// /readyz uses it so a replica does not take traffic on a half-migrated database.
func MigrationsApplied(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	p, db, err := schemaProvider(pool)
	if err != nil {
		return false, err
	}
	defer db.Close()
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("check schema version: %w", err)
	}
	if pending {
		return false, nil
	}
	jm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return false, fmt.Errorf("job queue migrator: %w", err)
	}
	v, err := jm.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("check job queue version: %w", err)
	}
	return v.OK, nil
}

func schemaProvider(pool *pgxpool.Pool) (*goose.Provider, interface{ Close() error }, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	return p, db, nil
}
