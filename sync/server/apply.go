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

// work is one request being applied inside a write transaction. Changes
// are made to loaded copies and written by commit only when the request
// succeeds, so a refused request changes nothing.
type work struct {
	s   *Server
	tx  *Tx
	ctx context.Context
	req *duis.Request
	rid string
	now time.Time

	job       string // installer's job, "" for the back office
	devs      map[duis.EUI64]*deviceRow
	dirty     []duis.EUI64
	created   []duis.EUI64
	deleted   []duis.EUI64
	history   []inventory.StatusChange
	inventory *duis.DSPInventory
	warnings  []string
}

// ruleFailure carries a DUIS error code out of apply.
type ruleFailure struct{ code duis.ResponseCode }

func (r ruleFailure) Error() string { return "rule failure " + string(r.code) }

func fail(code duis.ResponseCode) error { return ruleFailure{code} }

func (w *work) checkJob(installer, job string) error {
	var owner string
	err := w.tx.row(w.ctx, "SELECT installer FROM jobs WHERE job_id = ?", job).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != installer) {
		return &RequestError{RequestID: w.rid, Err: ErrForbidden, Detail: "job " + job + " is not assigned to this installer"}
	}
	if err != nil {
		return fmt.Errorf("read job %s: %w", job, err)
	}
	w.job = job
	return nil
}

func (w *work) inJob(id duis.EUI64) (bool, error) {
	var n int
	if err := w.tx.row(w.ctx, "SELECT count(*) FROM job_devices WHERE job_id = ? AND device_id = ?", w.job, id.String()).Scan(&n); err != nil {
		return false, fmt.Errorf("read job devices: %w", err)
	}
	return n > 0, nil
}

// load returns the device, E19 when it is not in the SMI, or ErrForbidden
// when an installer's job does not include it.
func (w *work) load(id duis.EUI64) (*deviceRow, error) {
	if d, ok := w.devs[id]; ok {
		return d, nil
	}
	if w.job != "" {
		ok, err := w.inJob(id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &RequestError{RequestID: w.rid, Err: ErrForbidden, Detail: "device " + id.String() + " is not on job " + w.job}
		}
	}
	d, err := w.tx.getDevice(w.ctx, id)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fail("E19")
	}
	w.devs[id] = d
	return d, nil
}

func (w *work) touch(d *deviceRow) {
	for _, id := range w.dirty {
		if id == d.ID {
			return
		}
	}
	w.dirty = append(w.dirty, d.ID)
}

func (w *work) permit(variant string, party inventory.Party, d *deviceRow) error {
	if err := w.s.rules.Permit(variant, party, d.Type, d.Status); err != nil {
		return fail(inventory.ResponseCodeOf(err))
	}
	return nil
}

// move applies the transition for trigger (to "" lets the table choose).
func (w *work) move(d *deviceRow, trigger string, to duis.DeviceStatus) error {
	row, err := w.s.rules.Transition(trigger, d.Type, d.Status, to)
	if err != nil {
		return fail(inventory.ResponseCodeOf(err))
	}
	w.history = append(w.history, inventory.StatusChange{Device: d.ID, Type: d.Type, From: d.Status, To: row.To,
		At: w.now, Trigger: trigger, Rule: row.ID, RequestID: w.rid})
	if row.To == inventory.StatusDeleted {
		w.deleted = append(w.deleted, d.ID)
		return nil
	}
	if row.To != d.Status {
		d.Status, d.StatusSince = row.To, w.now
	}
	w.touch(d)
	return nil
}

// follow moves the GPF of a CHF with it where the table allows; a GPF in
// a status the table does not move is left as it is.
func (w *work) follow(chf *deviceRow, trigger string, to duis.DeviceStatus) error {
	if chf.GPF == (duis.EUI64{}) {
		return nil
	}
	gpf, err := w.tx.getDevice(w.ctx, chf.GPF)
	if err != nil || gpf == nil {
		return err
	}
	if _, err := w.s.rules.Transition(trigger, gpf.Type, gpf.Status, to); err != nil {
		return nil
	}
	w.devs[gpf.ID] = gpf
	return w.move(gpf, trigger, to)
}

func (w *work) discard() {
	w.dirty, w.created, w.deleted, w.history = nil, nil, nil, nil
}

