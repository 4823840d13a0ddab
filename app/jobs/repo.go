package jobs

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/app/store"
)

// Limits on what the engineer can attach, checked before anything is written.
const (
	MaxPhotoBytes = 16 << 20
	MaxNoteLen    = 4096
)

// Sentinel errors of the repository.
var (
	ErrNotFound = errors.New("jobs: no such job")
	ErrTooLarge = errors.New("jobs: too large")
	ErrUnknown  = errors.New("jobs: unknown checklist item")
)

// Store keeps jobs in the app's SQLite database. Every change is its own
// committed transaction, so a crash loses nothing the engineer saw saved.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// New returns a Store on db (Migrate must have run). now stamps changes; nil
// means time.Now.
func New(db *store.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UTC().UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Put records a job as pulled from the inventory: header, site, tasks and
// expected devices are replaced; the checklist keeps what was ticked for
// items that still exist; notes, photos, serials and visit times are kept,
// and so is a status set on site unless the inventory cancelled the job.
func (s *Store) Put(ctx context.Context, j Job) error {
	site, err := json.Marshal(j.Site)
	if err != nil {
		return fmt.Errorf("put job %s: %w", j.ID, err)
	}
	tasks, err := json.Marshal(j.Tasks)
	if err != nil {
		return fmt.Errorf("put job %s: %w", j.ID, err)
	}
	now := ms(s.now())
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (job_id, kind, status, site, tasks, scheduled_for, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (job_id) DO UPDATE SET kind = excluded.kind,
				status = CASE WHEN excluded.status = 'cancelled' OR jobs.status = 'assigned' THEN excluded.status ELSE jobs.status END, site = excluded.site,
				tasks = excluded.tasks, scheduled_for = excluded.scheduled_for, updated_at = excluded.updated_at`,
			j.ID, j.Kind, j.Status, string(site), string(tasks), ms(j.ScheduledFor), now); err != nil {
			return fmt.Errorf("put job %s: %w", j.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM job_devices WHERE job_id = ?`, j.ID); err != nil {
			return fmt.Errorf("put job %s: %w", j.ID, err)
		}
		for _, d := range j.Devices {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO job_devices (job_id, device_id, device_type, manufacturer, model, status, cpl_status, import_mpxn)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, j.ID, d.ID, d.Type, d.Manufacturer, d.Model, d.Status, d.CPLStatus, d.ImportMPxN); err != nil {
				return fmt.Errorf("put job %s device %s: %w", j.ID, d.ID, err)
			}
		}
		ids := make([]any, 0, len(j.Checklist)+1)
		ids = append(ids, j.ID)
		for i, c := range j.Checklist {
			if _, err := tx.ExecContext(ctx, `INSERT INTO job_checklist (job_id, item_id, seq, label) VALUES (?, ?, ?, ?)
				ON CONFLICT (job_id, item_id) DO UPDATE SET seq = excluded.seq, label = excluded.label`, j.ID, c.ID, i, c.Label); err != nil {
				return fmt.Errorf("put job %s checklist %s: %w", j.ID, c.ID, err)
			}
			ids = append(ids, c.ID)
		}
		q := `DELETE FROM job_checklist WHERE job_id = ?`
		if len(ids) > 1 {
			q += ` AND item_id NOT IN (?` + repeat(",?", len(ids)-2) + `)`
		}
		if _, err := tx.ExecContext(ctx, q, ids...); err != nil {
			return fmt.Errorf("put job %s checklist: %w", j.ID, err)
		}
		return nil
	})
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

// touch bumps a job's updated_at and reports ErrNotFound for an unknown job.
func touch(ctx context.Context, tx *sql.Tx, id string, now int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET updated_at = ? WHERE job_id = ?`, now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	return nil
}

// SetStatus changes the job's status ("started", "done", ...).
func (s *Store) SetStatus(ctx context.Context, id, status string) error {
	now := ms(s.now())
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, now); err != nil {
			return fmt.Errorf("set status: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET status = ? WHERE job_id = ?`, status, id)
		return err
	})
}

