package axdr

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// valueTests are tagged values with their expected model. Provenance: the
// examples of PROTOCOLS.md §6.2–6.4 re-typed as facts, and values built by
// hand from the type table of PROTOCOLS.md §6.1.
var valueTests = []struct {
	name string
	hex  string
	want Value
}{
	{"null", "00", Null()},
	{"dont-care", "FF", DontCare()},
	{"true (§6.3)", "03 01", Bool(true)},
	{"false", "03 00", Bool(false)},
	{"bit-string 40 bits (§6.3)", "04 28 0F F0 FF 01 55", BitString([]byte{0x0F, 0xF0, 0xFF, 0x01, 0x55}, 40)},
	{"bit-string 3 bits (§6.3)", "04 03 E0", BitString([]byte{0xE0}, 3)},
	{"bit-string empty", "04 00", BitString(nil, 0)},
	{"double-long", "05 FF FF FF E7", Int32(-25)},
	{"double-long-unsigned", "06 00 00 13 91", Uint32(5009)},
	{"octet-string OBIS", "09 06 01 00 01 08 00 FF", OctetString([]byte{1, 0, 1, 8, 0, 0xFF})},
	{"octet-string empty", "09 00", OctetString(nil)},
	{"visible-string", "0A 03 47 52 58", VisibleString("GRX")},
	{"utf8-string", "0C 02 C3 A9", UTF8String("é")},
	{"bcd", "0D 12", BCD(0x12)},
	{"integer", "0F 80", Int8(-128)},
	{"long", "10 80 00", Int16(-32768)},
	{"unsigned", "11 FF", Uint8(255)},
	{"long-unsigned", "12 FF FF", Uint16(65535)},
	{"long64", "14 80 00 00 00 00 00 00 00", Int64(math.MinInt64)},
	{"long64-unsigned", "15 FF FF FF FF FF FF FF FF", Uint64(math.MaxUint64)},
	{"enum", "16 1E", Enum(30)},
	{"float32 3.14", "17 40 48 F5 C3", Float32(3.14)},
	{"float64 3.14", "18 40 09 1E B8 51 EB 85 1F", Float64(3.14)},
	{"date-time (§6.3)", "19 07 E4 03 10 01 00 00 00 00 FF C4 00",
		DateTimeValue(DateTime{Year: 2020, Month: 3, Day: 16, DayOfWeek: 1, Deviation: -60})},
	{"date", "1A 07 D9 0B 0A 02", DateValue(Date{Year: 2009, Month: 11, Day: 10, DayOfWeek: 2})},
	{"time", "1B 17 3B 3B 63", TimeValue(TimeOfDay{23, 59, 59, 99})},
	{"scaler_unit (§6.3)", "02 02 0F FD 16 1E", Structure(Int8(-3), Enum(30))},
	{"array empty", "01 00", Array()},
	{"array of structures", "01 02 02 02 11 01 12 00 02 02 02 11 02 12 00 03",
		Array(Structure(Uint8(1), Uint16(2)), Structure(Uint8(2), Uint16(3)))},
	{"compact-array u32 (§6.3 layout)", "13 06 08 00 00 00 01 00 00 00 02",
		mustCompact(TypeDesc{Type: TypeDoubleLongUnsigned}, Uint32(1), Uint32(2))},
	{"compact-array of structure", "13 02 02 0A 11 07 02 41 42 07 01 43 08",
		mustCompact(TypeDesc{Type: TypeStructure, Elems: []TypeDesc{{Type: TypeVisibleString}, {Type: TypeUnsigned}}},
			Structure(VisibleString("AB"), Uint8(7)), Structure(VisibleString("C"), Uint8(8)))},
	{"compact-array of array", "13 01 00 02 12 08 00 01 00 02 00 03 00 04",
		mustCompact(TypeDesc{Type: TypeArray, Count: 2, Elems: []TypeDesc{{Type: TypeLongUnsigned}}},
			Array(Uint16(1), Uint16(2)), Array(Uint16(3), Uint16(4)))},
	{"compact-array empty", "13 11 00", mustCompact(TypeDesc{Type: TypeUnsigned})},
}

func mustCompact(d TypeDesc, items ...Value) Value {
	v, err := CompactArray(d, items...)
	if err != nil {
		panic(err)
	}
	return v
}

func TestDecode(t *testing.T) {
	for _, tt := range valueTests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.hex)
			got, n, err := Decode(in)
			if err != nil {
				t.Fatalf("Decode(%x) error %v", in, err)
			}
			if n != len(in) {
				t.Errorf("Decode(%x) consumed %d, want %d", in, n, len(in))
			}
			if !got.Equal(tt.want) {
				t.Errorf("Decode(%x) = %v, want %v", in, got, tt.want)
			}
			if sn, err := Skip(in); err != nil || sn != len(in) {
				t.Errorf("Skip(%x) = %d, %v, want %d", in, sn, err, len(in))
			}
			enc, err := Append(nil, tt.want)
			if err != nil || !bytes.Equal(enc, in) {
				t.Errorf("Append(%v) = %x, %v, want %x", tt.want, enc, err, in)
			}
			// JSON round trip
			js, err := json.Marshal(tt.want)
			if err != nil {
				t.Fatalf("json.Marshal(%v): %v", tt.want, err)
			}
			var back Value
			if err := json.Unmarshal(js, &back); err != nil {
				t.Fatalf("json.Unmarshal(%s): %v", js, err)
			}
			if !back.Equal(tt.want) {
				t.Errorf("JSON round trip of %v via %s = %v", tt.want, js, back)
			}
		})
	}
}

