package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/smetskit/smetskit/sync/outbox"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// Sentinel errors.
var (
	// ErrNotWAL means SQLite did not switch the file to write-ahead logging
	// (for example on a file system without shared memory support).
	ErrNotWAL = errors.New("store: journal mode is not WAL")
	// ErrNewerSchema means the file was written by a newer smetskit.
	ErrNewerSchema = errors.New("store: database schema is newer than this program")
	// ErrClosed is returned by InTx after Close.
	ErrClosed = errors.New("store: closed")
)

// Options tune Open. The zero value is what the app uses.
type Options struct {
	// Outbox configures the queue opened on the same file.
	Outbox outbox.Options
	// Readers caps the read-only connection pool (default 4).
	Readers int
	// Modules are other packages' schemas, migrated in this order after
	// the store's own and the outbox's (MigrateModule).
	Modules []Module
}

// DB is the open database: one writer connection, a small pool of read-only
// connections, and the outbox on the same file.
type DB struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	outbox *outbox.Outbox

	mu          sync.Mutex
	closed      bool
	afterCommit []func()
}

// DSN returns the modernc.org/sqlite data source name for path with the
// pragmas of STYLE.md §27: a 5 s busy timeout, WAL, foreign keys and
// synchronous=FULL (the outbox must survive power loss, not only a crash).
// The writer takes its lock when a transaction begins (BEGIN IMMEDIATE), so a
// write transaction never fails half-way on a lock upgrade; readers are
// query_only.
func DSN(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(wal)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(full)")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	// In a URI filename SQLite decodes %XX and stops the path at ? and #.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path, checks that WAL took
// effect, applies the migrations of this package and then those of the
// outbox, each step in its own transaction. ctx bounds the migrations.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	w, err := sql.Open("sqlite", DSN(path, true))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer (STYLE.md §28): every write goes through this connection, so
	// writers queue in Go rather than spin on SQLITE_BUSY.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{path: path, writer: w}
	if err := db.check(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if _, err := Migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	if err := outbox.Migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", DSN(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	n := opts.Readers
	if n <= 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.reader = r
	oo := opts.Outbox
	if oo.Reader == nil {
		oo.Reader = r
	}
	ob, err := outbox.New(w, oo)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open outbox in %s: %w", path, err)
	}
	db.outbox = ob
	db.OnCommit(ob.Notify)
	for _, m := range opts.Modules {
		if _, err := db.MigrateModule(ctx, m); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrate %s: %w", path, err)
		}
	}
	return db, nil
}

// check verifies that the pragmas of the DSN took effect on the writer.
func (db *DB) check(ctx context.Context) error {
	var mode string
	if err := db.writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("open %s: read journal mode: %w", db.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("open %s: journal mode %q: %w", db.path, mode, ErrNotWAL)
	}
	var fk, syncMode int
	if err := db.writer.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("open %s: read foreign_keys: %w", db.path, err)
	}
	if err := db.writer.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
		return fmt.Errorf("open %s: read synchronous: %w", db.path, err)
	}
	if fk != 1 || syncMode != 2 {
		return fmt.Errorf("open %s: foreign_keys=%d synchronous=%d, want 1 and 2 (FULL)", db.path, fk, syncMode)
	}
	return nil
}

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// Outbox returns the durable queue stored in this database. Messages sent
// with Outbox().SendTx inside InTx commit with the domain write.
func (db *DB) Outbox() *outbox.Outbox { return db.outbox }

// Reader returns the pool of read-only connections. Reads there see the last
// committed state and never wait for the writer.
func (db *DB) Reader() *sql.DB { return db.reader }

// OnCommit registers f to run after every transaction InTx commits (the
// outbox uses it to wake its subscribers). f must not block.
func (db *DB) OnCommit(f func()) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.afterCommit = append(db.afterCommit, f)
}

// InTx runs fn in a write transaction on the single writer connection and
// commits it if fn returns nil; otherwise it rolls back and returns fn's
// error. Writers queue for the connection in order; ctx bounds the wait and
// the transaction. fn must not keep tx after it returns.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.mu.Lock()
	closed := db.closed
	db.mu.Unlock()
	if closed {
		return ErrClosed
	}
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	// A panic in fn must not keep the only writer connection in an open
	// transaction: roll back, then let the panic go on.
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("roll back: %w", rerr))
		}
		return err
	}
	committed = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.mu.Lock()
	hooks := db.afterCommit
	db.mu.Unlock()
	for _, f := range hooks {
		f()
	}
	return nil
}

// Close closes both pools. Transactions still running fail.
func (db *DB) Close() error {
	db.mu.Lock()
	db.closed = true
	db.mu.Unlock()
	var errs []error
	if db.outbox != nil {
		db.outbox.Close()
	}
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	errs = append(errs, db.writer.Close())
	return errors.Join(errs...)
}

// now returns the current time in unix milliseconds, UTC: the unit of every
// *_at column of this package.
func now() int64 { return time.Now().UTC().UnixMilli() }
