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
		for len(h.log) > 0 {
			h.unregister(h.log[0].DeviceID)
		}
		return axdr.Null(), 0
	}
	nc.methods[4] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { return h.backup(h.log), 0 } // backup_PAN

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
	el := t.add(&object{class: cosem.ClassProfileGeneric, version: 1, ln: obisHubEventLog})
	el.attrs[2] = &attribute{get: func(*dlms.SelectiveAccess) (axdr.Value, dlms.DataAccessResult) {
		rows := make([]axdr.Value, len(h.events))
		for i, e := range h.events {
			rows[i] = axdr.Structure(axdr.OctetString(dateTime(e.at, false).AppendBody(nil)), axdr.Uint16(e.code))
		}
		return axdr.Array(rows...), dlms.Success
	}, read: LevelReader}
	el.attrs[3] = &attribute{get: value(axdr.Array(capture(cosem.ClassClock, obisClock, 2), capture(cosem.ClassData, obisHubEventCode, 2)))}
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
	for _, e := range h.log {
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
	return axdr.Structure(axdr.OctetString(dateTime(h.now(), false).AppendBody(nil)), axdr.OctetString(h.id[:]), axdr.Array(rows...))
}