// Start records the start of the visit by the tablet's clock and by a
// device's clock (zero when no device was read yet). A second Start keeps
// the first times.
func (s *Store) Start(ctx context.Context, id string, deviceClock time.Time) error {
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, ms(now)); err != nil {
			return fmt.Errorf("start: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET status = 'started', started_at = ?, started_device_at = ?
			WHERE job_id = ? AND started_at = 0`, ms(now), ms(deviceClock), id)
		return err
	})
}

// Finish records the end of the visit, like Start, and marks the job done.
func (s *Store) Finish(ctx context.Context, id string, deviceClock time.Time) error {
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, ms(now)); err != nil {
			return fmt.Errorf("finish: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET status = 'done', ended_at = ?, ended_device_at = ? WHERE job_id = ?`,
			ms(now), ms(deviceClock), id)
		return err
	})
}

// Tick sets a checklist item done or not done.
func (s *Store) Tick(ctx context.Context, id, item string, done bool) error {
	now := ms(s.now())
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, now); err != nil {
			return fmt.Errorf("tick %s: %w", item, err)
		}
		at := int64(0)
		if done {
			at = now
		}
		res, err := tx.ExecContext(ctx, `UPDATE job_checklist SET done = ?, done_at = ? WHERE job_id = ? AND item_id = ?`, done, at, id, item)
		if err != nil {
			return fmt.Errorf("tick %s: %w", item, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("tick %s on job %s: %w", item, id, ErrUnknown)
		}
		return nil
	})
}

// AddNote appends a note.
func (s *Store) AddNote(ctx context.Context, id, text string) (Note, error) {
	if len(text) > MaxNoteLen {
		return Note{}, fmt.Errorf("note of %d bytes: %w", len(text), ErrTooLarge)
	}
	n := Note{Text: text, At: fromMS(ms(s.now()))}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, ms(n.At)); err != nil {
			return fmt.Errorf("add note: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO job_notes (job_id, text, at) VALUES (?, ?, ?)`, id, text, ms(n.At))
		if err != nil {
			return fmt.Errorf("add note: %w", err)
		}
		n.ID, err = res.LastInsertId()
		return err
	})
	return n, err
}

