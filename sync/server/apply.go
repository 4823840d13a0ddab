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

// work is one request being applied inside a write transaction: it is the
// inventory.SMI that Rules.Apply reads, and it writes the Effect back.
type work struct {
	s   *Server
	tx  *Tx
	ctx context.Context
	req *duis.Request
	rid string
	now time.Time

	job       string // installer's job, "" for the back office
	jobKind   string // its kind ("install", "exchange", ...)
	rows      map[duis.EUI64]*deviceRow
	eff       *inventory.Effect
	inventory *duis.DSPInventory
	warnings  []string
}

// Device implements inventory.SMI.
func (w *work) Device(id duis.EUI64) (*inventory.Device, error) {
	if r, ok := w.rows[id]; ok {
		return &r.Device, nil
	}
	r, err := w.tx.getDevice(w.ctx, id)
	if err != nil || r == nil {
		return nil, err
	}
	w.rows[id] = r
	return &r.Device, nil
}

// DevicesByMPxN implements inventory.SMI; an installer sees only the
// devices of their job.
func (w *work) DevicesByMPxN(mpxn string, max int) ([]duis.EUI64, error) {
	q, args := "SELECT device_id FROM devices WHERE import_mpxn = ?", []any{mpxn}
	if w.job != "" {
		q += " AND device_id IN (SELECT device_id FROM job_devices WHERE job_id = ?)"
		args = append(args, w.job)
	}
	rows, err := w.tx.query(w.ctx, q+fmt.Sprintf(" ORDER BY device_id LIMIT %d", max), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []duis.EUI64
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		ids = append(ids, parseEUIText(s))
	}
	return ids, rows.Err()
}

func (w *work) checkJob(installer, job string) error {
	var owner, kind string
	err := w.tx.row(w.ctx, "SELECT installer, kind FROM jobs WHERE job_id = ?", job).Scan(&owner, &kind)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != installer) {
		return &RequestError{RequestID: w.rid, Err: ErrForbidden, Detail: "job " + job + " is not assigned to this installer"}
	}
	if err != nil {
		return fmt.Errorf("read job %s: %w", job, err)
	}
	w.job, w.jobKind = job, kind
	read := inventory.PostCheckRead(w.req)
	for _, id := range inventory.Referenced(w.req) {
		var n int
		if err := w.tx.row(w.ctx, "SELECT count(*) FROM job_devices WHERE job_id = ? AND device_id = ?", job, id.String()).Scan(&n); err != nil {
			return fmt.Errorf("read job devices: %w", err)
		}
		if n == 0 && read {
			// A post-check read may target the CHF the job's devices are
			// on (a meter exchange lists the meters, not the hub). An
			// 8.12.1 may not: both its hubs must be on the job.
			if err := w.tx.row(w.ctx, `SELECT count(*) FROM devices WHERE chf_id = ?
				AND device_id IN (SELECT device_id FROM job_devices WHERE job_id = ?)`, id.String(), job).Scan(&n); err != nil {
				return fmt.Errorf("read job devices: %w", err)
			}
		}
		if n == 0 {
			return &RequestError{RequestID: w.rid, Err: ErrForbidden, Detail: "device " + id.String() + " is not on job " + job}
		}
	}
	return nil
}

// checkGrant decides an installer's request that only an InstallerGrant
// can allow, by the SMI's type of the first device it names (checkJob has
// put that device on the installer's job) and the job's kind.
func (w *work) checkGrant() error {
	var t duis.DeviceType
	if ids := inventory.Referenced(w.req); len(ids) > 0 {
		d, err := w.Device(ids[0])
		if err != nil {
			return fmt.Errorf("read device %s: %w", ids[0], err)
		}
		if d != nil {
			t = d.Type
		}
	}
	if err := w.s.rules.InstallerMay(w.req, t, w.jobKind); err != nil {
		return &RequestError{RequestID: w.rid, Err: ErrForbidden, Detail: err.Error()}
	}
	return nil
}

// apply runs the rules and returns the DUIS code of the outcome.
func (w *work) apply() (duis.ResponseCode, error) {
	eff, err := w.s.rules.Apply(w.req, w, w.s.cpl, w.now)
	if err != nil {
		return "", err
	}
	w.eff = eff
	if eff.Code.IsSuccess() && len(eff.Inventory) > 0 {
		w.inventory = &duis.DSPInventory{}
		for _, d := range eff.Inventory {
			w.inventory.Device = append(w.inventory.Device, w.s.inventoryDevice(d))
		}
	}
	for _, f := range eff.Warnings {
		w.warnings = append(w.warnings, f.String())
	}
	return eff.Code, nil
}