func TestNonMinimalLengthsRoundTrip(t *testing.T) {
	// Long-form lengths where the short form would do; some meters send
	// them, and the bytes must come back unchanged (§6.2 allows any form).
	for _, s := range []string{
		"09 81 02 AA BB", "0A 84 00 00 00 01 41", "0C 82 00 00", "04 81 03 E0",
		"01 82 00 01 11 05", "02 81 02 11 01 09 81 01 FF", "13 11 81 02 05 06",
		"13 02 02 09 11 07 81 01 AA 01 81 00 02",
	} {
		in := unhex(t, s)
		v, n, err := Decode(in)
		if err != nil || n != len(in) {
			t.Fatalf("Decode(%x) = %v, %d, %v", in, v, n, err)
		}
		if enc, err := Append(nil, v); err != nil || !bytes.Equal(enc, in) {
			t.Errorf("Append(Decode(%x)) = %x, %v", in, enc, err)
		}
	}
}

func TestDecoderReuse(t *testing.T) {
	var d Decoder
	if _, _, err := d.Decode(dirty); err != nil {
		t.Fatal(err)
	}
	for _, tt := range valueTests {
		in := unhex(t, tt.hex)
		got, n, err := d.Decode(in)
		if err != nil || n != len(in) || !got.Equal(tt.want) {
			t.Errorf("%s: Decoder.Decode(%x) after another tree = %v, %d, %v, want %v", tt.name, in, got, n, err, tt.want)
		}
	}
}

func TestDecodeTrailingBytes(t *testing.T) {
	// PROTOCOLS.md §11.5: decode one value, report the surplus.
	in := unhex(t, "11 05 09 0F 09 0C")
	v, n, err := Decode(in)
	if err != nil || n != 2 || v.Uint() != 5 {
		t.Errorf("Decode(%x) = %v, %d, %v, want unsigned 5, 2, nil", in, v, n, err)
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	in := unhex(t, "09 02 AA BB")
	v, _, err := Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	in[2] = 0
	if v.Bytes()[0] != 0xAA {
		t.Errorf("Decode result changed with its input: %x", v.Bytes())
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
		off  int
	}{
		{"empty", "", ErrTruncated, 0},
		{"unknown tag", "07", ErrUnknownType, 0},
		{"delta tag outside compact", "1C 01", ErrUnknownType, 0},
		{"short u32", "06 00 00 01", ErrTruncated, 1},
		{"string longer than input", "09 05 01 02", ErrTruncated, 1},
		{"array count larger than input", "01 82 FF FF 00", ErrBadLength, 1},
		{"indefinite length", "09 80", ErrBadLength, 1},
		{"length of 5 bytes", "09 85 00 00 00 00 01", ErrBadLength, 1},
		{"element truncated", "02 02 11 01 12 00", ErrTruncated, 5},
		{"bit-string too long", "04 09 FF", ErrTruncated, 1},
		{"compact zero-size items", "13 00 00", ErrUnsupported, 1},
		{"compact struct of nulls", "13 02 02 00 00 05 00", ErrUnsupported, 3},
		{"compact empty structure", "13 02 00 00", ErrUnsupported, 2},
		{"compact empty array", "13 01 00 00 11 00", ErrUnsupported, 2},
		{"compact item cut by contents length", "13 12 03 00 01 00", ErrTruncated, 5},
		{"compact delta", "13 1C 01 00", ErrUnsupported, 1},
		{"compact expanding nesting", "13 02 01 02 01 02 01 02 01 11 02 07 08", ErrUnsupported, 11},
		{"compact nested compact", "13 13 01 00", ErrUnsupported, 1},
		{"too deep", strings.Repeat("01 01 ", MaxDepth+1) + "00", ErrTooDeep, 2 * MaxDepth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.hex)
			_, _, err := Decode(in)
			var e *Error
			if !errors.Is(err, tt.want) || !errors.As(err, &e) {
				t.Fatalf("Decode(%x) error %v, want %v", in, err, tt.want)
			}
			if e.Offset != tt.off {
				t.Errorf("Decode(%x) error offset %d, want %d (%v)", in, e.Offset, tt.off, err)
			}
			if _, err := Skip(in); !errors.Is(err, tt.want) {
				t.Errorf("Skip(%x) error %v, want %v", in, err, tt.want)
			}
		})
	}
}

