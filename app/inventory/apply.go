package inventory

import (
	"errors"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
)

// SMI is what Apply reads: devices as they stand. Device returns nil, nil
// for a device not in the SMI; any error it returns (a lookup failure, or
// a caller's "not allowed to see this device") is passed back by Apply
// unchanged. Apply changes the Devices it is given, so return copies.
type SMI interface {
	Device(id duis.EUI64) (*Device, error)
	// DevicesByMPxN lists up to max devices whose ImportMPxN is mpxn.
	DevicesByMPxN(mpxn string, max int) ([]duis.EUI64, error)
}

// Effect is what a service request does to the SMI. With an error Code
// (E5, E11, E19, E120201) nothing changes and the other fields are empty.
type Effect struct {
	Code         duis.ResponseCode // I0, or the DUIS error code of the refusal
	Changed      []*Device         // devices created or updated, in order
	Created      []duis.EUI64      // the new ones among Changed
	Deleted      []duis.EUI64
	History      []StatusChange
	InstallCodes map[duis.EUI64]InstallCode // to store (sealed) with the device
	Inventory    []*Device                  // an 8.2 answer
	Warnings     []Finding                  // CPL findings on new devices
	// Relayed is set for a request the service accepts and relays toward
	// the DCC: the reads 8.9 Read Device Log and 11.2 Read Firmware
	// Version, and 8.12.1 Restore HAN Device Log of a CH exchange. Nothing
	// changes in the SMI, and Code is I99, the acknowledgement that the
	// request passed access control (DOMAIN.md §14); the result is the
	// device's, which only the DCC returns (for 8.12.1 the DCC alert
	// DeviceLogRestored, DOMAIN.md §11.2).
	Relayed bool
}

// MaxInventory is the most devices an 8.2 answer carries (DOMAIN.md §3.2).
const MaxInventory = 17

type refusal struct{ code duis.ResponseCode }

func (r refusal) Error() string { return "refused with " + string(r.code) }

func refuse(code duis.ResponseCode) error { return refusal{code} }

type applier struct {
	r    *Rules
	smi  SMI
	cpl  *CPL
	req  *duis.Request
	rid  string
	now  time.Time
	devs map[duis.EUI64]*Device
	eff  Effect
}

// Apply works out what req does to the SMI under r: which devices change
// status (by which transition row), which associations and details change,
// and the DUIS code of the outcome, for the install-flow service requests
// (12.2, 8.14.1–8.14.4, 8.11, 8.1.1, 8.7.x, 8.8.x, 8.2, 8.3, 8.4, 8.13),
// the post-check reads (8.9, 11.2; DOMAIN.md §7 step 9) and the CH
// exchange's 8.12.1 (§6.1, §9 CCS03); the last three it checks against the
// permission rows and marks Relayed.
// It writes nothing: the server stores the Effect, the app uses it to warn
// before a request is queued. cpl may be nil.
func (r *Rules) Apply(req *duis.Request, smi SMI, cpl *CPL, now time.Time) (*Effect, error) {
	a := &applier{r: r, smi: smi, cpl: cpl, req: req, rid: req.Header.RequestID.String(), now: now.UTC(), devs: map[duis.EUI64]*Device{}}
	err := a.dispatch()
	var rf refusal
	switch {
	case errors.As(err, &rf):
		return &Effect{Code: rf.code}, nil
	case err != nil:
		return nil, err
	}
	a.eff.Code = duis.CodeSuccess
	if a.eff.Relayed {
		a.eff.Code = duis.CodeAcknowledgement
	}
	return &a.eff, nil
}

func (a *applier) load(id duis.EUI64) (*Device, error) {
	if d, ok := a.devs[id]; ok {
		return d, nil
	}
	d, err := a.smi.Device(id)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, refuse("E19")
	}
	a.devs[id] = d
	return d, nil
}

func (a *applier) touch(d *Device) {
	for _, c := range a.eff.Changed {
		if c.ID == d.ID {
			return
		}
	}
	a.eff.Changed = append(a.eff.Changed, d)
}

