package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/protocol/duis"
)

// deviceRow is a device as stored: the SMI record plus its sealed install
// code.
type deviceRow struct {
	inventory.Device
	sealedCode []byte
}

const deviceColumns = `device_id, device_type, status, status_since, manufacturer, model, hardware_version,
	firmware_version, smets_chts_version, gbcs_version, esme_variant, chf_id, gpf_id, meter_id,
	import_mpxn, secondary_mpan, export_mpan, install_code, date_commissioned`

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func euiText(e duis.EUI64) string {
	if e == (duis.EUI64{}) {
		return ""
	}
	return e.String()
}

func parseEUIText(s string) duis.EUI64 {
	if s == "" {
		return duis.EUI64{}
	}
	e, _ := duis.ParseEUI64(s)
	return e
}

type scanner interface{ Scan(...any) error }

// deviceScan holds the scan targets of deviceColumns.
type deviceScan struct {
	d                             deviceRow
	id, typ, status, chf, gpf, mt string
	since, commissioned           int64
}

func (x *deviceScan) targets() []any {
	d := &x.d
	return []any{&x.id, &x.typ, &x.status, &x.since, &d.Manufacturer, &d.Model, &d.HardwareVersion,
		&d.FirmwareVersion, &d.SMETSCHTSVersion, &d.GBCSVersion, &d.ESMEVariant, &x.chf, &x.gpf, &x.mt,
		&d.ImportMPxN, &d.SecondaryImportMPAN, &d.ExportMPAN, &d.sealedCode, &x.commissioned}
}

func (x *deviceScan) finish() *deviceRow {
	d := &x.d
	d.ID = parseEUIText(x.id)
	d.Type = duis.DeviceType(x.typ)
	d.Status = duis.DeviceStatus(x.status)
	d.StatusSince = fromMS(x.since)
	d.CHF, d.GPF, d.Meter = parseEUIText(x.chf), parseEUIText(x.gpf), parseEUIText(x.mt)
	d.DateCommissioned = fromMS(x.commissioned)
	return d
}

func scanDevice(s scanner) (*deviceRow, error) {
	var x deviceScan
	if err := s.Scan(x.targets()...); err != nil {
		return nil, err
	}
	return x.finish(), nil
}

// getDevice returns the device or nil when it is not in the SMI.
func (t *Tx) getDevice(ctx context.Context, id duis.EUI64) (*deviceRow, error) {
	d, err := scanDevice(t.row(ctx, "SELECT "+deviceColumns+" FROM devices WHERE device_id = ?", id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read device %s: %w", id, err)
	}
	return d, nil
}

// nextSeq takes the next change sequence number (under the write lock).
func (t *Tx) nextSeq(ctx context.Context) (int64, error) {
	if _, err := t.exec(ctx, "UPDATE change_seq SET seq = seq + 1 WHERE id = 1"); err != nil {
		return 0, fmt.Errorf("advance change sequence: %w", err)
	}
	var n int64
	if err := t.row(ctx, "SELECT seq FROM change_seq WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("read change sequence: %w", err)
	}
	return n, nil
}

func (t *Tx) putDevice(ctx context.Context, d *deviceRow, now time.Time) error {
	seq, err := t.nextSeq(ctx)
	if err != nil {
		return err
	}
	args := []any{d.ID.String(), string(d.Type), string(d.Status), ms(d.StatusSince), d.Manufacturer, d.Model,
		d.HardwareVersion, d.FirmwareVersion, d.SMETSCHTSVersion, d.GBCSVersion, d.ESMEVariant,
		euiText(d.CHF), euiText(d.GPF), euiText(d.Meter), d.ImportMPxN, d.SecondaryImportMPAN, d.ExportMPAN,
		d.sealedCode, ms(d.DateCommissioned), ms(now), seq}
	_, err = t.exec(ctx, `INSERT INTO devices (`+deviceColumns+`, updated_at, change_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (device_id) DO UPDATE SET device_type = excluded.device_type, status = excluded.status,
		status_since = excluded.status_since, manufacturer = excluded.manufacturer, model = excluded.model,
		hardware_version = excluded.hardware_version, firmware_version = excluded.firmware_version,
		smets_chts_version = excluded.smets_chts_version, gbcs_version = excluded.gbcs_version,
		esme_variant = excluded.esme_variant, chf_id = excluded.chf_id, gpf_id = excluded.gpf_id,
		meter_id = excluded.meter_id, import_mpxn = excluded.import_mpxn, secondary_mpan = excluded.secondary_mpan,
		export_mpan = excluded.export_mpan, install_code = excluded.install_code,
		date_commissioned = excluded.date_commissioned, updated_at = excluded.updated_at, change_seq = excluded.change_seq`, args...)
	if err != nil {
		return fmt.Errorf("write device %s: %w", d.ID, err)
	}
	return nil
}

func (t *Tx) deleteDevice(ctx context.Context, id duis.EUI64) error {
	if _, err := t.exec(ctx, "DELETE FROM devices WHERE device_id = ?", id.String()); err != nil {
		return fmt.Errorf("delete device %s: %w", id, err)
	}
	seq, err := t.nextSeq(ctx)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, "INSERT INTO removals (seq, kind, id) VALUES (?, 'device', ?)", seq, id.String()); err != nil {
		return fmt.Errorf("record removal of %s: %w", id, err)
	}
	return nil
}

func (t *Tx) addHistory(ctx context.Context, c inventory.StatusChange) error {
	_, err := t.exec(ctx, `INSERT INTO status_history (device_id, device_type, from_status, to_status, trigger_name, rule_id, request_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.Device.String(), string(c.Type), string(c.From), string(c.To), c.Trigger, c.Rule, c.RequestID, ms(c.At))
	if err != nil {
		return fmt.Errorf("write status history of %s: %w", c.Device, err)
	}
	return nil
}

// audit records one change. Detail must never hold secrets or an unmasked
// MPxN.
func (t *Tx) audit(ctx context.Context, at time.Time, actor, action, subject, detail string) error {
	_, err := t.exec(ctx, "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)", ms(at), actor, action, subject, detail)
	if err != nil {
		return fmt.Errorf("write audit: %w", err)
	}
	return nil
}

// Device returns one SMI record, or nil when the device is unknown.
func (s *Server) Device(ctx context.Context, id duis.EUI64) (*inventory.Device, error) {
	d, err := scanDevice(s.db.row(ctx, "SELECT "+deviceColumns+" FROM devices WHERE device_id = ?", id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read device %s: %w", id, err)
	}
	return &d.Device, nil
}

// History returns the status history in order: of one device, or of the
// whole SMI when id is zero (for audits and the invariant checks).
func (s *Server) History(ctx context.Context, id ...duis.EUI64) ([]inventory.StatusChange, error) {
	q, args := "SELECT device_id, device_type, from_status, to_status, trigger_name, rule_id, request_id, at FROM status_history", []any{}
	if len(id) == 1 {
		q, args = q+" WHERE device_id = ?", append(args, id[0].String())
	}
	rows, err := s.db.query(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("read status history: %w", err)
	}
	defer rows.Close()
	var out []inventory.StatusChange
	for rows.Next() {
		var c inventory.StatusChange
		var id, typ, from, to string
		var at int64
		if err := rows.Scan(&id, &typ, &from, &to, &c.Trigger, &c.Rule, &c.RequestID, &at); err != nil {
			return nil, fmt.Errorf("read status history: %w", err)
		}
		c.Device, c.Type, c.From, c.To, c.At = parseEUIText(id), duis.DeviceType(typ), duis.DeviceStatus(from), duis.DeviceStatus(to), fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