func (w *work) commit(sub Submission) error {
	ctx, tx := w.ctx, w.tx
	actor := sub.Principal.Name
	variant := w.req.Header.ServiceReferenceVariant
	for _, id := range w.dirty {
		if err := tx.putDevice(ctx, w.devs[id], w.now); err != nil {
			return err
		}
	}
	for _, id := range w.deleted {
		if err := tx.deleteDevice(ctx, id); err != nil {
			return err
		}
	}
	for _, c := range w.history {
		if err := tx.addHistory(ctx, c); err != nil {
			return err
		}
		if err := tx.audit(ctx, w.now, actor, variant, c.Device.String(),
			fmt.Sprintf("status %q -> %q by rule %s, request %s", c.From, c.To, c.Rule, w.rid)); err != nil {
			return err
		}
	}
	touched := map[duis.EUI64]bool{}
	for _, c := range w.history {
		touched[c.Device] = true
	}
	for _, id := range w.dirty {
		if !touched[id] {
			if err := tx.audit(ctx, w.now, actor, variant, id.String(), "record updated by request "+w.rid); err != nil {
				return err
			}
		}
	}
	if w.job != "" {
		for _, id := range w.created {
			if _, err := tx.exec(ctx, "INSERT INTO job_devices (job_id, device_id) VALUES (?, ?) ON CONFLICT DO NOTHING", w.job, id.String()); err != nil {
				return fmt.Errorf("add %s to job %s: %w", id, w.job, err)
			}
		}
	}
	return nil
}

// apply runs the variant's processing and returns its DUIS code. Rule
// refusals become E codes; other errors abort the transaction.
func (w *work) apply() (duis.ResponseCode, error) {
	err := w.dispatch()
	var rf ruleFailure
	if errors.As(err, &rf) {
		return rf.code, nil
	}
	if err != nil {
		return "", err
	}
	return duis.CodeSuccess, nil
}

func (w *work) dispatch() error {
	target := w.req.Header.RequestID.Target
	switch b := w.req.Body.(type) {
	case *duis.DevicePrenotification:
		return w.prenotify(b)
	case *duis.CHFInstallSuccessSMWAN:
		return w.hubStatus("8.14.1", b.DeviceID, inventory.TriggerInstallWAN, string(b.MPxN))
	case *duis.CHFInstallSuccessNoSMWAN:
		return w.hubStatus("8.14.2", b.DeviceID, inventory.TriggerInstallNoWAN, string(b.MPxN))
	case *duis.CHFFaultReturn:
		return w.hubStatus("8.14.3", b.DeviceID, inventory.TriggerFaultReturn, "")
	case *duis.CHFNoFaultReturn:
		return w.hubStatus("8.14.4", b.DeviceID, inventory.TriggerNoFaultReturn, "")
	case *duis.UpdateHANDeviceLog:
		return w.hanLog(target, b)
	case *duis.CommissionDevice, *duis.SignedPreCommand:
		if w.req.Header.ServiceReferenceVariant != "8.1.1" {
			return fail("E11")
		}
		return w.commission(target)
	case *duis.JoinServiceCritical:
		return w.join("8.7.1", target, b.OtherDeviceID, true)
	case *duis.JoinServiceNonCritical:
		return w.join("8.7.2", target, b.OtherDeviceID, true)
	case *duis.UnjoinServiceCritical:
		return w.join("8.8.1", target, b.OtherDeviceID, false)
	case *duis.UnjoinServiceNonCritical:
		return w.join("8.8.2", target, b.OtherDeviceID, false)
	case *duis.DecommissionDevice:
		d, err := w.load(b.DeviceID)
		if err != nil {
			return err
		}
		if err := w.permit("8.3", inventory.PartyDevice, d); err != nil {
			return err
		}
		return w.move(d, inventory.TriggerDecommission, "")
	case *duis.UpdateInventory:
		return w.updateInventory(b)
	case *duis.ReadInventory:
		return w.readInventory(b)
	case *duis.ReturnLocalCommandResponse:
		return nil // recorded in the request log
	}
	return fail("E11")
}