func (a *applier) permit(variant string, party Party, d *Device) error {
	if err := a.r.Permit(variant, party, d.Type, d.Status); err != nil {
		return refuse(ResponseCodeOf(err))
	}
	return nil
}

func (a *applier) move(d *Device, trigger string, to duis.DeviceStatus) error {
	row, err := a.r.Transition(trigger, d.Type, d.Status, to)
	if err != nil {
		return refuse(ResponseCodeOf(err))
	}
	a.eff.History = append(a.eff.History, StatusChange{Device: d.ID, Type: d.Type, From: d.Status, To: row.To,
		At: a.now, Trigger: trigger, Rule: row.ID, RequestID: a.rid})
	if row.To == StatusDeleted {
		a.eff.Deleted = append(a.eff.Deleted, d.ID)
		return nil
	}
	if row.To != d.Status {
		d.Status, d.StatusSince = row.To, a.now
	}
	a.touch(d)
	return nil
}

// follow moves a CHF's GPF with it where the table allows; a GPF in a
// status the table does not move stays as it is.
func (a *applier) follow(chf *Device, trigger string, to duis.DeviceStatus) error {
	if chf.GPF == (duis.EUI64{}) {
		return nil
	}
	gpf, err := a.smi.Device(chf.GPF)
	if err != nil || gpf == nil {
		return err
	}
	if _, err := a.r.Transition(trigger, gpf.Type, gpf.Status, to); err != nil {
		return nil
	}
	a.devs[gpf.ID] = gpf
	return a.move(gpf, trigger, to)
}

func (a *applier) dispatch() error {
	target := a.req.Header.RequestID.Target
	switch b := a.req.Body.(type) {
	case *duis.DevicePrenotification:
		return a.prenotify(b)
	case *duis.CHFInstallSuccessSMWAN:
		return a.hubStatus("8.14.1", b.DeviceID, TriggerInstallWAN, string(b.MPxN))
	case *duis.CHFInstallSuccessNoSMWAN:
		return a.hubStatus("8.14.2", b.DeviceID, TriggerInstallNoWAN, string(b.MPxN))
	case *duis.CHFFaultReturn:
		return a.hubStatus("8.14.3", b.DeviceID, TriggerFaultReturn, "")
	case *duis.CHFNoFaultReturn:
		return a.hubStatus("8.14.4", b.DeviceID, TriggerNoFaultReturn, "")
	case *duis.UpdateHANDeviceLog:
		return a.hanLog(target, b)
	case *duis.CommissionDevice, *duis.SignedPreCommand:
		if a.req.Header.ServiceReferenceVariant != "8.1.1" {
			return refuse("E11")
		}
		return a.commission(target)
	case *duis.JoinServiceCritical:
		return a.join("8.7.1", target, b.OtherDeviceID, true)
	case *duis.JoinServiceNonCritical:
		return a.join("8.7.2", target, b.OtherDeviceID, true)
	case *duis.UnjoinServiceCritical:
		return a.join("8.8.1", target, b.OtherDeviceID, false)
	case *duis.UnjoinServiceNonCritical:
		return a.join("8.8.2", target, b.OtherDeviceID, false)
	case *duis.DecommissionDevice:
		d, err := a.load(b.DeviceID)
		if err != nil {
			return err
		}
		if err := a.permit("8.3", PartyDevice, d); err != nil {
			return err
		}
		return a.move(d, TriggerDecommission, "")
	case *duis.UpdateInventory:
		return a.updateInventory(b)
	case *duis.ReadInventory:
		return a.readInventory(b)
	case *duis.ReturnLocalCommandResponse:
		return nil // nothing changes in the SMI; the caller keeps the request
	case *duis.ReadDeviceLog:
		if b.ReadSecurityDetails != nil {
			return a.relay(target, "8.9", VariantReadSecurityDetails)
		}
		return a.relay(target, "8.9")
	case *duis.ReadFirmwareVersion:
		return a.relay(target, "11.2")
	case *duis.RestoreHANDeviceLog:
		return a.restore(target, b.OldCHFID)
	}
	return refuse("E11")
}

