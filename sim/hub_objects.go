package sim

import (
	"bytes"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// buildObjects fills the hub's object table.
func (h *Hub) buildObjects() {
	t := h.objects
	id := h.cfg.Identity
	clock := t.add(&object{class: cosem.ClassClock, ln: obisClock})
	clock.attrs[2] = &attribute{get: dynamic(func() axdr.Value {
		return axdr.OctetString(dateTime(h.now(), false).AppendBody(nil))
	}), set: func(v axdr.Value) dlms.DataAccessResult {
		d, err := axdr.ParseDateTime(v.Bytes())
		if err != nil {
			return dlms.TypeUnmatched
		}
		tm, err := d.Time(nil, axdr.DeviationNormal)
		if err != nil {
			return dlms.TypeUnmatched
		}
		h.Clock.Set(tm)
		return dlms.Success
	}, write: LevelManagement}
	clock.attrs[3] = &attribute{get: value(axdr.Int16(0))}
	clock.attrs[4] = &attribute{get: dynamic(func() axdr.Value {
		if h.cfg.Quirks.Has(QuirkNoWAN) {
			return axdr.Uint8(uint8(axdr.StatusDoubtful)) // no network time: unreliable
		}
		return axdr.Uint8(0)
	})}
	for ln, s := range map[cosem.OBIS]string{obisLDN: id.LogicalDeviceName} {
		t.add(&object{class: cosem.ClassData, ln: ln}).attrs[2] = &attribute{get: value(axdr.OctetString([]byte(s)))}
	}
	for _, kv := range []struct {
		ln cosem.OBIS
		s  string
	}{{obisSerial, id.Serial}, {obisDeviceID, h.id.String()}, {obisGPFDeviceID, h.gpf.String()}, {obisFirmware, id.Firmware}} {
		t.add(&object{class: cosem.ClassData, ln: kv.ln}).attrs[2] = &attribute{get: value(axdr.VisibleString(kv.s))}
	}

	// ZigBee network control (class 104; DOMAIN.md §9 for the GB use).
	nc := t.add(&object{class: cosem.ClassZigBeeNetworkControl, ln: obisNetworkControl})
	nc.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return axdr.Bool(h.joinEnabled && !h.now().After(h.joinUntil)) }),
		read: LevelReader, write: LevelManagement, set: func(v axdr.Value) dlms.DataAccessResult {
			if v.Type() != axdr.TypeBoolean {
				return dlms.TypeUnmatched
			}
			h.joinEnabled = v.Bool()
			h.joinUntil = h.now().Add(time.Duration(h.joinTimeout) * time.Second)
			if h.joinEnabled {
				h.addEvent(EventJoinEnabled, fmt.Sprintf("joining enabled for %d s", h.joinTimeout))
				h.joinWaiting()
			}
			return dlms.Success
		}}
	nc.attrs[3] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint16(h.joinTimeout) }),
		read: LevelReader, write: LevelManagement, set: func(v axdr.Value) dlms.DataAccessResult {
			if v.Type() != axdr.TypeLongUnsigned || v.Uint() < 1 || v.Uint() > 3600 {
				return dlms.TypeUnmatched
			}
			h.joinTimeout = uint16(v.Uint())
			return dlms.Success
		}}
	nc.attrs[4] = &attribute{get: dynamic(func() axdr.Value { return h.activeDevices() }), read: LevelReader}
	nc.methods[1] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) { // register_device
		if p.Type() != axdr.TypeStructure || p.Len() < 3 || len(p.Index(0).Bytes()) != 8 {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		var e EUI64
		copy(e[:], p.Index(0).Bytes())
		code := p.Index(2).Bytes()
		if len(code) < 6 || len(code) > 16 {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		if !h.register(e, code) {
			return axdr.Null(), dlms.ActionResult(dlms.TemporaryFailure)
		}
		return axdr.Null(), 0
	}
	nc.methods[2] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) { // unregister_device
		if len(p.Bytes()) != 8 {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		var e EUI64
		copy(e[:], p.Bytes())
		if !h.unregister(e) {
			return axdr.Null(), dlms.ActionResult(dlms.ObjectUnavailable)
		}
		return axdr.Null(), 0
	}
	nc.methods[3] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { // unregister_all
		for len(h.log) > 1 { // the GPF's entry stays
			h.unregister(h.log[1].DeviceID)
		}
		return axdr.Null(), 0
	}
	nc.methods[4] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { return h.backup(h.log), 0 } // backup_PAN
	nc.methods[5] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) {                           // restore_PAN (CCS03)
		pan, entries, ok := parseRestore(p, h.cfg.Capacity+1) // room for the old hub's GPF entry
		if !ok {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		h.restore(pan, entries)
		return axdr.Null(), 0
	}

	gl := t.add(&object{class: cosem.ClassZigBeeNetworkControl, ln: obisGPFDeviceLog})
	gl.methods[4] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { // backup: the GPF device log
		log := make([]LogEntry, len(h.gpfLog))
		for i, id := range h.gpfLog {
			log[i] = LogEntry{DeviceID: id}
		}
		return h.backup(log), 0
	}

	// The GPF's copy of the gas meter's volume register (simulator's
	// choice, HUBPROFILE.md): the first GSME of the GPF device log that has
	// joined; 0 until one has (the GPF holds no gas data yet).
	gas := t.add(&object{class: cosem.ClassRegister, ln: obisGPFGasVolume})
	gas.attrs[2] = &attribute{get: dynamic(func() axdr.Value {
		if g := h.joinedGas(); g != nil {
			return axdr.Uint32(g.VolumeDm3())
		}
		return axdr.Uint32(0)
	}), read: LevelReader}
	gas.attrs[3] = &attribute{get: value(scalerUnit(-3, cosem.UnitCubicMetre)), read: LevelReader}

	hl := t.add(&object{class: cosem.ClassZigBeeNetworkControl, ln: obisHistoricLog})
	hl.methods[4] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { return h.backup(h.historic), 0 }

	// WAN: GSM diagnostic (class 47).
	gsm := t.add(&object{class: cosem.ClassGSMDiagnostic, version: 1, ln: obisGSMDiagnostic})
	noWAN := h.cfg.Quirks.Has(QuirkNoWAN)
	w := h.cfg.WAN
	gsm.attrs[2] = &attribute{get: value(axdr.VisibleString(w.Operator))}
	gsm.attrs[3] = &attribute{get: value(axdr.Enum(map[bool]uint8{true: 0, false: 1}[noWAN]))} // 0 not registered, 1 home network
	gsm.attrs[4] = &attribute{get: value(axdr.Enum(map[bool]uint8{true: 0, false: 1}[noWAN]))} // CS attachment
	gsm.attrs[5] = &attribute{get: value(axdr.Enum(map[bool]uint8{true: 0, false: 4}[noWAN]))} // PS status: 4 = LTE/attached (unverified)
	gsm.attrs[6] = &attribute{get: value(h.cellInfo())}
	gsm.attrs[7] = &attribute{get: value(axdr.Array())}
	gsm.attrs[8] = &attribute{get: dynamic(func() axdr.Value { return axdr.OctetString(dateTime(h.now(), false).AppendBody(nil)) })}

	// CHF event log.
	code := t.add(&object{class: cosem.ClassData, ln: obisHubEventCode})
	code.attrs[2] = &attribute{get: dynamic(func() axdr.Value {
		if len(h.events) == 0 {
			return axdr.Uint16(0)
		}
		return axdr.Uint16(h.events[len(h.events)-1].code)
	}), read: LevelReader}
	last := func() event {
		if len(h.events) == 0 {
			return event{}
		}
		return h.events[len(h.events)-1]
	}
	dev := t.add(&object{class: cosem.ClassData, ln: obisHubEventDevice})
	dev.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return eventDevice(last()) }), read: LevelReader}
	det := t.add(&object{class: cosem.ClassData, ln: obisHubEventDetail})
	det.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint8(uint8(last().detail)) }), read: LevelReader}
	el := t.add(&object{class: cosem.ClassProfileGeneric, version: 1, ln: obisHubEventLog})
	el.attrs[2] = &attribute{get: func(*dlms.SelectiveAccess) (axdr.Value, dlms.DataAccessResult) {
		rows := make([]axdr.Value, len(h.events))
		for i, e := range h.events {
			rows[i] = axdr.Structure(axdr.OctetString(dateTime(e.at, false).AppendBody(nil)), axdr.Uint16(e.code),
				eventDevice(e), axdr.Uint8(uint8(e.detail)))
		}
		return axdr.Array(rows...), dlms.Success
	}, read: LevelReader}
	el.attrs[3] = &attribute{get: value(axdr.Array(capture(cosem.ClassClock, obisClock, 2), capture(cosem.ClassData, obisHubEventCode, 2),
		capture(cosem.ClassData, obisHubEventDevice, 2), capture(cosem.ClassData, obisHubEventDetail, 2)))}
	el.attrs[7] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint32(uint32(len(h.events))) })}
	el.attrs[8] = &attribute{get: value(axdr.Uint32(eventLogEntries))}

	assoc := t.add(&object{class: cosem.ClassAssociationLN, version: 1, ln: obisAssociation})
	assoc.attrs[2] = &attribute{} // the object list, per association (view.GetAttribute)
	assoc.attrs[8] = &attribute{get: value(axdr.Enum(2))}

	// Local delivery (HUBPROFILE.md).
	ld := t.add(&object{class: LocalDeliveryClass, ln: obisLocalDelivery})
	ld.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint32(uint32(h.delivered)) }), read: LevelReader}
	ld.methods[1] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) {
		if p.Type() != axdr.TypeOctetString {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		resp, err := h.deliver(p.Bytes())
		if err != nil {
			h.logf("local delivery: %v", err)
			return axdr.Null(), dlms.ActionResult(dlms.OtherReason)
		}
		h.delivered++
		return axdr.OctetString(resp), 0
	}
}