func (w *work) prenotify(b *duis.DevicePrenotification) error {
	if b.AssociatedGPFDeviceID != nil && *b.AssociatedGPFDeviceID == b.DeviceID {
		return fail("E120201") // CHF and GPF IDs identical (DOMAIN.md §14, P7)
	}
	d := &deviceRow{Device: inventory.Device{ID: b.DeviceID, Type: b.DeviceType, Manufacturer: b.DeviceManufacturer,
		Model: b.DeviceModel, Status: inventory.StatusNone, StatusSince: w.now}}
	if b.SMETSCHTSVersion != nil {
		d.SMETSCHTSVersion = *b.SMETSCHTSVersion
	}
	if b.FirmwareVersion != nil {
		d.FirmwareVersion = *b.FirmwareVersion
	}
	if b.ESMEVariant != nil {
		d.ESMEVariant = string(*b.ESMEVariant)
	}
	ids := []*deviceRow{d}
	if b.AssociatedGPFDeviceID != nil {
		if b.DeviceType != duis.DeviceCHF {
			return fail("E11")
		}
		gpf := &deviceRow{Device: inventory.Device{ID: *b.AssociatedGPFDeviceID, Type: duis.DeviceGPF, Manufacturer: b.DeviceManufacturer,
			Model: b.DeviceModel, Status: inventory.StatusNone, StatusSince: w.now, CHF: b.DeviceID}}
		d.GPF = gpf.ID
		ids = append(ids, gpf)
	}
	for _, n := range ids {
		old, err := w.tx.getDevice(w.ctx, n.ID)
		if err != nil {
			return err
		}
		if old != nil {
			return fail("E5") // already in the SMI: its status forbids pre-notification
		}
		w.devs[n.ID] = n
		if err := w.move(n, inventory.TriggerPrenotify, ""); err != nil {
			return err
		}
		w.touch(n)
		w.created = append(w.created, n.ID)
		if w.s.cpl != nil {
			for _, f := range w.s.cpl.Check(n.Device) {
				w.warnings = append(w.warnings, n.ID.String()+": "+f.String())
			}
		}
	}
	return nil
}

func (w *work) hubStatus(variant string, id duis.EUI64, trigger, mpxn string) error {
	chf, err := w.load(id)
	if err != nil {
		return err
	}
	if err := w.permit(variant, inventory.PartyDevice, chf); err != nil {
		return err
	}
	if err := w.move(chf, trigger, ""); err != nil {
		return err
	}
	if mpxn != "" {
		chf.ImportMPxN = mpxn
	}
	return w.follow(chf, trigger, "")
}

func (w *work) hanLog(chfID duis.EUI64, b *duis.UpdateHANDeviceLog) error {
	variant := "8.11 " + string(b.RequestType)
	chf, err := w.load(chfID)
	if err != nil {
		return err
	}
	if err := w.permit(variant, inventory.PartyTarget, chf); err != nil {
		return err
	}
	d, err := w.load(b.DeviceID)
	if err != nil {
		return err
	}
	if err := w.permit(variant, inventory.PartyDevice, d); err != nil {
		return err
	}
	switch b.RequestType {
	case duis.HANAdd:
		if b.AddDeviceToCHFWhitelist == nil {
			return fail("E11")
		}
		if d.Type.HasStatus() {
			if err := w.move(d, inventory.TriggerHANAdd, ""); err != nil {
				return err
			}
		}
		add := b.AddDeviceToCHFWhitelist
		sealed, err := w.s.sealer.Seal(d.ID, inventory.InstallCode(add.InstallCode))
		if err != nil {
			return fail("E11")
		}
		d.sealedCode, d.CHF = sealed, chf.ID
		if add.ImportMPxN != nil {
			d.ImportMPxN = string(*add.ImportMPxN)
		}
		if d.Type == duis.DeviceGSME && chf.GPF != (duis.EUI64{}) {
			d.GPF = chf.GPF
		}
	case duis.HANRemove:
		if d.Type.HasStatus() {
			if err := w.move(d, inventory.TriggerHANRemove, ""); err != nil {
				return err
			}
		}
		d.CHF = duis.EUI64{}
	default:
		return fail("E11")
	}
	w.touch(d)
	return nil
}

func (w *work) commission(id duis.EUI64) error {
	m, err := w.load(id)
	if err != nil {
		return err
	}
	if err := w.permit("8.1.1", inventory.PartyTarget, m); err != nil {
		return err
	}
	if err := w.move(m, inventory.TriggerCommission, ""); err != nil {
		return err
	}
	m.DateCommissioned = w.now
	return nil
}

