package axdr

import (
	"fmt"
	"math"
)

// Reader is a streaming cursor over tagged A-XDR data. It reads one value
// (or one container header) per call, straight into Go types, without
// building a tree and without allocating on success. Byte slices it returns
// share memory with the buffer.
//
// After an error the cursor stays where it was, so a caller may PeekType
// and try another read; errors are *Error with the offset of the value.
//
// Containers are entered, not read: EnterArray and EnterStructure return
// the element count and leave the cursor on the first element; the caller
// then reads exactly that many values (or Skips them).
type Reader struct {
	b   []byte
	off int
}

// NewReader returns a Reader at the start of b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Reset points the Reader at the start of b.
func (r *Reader) Reset(b []byte) { r.b, r.off = b, 0 }

// Offset returns the offset of the next value in the buffer.
func (r *Reader) Offset() int { return r.off }

// Remaining returns the number of bytes not yet read.
func (r *Reader) Remaining() int { return len(r.b) - r.off }

// Rest returns the bytes not yet read (not a copy).
func (r *Reader) Rest() []byte { return r.b[r.off:] }

// PeekType returns the tag of the next value without moving.
func (r *Reader) PeekType() (Type, error) {
	if r.off >= len(r.b) {
		return 0, &Error{Op: "peek type", Offset: r.off, Err: ErrTruncated}
	}
	return Type(r.b[r.off]), nil
}

// fail builds the error for a read of want at the cursor. It is kept out of
// the fast paths.
//
//go:noinline
func (r *Reader) fail(op string, want Type) error { return r.failAny(op, want) }

// failAny is fail for reads that accept several types.
//
//go:noinline
func (r *Reader) failAny(op string, want ...Type) error {
	if r.off >= len(r.b) {
		return &Error{Op: op, Offset: r.off, Err: ErrTruncated}
	}
	got := Type(r.b[r.off])
	for _, w := range want {
		if got == w {
			return &Error{Op: op, Offset: r.off + 1, Err: ErrTruncated}
		}
	}
	return &Error{Op: op, Offset: r.off, Err: mismatch(got, want...)}
}

// enter reads a container header of type t (slow path: long counts, errors).
//
//go:noinline
func (r *Reader) enter(op string, t Type) (int, error) {
	b := r.b[r.off:]
	if len(b) < 2 || b[0] != byte(t) {
		return 0, r.fail(op, t)
	}
	n, size := int(b[1]), 1
	if n >= 0x80 {
		var err error
		if n, size, err = readLength(b[1:]); err != nil {
			return 0, &Error{Op: op, Offset: r.off + 1, Err: err}
		}
	}
	if n > len(b)-1-size {
		return 0, &Error{Op: op, Offset: r.off + 1, Err: fmt.Errorf("%w: %s of %d elements with %d bytes left", ErrBadLength, t, n, len(b)-1-size)}
	}
	r.off += 1 + size
	return n, nil
}

// EnterArray reads an array header and returns its element count, which is
// never more than the bytes left.
func (r *Reader) EnterArray() (int, error) {
	if b := r.b[r.off:]; len(b) >= 2 && b[0] == byte(TypeArray) && b[1] < 0x80 && int(b[1]) <= len(b)-2 {
		r.off += 2
		return int(b[1]), nil
	}
	return r.enter("enter array", TypeArray)
}

// EnterStructure reads a structure header and returns its element count.
func (r *Reader) EnterStructure() (int, error) {
	if b := r.b[r.off:]; len(b) >= 2 && b[0] == byte(TypeStructure) && b[1] < 0x80 && int(b[1]) <= len(b)-2 {
		r.off += 2
		return int(b[1]), nil
	}
	return r.enter("enter structure", TypeStructure)
}

// Null reads null-data.
func (r *Reader) Null() error {
	if r.off >= len(r.b) || r.b[r.off] != byte(TypeNull) {
		return r.fail("read null-data", TypeNull)
	}
	r.off++
	return nil
}

// Bool reads a boolean.
func (r *Reader) Bool() (bool, error) {
	v, err := r.byte1("read boolean", TypeBoolean)
	return v != 0, err
}

// Uint8 reads an unsigned.
func (r *Reader) Uint8() (uint8, error) { return r.byte1("read unsigned", TypeUnsigned) }

// Enum reads an enum.
func (r *Reader) Enum() (uint8, error) { return r.byte1("read enum", TypeEnum) }

// Int8 reads an integer.
func (r *Reader) Int8() (int8, error) {
	v, err := r.byte1("read integer", TypeInteger)
	return int8(v), err
}

