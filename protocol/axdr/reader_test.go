package axdr

import (
	"bytes"
	"errors"
	"testing"
)

func TestReaderTyped(t *testing.T) {
	// A register read back as the values a field engineer meets, built by
	// hand from the tag table of PROTOCOLS.md §6.1.
	in := unhex(t, `02 0E
		11 07  12 01 02  06 00 00 13 91  15 00 00 00 00 00 00 00 09
		0F FD  10 FF FE  05 FF FF FF E7  14 FF FF FF FF FF FF FF FF
		16 1E  03 01  17 40 48 F5 C3  18 40 09 1E B8 51 EB 85 1F
		09 02 AA BB  0A 01 41`)
	r := NewReader(in)
	n, err := r.EnterStructure()
	if err != nil || n != 14 {
		t.Fatalf("EnterStructure = %d, %v", n, err)
	}
	check := func(name string, got, want any, err error) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s = %v, %v, want %v", name, got, err, want)
		}
	}
	u8, err := r.Uint8()
	check("Uint8", u8, uint8(7), err)
	u16, err := r.Uint16()
	check("Uint16", u16, uint16(0x102), err)
	u32, err := r.Uint32()
	check("Uint32", u32, uint32(5009), err)
	u64, err := r.Uint64()
	check("Uint64", u64, uint64(9), err)
	i8, err := r.Int8()
	check("Int8", i8, int8(-3), err)
	i16, err := r.Int16()
	check("Int16", i16, int16(-2), err)
	i32, err := r.Int32()
	check("Int32", i32, int32(-25), err)
	i64, err := r.Int64()
	check("Int64", i64, int64(-1), err)
	e, err := r.Enum()
	check("Enum", e, uint8(30), err)
	bo, err := r.Bool()
	check("Bool", bo, true, err)
	f32, err := r.Float32()
	check("Float32", f32, float32(3.14), err)
	f64, err := r.Float64()
	check("Float64", f64, 3.14, err)
	os, err := r.OctetStringBytes()
	check("OctetStringBytes", string(os), "\xAA\xBB", err)
	vs, err := r.VisibleStringBytes()
	check("VisibleStringBytes", string(vs), "A", err)
	if r.Remaining() != 0 || r.Offset() != len(in) {
		t.Errorf("Remaining %d Offset %d after the structure", r.Remaining(), r.Offset())
	}
	if _, err := r.Uint8(); !errors.Is(err, ErrTruncated) {
		t.Errorf("Uint8 at end: %v, want ErrTruncated", err)
	}
}

func TestReaderMismatchKeepsPosition(t *testing.T) {
	r := NewReader(unhex(t, "12 00 05"))
	_, err := r.Uint32()
	var e *Error
	if !errors.Is(err, ErrUnexpectedType) || !errors.As(err, &e) || e.Offset != 0 {
		t.Fatalf("Uint32 on long-unsigned: %v, want ErrUnexpectedType at 0", err)
	}
	if typ, _ := r.PeekType(); typ != TypeLongUnsigned || r.Offset() != 0 {
		t.Errorf("after a mismatch PeekType = %s at %d", typ, r.Offset())
	}
	if v, typ, err := r.Integer(); err != nil || v != 5 || typ != TypeLongUnsigned {
		t.Errorf("Integer = %d, %s, %v", v, typ, err)
	}
}

func TestReaderDateTimeForms(t *testing.T) {
	body := "07 E4 03 10 01 00 00 00 00 FF C4 00" // PROTOCOLS.md §6.3
	want := DateTime{Year: 2020, Month: 3, Day: 16, DayOfWeek: 1, Deviation: -60}
	for _, in := range []string{"09 0C " + body, "19 " + body} {
		r := NewReader(unhex(t, in))
		got, err := r.DateTime()
		if err != nil || got != want || r.Remaining() != 0 {
			t.Errorf("DateTime(%s) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"09 05 01 02 03 04 05", "12 00 00", "19 07 E4", "09 0C 07"} {
		r := NewReader(unhex(t, in))
		if _, err := r.DateTime(); err == nil || r.Offset() != 0 {
			t.Errorf("DateTime(%s) accepted or moved", in)
		}
	}
}

func TestReaderContainers(t *testing.T) {
	// array of 200 unsigned: the count takes the long form 81 C8.
	in := append([]byte{0x01, 0x81, 0xC8}, bytes.Repeat([]byte{0x11, 0x01}, 200)...)
	r := NewReader(in)
	n, err := r.EnterArray()
	if err != nil || n != 200 {
		t.Fatalf("EnterArray = %d, %v", n, err)
	}
	if err := r.Skip(); err != nil || r.Offset() != 5 {
		t.Errorf("Skip = %v at %d", err, r.Offset())
	}
	// a count that cannot fit the bytes left is refused before any loop
	r = NewReader(unhex(t, "01 82 FF FF 11 01"))
	if _, err := r.EnterArray(); !errors.Is(err, ErrBadLength) {
		t.Errorf("EnterArray with a huge count: %v", err)
	}
	r = NewReader(unhex(t, "02 02 11 01 09 01 AA 00"))
	if _, err := r.EnterArray(); !errors.Is(err, ErrUnexpectedType) {
		t.Errorf("EnterArray on a structure: %v", err)
	}
	r.EnterStructure()
	v, err := r.Simple()
	if err != nil || !v.Equal(Uint8(1)) {
		t.Errorf("Simple = %v, %v", v, err)
	}
	v, err = r.ReadValue()
	if err != nil || !v.Equal(OctetString([]byte{0xAA})) {
		t.Errorf("ReadValue = %v, %v", v, err)
	}
	if err := r.Null(); err != nil || r.Remaining() != 0 {
		t.Errorf("Null = %v, %d left", err, r.Remaining())
	}
}
