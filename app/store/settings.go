package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SetSettingTx stores value under key inside tx.
func SetSettingTx(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value, updated_at) VALUES(?, ?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, now())
	if err != nil {
		return fmt.Errorf("set setting %q: %w", key, err)
	}
	return nil
}

// Setting returns the value stored under key and whether there is one.
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.reader.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %q: %w", key, err)
	}
	return v, true, nil
}

// SetCursorTx records where pull stream stopped, inside tx, so the changes
// pulled and the cursor commit together.
func SetCursorTx(ctx context.Context, tx *sql.Tx, stream, cursor string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sync_cursors(stream, cursor, updated_at) VALUES(?, ?, ?)
		ON CONFLICT(stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`, stream, cursor, now())
	if err != nil {
		return fmt.Errorf("set cursor of %q: %w", stream, err)
	}
	return nil
}

// Cursor returns the cursor of pull stream, or "" when it never pulled.
func (db *DB) Cursor(ctx context.Context, stream string) (string, error) {
	var c string
	err := db.reader.QueryRowContext(ctx, `SELECT cursor FROM sync_cursors WHERE stream = ?`, stream).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read cursor of %q: %w", stream, err)
	}
	return c, nil
}
