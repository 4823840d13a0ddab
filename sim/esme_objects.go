package sim

import (
	"math"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// OBIS codes of the simulated meter's objects (IEC 62056-6-1; GB CS
// choices where the public sources name them, otherwise the usual DLMS UA
// codes).
var (
	obisClock          = cosem.OBIS{0, 0, 1, 0, 0, 255}
	obisLDN            = cosem.OBIS{0, 0, 42, 0, 0, 255}
	obisSerial         = cosem.OBIS{0, 0, 96, 1, 0, 255}
	obisDeviceID       = cosem.OBIS{0, 0, 96, 1, 1, 255}
	obisFirmware       = cosem.OBIS{1, 0, 0, 2, 0, 255}
	obisCommFirmware   = cosem.OBIS{1, 1, 0, 2, 0, 255}
	obisImport         = cosem.OBIS{1, 0, 1, 8, 0, 255}
	obisImportRate1    = cosem.OBIS{1, 0, 1, 8, 1, 255}
	obisImportRate2    = cosem.OBIS{1, 0, 1, 8, 2, 255}
	obisExport         = cosem.OBIS{1, 0, 2, 8, 0, 255}
	obisVoltage        = cosem.OBIS{1, 0, 32, 7, 0, 255}
	obisCurrent        = cosem.OBIS{1, 0, 31, 7, 0, 255}
	obisPower          = cosem.OBIS{1, 0, 16, 7, 0, 255}
	obisFrequency      = cosem.OBIS{1, 0, 14, 7, 0, 255}
	obisStatus         = cosem.OBIS{0, 0, 96, 10, 1, 255}
	obisLoadProfile    = cosem.OBIS{1, 0, 99, 1, 0, 255}
	obisBilling        = cosem.OBIS{0, 0, 98, 1, 0, 255}
	obisDisconnect     = cosem.OBIS{0, 0, 96, 3, 10, 255}
	obisHDLCSetup      = cosem.OBIS{0, 0, 22, 0, 0, 255}
	obisLocalPort      = cosem.OBIS{0, 0, 20, 0, 0, 255}
	obisSecuritySetup  = cosem.OBIS{0, 0, 43, 0, 0, 255}
	obisInvocation     = cosem.OBIS{0, 0, 43, 1, 0, 255}
	obisAssociation    = cosem.OBIS{0, 0, 40, 0, 0, 255}
	obisEventCode      = cosem.OBIS{0, 0, 96, 11, 0, 255}
	obisStandardLog    = cosem.OBIS{0, 0, 99, 98, 0, 255}
	obisFraudLog       = cosem.OBIS{0, 0, 99, 98, 1, 255}
	obisPowerQualLog   = cosem.OBIS{0, 0, 99, 98, 4, 255}
	obisCommsLog       = cosem.OBIS{0, 0, 99, 98, 5, 255}
	obisEventCodeFraud = cosem.OBIS{0, 0, 96, 11, 1, 255}
	obisEventCodePQ    = cosem.OBIS{0, 0, 96, 11, 4, 255}
	obisEventCodeComms = cosem.OBIS{0, 0, 96, 11, 5, 255}
)

// Exported names of the meter's main objects, for tests and the CLI.
var (
	ClockOBIS       = obisClock
	LoadProfileOBIS = obisLoadProfile
	BillingOBIS     = obisBilling
	ImportOBIS      = obisImport
)

func scalerUnit(scaler int8, unit cosem.Unit) axdr.Value {
	return axdr.Structure(axdr.Int8(scaler), axdr.Enum(uint8(unit)))
}

func capture(class cosem.ClassID, ln cosem.OBIS, attr int8) axdr.Value {
	return axdr.Structure(axdr.Uint16(uint16(class)), axdr.OctetString(ln[:]), axdr.Int8(attr), axdr.Uint16(0))
}

func (m *ESME) now() time.Time { return m.Clock.Now() }

// buildObjects fills the object table.
func (m *ESME) buildObjects() {
	t := m.objects
	id := m.cfg.Identity
	reversed := m.cfg.Quirks.Has(QuirkInvertedDeviation)

	// Clock (class 8): UK time zone with DST (IEC 62056-6-2 §4.5.1).
	clock := t.add(&object{class: cosem.ClassClock, ln: obisClock})
	clock.attrs[2] = &attribute{get: dynamic(func() axdr.Value {
		d := dateTime(m.now(), reversed)
		return axdr.OctetString(d.AppendBody(nil))
	}), set: func(v axdr.Value) dlms.DataAccessResult {
		d, err := v.DateTime()
		if err != nil {
			if d, err = axdr.ParseDateTime(v.Bytes()); err != nil {
				return dlms.TypeUnmatched
			}
		}
		tm, err := d.Time(nil, axdr.DeviationNormal)
		if err != nil {
			return dlms.TypeUnmatched
		}
		m.Clock.Set(tm)
		m.addEvent(logStandard, 1, "clock set") // IEC standard event 1: clock adjusted (old)
		return dlms.Success
	}, write: LevelManagement}
	clock.attrs[3] = &attribute{get: value(axdr.Int16(0)), read: LevelPublic} // GMT, minutes
	clock.attrs[4] = &attribute{get: dynamic(func() axdr.Value {
		if ukDST(m.now()) {
			return axdr.Uint8(uint8(axdr.StatusDST))
		}
		return axdr.Uint8(0)
	})}
	clock.attrs[5] = &attribute{get: value(dstEdge(time.March))}
	clock.attrs[6] = &attribute{get: value(dstEdge(time.October))}
	clock.attrs[7] = &attribute{get: value(axdr.Int8(60))}
	clock.attrs[8] = &attribute{get: value(axdr.Bool(true))}
	clock.attrs[9] = &attribute{get: dynamic(func() axdr.Value { return axdr.Enum(m.clockBase) }), // 1 internal crystal
		set: func(v axdr.Value) dlms.DataAccessResult {
			if v.Type() != axdr.TypeEnum || v.Uint() > 5 {
				return dlms.TypeUnmatched
			}
			m.clockBase = uint8(v.Uint())
			return dlms.Success
		}, write: LevelManagement}
	// preset_adjusting_time {preset_time, validity_interval_start,
	// validity_interval_end} and adjust_to_preset_time (IEC 62056-6-2
	// §4.5.1 methods 5 and 4), as GBCS ECS70 commission uses them.
	clock.methods[5] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) {
		if p.Type() != axdr.TypeStructure || p.Len() != 3 {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		var ts [3]time.Time
		for i := range ts {
			d, err := axdr.ParseDateTime(p.Index(i).Bytes())
			if err != nil {
				return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
			}
			if ts[i], err = d.Time(nil, axdr.DeviationNormal); err != nil {
				return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
			}
		}
		m.preset = ts
		return axdr.Null(), 0
	}
	clock.methods[4] = func(axdr.Value) (axdr.Value, dlms.ActionResult) {
		now := m.now()
		if m.preset[0].IsZero() || now.Before(m.preset[1]) || now.After(m.preset[2]) {
			return axdr.Null(), dlms.ActionResult(dlms.TemporaryFailure)
		}
		m.Clock.Set(m.preset[0])
		m.preset = [3]time.Time{}
		m.addEvent(logStandard, EventClockAdjusted, "clock adjusted to preset time")
		return axdr.Null(), 0
	}
	clock.methods[6] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) { // shift_time, seconds
		m.Clock.Shift(time.Duration(p.Int()) * time.Second)
		return axdr.Null(), 0
	}

	// Identity (class 1 Data).
	str := func(ln cosem.OBIS, s string, visible bool) {
		v := axdr.OctetString([]byte(s))
		if visible {
			v = axdr.VisibleString(s)
		}
		t.add(&object{class: cosem.ClassData, ln: ln}).attrs[2] = &attribute{get: value(v)}
	}
	str(obisLDN, id.LogicalDeviceName, false)
	str(obisSerial, id.Serial, true)
	str(obisDeviceID, id.DeviceID, true)
	str(obisFirmware, id.Firmware, true)
	str(obisCommFirmware, id.CommFirmware, true)

	// Energy registers (class 3) with scaler and unit.
	reg := func(ln cosem.OBIS, f func(Totals) uint32) {
		o := t.add(&object{class: cosem.ClassRegister, ln: ln})
		o.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint32(f(m.Totals())) }), read: LevelReader}
		o.attrs[3] = &attribute{get: value(scalerUnit(0, cosem.UnitWattHour))}
	}
	reg(obisImport, func(x Totals) uint32 { return x.Import })
	reg(obisImportRate1, func(x Totals) uint32 { return x.Rate1 })
	reg(obisImportRate2, func(x Totals) uint32 { return x.Rate2 })
	reg(obisExport, func(x Totals) uint32 { return x.Export })

	// Instantaneous values.
	inst := func(ln cosem.OBIS, scaler int8, unit cosem.Unit, pick func(v, a, w, hz float64) float64, signed bool) {
		o := t.add(&object{class: cosem.ClassRegister, ln: ln})
		o.attrs[2] = &attribute{get: dynamic(func() axdr.Value {
			v, a, w, hz := m.energy.Instant(m.now())
			if !m.connected { // m.mu is held by the view
				a, w = 0, 0
			}
			x := math.Round(pick(v, a, w, hz) / math.Pow10(int(scaler)))
			if signed {
				return axdr.Int32(int32(x))
			}
			return axdr.Uint16(uint16(x))
		}), read: LevelReader}
		o.attrs[3] = &attribute{get: value(scalerUnit(scaler, unit))}
	}
	inst(obisVoltage, -1, cosem.UnitVolt, func(v, _, _, _ float64) float64 { return v }, false)
	inst(obisCurrent, -2, cosem.UnitAmpere, func(_, a, _, _ float64) float64 { return a }, false)
	inst(obisPower, 0, cosem.UnitWatt, func(_, _, w, _ float64) float64 { return w }, true)
	inst(obisFrequency, -2, cosem.UnitHertz, func(_, _, _, hz float64) float64 { return hz }, false)

	// Status word (class 1), captured in the profiles.
	t.add(&object{class: cosem.ClassData, ln: obisStatus}).attrs[2] = &attribute{get: dynamic(func() axdr.Value {
		return axdr.Uint8(m.statusWord())
	}), read: LevelReader}

	m.addProfiles()
	m.addEventLogs()
	m.addSetups()

	// Association LN (class 15): the object list as the caller sees it.
	// Each association has its own view, so the getter is filled per view
	// in view.GetAttribute through levelGetter.
	assoc := t.add(&object{class: cosem.ClassAssociationLN, version: 1, ln: obisAssociation})
	assoc.attrs[2] = &attribute{}                         // see view.GetAttribute: depends on the level
	assoc.attrs[8] = &attribute{get: value(axdr.Enum(2))} // associated
}