func (a *applier) prenotify(b *duis.DevicePrenotification) error {
	if b.AssociatedGPFDeviceID != nil && *b.AssociatedGPFDeviceID == b.DeviceID {
		return refuse("E120201") // CHF and GPF IDs identical (DOMAIN.md §14, P7)
	}
	d := &Device{ID: b.DeviceID, Type: b.DeviceType, Manufacturer: b.DeviceManufacturer, Model: b.DeviceModel,
		Status: StatusNone, StatusSince: a.now}
	if b.SMETSCHTSVersion != nil {
		d.SMETSCHTSVersion = *b.SMETSCHTSVersion
	}
	if b.FirmwareVersion != nil {
		d.FirmwareVersion = *b.FirmwareVersion
	}
	if b.ESMEVariant != nil {
		d.ESMEVariant = string(*b.ESMEVariant)
	}
	news := []*Device{d}
	if b.AssociatedGPFDeviceID != nil {
		if b.DeviceType != duis.DeviceCHF {
			return refuse("E11")
		}
		gpf := &Device{ID: *b.AssociatedGPFDeviceID, Type: duis.DeviceGPF, Manufacturer: b.DeviceManufacturer,
			Model: b.DeviceModel, Status: StatusNone, StatusSince: a.now, CHF: b.DeviceID}
		d.GPF = gpf.ID
		news = append(news, gpf)
	}
	for _, n := range news {
		old, err := a.smi.Device(n.ID)
		if err != nil {
			return err
		}
		if old != nil {
			return refuse("E5") // already in the SMI: its status forbids pre-notification
		}
		a.devs[n.ID] = n
		if err := a.move(n, TriggerPrenotify, ""); err != nil {
			return err
		}
		a.touch(n)
		a.eff.Created = append(a.eff.Created, n.ID)
		if a.cpl != nil {
			a.eff.Warnings = append(a.eff.Warnings, a.cpl.Check(*n)...)
		}
	}
	return nil
}

func (a *applier) hubStatus(variant string, id duis.EUI64, trigger, mpxn string) error {
	chf, err := a.load(id)
	if err != nil {
		return err
	}
	if err := a.permit(variant, PartyDevice, chf); err != nil {
		return err
	}
	if err := a.move(chf, trigger, ""); err != nil {
		return err
	}
	if mpxn != "" {
		chf.ImportMPxN = mpxn
	}
	return a.follow(chf, trigger, "")
}

func (a *applier) hanLog(chfID duis.EUI64, b *duis.UpdateHANDeviceLog) error {
	variant := "8.11 " + string(b.RequestType)
	chf, err := a.load(chfID)
	if err != nil {
		return err
	}
	if err := a.permit(variant, PartyTarget, chf); err != nil {
		return err
	}
	d, err := a.load(b.DeviceID)
	if err != nil {
		return err
	}
	if err := a.permit(variant, PartyDevice, d); err != nil {
		return err
	}
	switch b.RequestType {
	case duis.HANAdd:
		add := b.AddDeviceToCHFWhitelist
		if add == nil || !InstallCode(add.InstallCode).valid() {
			return refuse("E11")
		}
		if d.Type.HasStatus() {
			if err := a.move(d, TriggerHANAdd, ""); err != nil {
				return err
			}
		}
		if a.eff.InstallCodes == nil {
			a.eff.InstallCodes = map[duis.EUI64]InstallCode{}
		}
		a.eff.InstallCodes[d.ID] = InstallCode(add.InstallCode)
		d.CHF = chf.ID
		if add.ImportMPxN != nil {
			d.ImportMPxN = string(*add.ImportMPxN)
		}
		if d.Type == duis.DeviceGSME && chf.GPF != (duis.EUI64{}) {
			d.GPF = chf.GPF
		}
	case duis.HANRemove:
		if d.Type.HasStatus() {
			if err := a.move(d, TriggerHANRemove, ""); err != nil {
				return err
			}
		}
		d.CHF = duis.EUI64{}
	default:
		return refuse("E11")
	}
	a.touch(d)
	return nil
}

