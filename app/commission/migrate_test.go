package commission

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/smetskit/smetskit/app/store"
)

// legacyMigrate is the scheme Migrate used before app/store had modules,
// re-typed for the test: the version in the one-row table
// commission_schema, the first upto migrations applied.
func legacyMigrate(t *testing.T, db *store.DB, upto int) {
	t.Helper()
	ctx := context.Background()
	names := []string{"0001_commission.sql", "0002_join_code.sql"}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE commission_schema (version INTEGER NOT NULL) STRICT`); err != nil {
			return err
		}
		for _, n := range names[:upto] {
			ddl, err := migrations.ReadFile("migrations/" + n)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(ddl)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO commission_schema (version) VALUES (?)`, upto)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func moduleVersion(t *testing.T, db *store.DB) int {
	t.Helper()
	var v int
	if err := db.Reader().QueryRow(`SELECT version FROM schema_modules WHERE module = 'commission'`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMigrateTakesOverCommissionSchema: a database migrated by the old
// scheme (version 1 or 2 in commission_schema) keeps its runs; the module
// takes the version over and runs only the migrations after it (a second
// ALTER TABLE of the same column would fail), at Open with Schema in
// Options.Modules or by Migrate.
func TestMigrateTakesOverCommissionSchema(t *testing.T) {
	ctx := context.Background()
	last, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, upto := range []int{1, 2} {
		t.Run(filepath.Base(last[upto-1].Name()), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			db, err := store.Open(ctx, path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			legacyMigrate(t, db, upto)
			err = db.InTx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO commission_runs (job_id, flow, plan, status, updated_at) VALUES ('J-OLD', 'install', '{}', 'running', 1)`)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()

			db, err = store.Open(ctx, path, store.Options{Modules: []store.Module{Schema()}})
			if err != nil {
				t.Fatalf("open with the commission module over commission_schema %d: %v", upto, err)
			}
			defer db.Close()
			if err := Migrate(ctx, db); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
			if v := moduleVersion(t, db); v != len(last) {
				t.Errorf("module version %d, want %d", v, len(last))
			}
			var n int
			if err := db.Reader().QueryRow(`SELECT count(*) FROM commission_runs WHERE job_id = 'J-OLD'`).Scan(&n); err != nil || n != 1 {
				t.Errorf("old run after take-over: %d rows, %v", n, err)
			}
			if _, err := db.Reader().Exec(`SELECT join_code FROM commission_items`); err != nil {
				t.Errorf("join_code column: %v", err)
			}
		})
	}
}

// TestMigrateFresh: a new database gets every migration once, and Migrate
// is idempotent.
func TestMigrateFresh(t *testing.T) {
	db := tempDB(t)
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	last, _ := migrations.ReadDir("migrations")
	if v := moduleVersion(t, db); v != len(last) {
		t.Errorf("module version %d, want %d", v, len(last))
	}
	var n int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'commission_schema'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("a fresh database has commission_schema (%d, %v)", n, err)
	}
}
