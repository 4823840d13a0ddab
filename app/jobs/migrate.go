package jobs

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

// Migrate creates or upgrades the job tables in db. app/store offers no hook
// for other packages' migrations and owns PRAGMA user_version, so this
// package keeps its own version in the one-row table jobs_schema (the same
// scheme as sync/outbox); each step runs in its own transaction with its
// version bump, through the store's single writer. Call it once after
// store.Open.
func Migrate(ctx context.Context, db *store.DB) error {
	return migrate(ctx, db.InTx, migrations, "jobs_schema", "jobs")
}

func migrate(ctx context.Context, inTx func(context.Context, func(*sql.Tx) error) error, fsys fs.FS, table, pkg string) error {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return fmt.Errorf("%s: read migrations: %w", pkg, err)
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
			return fmt.Errorf("%s: migration %s: name must be NNNN_what.sql", pkg, e.Name())
		}
		b, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return fmt.Errorf("%s: read migration %s: %w", pkg, e.Name(), err)
		}
		steps = append(steps, step{v, e.Name(), string(b)})
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].v < steps[j].v })
	if err := inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (version INTEGER NOT NULL) STRICT`)
		return err
	}); err != nil {
		return fmt.Errorf("%s: create %s: %w", pkg, table, err)
	}
	for i, s := range steps {
		if s.v != i+1 {
			return fmt.Errorf("%s: migration %s: version %d, want %d", pkg, s.name, s.v, i+1)
		}
		if err := inTx(ctx, func(tx *sql.Tx) error {
			var cur sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM `+table).Scan(&cur); err != nil {
				return err
			}
			if int(cur.Int64) >= s.v {
				return nil
			}
			if _, err := tx.ExecContext(ctx, s.ddl); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+`(version) VALUES(?)`, s.v); err != nil {
				return err
			}
			return nil
		}); err != nil {
			return fmt.Errorf("%s: migration %s: %w", pkg, s.name, err)
		}
	}
	return nil
}