func (r *Reader) byte1(op string, t Type) (uint8, error) {
	if b := r.b[r.off:]; len(b) >= 2 && b[0] == byte(t) {
		r.off += 2
		return b[1], nil
	}
	return 0, r.fail(op, t)
}

// Uint16 reads a long-unsigned.
func (r *Reader) Uint16() (uint16, error) {
	if b := r.b[r.off:]; len(b) >= 3 && b[0] == byte(TypeLongUnsigned) {
		r.off += 3
		return be16(b[1:]), nil
	}
	return 0, r.fail("read long-unsigned", TypeLongUnsigned)
}

// Int16 reads a long.
func (r *Reader) Int16() (int16, error) {
	if b := r.b[r.off:]; len(b) >= 3 && b[0] == byte(TypeLong) {
		r.off += 3
		return int16(be16(b[1:])), nil
	}
	return 0, r.fail("read long", TypeLong)
}

// Uint32 reads a double-long-unsigned.
func (r *Reader) Uint32() (uint32, error) {
	if b := r.b[r.off:]; len(b) >= 5 && b[0] == byte(TypeDoubleLongUnsigned) {
		r.off += 5
		return be32(b[1:]), nil
	}
	return 0, r.fail("read double-long-unsigned", TypeDoubleLongUnsigned)
}

// Int32 reads a double-long.
func (r *Reader) Int32() (int32, error) {
	if b := r.b[r.off:]; len(b) >= 5 && b[0] == byte(TypeDoubleLong) {
		r.off += 5
		return int32(be32(b[1:])), nil
	}
	return 0, r.fail("read double-long", TypeDoubleLong)
}

// Uint64 reads a long64-unsigned.
func (r *Reader) Uint64() (uint64, error) {
	if b := r.b[r.off:]; len(b) >= 9 && b[0] == byte(TypeLong64Unsigned) {
		r.off += 9
		return be64(b[1:]), nil
	}
	return 0, r.fail("read long64-unsigned", TypeLong64Unsigned)
}

// Int64 reads a long64.
func (r *Reader) Int64() (int64, error) {
	if b := r.b[r.off:]; len(b) >= 9 && b[0] == byte(TypeLong64) {
		r.off += 9
		return int64(be64(b[1:])), nil
	}
	return 0, r.fail("read long64", TypeLong64)
}

// Float32 reads a float32.
func (r *Reader) Float32() (float32, error) {
	if b := r.b[r.off:]; len(b) >= 5 && b[0] == byte(TypeFloat32) {
		r.off += 5
		return math.Float32frombits(be32(b[1:])), nil
	}
	return 0, r.fail("read float32", TypeFloat32)
}

// Float64 reads a float64.
func (r *Reader) Float64() (float64, error) {
	if b := r.b[r.off:]; len(b) >= 9 && b[0] == byte(TypeFloat64) {
		r.off += 9
		return math.Float64frombits(be64(b[1:])), nil
	}
	return 0, r.fail("read float64", TypeFloat64)
}

// str reads a length-prefixed string of type t.
func (r *Reader) str(op string, t Type) ([]byte, error) {
	b := r.b[r.off:]
	if len(b) < 2 || b[0] != byte(t) {
		return nil, r.fail(op, t)
	}
	n, size := int(b[1]), 1
	if n >= 0x80 {
		var err error
		if n, size, err = readLength(b[1:]); err != nil {
			return nil, &Error{Op: op, Offset: r.off + 1, Err: err}
		}
	}
	if n > len(b)-1-size {
		return nil, &Error{Op: op, Offset: r.off + 1, Err: ErrTruncated}
	}
	s := b[1+size : 1+size+n : 1+size+n]
	r.off += 1 + size + n
	return s, nil
}

// OctetStringBytes reads an octet-string and returns its bytes (not a copy).
func (r *Reader) OctetStringBytes() ([]byte, error) {
	return r.str("read octet-string", TypeOctetString)
}

// VisibleStringBytes reads a visible-string and returns its bytes (not a copy).
func (r *Reader) VisibleStringBytes() ([]byte, error) {
	return r.str("read visible-string", TypeVisibleString)
}

// UTF8StringBytes reads a utf8-string and returns its bytes (not a copy).
func (r *Reader) UTF8StringBytes() ([]byte, error) {
	return r.str("read utf8-string", TypeUTF8String)
}

