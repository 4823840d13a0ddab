package dlms

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// reader walks an APDU with bounds checks. The first error sticks: later
// reads return zero values, so decoders check r.err once at the end.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = &DecodeError{Offset: r.off, Err: err}
	}
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || r.remaining() < n {
		r.fail(ErrTruncated)
		return false
	}
	return true
}

func (r *reader) u8() byte {
	if !r.need(1) {
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) u16() uint16 {
	if !r.need(2) {
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u32() uint32 {
	if !r.need(4) {
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) bytes(n int) []byte {
	if !r.need(n) {
		return nil
	}
	v := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return v
}

func (r *reader) bool() bool { return r.u8() != 0 }

// length reads an A-XDR length (PROTOCOLS.md §6.2) and checks it against
// the bytes still present, so callers may allocate from it.
func (r *reader) length() int {
	if r.err != nil {
		return 0
	}
	n, size, err := readLength(r.b[r.off:])
	if err != nil {
		r.fail(err)
		return 0
	}
	r.off += size
	return n
}

// count reads an A-XDR element count; each element needs at least min bytes,
// which bounds the count by the input.
func (r *reader) count(min int) int {
	n := r.length()
	if r.err == nil && min > 0 && n > r.remaining()/min {
		r.fail(fmt.Errorf("%w: %d elements in %d bytes", ErrTruncated, n, r.remaining()))
		return 0
	}
	return n
}

// octets reads an A-XDR length-prefixed byte string.
func (r *reader) octets() []byte {
	n := r.length()
	return r.bytes(n)
}

// data returns the raw encoding of one tagged A-XDR Data value.
func (r *reader) data() Data {
	if r.err != nil {
		return nil
	}
	n, err := skipData(r.b[r.off:], 0)
	if err != nil {
		r.fail(err)
		return nil
	}
	return Data(r.bytes(n))
}

func (r *reader) rest() []byte { return r.bytes(r.remaining()) }

// readLength decodes an A-XDR length: n < 0x80 in one byte, otherwise 0x80|k
// followed by k big-endian bytes (PROTOCOLS.md §6.2). The length must fit in
// the bytes that follow it.
func readLength(b []byte) (n, size int, err error) {
	if len(b) == 0 {
		return 0, 0, ErrTruncated
	}
	if b[0] < 0x80 {
		n, size = int(b[0]), 1
	} else {
		k := int(b[0] & 0x7F)
		if k == 0 || k > 4 {
			return 0, 0, fmt.Errorf("%w: length of %d bytes", ErrBadLength, k)
		}
		if len(b) < 1+k {
			return 0, 0, ErrTruncated
		}
		var v uint64
		for _, c := range b[1 : 1+k] {
			v = v<<8 | uint64(c)
		}
		if v > uint64(len(b)) {
			return 0, 0, fmt.Errorf("%w: length %d with %d bytes present", ErrTruncated, v, len(b)-1-k)
		}
		n, size = int(v), 1+k
	}
	if n > len(b)-size {
		return 0, 0, fmt.Errorf("%w: length %d with %d bytes present", ErrTruncated, n, len(b)-size)
	}
	return n, size, nil
}

// appendLength appends an A-XDR length.
func appendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	default:
		return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func appendU16(dst []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(dst, v) }
func appendU32(dst []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(dst, v) }

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendOctets(dst, v []byte) []byte {
	return append(appendLength(dst, len(v)), v...)
}

// skipData returns the encoded size of the tagged A-XDR Data value at the
// start of b (axdr.Skip, which allocates nothing and bounds nesting), with
// the error also wrapping this package's sentinels.
func skipData(b []byte, _ int) (int, error) {
	n, err := axdr.Skip(b)
	if err == nil {
		return n, nil
	}
	switch {
	case errors.Is(err, axdr.ErrTooDeep):
		return 0, fmt.Errorf("%w: %w", ErrTooDeep, err)
	case errors.Is(err, axdr.ErrUnknownType):
		return 0, fmt.Errorf("%w: %w", ErrUnknownTag, err)
	case errors.Is(err, axdr.ErrTruncated), errors.Is(err, axdr.ErrBadLength):
		return 0, fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	return 0, fmt.Errorf("%w: %w", ErrMalformed, err)
}

// flag reads a presence flag or a two-way CHOICE, which must be 0 or 1.
func (r *reader) flag() bool {
	v := r.u8()
	if v > 1 {
		r.off--
		r.fail(fmt.Errorf("%w: choice %d", ErrMalformed, v))
		return false
	}
	return v == 1
}
