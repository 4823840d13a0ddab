package cosem

import (
	"fmt"
	"math"
	"strconv"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// ScalerUnit is attribute 3 of a Register (class 3): the value on the
// wire times 10^Scaler is the quantity in Unit (IEC 62056-6-2 §4.3.2).
//
//	02 02 0F FD 16 1E   scaler −3, unit 30 (Wh): 12345 reads 12.345 Wh
type ScalerUnit struct {
	Scaler int8
	Unit   Unit
}

// ParseScalerUnit reads structure{integer scaler, enum unit}.
func ParseScalerUnit(v axdr.Value) (ScalerUnit, error) {
	if v.Type() != axdr.TypeStructure || v.Len() != 2 {
		return ScalerUnit{}, shapeErr("scaler_unit", "%s of %d elements, want structure of 2", v.Type(), v.Len())
	}
	s, u := v.Index(0), v.Index(1)
	if s.Type() != axdr.TypeInteger || u.Type() != axdr.TypeEnum {
		return ScalerUnit{}, shapeErr("scaler_unit", "structure{%s, %s}, want structure{integer, enum}", s.Type(), u.Type())
	}
	return ScalerUnit{Scaler: int8(s.Int()), Unit: Unit(u.Uint())}, nil
}

// Value returns the A-XDR form structure{integer, enum}.
func (su ScalerUnit) Value() axdr.Value {
	return axdr.Structure(axdr.Int8(su.Scaler), axdr.Enum(uint8(su.Unit)))
}

// Apply scales a numeric register value: raw × 10^Scaler.
func (su ScalerUnit) Apply(raw axdr.Value) (float64, error) {
	f, ok := raw.Number()
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrNotNumeric, raw.Type())
	}
	return f * math.Pow10(int(su.Scaler)), nil
}

// Format scales an integer value exactly in decimal and appends the unit:
// 12345 with scaler −3 and unit Wh is "12.345 Wh". Floats are formatted
// with strconv 'g'. Non-numeric values return their String form.
func (su ScalerUnit) Format(raw axdr.Value) string {
	// One allocation per cell: a 13-month profile formats ~40,000.
	var buf [64]byte
	dst := buf[:0]
	switch raw.Type() {
	case axdr.TypeFloat32, axdr.TypeFloat64:
		f, _ := su.Apply(raw)
		dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	default:
		if _, ok := raw.Number(); !ok {
			return raw.String()
		}
		var mag uint64
		switch raw.Type() {
		case axdr.TypeUnsigned, axdr.TypeLongUnsigned, axdr.TypeDoubleLongUnsigned, axdr.TypeLong64Unsigned, axdr.TypeEnum:
			mag = raw.Uint()
		default:
			i := raw.Int()
			mag = uint64(i)
			if i < 0 {
				dst = append(dst, '-')
				mag = uint64(-i) // MinInt64 negates to itself, whose uint64 is its magnitude
			}
		}
		var digits [20]byte
		dst = appendShifted(dst, strconv.AppendUint(digits[:0], mag, 10), int(su.Scaler))
	}
	if sym := su.Unit.Symbol(); sym != "" {
		dst = append(append(dst, ' '), sym...)
	}
	return string(dst)
}

// appendShifted appends the decimal digits multiplied by 10^exp exactly:
// zeros appended for a positive exp, a decimal point placed (with a
// leading "0." and zeros as needed) for a negative one.
func appendShifted(dst, digits []byte, exp int) []byte {
	if exp >= 0 {
		if len(digits) == 1 && digits[0] == '0' {
			return append(dst, '0')
		}
		dst = append(dst, digits...)
		for range exp {
			dst = append(dst, '0')
		}
		return dst
	}
	frac := -exp
	if len(digits) <= frac {
		dst = append(dst, '0', '.')
		for i := len(digits); i < frac; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-frac]...)
	return append(append(dst, '.'), digits[len(digits)-frac:]...)
}

// Register is the typed view of a Register (class 3) or the register part
// of an Extended register (class 4): the raw value with its scaler_unit.
type Register struct {
	Value      axdr.Value // attribute 2, as read
	ScalerUnit ScalerUnit // attribute 3
}

// Float returns the scaled value.
func (r Register) Float() (float64, error) { return r.ScalerUnit.Apply(r.Value) }

// String returns the exact scaled value with its unit ("12.345 Wh").
func (r Register) String() string { return r.ScalerUnit.Format(r.Value) }

// ExtendedRegister is the typed view of class 4.
type ExtendedRegister struct {
	Register
	Status      axdr.Value    // attribute 4
	CaptureTime axdr.DateTime // attribute 5
}

// DemandRegister is the typed view of class 5.
type DemandRegister struct {
	CurrentAverage  axdr.Value    // attribute 2
	LastAverage     axdr.Value    // attribute 3
	ScalerUnit      ScalerUnit    // attribute 4
	Status          axdr.Value    // attribute 5
	CaptureTime     axdr.DateTime // attribute 6
	StartTime       axdr.DateTime // attribute 7 start_time_current
	Period          uint32        // attribute 8, seconds
	NumberOfPeriods uint16        // attribute 9
}

// SetAttribute stores attribute index of a class 3 or 4 object from its
// decoded value. Attribute 1 (logical_name) and unknown indexes are ignored.
func (r *ExtendedRegister) SetAttribute(index int8, v axdr.Value) error {
	var err error
	switch index {
	case 2:
		r.Value = v
	case 3:
		r.ScalerUnit, err = ParseScalerUnit(v)
	case 4:
		r.Status = v
	case 5:
		r.CaptureTime, err = dateTimeAttr("capture_time", v)
	}
	return err
}

// SetAttribute stores attribute index of a class 5 object.
func (r *DemandRegister) SetAttribute(index int8, v axdr.Value) error {
	var err error
	switch index {
	case 2:
		r.CurrentAverage = v
	case 3:
		r.LastAverage = v
	case 4:
		r.ScalerUnit, err = ParseScalerUnit(v)
	case 5:
		r.Status = v
	case 6:
		r.CaptureTime, err = dateTimeAttr("capture_time", v)
	case 7:
		r.StartTime, err = dateTimeAttr("start_time_current", v)
	case 8:
		if v.Type() != axdr.TypeDoubleLongUnsigned {
			return shapeErr("period", "%s, want double-long-unsigned", v.Type())
		}
		r.Period = uint32(v.Uint())
	case 9:
		if v.Type() != axdr.TypeLongUnsigned {
			return shapeErr("number_of_periods", "%s, want long-unsigned", v.Type())
		}
		r.NumberOfPeriods = uint16(v.Uint())
	}
	return err
}

// Current returns the scaled current average value.
func (r DemandRegister) Current() Register {
	return Register{Value: r.CurrentAverage, ScalerUnit: r.ScalerUnit}
}

// Last returns the scaled last average value.
func (r DemandRegister) Last() Register {
	return Register{Value: r.LastAverage, ScalerUnit: r.ScalerUnit}
}

// dateTimeAttr reads a date-time attribute: an octet-string of 12 bytes or
// a date-time.
func dateTimeAttr(what string, v axdr.Value) (axdr.DateTime, error) {
	d, err := v.DateTime()
	if err != nil {
		return axdr.DateTime{}, shapeErr(what, "%v", err)
	}
	return d, nil
}
