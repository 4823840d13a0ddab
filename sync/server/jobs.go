package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
)

// CreateJob stores a job and the devices its installer may act on.
func (s *Server) CreateJob(ctx context.Context, actor string, j Job) error {
	if j.ID == "" || len(j.ID) > 64 || j.Installer == "" || len(j.Devices) > 64 || len(j.Postcode) < 2 || len(j.Postcode) > 8 || len(j.Address) > 1024 ||
		len(j.Kind) > 64 || len(j.Status) > 64 || len(j.Site) > 128 {
		return &RequestError{Err: ErrMalformed, Detail: "a job needs an id (≤64), an installer, a postcode (2–8), at most 64 devices and a site ≤128"}
	}
	if j.Kind == "" {
		j.Kind = "install"
	}
	if j.Status == "" {
		j.Status = "assigned"
	}
	if j.Site == "" {
		j.Site = j.ID
	}
	var ids []string
	for _, d := range j.Devices {
		e, err := duis.ParseEUI64(d)
		if err != nil {
			return &RequestError{Err: ErrMalformed, Detail: err.Error()}
		}
		ids = append(ids, e.String())
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *Tx) error {
		seq, err := tx.nextSeq(ctx)
		if err != nil {
			return err
		}
		var old string
		if err := tx.row(ctx, "SELECT installer FROM jobs WHERE job_id = ?", j.ID).Scan(&old); err == nil && old != j.Installer {
			if _, err := tx.exec(ctx, "INSERT INTO removals (seq, kind, id) VALUES (?, 'job', ?)", seq, j.ID); err != nil {
				return fmt.Errorf("record job %s reassignment: %w", j.ID, err)
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO jobs (job_id, installer, site, created_at, postcode, address, kind, status, scheduled_for, updated_at, change_seq)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (job_id) DO UPDATE SET installer = excluded.installer, site = excluded.site, postcode = excluded.postcode,
			address = excluded.address, kind = excluded.kind, status = excluded.status, scheduled_for = excluded.scheduled_for,
			updated_at = excluded.updated_at, change_seq = excluded.change_seq`,
			j.ID, j.Installer, j.Site, ms(now), j.Postcode, j.Address, j.Kind, j.Status, ms(j.ScheduledFor), ms(now), seq); err != nil {
			return fmt.Errorf("store job %s: %w", j.ID, err)
		}
		for _, id := range ids {
			if _, err := tx.exec(ctx, "INSERT INTO job_devices (job_id, device_id) VALUES (?, ?) ON CONFLICT DO NOTHING", j.ID, id); err != nil {
				return fmt.Errorf("store job %s device: %w", j.ID, err)
			}
			// A device newly in view reaches the installer's next pull.
			if _, err := tx.exec(ctx, "UPDATE devices SET change_seq = ? WHERE device_id = ?", seq, id); err != nil {
				return fmt.Errorf("mark device %s changed: %w", id, err)
			}
		}
		return tx.audit(ctx, now, actor, "job.put", j.ID, "installer "+j.Installer+", devices "+strings.Join(ids, " "))
	})
}

// Jobs lists jobs: all of them for the back office, only their own for an
// installer.
func (s *Server) Jobs(ctx context.Context, p Principal) ([]Job, error) {
	q, args := "SELECT j.job_id, j.installer, j.site, COALESCE(d.device_id, '') FROM jobs j LEFT JOIN job_devices d ON d.job_id = j.job_id", []any{}
	if p.Role != RoleBackOffice {
		q += " WHERE j.installer = ?"
		args = append(args, p.Name)
	}
	rows, err := s.db.query(ctx, q+" ORDER BY j.job_id, d.device_id", args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var dev string
		if err := rows.Scan(&j.ID, &j.Installer, &j.Site, &dev); err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != j.ID {
			out = append(out, j)
		}
		if dev != "" {
			out[len(out)-1].Devices = append(out[len(out)-1].Devices, dev)
		}
	}
	return out, rows.Err()
}

// canSeeDevice: the back office and admin see every device, an installer
// only the devices of their jobs.
func (s *Server) canSeeDevice(ctx context.Context, p Principal, id duis.EUI64) (bool, error) {
	if p.Role != RoleInstaller {
		return true, nil
	}
	var n int
	err := s.db.row(ctx, `SELECT count(*) FROM job_devices d JOIN jobs j ON j.job_id = d.job_id
		WHERE d.device_id = ? AND j.installer = ?`, id.String(), p.Name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check job devices: %w", err)
	}
	return n > 0, nil
}

// AddReading stores a consumption reading from a job the principal may act
// on (the installer of the job, or the back office).
func (s *Server) AddReading(ctx context.Context, p Principal, r Reading) error {
	id, err := duis.ParseEUI64(r.DeviceID)
	if err != nil || r.Register == "" || len(r.Register) > 64 || len(r.Value) > 64 {
		return &RequestError{Err: ErrMalformed, Detail: "a reading needs a device ID, a register (≤64) and a value (≤64)"}
	}
	if p.Role == RoleAdmin {
		return &RequestError{Err: ErrForbidden}
	}
	if ok, err := s.canSeeDevice(ctx, p, id); err != nil || !ok {
		if err != nil {
			return err
		}
		return &RequestError{Err: ErrForbidden, Detail: "device is not on your jobs"}
	}
	now := s.now()
	at := r.ReadAt
	if at.IsZero() {
		at = now
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, "INSERT INTO readings (job_id, device_id, register, value, read_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
			r.JobID, id.String(), r.Register, r.Value, ms(at), p.Name); err != nil {
			return fmt.Errorf("store reading: %w", err)
		}
		return tx.audit(ctx, now, p.Name, "reading.add", id.String(), "register "+r.Register)
	})
}

// Readings returns a device's consumption readings. Consumption data goes
// only to roles with a reason to see it: the back office, and the
// installer whose job includes the device; never to admin.
func (s *Server) Readings(ctx context.Context, p Principal, id duis.EUI64) ([]Reading, error) {
	if p.Role == RoleAdmin {
		return nil, &RequestError{Err: ErrForbidden, Detail: "consumption data is not available to admin"}
	}
	if ok, err := s.canSeeDevice(ctx, p, id); err != nil || !ok {
		if err != nil {
			return nil, err
		}
		return nil, &RequestError{Err: ErrForbidden, Detail: "device is not on your jobs"}
	}
	rows, err := s.db.query(ctx, "SELECT job_id, device_id, register, value, read_at FROM readings WHERE device_id = ? ORDER BY id LIMIT 1000", id.String())
	if err != nil {
		return nil, fmt.Errorf("read readings: %w", err)
	}
	defer rows.Close()
	var out []Reading
	for rows.Next() {
		var r Reading
		var at int64
		if err := rows.Scan(&r.JobID, &r.DeviceID, &r.Register, &r.Value, &at); err != nil {
			return nil, fmt.Errorf("read readings: %w", err)
		}
		r.ReadAt = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Detail  string    `json:"detail"`
}

// Audit returns the latest audit entries, newest first (at most limit).
func (s *Server) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := s.db.query(ctx, "SELECT at, actor, action, subject, detail FROM audit ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Subject, &e.Detail); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
