package server

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

//go:embed migrations
var migrationFS embed.FS

// Dialect names the SQL back end.
type Dialect string

// Back ends.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the service's storage: a SQLite file (one writer, serialised
// through one connection) or a PostgreSQL database shared by several
// inventoryd instances (writes serialised with a transaction-scoped
// advisory lock, so the instances behave as one service).
type DB struct {
	sql     *sql.DB
	dialect Dialect
}

// maxTxStmts bounds a transaction's statement cache; statements built with
// variable text beyond it are run unprepared.
const maxTxStmts = 128

// advisoryKey is the pg_advisory_xact_lock key that serialises SMI writes
// across instances; migrationKey serialises schema migrations.
const (
	advisoryKey  = 0x736d6b01
	migrationKey = 0x736d6b00
)

// OpenDB opens and migrates the database named by dsn: a postgres:// or
// postgresql:// URL selects PostgreSQL (pgx); anything else is a SQLite
// file path (WAL, foreign keys, full sync; STYLE.md §27).
func OpenDB(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{dialect: SQLite}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = Postgres
		db.sql, err = sql.Open("pgx", dsn)
		if err == nil {
			db.sql.SetMaxOpenConns(16)
			db.sql.SetMaxIdleConns(16)
		}
	} else {
		q := url.Values{}
		for _, p := range []string{"busy_timeout(5000)", "journal_mode(wal)", "foreign_keys(1)", "synchronous(full)"} {
			q.Add("_pragma", p)
		}
		db.sql, err = sql.Open("sqlite", "file:"+dsn+"?"+q.Encode())
		if err == nil {
			db.sql.SetMaxOpenConns(1) // one writer (STYLE.md §28)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", db.dialect, err)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.dialect, err)
	}
	if db.dialect == SQLite {
		var mode string
		if err := db.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			db.sql.Close()
			return nil, fmt.Errorf("open sqlite database %s: journal mode is %q, want wal (%v)", dsn, mode, err)
		}
	}
	if err := db.migrate(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

// Dialect returns the back end in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// q rewrites ? placeholders to $n for PostgreSQL. Queries here never
// contain a literal '?'.
func (db *DB) q(s string) string {
	if db.dialect != Postgres {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Tx is a write transaction with the dialect's placeholder rewriting and
// its own prepared statements.
type Tx struct {
	tx    *sql.Tx
	db    *DB
	stmts map[string]*sql.Stmt // statements prepared in this transaction
	sp    int                  // savepoints taken, for unique names
}

// stmt returns query prepared in the transaction, or nil to run it
// unprepared. Only SQLite gains: it would parse every statement of every
// message of a batch again, while pgx keeps its own statement cache. The
// statements are prepared on the transaction's connection (SQLite has
// only one) and closed with it.
func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.db.dialect != SQLite {
		return nil
	}
	if st, ok := t.stmts[query]; ok {
		return st
	}
	if len(t.stmts) >= maxTxStmts {
		return nil
	}
	st, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil // run unprepared; the error shows there
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.db.q(query), args...)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.db.q(query), args...)
}

func (t *Tx) row(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.db.q(query), args...)
}

// savepoint runs fn inside a SAVEPOINT (SQL:2003; both back ends): when fn
// fails, everything it wrote is rolled back and the transaction goes on.
// The returned fatal error means the transaction itself is unusable.
func (t *Tx) savepoint(ctx context.Context, fn func() error) (err, fatal error) {
	t.sp++
	name := "sp" + strconv.Itoa(t.sp)
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return nil, fmt.Errorf("take savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return err, fmt.Errorf("roll back to savepoint: %w", rerr)
		}
		if _, rerr := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); rerr != nil {
			return err, fmt.Errorf("release savepoint: %w", rerr)
		}
		return err, nil
	}
	if _, err := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return nil, fmt.Errorf("release savepoint: %w", err)
	}
	return nil, nil
}

// InTx runs fn in a transaction that holds the service-wide write lock,
// committing when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", advisoryKey); err != nil {
			tx.Rollback()
			return fmt.Errorf("take write lock: %w", err)
		}
	}
	if err := fn(&Tx{tx: tx, db: db}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs a query outside a write transaction.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryContext(ctx, db.q(query), args...)
}

func (db *DB) row(ctx context.Context, query string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.q(query), args...)
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{v, e.Name(), string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// migrate applies the embedded migrations not yet applied, one
// transaction per step, tracked in schema_migrations. On PostgreSQL an
// advisory lock keeps two instances starting together from racing.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations(db.dialect)
	if err != nil {
		return err
	}
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		if db.dialect != Postgres || !isUniqueViolation(err) {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
	}
	for _, m := range ms {
		err := db.migrateStep(ctx, m)
		if err != nil {
			return fmt.Errorf("migrate %s to version %d (%s): %w", db.dialect, m.version, m.name, err)
		}
	}
	return nil
}

func (db *DB) migrateStep(ctx context.Context, m migration) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationKey); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, db.q("SELECT count(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.q("INSERT INTO schema_migrations (version, name) VALUES (?, ?)"), m.version, m.name); err != nil {
		return err
	}
	return tx.Commit()
}

// isUniqueViolation recognises a concurrent CREATE TABLE IF NOT EXISTS
// losing the race on PostgreSQL's catalogue (SQLSTATE 23505).
func isUniqueViolation(err error) bool {
	var coder interface{ SQLState() string }
	return errors.As(err, &coder) && coder.SQLState() == "23505"
}
