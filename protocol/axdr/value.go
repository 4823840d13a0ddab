package axdr

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Value is one A-XDR Data value: a small struct, not an interface, whose
// zero value is null-data. It keeps everything needed to encode exactly
// the bytes it was decoded from (boolean bytes other than 00/01, unused
// bits of a bit-string, date-time fields as sent, a length sent in a
// longer form than needed), so Append(Decode(b)) reproduces b byte for
// byte.
//
// Values are immutable by convention: constructors keep the slices they are
// given, and accessors return the internal slices without copying.
type Value struct {
	typ   Type
	lform uint8   // bytes of a non-minimal long-form length or count as received (0: minimal form)
	num   uint64  // integers (sign-extended), float bits, boolean byte, bcd byte, bit count
	b     []byte  // strings, bit-string bytes, date/time bodies, compact-array type description
	elems []Value // array and structure elements, compact-array items
}

// Null returns null-data.
func Null() Value { return Value{} }

// DontCare returns dont-care (0xFF).
func DontCare() Value { return Value{typ: TypeDontCare} }

// Bool returns a boolean (encoded 01 or 00).
func Bool(v bool) Value {
	if v {
		return Value{typ: TypeBoolean, num: 1}
	}
	return Value{typ: TypeBoolean}
}

// Int8 returns an integer.
func Int8(v int8) Value { return Value{typ: TypeInteger, num: uint64(int64(v))} }

// Int16 returns a long.
func Int16(v int16) Value { return Value{typ: TypeLong, num: uint64(int64(v))} }

// Int32 returns a double-long.
func Int32(v int32) Value { return Value{typ: TypeDoubleLong, num: uint64(int64(v))} }

// Int64 returns a long64.
func Int64(v int64) Value { return Value{typ: TypeLong64, num: uint64(v)} }

// Uint8 returns an unsigned.
func Uint8(v uint8) Value { return Value{typ: TypeUnsigned, num: uint64(v)} }

// Uint16 returns a long-unsigned.
func Uint16(v uint16) Value { return Value{typ: TypeLongUnsigned, num: uint64(v)} }

// Uint32 returns a double-long-unsigned.
func Uint32(v uint32) Value { return Value{typ: TypeDoubleLongUnsigned, num: uint64(v)} }

// Uint64 returns a long64-unsigned.
func Uint64(v uint64) Value { return Value{typ: TypeLong64Unsigned, num: v} }

// Enum returns an enum.
func Enum(v uint8) Value { return Value{typ: TypeEnum, num: uint64(v)} }

// BCD returns a bcd value: one byte, kept as given.
func BCD(v byte) Value { return Value{typ: TypeBCD, num: uint64(int64(int8(v)))} }

// Float32 returns a float32.
func Float32(v float32) Value { return Value{typ: TypeFloat32, num: uint64(math.Float32bits(v))} }

// Float64 returns a float64.
func Float64(v float64) Value { return Value{typ: TypeFloat64, num: math.Float64bits(v)} }

// OctetString returns an octet-string holding b (not copied).
func OctetString(b []byte) Value { return Value{typ: TypeOctetString, b: b} }

// VisibleString returns a visible-string.
func VisibleString(s string) Value { return Value{typ: TypeVisibleString, b: []byte(s)} }

// UTF8String returns a utf8-string.
func UTF8String(s string) Value { return Value{typ: TypeUTF8String, b: []byte(s)} }

// BitString returns a bit-string of n bits held MSB first in b, which must
// have (n+7)/8 bytes (checked when encoding).
func BitString(b []byte, n int) Value { return Value{typ: TypeBitString, num: uint64(n), b: b} }

// BitStringFromText returns a bit-string from a text of '0' and '1'.
func BitStringFromText(s string) (Value, error) {
	b := make([]byte, (len(s)+7)/8)
	for i, c := range s {
		switch c {
		case '1':
			b[i/8] |= 0x80 >> (i % 8)
		case '0':
		default:
			return Value{}, fmt.Errorf("%w: bit-string text %q", ErrInvalid, s)
		}
	}
	return BitString(b, len(s)), nil
}

// Array returns an array of the given elements (not copied). A-XDR expects
// all elements of an array to have the same type; this is not enforced.
func Array(elems ...Value) Value { return Value{typ: TypeArray, elems: elems} }

// Structure returns a structure of the given elements (not copied).
func Structure(elems ...Value) Value { return Value{typ: TypeStructure, elems: elems} }