func (a *applier) commission(id duis.EUI64) error {
	m, err := a.load(id)
	if err != nil {
		return err
	}
	if err := a.permit("8.1.1", PartyTarget, m); err != nil {
		return err
	}
	if err := a.move(m, TriggerCommission, ""); err != nil {
		return err
	}
	m.DateCommissioned = a.now
	return nil
}

func (a *applier) join(variant string, targetID, otherID duis.EUI64, join bool) error {
	t, err := a.load(targetID)
	if err != nil {
		return err
	}
	o, err := a.load(otherID)
	if err != nil {
		return err
	}
	if err := a.permit(variant, PartyTarget, t); err != nil {
		return err
	}
	if err := a.permit(variant, PartyOther, o); err != nil {
		return err
	}
	meter, dev := t, o
	if ClassOf(t.Type) != ClassMeter {
		meter, dev = o, t
	}
	if ClassOf(meter.Type) != ClassMeter || ClassOf(dev.Type) == ClassMeter {
		return refuse("E11") // a join pairs a meter with a Type 1 or Type 2 device
	}
	if !join {
		if dev.Meter == meter.ID {
			dev.Meter = duis.EUI64{}
			a.touch(dev)
		}
		return nil
	}
	if ClassOf(dev.Type) == ClassType1 && dev.Status == duis.StatusWhitelisted {
		if err := a.move(dev, variant, ""); err != nil {
			return err
		}
	}
	dev.Meter = meter.ID
	a.touch(dev)
	return nil
}

// VariantReadSecurityDetails is the permission variant of an 8.9 that
// asks for the CHF's security details (CCS07 rather than CCS06, DOMAIN.md
// §6.2); its rows apply on top of the rows of "8.9".
const VariantReadSecurityDetails = "8.9 ReadSecurityDetails"

// relay checks a read against the permission rows of each variant given
// (the target's type and status) and marks the Effect Relayed: the read
// changes nothing in the SMI.
func (a *applier) relay(targetID duis.EUI64, variants ...string) error {
	t, err := a.load(targetID)
	if err != nil {
		return err
	}
	for _, v := range variants {
		if err := a.permit(v, PartyTarget, t); err != nil {
			return err
		}
	}
	a.eff.Relayed = true
	return nil
}

// restore checks an 8.12.1 Restore HAN Device Log (GBCS CCS03, DOMAIN.md
// §9): the target is the replacement hub (rows P8.12.1.t), OldCHFID the
// hub coming out (rows P8.12.1.old), and the two differ; a hub restored
// from itself is E11 (the SR-specific E0812xx codes have no known meaning,
// DOMAIN.md §14). It marks the Effect Relayed and changes nothing in the
// SMI: the restore happens on the hub, which the DCC reports with the
// DeviceLogRestored alert (§11.2), not when the request is accepted.
func (a *applier) restore(targetID, oldID duis.EUI64) error {
	t, err := a.load(targetID)
	if err != nil {
		return err
	}
	if err := a.permit("8.12.1", PartyTarget, t); err != nil {
		return err
	}
	old, err := a.load(oldID)
	if err != nil {
		return err
	}
	if err := a.permit("8.12.1", PartyOld, old); err != nil {
		return err
	}
	if oldID == targetID {
		return refuse("E11")
	}
	a.eff.Relayed = true
	return nil
}

// Relayed reports whether req is a request that Apply relays toward the
// DCC (8.9, 11.2, 8.12.1) rather than applies to the SMI.
func Relayed(req *duis.Request) bool {
	switch req.Body.(type) {
	case *duis.ReadDeviceLog, *duis.ReadFirmwareVersion, *duis.RestoreHANDeviceLog:
		return true
	}
	return false
}