// DateTime reads a date-time, either tagged 0x19 or, as Clock time and
// profile time stamps usually are, an octet-string of 12 bytes.
func (r *Reader) DateTime() (DateTime, error) {
	if b := r.b[r.off:]; len(b) >= 14 && b[0] == byte(TypeOctetString) && b[1] == 12 {
		r.off += 14
		return dateTimeOf(b[2:14]), nil
	}
	return r.dateTimeSlow()
}

// DateTimeTo is DateTime writing into *d, for hot loops that fill rows in
// place; *d is left alone on error.
func (r *Reader) DateTimeTo(d *DateTime) error {
	if b := r.b[r.off:]; len(b) >= 14 && b[0] == byte(TypeOctetString) && b[1] == 12 {
		r.off += 14
		b = b[2:14]
		*d = DateTime{
			Year: uint16(b[0])<<8 | uint16(b[1]), Month: b[2], Day: b[3], DayOfWeek: b[4],
			Hour: b[5], Minute: b[6], Second: b[7], Hundredths: b[8],
			Deviation: int16(uint16(b[9])<<8 | uint16(b[10])), Status: ClockStatus(b[11]),
		}
		return nil
	}
	v, err := r.dateTimeSlow()
	if err == nil {
		*d = v
	}
	return err
}

//go:noinline
func (r *Reader) dateTimeSlow() (DateTime, error) {
	b := r.b[r.off:]
	if len(b) >= 13 && b[0] == byte(TypeDateTime) {
		r.off += 13
		return dateTimeOf(b[1:13]), nil
	}
	if len(b) >= 2 && b[0] == byte(TypeOctetString) && b[1] != 12 {
		return DateTime{}, &Error{Op: "read date-time", Offset: r.off + 1, Err: fmt.Errorf("%w: octet-string of %d bytes, want 12", ErrBadLength, b[1])}
	}
	return DateTime{}, r.failAny("read date-time", TypeDateTime, TypeOctetString)
}

// Integer reads any integer type (integer, long, double-long, long64, their
// unsigned forms, enum, bcd) and returns it with its type; long64-unsigned
// values above MaxInt64 wrap.
func (r *Reader) Integer() (int64, Type, error) {
	b := r.b[r.off:]
	if len(b) > 0 {
		t := Type(b[0])
		if s := t.fixedSize(); s > 0 && s <= 8 && len(b) > s && integerType(t) {
			v, _ := simpleBody(t, b, 1)
			r.off += 1 + s
			return int64(v.num), t, nil
		}
	}
	return 0, 0, r.failAny("read integer", TypeInteger, TypeLong, TypeDoubleLong, TypeLong64,
		TypeUnsigned, TypeLongUnsigned, TypeDoubleLongUnsigned, TypeLong64Unsigned, TypeEnum, TypeBCD)
}

func integerType(t Type) bool { return Value{typ: t}.isInteger() }

// Simple reads one value of a simple (non-container) type without
// allocating; string and date bodies share memory with the buffer. Arrays,
// structures and compact-arrays return ErrUnexpectedType: enter them, or
// use ReadValue.
func (r *Reader) Simple() (Value, error) {
	if r.off >= len(r.b) {
		return Value{}, &Error{Op: "read simple value", Offset: r.off, Err: ErrTruncated}
	}
	t := Type(r.b[r.off])
	switch t {
	case TypeArray, TypeStructure, TypeCompactArray:
		return Value{}, &Error{Op: "read simple value", Offset: r.off, Err: fmt.Errorf("%w: %s is not a simple type", ErrUnexpectedType, t)}
	}
	end, err := skipSimpleBody(t, r.b, r.off+1)
	if err != nil {
		if err == ErrUnknownType {
			return Value{}, &Error{Op: "read simple value", Offset: r.off, Err: fmt.Errorf("%w: 0x%02x", ErrUnknownType, uint8(t))}
		}
		return Value{}, &Error{Op: "read simple value", Offset: r.off + 1, Err: err}
	}
	v, _ := simpleBody(t, r.b, r.off+1)
	r.off = end
	return v, nil
}

// ReadValue decodes the next value as a tree (see Decode; the result does
// not share memory with the buffer).
func (r *Reader) ReadValue() (Value, error) {
	v, n, err := Decode(r.b[r.off:])
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Offset += r.off
		}
		return Value{}, err
	}
	r.off += n
	return v, nil
}

// Skip moves past the next value, whatever its type.
func (r *Reader) Skip() error {
	end, _, err := skip(r.b, r.off, 0)
	if err != nil {
		return wrapAt("skip", err)
	}
	r.off = end
	return nil
}
