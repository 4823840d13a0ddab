package cosem

import "fmt"

// Unit is the COSEM unit enumeration of a scaler_unit (IEC 62056-6-2,
// "unit" of class 3; PROTOCOLS.md §7).
type Unit uint8

// Units a field engineer reads most.
const (
	UnitYear       Unit = 1
	UnitMonth      Unit = 2
	UnitWeek       Unit = 3
	UnitDay        Unit = 4
	UnitHour       Unit = 5
	UnitMinute     Unit = 6
	UnitSecond     Unit = 7
	UnitDegree     Unit = 8
	UnitCelsius    Unit = 9
	UnitCurrency   Unit = 10
	UnitCubicMetre Unit = 13
	UnitWatt       Unit = 27
	UnitVoltAmpere Unit = 28
	UnitVar        Unit = 29
	UnitWattHour   Unit = 30
	UnitVAHour     Unit = 31
	UnitVarHour    Unit = 32
	UnitAmpere     Unit = 33
	UnitVolt       Unit = 35
	UnitHertz      Unit = 44
	UnitPercent    Unit = 56
	UnitAmpereHour Unit = 57
	UnitDBm        Unit = 70
	UnitOther      Unit = 254
	UnitCount      Unit = 255 // no unit, a count
)

// unitInfo is the symbol and the quantity of each unit code. Codes 1–64
// follow the Blue Book table (symbols as printed there); 65–72 are
// (unverified) later additions.
var unitInfo = map[Unit][2]string{
	1: {"a", "time (year)"}, 2: {"mo", "time (month)"}, 3: {"wk", "time (week)"}, 4: {"d", "time (day)"},
	5: {"h", "time (hour)"}, 6: {"min", "time (minute)"}, 7: {"s", "time (second)"},
	8: {"°", "phase angle"}, 9: {"°C", "temperature"}, 10: {"currency", "local currency"},
	11: {"m", "length"}, 12: {"m/s", "speed"}, 13: {"m³", "volume"}, 14: {"m³", "corrected volume"},
	15: {"m³/h", "volume flux"}, 16: {"m³/h", "corrected volume flux"},
	17: {"m³/d", "volume flux"}, 18: {"m³/d", "corrected volume flux"},
	19: {"l", "volume"}, 20: {"kg", "mass"}, 21: {"N", "force"}, 22: {"Nm", "energy"},
	23: {"Pa", "pressure"}, 24: {"bar", "pressure"}, 25: {"J", "energy"}, 26: {"J/h", "thermal power"},
	27: {"W", "active power"}, 28: {"VA", "apparent power"}, 29: {"var", "reactive power"},
	30: {"Wh", "active energy"}, 31: {"VAh", "apparent energy"}, 32: {"varh", "reactive energy"},
	33: {"A", "current"}, 34: {"C", "electrical charge"}, 35: {"V", "voltage"},
	36: {"V/m", "electric field strength"}, 37: {"F", "capacitance"}, 38: {"Ω", "resistance"},
	39: {"Ωm²/m", "resistivity"}, 40: {"Wb", "magnetic flux"}, 41: {"T", "magnetic flux density"},
	42: {"A/m", "magnetic field strength"}, 43: {"H", "inductance"}, 44: {"Hz", "frequency"},
	45: {"1/(Wh)", "active energy meter constant"}, 46: {"1/(varh)", "reactive energy meter constant"},
	47: {"1/(VAh)", "apparent energy meter constant"}, 48: {"V²h", "volt-squared hours"},
	49: {"A²h", "ampere-squared hours"}, 50: {"kg/s", "mass flux"}, 51: {"S", "conductance"},
	52: {"K", "temperature"}, 53: {"1/(V²h)", "volt-squared hour meter constant"},
	54: {"1/(A²h)", "ampere-squared hour meter constant"}, 55: {"1/m³", "volume meter constant"},
	56: {"%", "percentage"}, 57: {"Ah", "ampere-hours"},
	60: {"Wh/m³", "energy per volume"}, 61: {"J/m³", "calorific value"}, 62: {"mol %", "molar fraction"},
	63: {"g/m³", "mass density"}, 64: {"Pa s", "dynamic viscosity"},
	65: {"J/kg", "specific energy"}, 66: {"g/cm²", "pressure"}, 67: {"atm", "pressure"},
	70: {"dBm", "signal strength"}, 71: {"dBµV", "signal strength"}, 72: {"dB", "signal-to-noise ratio"},
	254: {"", "other unit"}, 255: {"", "no unit (count)"},
}

// Symbol returns the printed symbol ("kWh" style prefixes are not added:
// 30 is "Wh"); "" for a count, other, or an unknown code.
func (u Unit) Symbol() string { return unitInfo[u][0] }

// Quantity returns what the unit measures ("active energy").
func (u Unit) Quantity() string {
	if q, ok := unitInfo[u]; ok {
		return q[1]
	}
	return fmt.Sprintf("unit %d", uint8(u))
}

// Known reports whether u is in the table.
func (u Unit) Known() bool { _, ok := unitInfo[u]; return ok }

// String returns the symbol, or "unit(N)" for codes without one.
func (u Unit) String() string {
	if s := u.Symbol(); s != "" {
		return s
	}
	switch u {
	case UnitCount:
		return "count"
	case UnitOther:
		return "other"
	}
	return fmt.Sprintf("unit(%d)", uint8(u))
}
