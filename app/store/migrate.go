package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migration is one numbered step of the schema.
type Migration struct {
	Version int    // from the file name: 0003_jobs.sql is version 3
	Name    string // the file name
	SQL     string
}

// Migrations returns the embedded migrations in order. File names are
// NNNN_what.sql, numbered from 1 with no gaps.
func Migrations() ([]Migration, error) {
	return load(migrations, "migrations")
}

func load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d (numbers must run 1, 2, 3 ... with no gaps)", m.Name, m.Version, i+1)
		}
	}
	return ms, nil
}

// Migrate brings db up to the newest embedded migration and returns the
// schema version it ended at. The version is PRAGMA user_version; each step
// runs in its own transaction together with the user_version bump, so a crash
// leaves the file at a whole step. A file newer than this program is refused
// with ErrNewerSchema.
func Migrate(ctx context.Context, db *sql.DB) (int, error) {
	ms, err := Migrations()
	if err != nil {
		return 0, err
	}
	return apply(ctx, db, ms)
}

func apply(ctx context.Context, db *sql.DB, ms []Migration) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read user_version: %w", err)
	}
	if v > len(ms) {
		return v, fmt.Errorf("schema version %d, this program knows %d: %w", v, len(ms), ErrNewerSchema)
	}
	for _, m := range ms[v:] {
		if err := step(ctx, db, m); err != nil {
			return v, err
		}
		v = m.Version
	}
	return v, nil
}

func step(ctx context.Context, db *sql.DB, m Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", m.Name, err)
	}
	defer tx.Rollback()
	// Re-read inside the transaction: another process may have migrated
	// while this one waited for the lock.
	var cur int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return fmt.Errorf("migration %s: read user_version: %w", m.Name, err)
	}
	if cur >= m.Version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	// PRAGMA takes no bound parameters; Version is an int from the file name.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.Version)); err != nil {
		return fmt.Errorf("migration %s: set user_version: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return nil
}

// SchemaVersion returns PRAGMA user_version of the open database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.reader.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