// DateTimeValue returns a date-time value (tag 0x19).
func DateTimeValue(d DateTime) Value {
	body := d.Bytes()
	return Value{typ: TypeDateTime, b: body[:]}
}

// DateValue returns a date value (tag 0x1A).
func DateValue(d Date) Value {
	body := d.Bytes()
	return Value{typ: TypeDate, b: body[:]}
}

// TimeValue returns a time value (tag 0x1B).
func TimeValue(t TimeOfDay) Value {
	body := t.Bytes()
	return Value{typ: TypeTime, b: body[:]}
}

// Type returns the type tag.
func (v Value) Type() Type { return v.typ }

// IsNull reports whether v is null-data.
func (v Value) IsNull() bool { return v.typ == TypeNull }

// Int returns an integer value as int64: signed types sign-extended,
// unsigned types and enum as their value (a long64-unsigned above
// MaxInt64 wraps), boolean as 0 or 1. Other types return 0.
func (v Value) Int() int64 {
	if v.typ == TypeBoolean {
		if v.num != 0 {
			return 1
		}
		return 0
	}
	if v.isInteger() {
		return int64(v.num)
	}
	return 0
}

// Uint returns an integer value as uint64 (a negative signed value gives
// its two's complement). Other types return 0.
func (v Value) Uint() uint64 {
	if v.typ == TypeBoolean {
		return uint64(v.Int())
	}
	if v.isInteger() {
		return v.num
	}
	return 0
}

// Bool returns a boolean value (any non-zero byte is true).
func (v Value) Bool() bool { return v.typ == TypeBoolean && v.num != 0 }

// Float returns float32 and float64 values, and integers converted to float64.
func (v Value) Float() float64 {
	switch v.typ {
	case TypeFloat32:
		return float64(math.Float32frombits(uint32(v.num)))
	case TypeFloat64:
		return math.Float64frombits(v.num)
	}
	if v.isInteger() {
		if v.typ.signed() {
			return float64(int64(v.num))
		}
		return float64(v.num)
	}
	return 0
}

// Number reports whether v is numeric (an integer type, enum, float or
// bcd) and returns it as float64.
func (v Value) Number() (float64, bool) {
	if v.isInteger() || v.typ == TypeFloat32 || v.typ == TypeFloat64 {
		return v.Float(), true
	}
	return 0, false
}

func (v Value) isInteger() bool {
	switch v.typ {
	case TypeInteger, TypeLong, TypeDoubleLong, TypeLong64, TypeBCD,
		TypeUnsigned, TypeLongUnsigned, TypeDoubleLongUnsigned, TypeLong64Unsigned, TypeEnum:
		return true
	}
	return false
}

// Bytes returns the bytes of an octet-string, visible-string or
// utf8-string, the bytes of a bit-string, or the body of a date-time,
// date or time. Other types return nil. The slice is not a copy.
func (v Value) Bytes() []byte {
	if v.typ == TypeCompactArray {
		return nil
	}
	return v.b
}

// Text returns the bytes of a string type as a string.
func (v Value) Text() string { return string(v.Bytes()) }

// BitLen returns the number of bits of a bit-string.
func (v Value) BitLen() int {
	if v.typ != TypeBitString {
		return 0
	}
	return int(v.num)
}

// Elems returns the elements of an array or structure, or the items of a
// compact-array. The slice is not a copy.
func (v Value) Elems() []Value { return v.elems }

// Len returns the number of elements (arrays, structures, compact-arrays),
// bits (bit-strings) or bytes (strings, date and time bodies).
func (v Value) Len() int {
	switch v.typ {
	case TypeArray, TypeStructure, TypeCompactArray:
		return len(v.elems)
	case TypeBitString:
		return int(v.num)
	}
	return len(v.b)
}

// Index returns element i, or null-data when out of range.
func (v Value) Index(i int) Value {
	if i < 0 || i >= len(v.elems) {
		return Value{}
	}
	return v.elems[i]
}

// DateTime returns the date-time of a date-time value or of a 12-byte
// octet-string (the usual form of Clock attribute 2, PROTOCOLS.md §6.4).
func (v Value) DateTime() (DateTime, error) {
	if (v.typ == TypeDateTime || v.typ == TypeOctetString) && len(v.b) == 12 {
		return ParseDateTime(v.b)
	}
	return DateTime{}, fmt.Errorf("%w: %s of %d bytes is not a date-time", ErrUnexpectedType, v.typ, len(v.b))
}