// AddPhoto attaches a photo. The bytes are stored once under their SHA-256;
// attaching the same picture again (to this or another job) stores nothing
// new and, on the same job, only updates the caption.
func (s *Store) AddPhoto(ctx context.Context, id, caption string, data []byte) (Photo, error) {
	if len(data) > MaxPhotoBytes {
		return Photo{}, fmt.Errorf("photo of %d bytes: %w", len(data), ErrTooLarge)
	}
	sum := sha256.Sum256(data)
	p := Photo{Hash: hex.EncodeToString(sum[:]), Caption: caption, At: fromMS(ms(s.now()))}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, ms(p.At)); err != nil {
			return fmt.Errorf("add photo: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (hash, data) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`, p.Hash, data); err != nil {
			return fmt.Errorf("add photo: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO job_photos (job_id, hash, caption, at) VALUES (?, ?, ?, ?)
			ON CONFLICT (job_id, hash) DO UPDATE SET caption = excluded.caption`, id, p.Hash, caption, ms(p.At))
		if err != nil {
			return fmt.Errorf("add photo: %w", err)
		}
		return nil
	})
	return p, err
}

// PhotoData returns the bytes stored under hash.
func (s *Store) PhotoData(ctx context.Context, hash string) ([]byte, error) {
	var b []byte
	err := s.db.Reader().QueryRowContext(ctx, `SELECT data FROM blobs WHERE hash = ?`, hash).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("photo %s: %w", hash, ErrNotFound)
	}
	return b, err
}

// EnterSerial validates raw (typed, or scanned with a keyboard-wedge
// scanner) as kind with ParseSerial and records it in the job's slot,
// replacing an earlier entry. An invalid entry is not stored.
func (s *Store) EnterSerial(ctx context.Context, id, slot string, kind SerialKind, raw, source string) (Serial, error) {
	v, warn, err := ParseSerial(kind, raw)
	if err != nil {
		return Serial{}, fmt.Errorf("enter %s: %w", slot, err)
	}
	sr := Serial{Slot: slot, Kind: kind, Value: v, Raw: raw, Source: source, Warning: warn}
	now := ms(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, now); err != nil {
			return fmt.Errorf("enter %s: %w", slot, err)
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO job_serials (job_id, slot, kind, value, raw, source, warning, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, slot, string(kind), v, raw, source, warn, now)
		return err
	})
	return sr, err
}

// Get reads a whole job.
func (s *Store) Get(ctx context.Context, id string) (*Job, error) {
	r := s.db.Reader()
	j := &Job{ID: id}
	var site, tasks string
	var sched, st, std, en, end, upd int64
	err := r.QueryRowContext(ctx, `SELECT kind, status, site, tasks, scheduled_for, started_at, started_device_at, ended_at, ended_device_at, updated_at
		FROM jobs WHERE job_id = ?`, id).Scan(&j.Kind, &j.Status, &site, &tasks, &sched, &st, &std, &en, &end, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read job %s: %w", id, err)
	}
	j.ScheduledFor, j.StartedAt, j.StartedDeviceAt, j.EndedAt, j.EndedDeviceAt, j.UpdatedAt =
		fromMS(sched), fromMS(st), fromMS(std), fromMS(en), fromMS(end), fromMS(upd)
	if err := json.Unmarshal([]byte(site), &j.Site); err != nil {
		return nil, fmt.Errorf("read job %s site: %w", id, err)
	}
	if err := json.Unmarshal([]byte(tasks), &j.Tasks); err != nil {
		return nil, fmt.Errorf("read job %s tasks: %w", id, err)
	}
	if err := each(ctx, r, `SELECT device_id, device_type, manufacturer, model, status, cpl_status, import_mpxn FROM job_devices WHERE job_id = ? ORDER BY device_id`, id, func(rows *sql.Rows) error {
		var d Device
		err := rows.Scan(&d.ID, &d.Type, &d.Manufacturer, &d.Model, &d.Status, &d.CPLStatus, &d.ImportMPxN)
		j.Devices = append(j.Devices, d)
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(ctx, r, `SELECT item_id, label, done, done_at FROM job_checklist WHERE job_id = ? ORDER BY seq`, id, func(rows *sql.Rows) error {
		var c ChecklistItem
		var at int64
		err := rows.Scan(&c.ID, &c.Label, &c.Done, &at)
		c.DoneAt = fromMS(at)
		j.Checklist = append(j.Checklist, c)
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(ctx, r, `SELECT id, text, at FROM job_notes WHERE job_id = ? ORDER BY id`, id, func(rows *sql.Rows) error {
		var n Note
		var at int64
		err := rows.Scan(&n.ID, &n.Text, &at)
		n.At = fromMS(at)
		j.Notes = append(j.Notes, n)
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(ctx, r, `SELECT hash, caption, at FROM job_photos WHERE job_id = ? ORDER BY at, hash`, id, func(rows *sql.Rows) error {
		var p Photo
		var at int64
		err := rows.Scan(&p.Hash, &p.Caption, &at)
		p.At = fromMS(at)
		j.Photos = append(j.Photos, p)
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(ctx, r, `SELECT slot, kind, value, raw, source, warning FROM job_serials WHERE job_id = ? ORDER BY slot`, id, func(rows *sql.Rows) error {
		var sr Serial
		var k string
		err := rows.Scan(&sr.Slot, &k, &sr.Value, &sr.Raw, &sr.Source, &sr.Warning)
		sr.Kind = SerialKind(k)
		j.Serials = append(j.Serials, sr)
		return err
	}); err != nil {
		return nil, err
	}
	return j, nil
}

// List returns the IDs of the stored jobs, soonest scheduled first.
func (s *Store) List(ctx context.Context) ([]string, error) {
	var ids []string
	err := each(ctx, s.db.Reader(), `SELECT job_id FROM jobs ORDER BY scheduled_for, job_id`, nil, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	return ids, err
}

func each(ctx context.Context, db *sql.DB, q string, arg any, fn func(*sql.Rows) error) error {
	var args []any
	if arg != nil {
		args = []any{arg}
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
	}
	return rows.Err()
}

// FollowUp creates (once) the follow-up job of job id: same site and
// devices, status "follow-up", one task with detail, e.g. "commission when
// SM WAN is available" after an install and leave (DOMAIN.md §8.3). Its ID
// is id + "/follow-up"; a second call returns the existing one.
func (s *Store) FollowUp(ctx context.Context, id, detail string) (*Job, error) {
	parent, err := s.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("follow up: %w", err)
	}
	fid := id + "/follow-up"
	if j, err := s.Get(ctx, fid); err == nil {
		return j, nil
	}
	f := Job{ID: fid, Kind: parent.Kind, Status: "follow-up", Site: parent.Site, Devices: parent.Devices,
		Tasks: []Task{{Kind: parent.Kind, Detail: detail}}, Checklist: DefaultChecklist(parent.Kind)}
	if err := s.Put(ctx, f); err != nil {
		return nil, fmt.Errorf("follow up: %w", err)
	}
	return s.Get(ctx, fid)
}