func TestLength(t *testing.T) {
	// PROTOCOLS.md §6.2 examples.
	tests := []struct {
		n   int
		hex string
	}{
		{0, "00"}, {5, "05"}, {127, "7F"}, {128, "81 80"}, {255, "81 FF"},
		{256, "82 01 00"}, {1182, "82 04 9E"}, {65536, "83 01 00 00"}, {MaxLength, "84 7F FF FF FF"},
	}
	for _, tt := range tests {
		want := unhex(t, tt.hex)
		if got := AppendLength(nil, tt.n); !bytes.Equal(got, want) {
			t.Errorf("AppendLength(%d) = %x, want %x", tt.n, got, want)
		}
		if LengthSize(tt.n) != len(want) {
			t.Errorf("LengthSize(%d) = %d, want %d", tt.n, LengthSize(tt.n), len(want))
		}
		n, size, err := ReadLength(want)
		if err != nil || n != tt.n || size != len(want) {
			t.Errorf("ReadLength(%x) = %d, %d, %v, want %d, %d", want, n, size, err, tt.n, len(want))
		}
	}
	// A non-minimal form is accepted.
	if n, size, err := ReadLength([]byte{0x82, 0x00, 0x05}); n != 5 || size != 3 || err != nil {
		t.Errorf("ReadLength(820005) = %d, %d, %v, want 5, 3", n, size, err)
	}
	for _, bad := range []string{"", "80", "85 00 00 00 00 01", "84 80 00 00 00", "82 01"} {
		if _, _, err := ReadLength(unhex(t, bad)); err == nil {
			t.Errorf("ReadLength(%s) accepted", bad)
		}
	}
}

func TestAccessors(t *testing.T) {
	if v := Int8(-3); v.Int() != -3 || v.Float() != -3 {
		t.Errorf("Int8(-3): Int %d Float %g", v.Int(), v.Float())
	}
	if v := Uint64(math.MaxUint64); v.Uint() != math.MaxUint64 || v.Float() != math.MaxUint64 {
		t.Errorf("Uint64 max: Uint %d Float %g", v.Uint(), v.Float())
	}
	if f, ok := Float32(1.5).Number(); !ok || f != 1.5 {
		t.Errorf("Float32(1.5).Number() = %g, %v", f, ok)
	}
	if _, ok := VisibleString("x").Number(); ok {
		t.Errorf("VisibleString.Number() ok")
	}
	if v := Structure(Uint8(1), Uint8(2)); v.Len() != 2 || v.Index(1).Uint() != 2 || !v.Index(5).IsNull() {
		t.Errorf("Structure accessors: %v", v)
	}
	bs, err := BitStringFromText("111100000001")
	if err != nil || !bytes.Equal(bs.Bytes(), []byte{0xF0, 0x10}) || bs.BitLen() != 12 {
		t.Errorf("BitStringFromText = %x/%d, %v", bs.Bytes(), bs.BitLen(), err)
	}
	if got := Structure(Uint16(60226), OctetString([]byte{1, 1})).String(); got != "structure{long-unsigned 60226, octet-string 0101}" {
		t.Errorf("String() = %q", got)
	}
}

func TestAppendInvalid(t *testing.T) {
	for _, v := range []Value{
		BitString([]byte{1, 2}, 3),
		{typ: TypeDateTime, b: []byte{1}},
		{typ: Type(0x07)},
		{typ: TypeCompactArray, b: []byte{0x11}, elems: []Value{Uint16(1)}},
	} {
		if out, err := Append([]byte{0xAA}, v); err == nil || !bytes.Equal(out, []byte{0xAA}) || !errors.Is(err, ErrInvalid) {
			t.Errorf("Append(%v) = %x, %v, want ErrInvalid and dst untouched", v, out, err)
		}
	}
}

// formatted is String through the strings.Builder tree walk that
// containers use; a simple value's one-buffer String must read the same.
func formatted(v Value) string {
	var sb strings.Builder
	v.format(&sb)
	return sb.String()
}

func TestValueStringSimpleMatchesFormat(t *testing.T) {
	for _, v := range []Value{
		Null(), DontCare(), Bool(true), Bool(false), Int8(-128), Int16(-1), Int32(math.MinInt32), Int64(math.MinInt64),
		Uint8(255), Uint16(0), Uint32(math.MaxUint32), Uint64(math.MaxUint64), Enum(7), Float32(1.5), Float64(-2.25),
		OctetString([]byte{1, 2, 0xff}), VisibleString("a\"b"), Array(Uint8(1), Structure(Int8(-2))),
	} {
		if got, want := v.String(), formatted(v); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func FuzzValueString(f *testing.F) {
	for _, h := range []string{"11ff", "0f80", "1400000000000000ff", "0903010203", "0a0161", "0402080f", "0c07e8031f070102030400000080", "00", "ff"} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _, err := Decode(b)
		if err != nil {
			return
		}
		if got, want := v.String(), formatted(v); got != want {
			t.Fatalf("% x: String() = %q, want %q", b, got, want)
		}
	})
}
