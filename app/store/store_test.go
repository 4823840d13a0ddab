package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "app.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenSetsPragmas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	// Every connection, readers included, carries the pragmas of the DSN.
	for name, pool := range map[string]*sql.DB{"writer": db.writer, "reader": db.reader} {
		var mode string
		var fk, syncMode, busy int
		if err := pool.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		pool.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
		pool.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode)
		pool.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
		if mode != "wal" || fk != 1 || syncMode != 2 || busy != 5000 {
			t.Errorf("%s: journal_mode=%s foreign_keys=%d synchronous=%d busy_timeout=%d; want wal 1 2 5000", name, mode, fk, syncMode, busy)
		}
	}
	if _, err := db.Reader().ExecContext(ctx, `INSERT INTO settings VALUES ('k', 'v', 0)`); err == nil {
		t.Error("a write through the reader pool succeeded; readers must be query_only")
	}
}

func TestOpenRefusesWithoutWAL(t *testing.T) {
	t.Parallel()
	// An in-memory database cannot use WAL: Open must notice.
	_, err := Open(context.Background(), ":memory:", Options{})
	if !errors.Is(err, ErrNotWAL) {
		t.Fatalf("Open(:memory:) = %v, want ErrNotWAL", err)
	}
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second open finds nothing to do
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v != len(ms) {
			t.Errorf("open #%d: schema version %d, %v; want %d", i+1, v, err, len(ms))
		}
		// Every table, the outbox's included, is STRICT (STYLE.md §29).
		rows, err := db.Reader().QueryContext(ctx, `SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var name string
			var strict int
			rows.Scan(&name, &strict)
			n++
			if strict != 1 {
				t.Errorf("table %s is not STRICT", name)
			}
		}
		rows.Close()
		if n < 4 {
			t.Errorf("found %d tables, want settings, sync_cursors, outbox_schema, outbox_messages", n)
		}
		db.Close()
	}
	// A file from a newer program is refused rather than misread.
	raw, err := sql.Open("sqlite", DSN(path, true))
	if err != nil {
		t.Fatal(err)
	}
	raw.Exec("PRAGMA user_version = 99")
	raw.Close()
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open of a version 99 file = %v, want ErrNewerSchema", err)
	}
}

func TestMigrationStepIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	raw, err := sql.Open("sqlite", DSN(filepath.Join(t.TempDir(), "m.db"), true))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	fsys := fstest.MapFS{
		"m/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER) STRICT;`)},
		"m/0002_b.sql": {Data: []byte(`CREATE TABLE b (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);`)},
	}
	ms, err := load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	v, err := apply(ctx, raw, ms)
	if err == nil || v != 1 {
		t.Fatalf("apply = %d, %v; want to stop at 1 with an error", v, err)
	}
	var uv int
	raw.QueryRow("PRAGMA user_version").Scan(&uv)
	var b int
	raw.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'b'`).Scan(&b)
	if uv != 1 || b != 0 {
		t.Errorf("after a failed step 2: user_version %d, table b present %d; want 1 and 0", uv, b)
	}
	// Gaps in numbering are a programming error caught at load.
	if _, err := load(fstest.MapFS{"m/0002_x.sql": {}}, "m"); err == nil {
		t.Error("load accepted migrations starting at 2")
	}
	if _, err := load(fstest.MapFS{"m/x.sql": {}}, "m"); err == nil {
		t.Error("load accepted a file with no number")
	}
}

func TestInTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	commits := 0
	db.OnCommit(func() { commits++ })
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if err := SetSettingTx(ctx, tx, "installer", "E123"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	if _, ok, _ := db.Setting(ctx, "installer"); ok || commits != 0 {
		t.Fatalf("rolled-back setting is visible (%v) or hooks ran (%d)", ok, commits)
	}
	if err := db.InTx(ctx, func(tx *sql.Tx) error { return SetSettingTx(ctx, tx, "installer", "E123") }); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := db.Setting(ctx, "installer"); v != "E123" || !ok || err != nil || commits != 1 {
		t.Fatalf("Setting = %q, %v, %v (hooks %d); want E123", v, ok, err, commits)
	}
}

func TestInTxSerialisesWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	// Read-modify-write from many goroutines: lost updates would show up as
	// a short count if two transactions ever overlapped.
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := db.InTx(ctx, func(tx *sql.Tx) error {
					var n int
					err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'n'), 0)`).Scan(&n)
					if err != nil {
						return err
					}
					return SetSettingTx(ctx, tx, "n", itoa(n+1))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if v, _, _ := db.Setting(ctx, "n"); v != itoa(workers*each) {
		t.Fatalf("counter = %s, want %d", v, workers*each)
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	if c, err := db.Cursor(ctx, "jobs"); c != "" || err != nil {
		t.Fatalf("Cursor before any pull = %q, %v", c, err)
	}
	for _, c := range []string{"c1", "c2"} {
		if err := db.InTx(ctx, func(tx *sql.Tx) error { return SetCursorTx(ctx, tx, "jobs", c) }); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := db.Cursor(ctx, "jobs"); c != "c2" {
		t.Fatalf("Cursor = %q, want c2", c)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	db := openTest(t)
	db.Close()
	if err := db.InTx(context.Background(), func(*sql.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("InTx after Close = %v, want ErrClosed", err)
	}
}

func itoa(n int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

func TestOpenOddPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "field kit #1 ?100%")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not where asked: %v", err)
	}
}

func TestInTxPanicReleasesWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in fn was swallowed")
			}
		}()
		db.InTx(ctx, func(tx *sql.Tx) error {
			SetSettingTx(ctx, tx, "k", "half-done")
			panic("programmer error")
		})
	}()
	// The writer is free again and the half-done write is gone.
	if err := db.InTx(ctx, func(tx *sql.Tx) error { return SetSettingTx(ctx, tx, "other", "v") }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Setting(ctx, "k"); ok {
		t.Error("write of the panicking transaction was committed")
	}
}