// Date returns the date of a date value or of a 5-byte octet-string.
func (v Value) Date() (Date, error) {
	if (v.typ == TypeDate || v.typ == TypeOctetString) && len(v.b) == 5 {
		return ParseDate(v.b)
	}
	return Date{}, fmt.Errorf("%w: %s of %d bytes is not a date", ErrUnexpectedType, v.typ, len(v.b))
}

// TimeOfDay returns the time of a time value or of a 4-byte octet-string.
func (v Value) TimeOfDay() (TimeOfDay, error) {
	if (v.typ == TypeTime || v.typ == TypeOctetString) && len(v.b) == 4 {
		return ParseTimeOfDay(v.b)
	}
	return TimeOfDay{}, fmt.Errorf("%w: %s of %d bytes is not a time", ErrUnexpectedType, v.typ, len(v.b))
}

// Equal reports whether v and w have the same type and the same encoding
// (a length received in a non-minimal form makes a difference).
func (v Value) Equal(w Value) bool {
	if v.typ != w.typ || v.lform != w.lform || v.num != w.num || !bytes.Equal(v.b, w.b) || len(v.elems) != len(w.elems) {
		return false
	}
	for i := range v.elems {
		if !v.elems[i].Equal(w.elems[i]) {
			return false
		}
	}
	return true
}

// String renders v for engineers: `structure{long-unsigned 60226,
// octet-string 0101000005ff}`. It is not an encoding; use MarshalJSON for
// a stable text form.
func (v Value) String() string {
	switch v.typ {
	case TypeNull, TypeDontCare, TypeArray, TypeStructure, TypeCompactArray:
		var sb strings.Builder
		v.format(&sb)
		return sb.String()
	}
	// A simple value in one allocation: profile tables format one per
	// cell, tens of thousands per read.
	var buf [64]byte
	return string(v.appendScalar(append(append(buf[:0], v.typ.String()...), ' ')))
}

// appendScalar appends scalarText's text, without a string of its own for
// integers.
func (v Value) appendScalar(dst []byte) []byte {
	switch v.typ {
	case TypeInteger, TypeLong, TypeDoubleLong, TypeLong64, TypeBCD:
		return strconv.AppendInt(dst, int64(v.num), 10)
	case TypeUnsigned, TypeLongUnsigned, TypeDoubleLongUnsigned, TypeLong64Unsigned, TypeEnum:
		return strconv.AppendUint(dst, v.num, 10)
	}
	return append(dst, v.scalarText()...)
}

func (v Value) format(sb *strings.Builder) {
	switch v.typ {
	case TypeNull, TypeDontCare:
		sb.WriteString(v.typ.String())
		return
	case TypeArray, TypeStructure, TypeCompactArray:
		sb.WriteString(v.typ.String())
		sb.WriteByte('{')
		for i, e := range v.elems {
			if i > 0 {
				sb.WriteString(", ")
			}
			e.format(sb)
		}
		sb.WriteByte('}')
		return
	}
	sb.WriteString(v.typ.String())
	sb.WriteByte(' ')
	sb.WriteString(v.scalarText())
}

// scalarText renders the value of a simple type.
func (v Value) scalarText() string {
	switch v.typ {
	case TypeBoolean:
		return strconv.FormatBool(v.num != 0)
	case TypeInteger, TypeLong, TypeDoubleLong, TypeLong64, TypeBCD:
		return strconv.FormatInt(int64(v.num), 10)
	case TypeUnsigned, TypeLongUnsigned, TypeDoubleLongUnsigned, TypeLong64Unsigned, TypeEnum:
		return strconv.FormatUint(v.num, 10)
	case TypeFloat32:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case TypeFloat64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case TypeVisibleString, TypeUTF8String:
		return strconv.Quote(string(v.b))
	case TypeBitString:
		return bitText(v.b, int(v.num))
	case TypeDateTime:
		if d, err := v.DateTime(); err == nil {
			return d.String()
		}
	case TypeDate:
		if d, err := v.Date(); err == nil {
			return d.String()
		}
	case TypeTime:
		if t, err := v.TimeOfDay(); err == nil {
			return t.String()
		}
	}
	return hex.EncodeToString(v.b)
}

// bitText renders n bits of b as '0'/'1'.
func bitText(b []byte, n int) string {
	if n > len(b)*8 {
		n = len(b) * 8
	}
	out := make([]byte, n)
	for i := range n {
		if b[i/8]&(0x80>>(i%8)) != 0 {
			out[i] = '1'
		} else {
			out[i] = '0'
		}
	}
	return string(out)
}