// PostCheckRead reports whether req is one of the post-check reads (8.9
// Read Device Log, 11.2 Read Firmware Version; DOMAIN.md §7 step 9), the
// relayed requests that only read a device.
func PostCheckRead(req *duis.Request) bool {
	switch req.Body.(type) {
	case *duis.ReadDeviceLog, *duis.ReadFirmwareVersion:
		return true
	}
	return false
}

func (a *applier) updateInventory(b *duis.UpdateInventory) error {
	d, err := a.load(b.DeviceID)
	if err != nil {
		return err
	}
	switch {
	case b.UpdateDeviceStatusExceptCH != nil:
		if ClassOf(d.Type) == ClassHub {
			return refuse("E11")
		}
		return a.move(d, TriggerStatusExceptCH, duis.DeviceStatus(*b.UpdateDeviceStatusExceptCH))
	case b.UpdateDeviceStatusCH != nil:
		if d.Type != duis.DeviceCHF {
			return refuse("E11")
		}
		to := duis.DeviceStatus(*b.UpdateDeviceStatusCH)
		if err := a.move(d, TriggerStatusCH, to); err != nil {
			return err
		}
		return a.follow(d, TriggerStatusCH, to)
	case b.DeleteDevice != nil:
		return a.move(d, TriggerDelete, "")
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
		return refuse("E11")
	}
	a.touch(d)
	return nil
}

func (a *applier) readInventory(b *duis.ReadInventory) error {
	var ids []duis.EUI64
	switch {
	case b.DeviceID != nil:
		ids = []duis.EUI64{*b.DeviceID}
	case b.MPxN != nil:
		var err error
		if ids, err = a.smi.DevicesByMPxN(string(*b.MPxN), MaxInventory); err != nil {
			return fmt.Errorf("query inventory by MPxN: %w", err)
		}
	default:
		return refuse("E19") // UPRN and address queries: this SMI does not hold addresses
	}
	for _, id := range ids {
		if len(a.eff.Inventory) >= MaxInventory {
			break
		}
		d, err := a.load(id)
		if err != nil {
			return err
		}
		a.eff.Inventory = append(a.eff.Inventory, d)
	}
	if len(a.eff.Inventory) == 0 {
		return refuse("E19")
	}
	return nil
}

// Referenced returns the existing devices a request names: the Request
// ID's target for a device SR and the body's DeviceID, OtherDeviceID and
// OldCHFID (8.12.1: an installer restores only a hub of their own job).
// A 12.2 names none (its devices are new). Callers use it to check that a
// user may act on every device before applying.
func Referenced(req *duis.Request) []duis.EUI64 {
	var ids []duis.EUI64
	if v, ok := req.Variant(); ok && !v.NonDevice {
		ids = append(ids, req.Header.RequestID.Target)
	}
	switch b := req.Body.(type) {
	case *duis.CHFInstallSuccessSMWAN:
		ids = append(ids, b.DeviceID)
	case *duis.CHFInstallSuccessNoSMWAN:
		ids = append(ids, b.DeviceID)
	case *duis.CHFFaultReturn:
		ids = append(ids, b.DeviceID)
	case *duis.CHFNoFaultReturn:
		ids = append(ids, b.DeviceID)
	case *duis.UpdateHANDeviceLog:
		ids = append(ids, b.DeviceID)
	case *duis.JoinServiceCritical:
		ids = append(ids, b.OtherDeviceID)
	case *duis.JoinServiceNonCritical:
		ids = append(ids, b.OtherDeviceID)
	case *duis.UnjoinServiceCritical:
		ids = append(ids, b.OtherDeviceID)
	case *duis.UnjoinServiceNonCritical:
		ids = append(ids, b.OtherDeviceID)
	case *duis.DecommissionDevice:
		ids = append(ids, b.DeviceID)
	case *duis.UpdateInventory:
		ids = append(ids, b.DeviceID)
	case *duis.ReadInventory:
		if b.DeviceID != nil {
			ids = append(ids, *b.DeviceID)
		}
	case *duis.RestoreHANDeviceLog:
		ids = append(ids, b.OldCHFID)
	}
	return ids
}
