package cosem

import (
	"math"
	"strconv"
	"testing"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// concatFormat is the string-concatenating ScalerUnit.Format that came
// before the one-buffer version; the text must not change.
func concatFormat(su ScalerUnit, raw axdr.Value) string {
	shift := func(digits string, exp int) string {
		if exp >= 0 {
			if digits == "0" {
				return "0"
			}
			for range exp {
				digits += "0"
			}
			return digits
		}
		frac := -exp
		for len(digits) <= frac {
			digits = "0" + digits
		}
		return digits[:len(digits)-frac] + "." + digits[len(digits)-frac:]
	}
	var num string
	switch raw.Type() {
	case axdr.TypeFloat32, axdr.TypeFloat64:
		f, _ := su.Apply(raw)
		num = strconv.FormatFloat(f, 'g', -1, 64)
	default:
		if _, ok := raw.Number(); !ok {
			return raw.String()
		}
		var digits string
		neg := false
		switch raw.Type() {
		case axdr.TypeUnsigned, axdr.TypeLongUnsigned, axdr.TypeDoubleLongUnsigned, axdr.TypeLong64Unsigned, axdr.TypeEnum:
			digits = strconv.FormatUint(raw.Uint(), 10)
		default:
			i := raw.Int()
			neg = i < 0
			mag := uint64(i)
			if neg {
				mag = uint64(-i)
			}
			digits = strconv.FormatUint(mag, 10)
		}
		num = shift(digits, int(su.Scaler))
		if neg {
			num = "-" + num
		}
	}
	if sym := su.Unit.Symbol(); sym != "" {
		return num + " " + sym
	}
	return num
}

func TestScalerUnitFormatEveryScaler(t *testing.T) {
	values := []axdr.Value{
		axdr.Uint8(0), axdr.Uint8(5), axdr.Uint16(10), axdr.Uint32(12345), axdr.Uint64(math.MaxUint64),
		axdr.Int8(-1), axdr.Int16(-100), axdr.Int32(-12345), axdr.Int64(math.MinInt64), axdr.Int64(math.MaxInt64),
		axdr.Enum(3), axdr.Float32(2301.5), axdr.Float64(-0.125), axdr.VisibleString("x"), axdr.Null(),
	}
	for s := math.MinInt8; s <= math.MaxInt8; s++ {
		for _, unit := range []Unit{UnitWattHour, UnitCount, 0} {
			su := ScalerUnit{int8(s), unit}
			for _, v := range values {
				if got, want := su.Format(v), concatFormat(su, v); got != want {
					t.Fatalf("%+v.Format(%v) = %q, want %q", su, v, got, want)
				}
			}
		}
	}
}

func FuzzScalerUnitFormat(f *testing.F) {
	f.Add(int8(-3), uint8(30), []byte{0x06, 0x00, 0x00, 0x30, 0x39})
	f.Add(int8(-2), uint8(33), []byte{0x14, 0x80, 0, 0, 0, 0, 0, 0, 0})
	f.Add(int8(2), uint8(27), []byte{0x12, 0x00, 0x11})
	f.Fuzz(func(t *testing.T, scaler int8, unit uint8, b []byte) {
		v, _, err := axdr.Decode(b)
		if err != nil {
			return
		}
		su := ScalerUnit{scaler, Unit(unit)}
		if got, want := su.Format(v), concatFormat(su, v); got != want {
			t.Fatalf("%+v.Format(% x) = %q, want %q", su, b, got, want)
		}
	})
}

func BenchmarkScalerUnitFormat(b *testing.B) {
	su, v := ScalerUnit{-3, UnitWattHour}, axdr.Uint32(12345678)
	b.ReportAllocs()
	for b.Loop() {
		_ = su.Format(v)
	}
}