// commit writes the Effect: devices (install codes sealed), deletions,
// status history with an audit line per change, new devices onto the
// installer's job, and an audit line for a relayed request (a read, or an
// 8.12.1 restore).
func (w *work) commit(sub Submission) error {
	if w.eff == nil || !w.eff.Code.IsSuccess() {
		return nil
	}
	ctx, tx := w.ctx, w.tx
	actor := sub.Principal.Name
	variant := w.req.Header.ServiceReferenceVariant
	touched := map[duis.EUI64]bool{}
	for _, c := range w.eff.History {
		touched[c.Device] = true
	}
	for _, d := range w.eff.Changed {
		row := w.rows[d.ID]
		if row == nil {
			row = &deviceRow{}
		}
		row.Device = *d
		if code, ok := w.eff.InstallCodes[d.ID]; ok {
			sealed, err := w.s.sealer.Seal(d.ID, code)
			if err != nil {
				return fmt.Errorf("seal install code of %s: %w", d.ID, err)
			}
			row.sealedCode = sealed
		}
		if err := tx.putDevice(ctx, row, w.now); err != nil {
			return err
		}
		if !touched[d.ID] {
			if err := tx.audit(ctx, w.now, actor, variant, d.ID.String(), "record updated by request "+w.rid); err != nil {
				return err
			}
		}
	}
	for _, id := range w.eff.Deleted {
		if err := tx.deleteDevice(ctx, id); err != nil {
			return err
		}
	}
	for _, c := range w.eff.History {
		if err := tx.addHistory(ctx, c); err != nil {
			return err
		}
		if err := tx.audit(ctx, w.now, actor, variant, c.Device.String(),
			fmt.Sprintf("status %q -> %q by rule %s, request %s", c.From, c.To, c.Rule, w.rid)); err != nil {
			return err
		}
	}
	if w.eff.Relayed {
		// Nothing changes in the SMI; the audit says who asked for what.
		what := "read requested"
		if b, ok := w.req.Body.(*duis.RestoreHANDeviceLog); ok {
			what = "restore of the device log of " + b.OldCHFID.String() + " requested"
		}
		if err := tx.audit(ctx, w.now, actor, variant, w.req.Header.RequestID.Target.String(),
			what+" by request "+w.rid+", relayed toward the DCC"); err != nil {
			return err
		}
	}
	if w.job != "" {
		for _, id := range w.eff.Created {
			if _, err := tx.exec(ctx, "INSERT INTO job_devices (job_id, device_id) VALUES (?, ?) ON CONFLICT DO NOTHING", w.job, id.String()); err != nil {
				return fmt.Errorf("add %s to job %s: %w", id, w.job, err)
			}
		}
	}
	return nil
}

// inventoryDevice is the 8.2 view of a device (DOMAIN.md §3.2).
func (s *Server) inventoryDevice(d *inventory.Device) duis.InventoryDevice {
	out := duis.InventoryDevice{DeviceID: d.ID, DeviceType: d.Type, DeviceManufacturer: d.Manufacturer, DeviceModel: d.Model}
	if d.Type.HasStatus() && d.Status != inventory.StatusNone {
		st := d.Status
		out.DeviceStatus = &st
	}
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	out.SMETSCHTSVersion = opt(d.SMETSCHTSVersion)
	out.DeviceFirmwareVersion = opt(d.FirmwareVersion)
	out.DeviceGBCSVersion = opt(d.GBCSVersion)
	if d.ImportMPxN != "" {
		m := duis.MPxN(d.ImportMPxN)
		out.ImportMPxN = &m
	}
	if !d.DateCommissioned.IsZero() {
		dc := duis.Date(d.DateCommissioned.Format("2006-01-02"))
		out.DateCommissioned = &dc
	}
	if d.ESMEVariant != "" {
		v := duis.ESMEVariant(d.ESMEVariant)
		out.ESMEVariant = &v
	}
	if s.cpl != nil {
		out.CPLStatus, out.DeviceFirmwareVersionStatus = s.cpl.Statuses(*d)
	}
	return out
}
