package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// nextTicketNo takes the next number of the local day: XC-20261124-0007. Four digits at
// least; a busier day simply grows a fifth.
//
// The number is taken in a transaction of its own, sent in one round trip before the case's
// transaction begins, so that the day's counter row is locked for microseconds rather than
// for the whole of a case's transaction: creators queued on it for that long, and held their
// database connections while they queued. A number is never given to two cases: the
// counter's commit needs no flush of its own because the case's transaction, which commits
// after it with a flush, carries it to disk. A case whose transaction fails leaves its number
// unused (a gap in the day; with a crash before anything else commits, the number may be
// handed out again, to the only case that will hold it).
//
// With a source key, no number is taken when a case of that source exists already (a
// redelivered confirm): filed is then true, and no is empty.
//
// more, when not nil, adds reads to the same round trip, after the counter's transaction
// has committed: they hold no lock of it.
func (s *Store) nextTicketNo(ctx context.Context, conn *pgx.Conn, at time.Time, source *string, more func(*pgx.Batch)) (no string, filed bool, err error) {
	local := at.In(s.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SET LOCAL synchronous_commit TO OFF")
	var n int
	b.Queue(`
		INSERT INTO ticket_counters (prefix, day, last)
		SELECT $1, $2, 1 WHERE NOT EXISTS (SELECT 1 FROM cases WHERE source_key = $3)
		ON CONFLICT (prefix, day) DO UPDATE SET last = ticket_counters.last + 1
		RETURNING last`, s.prefix, day, source).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			filed = true
			return nil
		}
		return err
	})
	b.Queue("COMMIT")
	if more != nil {
		more(b)
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		if conn.PgConn().TxStatus() != 'I' {
			// Failed inside its own transaction: end it, so the connection is usable again.
			_, _ = conn.Exec(ctx, "ROLLBACK")
		}
		return "", false, fmt.Errorf("next ticket number: %w", err)
	}
	if filed {
		return "", true, nil
	}
	return fmt.Sprintf("%s-%s-%04d", s.prefix, local.Format("20060102"), n), false, nil
}