// cellInfo is the GSM diagnostic cell_info structure (class 47 attr 6).
func (h *Hub) cellInfo() axdr.Value {
	w := h.cfg.WAN
	csq := uint8(99)
	if !h.cfg.Quirks.Has(QuirkNoWAN) {
		csq = uint8(max(0, min(31, (w.Signal+113)/2)))
	}
	return axdr.Structure(axdr.Uint32(w.CellID), axdr.Uint16(w.LAC), axdr.Uint8(csq), axdr.Uint8(99),
		axdr.Uint16(w.MCC), axdr.Uint16(w.MNC), axdr.Uint32(0))
}

// activeDevices is class 104 attribute 4: one 14-field entry per device
// (DOMAIN.md §9: mac, status, RSSI max/avg/min, LQI max/avg/min, last
// communication, hops, failures, successes, application and stack version).
func (h *Hub) activeDevices() axdr.Value {
	rows := make([]axdr.Value, 0, len(h.log))
	for _, e := range h.log[1:] { // the GPF is left out, as CCS06 may (DOMAIN.md §9)
		status := byte(0x80) // authorised
		if len(e.LinkKeyHash) > 0 {
			status |= 0x40 // reporting
		}
		last := axdr.OctetString(bytes.Repeat([]byte{0xFF}, 12))
		if !e.LastSeen.IsZero() {
			last = axdr.OctetString(dateTime(e.LastSeen, false).AppendBody(nil))
		}
		rows = append(rows, axdr.Structure(axdr.OctetString(e.DeviceID[:]), axdr.BitString([]byte{status}, 5),
			axdr.Int8(e.RSSI+12), axdr.Int8(e.RSSI), axdr.Int8(e.RSSI-20),
			axdr.Uint8(255), axdr.Uint8(220), axdr.Uint8(160), last,
			axdr.Uint8(1), axdr.Uint16(0), axdr.Uint16(412), axdr.Uint8(1), axdr.Uint8(2)))
	}
	return axdr.Array(rows...)
}

