package commission

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// nextCounter allocates the next DUIS Request ID counter for originator in
// tx (DOMAIN.md §12): strictly above the last one used, and at least the
// current time in milliseconds, as DCC Boxed does, so counters stay
// increasing across tablets that share an originator and across a reset
// database. The counter is stored in the same transaction as the request
// that uses it: a request that never commits leaves no gap to reuse, and a
// committed one is never handed out again.
func (e *Engine) nextCounter(ctx context.Context, tx *sql.Tx, originator string) (uint64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT last FROM commission_counters WHERE originator = ?`, originator).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read counter of %s: %w", originator, err)
	}
	next := max(last+1, e.now().UTC().UnixMilli())
	if _, err := tx.ExecContext(ctx, `INSERT INTO commission_counters (originator, last) VALUES (?, ?)
		ON CONFLICT (originator) DO UPDATE SET last = excluded.last`, originator, next); err != nil {
		return 0, fmt.Errorf("store counter of %s: %w", originator, err)
	}
	return uint64(next), nil
}
