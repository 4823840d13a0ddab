package outbox

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the outbox tables in db. The outbox keeps its
// own schema version in the one-row table outbox_schema, apart from PRAGMA
// user_version, which belongs to the database's owner (app/store): the two
// migration sequences can then grow independently in the same file. Each step
// runs in its own transaction with its version bump. app/store calls Migrate
// when it opens the database; call it yourself only for a database that store
// does not own (tools, tests).
func Migrate(ctx context.Context, db *sql.DB) error {
	steps, err := loadMigrations()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS outbox_schema (version INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("outbox: create outbox_schema: %w", err)
	}
	for _, s := range steps {
		if err := migrateStep(ctx, db, s.version, s.name, s.sql); err != nil {
			return err
		}
	}
	return nil
}

type migration struct {
	version   int
	name, sql string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("outbox: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("outbox: migration %s: name must be NNNN_what.sql", e.Name())
		}
		b, err := fs.ReadFile(migrations, "migrations/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("outbox: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{v, e.Name(), string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("outbox: migration %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

func migrateStep(ctx context.Context, db *sql.DB, version int, name, ddl string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("outbox: migration %s: begin: %w", name, err)
	}
	defer tx.Rollback()
	var cur sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM outbox_schema`).Scan(&cur); err != nil {
		return fmt.Errorf("outbox: migration %s: read version: %w", name, err)
	}
	if int(cur.Int64) >= version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("outbox: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox_schema`); err != nil {
		return fmt.Errorf("outbox: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_schema(version) VALUES(?)`, version); err != nil {
		return fmt.Errorf("outbox: migration %s: record version: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("outbox: migration %s: commit: %w", name, err)
	}
	return nil
}