// backup is the backup structure of CS14 and CCS07: {date-time, extended
// PAN id, array of {EUI-64, hashed link key (0 or 16 bytes)}}.
func (h *Hub) backup(log []LogEntry) axdr.Value {
	rows := make([]axdr.Value, len(log))
	for i, e := range log {
		rows[i] = axdr.Structure(axdr.OctetString(e.DeviceID[:]), axdr.OctetString(e.LinkKeyHash))
	}
	return axdr.Structure(axdr.OctetString(dateTime(h.now(), false).AppendBody(nil)), axdr.OctetString(h.panID[:]), axdr.Array(rows...))
}

// eventDevice is the device column of a CHF event log entry: the EUI-64,
// or an empty octet-string when the event concerns no device.
func eventDevice(e event) axdr.Value {
	if e.device == (EUI64{}) {
		return axdr.OctetString(nil)
	}
	return axdr.OctetString(e.device[:])
}

// parseRestore checks the restore_PAN parameter (class 104 method 5,
// CCS03, DOMAIN.md §9): {extended PAN ID (8 bytes), array of {EUI-64,
// hashed link key (0 or 16 bytes)}}, at most capacity entries, no EUI-64
// twice.
func parseRestore(p axdr.Value, capacity int) (EUI64, []LogEntry, bool) {
	var pan EUI64
	if p.Type() != axdr.TypeStructure || p.Len() != 2 || p.Index(0).Type() != axdr.TypeOctetString ||
		len(p.Index(0).Bytes()) != 8 || p.Index(1).Type() != axdr.TypeArray || p.Index(1).Len() > capacity {
		return pan, nil, false
	}
	copy(pan[:], p.Index(0).Bytes())
	seen := map[EUI64]bool{}
	var entries []LogEntry
	for _, e := range p.Index(1).Elems() {
		if e.Type() != axdr.TypeStructure || e.Len() != 2 || e.Index(0).Type() != axdr.TypeOctetString ||
			e.Index(1).Type() != axdr.TypeOctetString {
			return pan, nil, false
		}
		id, key := e.Index(0).Bytes(), e.Index(1).Bytes()
		if len(id) != 8 || (len(key) != 0 && len(key) != 16) {
			return pan, nil, false
		}
		var d EUI64
		copy(d[:], id)
		if seen[d] {
			return pan, nil, false
		}
		seen[d] = true
		entries = append(entries, LogEntry{DeviceID: d, LinkKeyHash: append([]byte(nil), key...), RSSI: -58})
	}
	return pan, entries, true
}

// restore replaces the device log with a restored one and forms the
// network on the given extended PAN ID (CCS03, 8.12.1). Restored entries
// carry no install code: a device with a hashed link key rejoins with
// that key (an attached meter is back on the HAN at once); one without
// must be registered again. The hub's own GPF entry stays first. The
// caller holds h.mu.
func (h *Hub) restore(pan EUI64, entries []LogEntry) {
	h.panID = pan
	log := []LogEntry{h.log[0]}
	for _, e := range entries {
		if e.DeviceID != h.gpf {
			log = append(log, e)
		}
	}
	h.log = log
	for i := range h.log {
		e := &h.log[i]
		if m, ok := h.meters[e.DeviceID]; ok && len(e.LinkKeyHash) > 0 {
			e.LastSeen = h.now()
			m.mu.Lock()
			m.joined[h.id.String()] = true
			m.addEvent(logComms, EventHANJoined, "HAN joined "+h.id.String())
			m.mu.Unlock()
		}
	}
	h.addEvent(EventDeviceLogChanged, fmt.Sprintf("device log restored: %d devices, extended PAN ID %s", len(entries), pan))
}
