package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestMigrateModule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")
	v1 := fstest.MapFS{"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE mod_a (x INTEGER) STRICT;`)}}
	v2 := fstest.MapFS{
		"migrations/0001_a.sql": v1["migrations/0001_a.sql"],
		"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE mod_b (x INTEGER) STRICT;`)},
	}
	db, err := Open(ctx, path, Options{Modules: []Module{{Name: "mod", FS: v1}}})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.MigrateModule(ctx, Module{Name: "mod", FS: v1}); err != nil || v != 1 {
		t.Fatalf("again at v1: %d %v", v, err)
	}
	if v, err := db.MigrateModule(ctx, Module{Name: "mod", FS: v2}); err != nil || v != 2 {
		t.Fatalf("to v2: %d %v", v, err)
	}
	// The store's own version line is untouched.
	if sv, _ := db.SchemaVersion(ctx); sv != 3 {
		t.Errorf("store schema version %d", sv)
	}
	// An older program refuses a newer module schema.
	if _, err := db.MigrateModule(ctx, Module{Name: "mod", FS: v1}); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("v1 program on a v2 module: %v", err)
	}
	// A failing step leaves the module at the last whole step.
	bad := fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE other_a (x INTEGER) STRICT;`)},
		"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE other_b (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);`)},
	}
	if v, err := db.MigrateModule(ctx, Module{Name: "other", FS: bad}); err == nil || v != 1 {
		t.Errorf("failing step: %d %v, want stop at 1 with an error", v, err)
	}
	var n int
	db.Reader().QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'other_b'`).Scan(&n)
	if n != 0 {
		t.Error("the failed step's table exists")
	}
	for _, m := range []Module{{Name: "Bad Name", FS: v1}, {Name: "x", FS: v1, Legacy: "t; DROP TABLE settings"}, {Name: "gap", FS: fstest.MapFS{"migrations/0002_x.sql": {}}}} {
		if _, err := db.MigrateModule(ctx, m); err == nil {
			t.Errorf("module %+v accepted", m)
		}
	}
	db.Close()
}

// TestMigrateModuleLegacy: a package that kept its version in its own
// table is taken over at that version; no step runs twice.
func TestMigrateModuleLegacy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "app.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.writer.ExecContext(ctx, `CREATE TABLE old_a (x INTEGER) STRICT; CREATE TABLE old_schema (version INTEGER NOT NULL) STRICT;
		INSERT INTO old_schema (version) VALUES (1);`); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE old_a (x INTEGER) STRICT;`)}, // would fail if run again
		"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE old_b (x INTEGER) STRICT;`)},
	}
	m := Module{Name: "old", FS: fsys, Legacy: "old_schema"}
	if v, err := db.MigrateModule(ctx, m); err != nil || v != 2 {
		t.Fatalf("take over: %d %v", v, err)
	}
	var v int
	db.Reader().QueryRow(`SELECT version FROM schema_modules WHERE module = 'old'`).Scan(&v)
	if v != 2 {
		t.Errorf("schema_modules says %d", v)
	}
	// A legacy table that never existed: from the start.
	if v, err := db.MigrateModule(ctx, Module{Name: "fresh", FS: fstest.MapFS{"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE fresh_a (x INTEGER) STRICT;`)}}, Legacy: "fresh_schema"}); err != nil || v != 1 {
		t.Errorf("fresh module with an absent legacy table: %d %v", v, err)
	}
}