func (w *work) join(variant string, targetID, otherID duis.EUI64, join bool) error {
	t, err := w.load(targetID)
	if err != nil {
		return err
	}
	o, err := w.load(otherID)
	if err != nil {
		return err
	}
	if err := w.permit(variant, inventory.PartyTarget, t); err != nil {
		return err
	}
	if err := w.permit(variant, inventory.PartyOther, o); err != nil {
		return err
	}
	meter, dev := t, o
	if inventory.ClassOf(t.Type) != inventory.ClassMeter {
		meter, dev = o, t
	}
	if inventory.ClassOf(meter.Type) != inventory.ClassMeter || inventory.ClassOf(dev.Type) == inventory.ClassMeter {
		return fail("E11") // a join pairs a meter with a Type 1 or Type 2 device
	}
	if !join {
		if dev.Meter == meter.ID {
			dev.Meter = duis.EUI64{}
			w.touch(dev)
		}
		return nil
	}
	if inventory.ClassOf(dev.Type) == inventory.ClassType1 && dev.Status == duis.StatusWhitelisted {
		if err := w.move(dev, variant, ""); err != nil {
			return err
		}
	}
	if inventory.ClassOf(dev.Type) != inventory.ClassMeter {
		dev.Meter = meter.ID
		w.touch(dev)
	}
	return nil
}

func (w *work) updateInventory(b *duis.UpdateInventory) error {
	d, err := w.load(b.DeviceID)
	if err != nil {
		return err
	}
	switch {
	case b.UpdateDeviceStatusExceptCH != nil:
		if inventory.ClassOf(d.Type) == inventory.ClassHub {
			return fail("E11")
		}
		return w.move(d, inventory.TriggerStatusExceptCH, duis.DeviceStatus(*b.UpdateDeviceStatusExceptCH))
	case b.UpdateDeviceStatusCH != nil:
		if d.Type != duis.DeviceCHF {
			return fail("E11")
		}
		to := duis.DeviceStatus(*b.UpdateDeviceStatusCH)
		if err := w.move(d, inventory.TriggerStatusCH, to); err != nil {
			return err
		}
		return w.follow(d, inventory.TriggerStatusCH, to)
	case b.DeleteDevice != nil:
		return w.move(d, inventory.TriggerDelete, "")
	case b.UpdateDeviceDetails != nil:
		u := b.UpdateDeviceDetails
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&d.Manufacturer, u.DeviceManufacturer)
		set(&d.Model, u.DeviceModel)
		set(&d.SMETSCHTSVersion, u.SMETSCHTSVersion)
		set(&d.FirmwareVersion, u.FirmwareVersion)
		if u.ESMEVariant != nil {
			d.ESMEVariant = string(*u.ESMEVariant)
		}
	case b.UpdateMPxN != nil:
		u := b.UpdateMPxN
		switch {
		case u.ImportMPxN != nil:
			d.ImportMPxN = string(*u.ImportMPxN)
		case u.SecondaryImportMPAN != nil:
			d.SecondaryImportMPAN = string(*u.SecondaryImportMPAN)
		case u.ExportMPAN != nil:
			d.ExportMPAN = string(*u.ExportMPAN)
		}
	default:
		return fail("E11")
	}
	w.touch(d)
	return nil
}

// maxInventory is the most devices an 8.2 answer carries (DOMAIN.md §3.2).
const maxInventory = 17

func (w *work) readInventory(b *duis.ReadInventory) error {
	var ids []duis.EUI64
	switch {
	case b.DeviceID != nil:
		ids = []duis.EUI64{*b.DeviceID}
	case b.MPxN != nil:
		rows, err := w.tx.query(w.ctx, "SELECT device_id FROM devices WHERE import_mpxn = ? ORDER BY device_id LIMIT 17", string(*b.MPxN))
		if err != nil {
			return fmt.Errorf("query inventory: %w", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return fmt.Errorf("query inventory: %w", err)
			}
			ids = append(ids, parseEUIText(s))
		}
		rows.Close()
	default:
		return fail("E19") // UPRN and address are not held by this service
	}
	inv := &duis.DSPInventory{}
	seen := map[duis.EUI64]bool{}
	add := func(id duis.EUI64) error {
		if seen[id] || id == (duis.EUI64{}) || len(inv.Device) >= maxInventory {
			return nil
		}
		seen[id] = true
		d, err := w.load(id)
		if err != nil {
			return err
		}
		inv.Device = append(inv.Device, w.s.inventoryDevice(&d.Device))
		return nil
	}
	for _, id := range ids {
		if err := add(id); err != nil {
			return err
		}
	}
	if len(inv.Device) == 0 {
		return fail("E19")
	}
	w.inventory = inv
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
