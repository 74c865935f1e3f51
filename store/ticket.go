package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// nextTicketNo takes the next number of the local day inside tx: XC-20261124-0007. The
// counter row stays locked until tx ends, so concurrent creators queue on it; a rolled-back
// case gives its number back, so the day's numbers have no gaps, and a committed one is
// never handed out again. Four digits at least; a busier day simply grows a fifth.
func (s *Store) nextTicketNo(ctx context.Context, tx pgx.Tx, at time.Time) (string, error) {
	local := at.In(s.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	var n int
	err := tx.QueryRow(ctx, `
		INSERT INTO ticket_counters (prefix, day, last) VALUES ($1, $2, 1)
		ON CONFLICT (prefix, day) DO UPDATE SET last = ticket_counters.last + 1
		RETURNING last`, s.prefix, day).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("next ticket number: %w", err)
	}
	return fmt.Sprintf("%s-%s-%04d", s.prefix, local.Format("20060102"), n), nil
}
