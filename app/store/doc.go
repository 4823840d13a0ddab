// Package store is the app's local SQLite database (modernc.org/sqlite, pure
// Go): opening it with the house pragmas, the numbered migrations, the single
// writer, and the small repositories the app layer shares (settings, sync
// cursors). The outbox of sync/outbox lives in the same file so that a
// domain write and its message commit in one transaction.
//
// Open sets, on every connection, busy_timeout(5000), journal_mode(wal),
// foreign_keys(1) and synchronous(full) (STYLE.md §27), and refuses a file
// where WAL did not take effect (ErrNotWAL). Writes go through one writer
// connection that begins transactions IMMEDIATE; reads go to a pool of
// query_only connections (Reader) that never wait for the writer.
//
// Migrations are the embedded files migrations/NNNN_what.sql, numbered from
// 1, applied in order, each in its own transaction with PRAGMA user_version
// set to its number (STYLE.md §29). Tables are STRICT; times are unix
// milliseconds, UTC. After its own migrations Open runs outbox.Migrate,
// which keeps its own version in the table outbox_schema, so the two
// sequences grow independently. A file from a newer program is refused
// (ErrNewerSchema).
//
// Other packages add their tables as a Module: their own numbered
// migrations, versioned under the module's name in schema_modules, run by
// DB.MigrateModule or by Open from Options.Modules. app/jobs and
// app/commission are two (jobs.Schema, commission.Schema); a package that
// kept its own version table before names it as Module.Legacy and its
// version is taken over. (sync/outbox keeps outbox_schema because it also
// runs on databases without the store.)
//
//	db, err := store.Open(ctx, path, store.Options{Modules: []store.Module{jobs.Schema()}})
//
//	db, err := store.Open(ctx, filepath.Join(dataDir, "smetskit.db"), store.Options{})
//	if err != nil { ... }
//	defer db.Close()
//	err = db.InTx(ctx, func(tx *sql.Tx) error {
//		// domain writes on tx, then:
//		_, err := db.Outbox().SendTx(ctx, tx, outbox.Message{JobID: job, Kind: "job-update", Payload: b})
//		return err
//	}) // committed: the outbox's subscribers are woken
package store