// statusWord is the profile status byte of IEC 62056-6-2 profile status
// (bit 2 clock adjusted, bit 3 DST, bit 5 power down) kept simple: DST and
// the disconnect state.
func (m *ESME) statusWord() uint8 {
	var s uint8
	if ukDST(m.now()) {
		s |= 0x08
	}
	if !m.connected {
		s |= 0x40
	}
	return s
}

// dstEdge is a Clock daylight_savings_begin/end: last Sunday of the month
// at 01:00, year and day not specified (IEC 62056-6-2 §4.1.6.1).
func dstEdge(mon time.Month) axdr.Value {
	d := axdr.DateTime{Year: axdr.YearNotSpecified, Month: uint8(mon), Day: 0xFE, DayOfWeek: 7,
		Hour: 1, Minute: 0, Second: 0, Hundredths: 0xFF, Deviation: axdr.DeviationNotSpecified, Status: axdr.StatusNotSpecified}
	return axdr.OctetString(d.AppendBody(nil))
}

// addSetups adds disconnect control, IEC HDLC setup, IEC local port setup,
// security setup and the invocation counter.
func (m *ESME) addSetups() {
	t := m.objects
	cfg := m.cfg
	dc := t.add(&object{class: cosem.ClassDisconnectControl, ln: obisDisconnect})
	dc.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return axdr.Bool(m.connected) }), read: LevelReader}
	dc.attrs[3] = &attribute{get: dynamic(func() axdr.Value {
		if m.connected {
			return axdr.Enum(uint8(cosem.ControlState(1)))
		}
		return axdr.Enum(0)
	}), read: LevelReader}
	dc.attrs[4] = &attribute{get: dynamic(func() axdr.Value { return axdr.Enum(m.controlMode) }), read: LevelReader,
		set: func(v axdr.Value) dlms.DataAccessResult {
			if v.Type() != axdr.TypeEnum || v.Uint() > 6 {
				return dlms.TypeUnmatched
			}
			m.controlMode = uint8(v.Uint())
			return dlms.Success
		}, write: LevelManagement}
	dc.methods[1] = func(axdr.Value) (axdr.Value, dlms.ActionResult) {
		if m.connected {
			m.connected = false
			m.addEvent(logStandard, 0x00CB, "supply disconnected")
		}
		return axdr.Null(), 0
	}
	dc.methods[2] = func(axdr.Value) (axdr.Value, dlms.ActionResult) {
		if !m.connected {
			m.connected = true
			m.addEvent(logStandard, 0x00CC, "supply armed and connected")
		}
		return axdr.Null(), 0
	}

	baud, _ := cosem.BaudOf(cfg.MaxBaud)
	hs := t.add(&object{class: cosem.ClassIECHDLCSetup, version: 1, ln: obisHDLCSetup})
	hs.attrs[2] = &attribute{get: value(axdr.Enum(uint8(baud)))}
	hs.attrs[3] = &attribute{get: value(axdr.Uint8(uint8(cfg.Window)))}
	hs.attrs[4] = &attribute{get: value(axdr.Uint8(uint8(cfg.Window)))}
	hs.attrs[5] = &attribute{get: value(axdr.Uint16(uint16(cfg.MaxInfo)))}
	hs.attrs[6] = &attribute{get: value(axdr.Uint16(uint16(cfg.MaxInfo)))}
	hs.attrs[7] = &attribute{get: value(axdr.Uint16(25))}  // inter-octet time-out, ms
	hs.attrs[8] = &attribute{get: value(axdr.Uint16(120))} // inactivity time-out, s
	hs.attrs[9] = &attribute{get: value(axdr.Uint16(1))}   // logical device address

	lp := t.add(&object{class: cosem.ClassIECLocalPortSetup, ln: obisLocalPort})
	lp.attrs[2] = &attribute{get: value(axdr.Enum(1))} // default mode: IEC 62056-21 then mode E
	lp.attrs[3] = &attribute{get: value(axdr.Enum(0))} // 300 Bd
	lp.attrs[4] = &attribute{get: value(axdr.Enum(uint8(baud)))}
	lp.attrs[5] = &attribute{get: value(axdr.Enum(func() uint8 {
		if cfg.ReactionTime < 200*time.Millisecond {
			return 0
		}
		return 1
	}()))}
	lp.attrs[6] = &attribute{get: value(axdr.OctetString([]byte(cfg.Identity.Address)))}

	ss := t.add(&object{class: cosem.ClassSecuritySetup, ln: obisSecuritySetup})
	ss.attrs[2] = &attribute{get: value(axdr.Enum(3)), read: LevelReader} // authenticated and encrypted
	ss.attrs[3] = &attribute{get: value(axdr.Enum(0)), read: LevelReader} // suite 0
	ss.attrs[5] = &attribute{get: value(axdr.OctetString(cfg.Secrets.SystemTitle))}

	ic := t.add(&object{class: cosem.ClassData, ln: obisInvocation})
	ic.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint32(m.invocationCounter()) })}
}

// invocationCounter is the management association's next frame counter
// as far as the simulator knows it: dlms.Server keeps its own and does not
// show it, so the meter counts the ciphered APDUs it has sent.
func (m *ESME) invocationCounter() uint32 { return m.sentIC }
