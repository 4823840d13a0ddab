package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
)

// Module is the schema of a package that keeps tables in the app's
// database (app/jobs, ...): its own numbered migrations, NNNN_what.sql in
// Dir of FS, from 1 with no gaps, versioned apart from the store's own
// under Name in the table schema_modules. This is the one way for a
// package to add tables; it needs no version table of its own.
type Module struct {
	Name string // unique, e.g. "jobs"
	FS   fs.FS  // the package's embedded migrations
	Dir  string // folder in FS; "" means "migrations"
	// Legacy names the one-row version table (a single "version" column)
	// the package kept before this hook, e.g. "jobs_schema": when
	// schema_modules has no row for Name, the version found there is
	// taken over, so no step runs twice. The old table is left as it was.
	Legacy string
}

var identRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// MigrateModule brings m's tables up to its newest migration and returns
// the version it ended at. Each step runs in its own write transaction
// with its version bump (a crash leaves a whole step), through the store's
// single writer. A module version newer than m knows is refused with
// ErrNewerSchema. Open runs Options.Modules the same way.
func (db *DB) MigrateModule(ctx context.Context, m Module) (int, error) {
	if !identRE.MatchString(m.Name) || (m.Legacy != "" && !identRE.MatchString(m.Legacy)) {
		return 0, fmt.Errorf("store: module %q (legacy table %q): names are lower-case identifiers", m.Name, m.Legacy)
	}
	dir := m.Dir
	if dir == "" {
		dir = "migrations"
	}
	ms, err := load(m.FS, dir)
	if err != nil {
		return 0, fmt.Errorf("module %s: %w", m.Name, err)
	}
	v := 0
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		v, err = moduleVersion(ctx, tx, m)
		return err
	})
	if err != nil {
		return 0, err
	}
	if v > len(ms) {
		return v, fmt.Errorf("module %s: schema version %d, this program knows %d: %w", m.Name, v, len(ms), ErrNewerSchema)
	}
	for _, s := range ms[v:] {
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			// Re-read inside the transaction: another process may
			// have migrated meanwhile.
			cur, err := moduleVersion(ctx, tx, m)
			if err != nil || cur >= s.Version {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_modules (module, version) VALUES (?, ?)
				ON CONFLICT (module) DO UPDATE SET version = excluded.version`, m.Name, s.Version)
			return err
		})
		if err != nil {
			return v, fmt.Errorf("module %s: migration %s: %w", m.Name, s.Name, err)
		}
		v = s.Version
	}
	return v, nil
}

// moduleVersion reads m's version in tx, taking over the legacy table's
// on first sight (and recording it, so later reads need only
// schema_modules).
func moduleVersion(ctx context.Context, tx *sql.Tx, m Module) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `SELECT version FROM schema_modules WHERE module = ?`, m.Name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("module %s: read version: %w", m.Name, err)
	}
	if m.Legacy == "" {
		return 0, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, m.Legacy).Scan(&n); err != nil {
		return 0, fmt.Errorf("module %s: look for %s: %w", m.Name, m.Legacy, err)
	}
	if n == 0 {
		return 0, nil
	}
	var lv sql.NullInt64
	// m.Legacy is checked against identRE.
	if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM `+m.Legacy).Scan(&lv); err != nil {
		return 0, fmt.Errorf("module %s: read %s: %w", m.Name, m.Legacy, err)
	}
	if lv.Int64 > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_modules (module, version) VALUES (?, ?)`, m.Name, lv.Int64); err != nil {
			return 0, fmt.Errorf("module %s: take over %s: %w", m.Name, m.Legacy, err)
		}
	}
	return int(lv.Int64), nil
}
