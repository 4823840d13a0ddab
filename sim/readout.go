package sim

import (
	"fmt"

	"github.com/smetskit/smetskit/protocol/iec62056"
)

// Readout returns the meter's mode C data set now (IEC 62056-21 §6.5,
// EDIS short addresses as GB meters print them on the optical port):
// identity, time and date, energy registers in kWh, instantaneous values,
// disconnect state and the error register.
func (m *ESME) Readout() *iec62056.Readout {
	now := m.Clock.Now()
	lt := ukLocal(now)
	x := m.energy.TotalsAt(now)
	v, a, w, hz := m.energy.Instant(now)
	connected := m.Connected()
	if !connected {
		a, w = 0, 0
	}
	id := m.cfg.Identity
	rec := func(addr, val, unit string) iec62056.Record {
		return iec62056.Record{Address: addr, Values: []iec62056.Value{{Value: val, Unit: unit}}}
	}
	kwh := func(wh uint32) string { return fmt.Sprintf("%06d.%03d", wh/1000, wh%1000) }
	state := "1"
	if !connected {
		state = "0"
	}
	return &iec62056.Readout{Records: []iec62056.Record{
		rec("0.0.0", id.Serial, ""),
		rec("C.1.0", id.Serial, ""),
		rec("0.2.0", id.Firmware, ""),
		rec("0.9.1", lt.Format("150405"), ""),
		rec("0.9.2", lt.Format("060102"), ""),
		rec("1.8.0", kwh(x.Import), "kWh"),
		rec("1.8.1", kwh(x.Rate1), "kWh"),
		rec("1.8.2", kwh(x.Rate2), "kWh"),
		rec("2.8.0", kwh(x.Export), "kWh"),
		rec("32.7.0", fmt.Sprintf("%05.1f", v), "V"),
		rec("31.7.0", fmt.Sprintf("%06.2f", a), "A"),
		rec("16.7.0", fmt.Sprintf("%07.3f", w/1000), "kW"),
		rec("14.7.0", fmt.Sprintf("%05.2f", hz), "Hz"),
		rec("96.3.10", state, ""),
		rec("F.F", "00000000", ""),
	}}
}
