package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/sync/api"
)

// TxRunner runs fn in one write transaction, committing when fn returns
// nil. app/store's *DB is one.
type TxRunner interface {
	InTx(ctx context.Context, fn func(tx *sql.Tx) error) error
}

// PulledSchema is the DDL of the tables SQLApplier writes (STRICT, SQLite).
// The app's store should carry it as one of its numbered migrations; tests
// and tools run it with SQLApplier.CreateTables.
const PulledSchema = `
CREATE TABLE IF NOT EXISTS sync_pulled (
	kind TEXT NOT NULL,   -- job, device, cpl, wanCoverage, sealKey
	id   TEXT NOT NULL,
	body TEXT NOT NULL,   -- the record as the service sent it (JSON)
	PRIMARY KEY (kind, id)
) STRICT;
CREATE TABLE IF NOT EXISTS sync_pull_cursor (
	stream TEXT PRIMARY KEY,
	cursor TEXT NOT NULL
) STRICT;`

// SQLApplier keeps pulled records in the tables of PulledSchema, keyed by
// kind and id, and the cursor beside them, all written in one transaction
// per page.
type SQLApplier struct {
	DB     TxRunner
	Reader *sql.DB // if set, Cursor reads here instead of in a write transaction
	Stream string  // cursor name; default "inventory"
}

// CreateTables runs PulledSchema.
func (a *SQLApplier) CreateTables(ctx context.Context) error {
	return a.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, PulledSchema)
		return err
	})
}

func (a *SQLApplier) stream() string {
	if a.Stream == "" {
		return "inventory"
	}
	return a.Stream
}

// Cursor returns the stored cursor.
func (a *SQLApplier) Cursor(ctx context.Context) (string, error) {
	var cur string
	if a.Reader != nil {
		err := a.Reader.QueryRowContext(ctx, "SELECT cursor FROM sync_pull_cursor WHERE stream = ?", a.stream()).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return cur, err
	}
	err := a.DB.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT cursor FROM sync_pull_cursor WHERE stream = ?", a.stream()).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return cur, err
}

// ApplyPull writes resp's records, deletes its removed ones and stores its
// cursor, in one transaction; reset first deletes every pulled record.
func (a *SQLApplier) ApplyPull(ctx context.Context, resp *api.PullResponse, reset bool) error {
	return a.DB.InTx(ctx, func(tx *sql.Tx) error {
		if reset {
			if _, err := tx.ExecContext(ctx, "DELETE FROM sync_pulled"); err != nil {
				return fmt.Errorf("reset pulled records: %w", err)
			}
		}
		put := func(kind, id string, v any) error {
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO sync_pulled (kind, id, body) VALUES (?, ?, ?)
				ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body`, kind, id, string(b))
			if err != nil {
				return fmt.Errorf("store %s %s: %w", kind, id, err)
			}
			return nil
		}
		for _, j := range resp.Jobs {
			if err := put("job", j.JobID, j); err != nil {
				return err
			}
		}
		for _, d := range resp.Devices {
			if err := put("device", d.DeviceID, d); err != nil {
				return err
			}
		}
		for _, e := range resp.CPL {
			if err := put("cpl", CPLKey(e), e); err != nil {
				return err
			}
		}
		for _, w := range resp.WANCoverage {
			if err := put("wanCoverage", w.Postcode, w); err != nil {
				return err
			}
		}
		if resp.SealKey != nil {
			if err := put(kindSealKey, "current", resp.SealKey); err != nil {
				return err
			}
		}
		for _, r := range resp.Removed {
			if _, err := tx.ExecContext(ctx, "DELETE FROM sync_pulled WHERE kind = ? AND id = ?", r.Kind, r.ID); err != nil {
				return fmt.Errorf("remove %s %s: %w", r.Kind, r.ID, err)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sync_pull_cursor (stream, cursor) VALUES (?, ?)
			ON CONFLICT (stream) DO UPDATE SET cursor = excluded.cursor`, a.stream(), resp.Cursor)
		if err != nil {
			return fmt.Errorf("store cursor: %w", err)
		}
		return nil
	})
}

// CPLKey is the id a CPL row is stored and removed under: device type,
// manufacturer, model, hardware and firmware version joined by "/".
func CPLKey(e api.CPLEntry) string {
	return strings.Join([]string{e.DeviceType, e.Manufacturer, e.Model, e.HardwareVersion, e.FirmwareVersion}, "/")
}

// kindSealKey is the sync_pulled kind of the service's sealing key (one
// row, id "current").
const kindSealKey = "sealKey"

// ErrNoSealKey: no pull has brought the service's sealing key yet.
var ErrNoSealKey = errors.New("client: no sealing key pulled from the service yet")

// RowQuerier is *sql.DB, *sql.Tx or *sql.Conn.
type RowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// StoredSealKey returns the service's public sealing key as SQLApplier
// stored it from the last pull (every pull carries it), checked; seal
// with api.SealFor:
//
//	k, err := client.StoredSealKey(ctx, db)
//	pub, err := k.Public()
//	sealed, err := api.SealFor(pub, deviceID, installCode)
//
// ErrNoSealKey before the first pull.
func StoredSealKey(ctx context.Context, q RowQuerier) (api.SealKey, error) {
	var body string
	err := q.QueryRowContext(ctx, "SELECT body FROM sync_pulled WHERE kind = ? AND id = 'current'", kindSealKey).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return api.SealKey{}, ErrNoSealKey
	}
	if err != nil {
		return api.SealKey{}, fmt.Errorf("read sealing key: %w", err)
	}
	var k api.SealKey
	if err := json.Unmarshal([]byte(body), &k); err != nil {
		return api.SealKey{}, fmt.Errorf("read sealing key: %w", err)
	}
	if _, err := k.Public(); err != nil {
		return api.SealKey{}, fmt.Errorf("read sealing key: %w", err)
	}
	return k, nil
}
