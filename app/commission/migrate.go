package commission

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/smetskit/smetskit/app/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the engine's tables in db. app/store owns
// PRAGMA user_version and offers no hook for other packages' migrations, so
// this package keeps its own version in the one-row table
// commission_schema (as sync/outbox does); each step runs in its own
// transaction with its version bump. Call it once after store.Open.
func Migrate(ctx context.Context, db *store.DB) error {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("commission: read migrations: %w", err)
	}
	type step struct {
		v         int
		name, ddl string
	}
	var steps []step
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return fmt.Errorf("commission: migration %s: name must be NNNN_what.sql", e.Name())
		}
		b, err := fs.ReadFile(migrations, "migrations/"+e.Name())
		if err != nil {
			return fmt.Errorf("commission: read migration %s: %w", e.Name(), err)
		}
		steps = append(steps, step{v, e.Name(), string(b)})
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].v < steps[j].v })
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS commission_schema (version INTEGER NOT NULL) STRICT`)
		return err
	}); err != nil {
		return fmt.Errorf("commission: create commission_schema: %w", err)
	}
	for i, s := range steps {
		if s.v != i+1 {
			return fmt.Errorf("commission: migration %s: version %d, want %d", s.name, s.v, i+1)
		}
		if err := db.InTx(ctx, func(tx *sql.Tx) error {
			var cur sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM commission_schema`).Scan(&cur); err != nil {
				return err
			}
			if int(cur.Int64) >= s.v {
				return nil
			}
			if _, err := tx.ExecContext(ctx, s.ddl); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM commission_schema`); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO commission_schema(version) VALUES(?)`, s.v)
			return err
		}); err != nil {
			return fmt.Errorf("commission: migration %s: %w", s.name, err)
		}
	}
	return nil
}
