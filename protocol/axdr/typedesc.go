package axdr

import (
	"fmt"
	"strings"
)

// TypeDesc is an A-XDR TypeDescription, the header of a compact-array
// (IEC 62056-6-2 §4.1.6.2, PROTOCOLS.md §6.3):
//
//	simple type     tag
//	array           01 number-of-elements(u16) TypeDescription
//	structure       02 count(A-XDR length) TypeDescription × count
//
// Descriptions whose items would take no bytes (null-data, dont-care,
// empty arrays or structures) and the delta types are refused with
// ErrUnsupported: every leaf of an item then takes at least one byte, which
// bounds what a decoded compact-array can cost.
type TypeDesc struct {
	Type  Type
	Count int        // array only: number of elements of each item
	Elems []TypeDesc // structure: one per element; array: exactly one
}

// maxDescDepth bounds the nesting of a type description.
const maxDescDepth = 16

// ParseTypeDesc reads one type description at the start of b and returns it
// with the bytes it took.
func ParseTypeDesc(b []byte) (TypeDesc, int, error) {
	d, n, err := parseDesc(b, 0, 0)
	if err != nil {
		return TypeDesc{}, 0, newError("parse type description", n, err)
	}
	return d, n, nil
}

// parseDesc returns the description and the end offset, or the offset of the
// problem with an error.
func parseDesc(b []byte, off, depth int) (TypeDesc, int, error) {
	if depth > maxDescDepth {
		return TypeDesc{}, off, ErrTooDeep
	}
	if off >= len(b) {
		return TypeDesc{}, off, ErrTruncated
	}
	t := Type(b[off])
	off++
	switch t {
	case TypeArray:
		if len(b)-off < 2 {
			return TypeDesc{}, off, ErrTruncated
		}
		n := int(b[off])<<8 | int(b[off+1])
		if n == 0 {
			return TypeDesc{}, off, fmt.Errorf("%w: array of no elements in a compact-array", ErrUnsupported)
		}
		e, end, err := parseDesc(b, off+2, depth+1)
		if err != nil {
			return TypeDesc{}, end, err
		}
		return TypeDesc{Type: t, Count: n, Elems: []TypeDesc{e}}, end, nil
	case TypeStructure:
		n, size, err := readLength(b[off:])
		if err != nil {
			return TypeDesc{}, off, err
		}
		if n == 0 {
			return TypeDesc{}, off, fmt.Errorf("%w: structure of no elements in a compact-array", ErrUnsupported)
		}
		off += size
		if n > len(b)-off { // each element description takes at least one byte
			return TypeDesc{}, off, ErrBadLength
		}
		d := TypeDesc{Type: t, Elems: make([]TypeDesc, n)}
		for i := range n {
			d.Elems[i], off, err = parseDesc(b, off, depth+1)
			if err != nil {
				return TypeDesc{}, off, err
			}
		}
		return d, off, nil
	case TypeCompactArray:
		return TypeDesc{}, off - 1, fmt.Errorf("%w: compact-array inside a type description", ErrUnsupported)
	}
	if t >= TypeDeltaInteger && t <= TypeDeltaDoubleLongU {
		return TypeDesc{}, off - 1, fmt.Errorf("%w: %s in a compact-array", ErrUnsupported, t)
	}
	if !t.Valid() {
		return TypeDesc{}, off - 1, fmt.Errorf("%w: 0x%02x", ErrUnknownType, uint8(t))
	}
	if t == TypeNull || t == TypeDontCare {
		// items of no size would let a few bytes claim any number of
		// Values; no meter sends them
		return TypeDesc{}, off - 1, fmt.Errorf("%w: %s in a compact-array", ErrUnsupported, t)
	}
	return TypeDesc{Type: t}, off, nil
}

// Append appends the encoded type description.
func (d TypeDesc) Append(dst []byte) ([]byte, error) {
	switch d.Type {
	case TypeArray:
		if len(d.Elems) != 1 || d.Count < 0 || d.Count > 0xFFFF {
			return dst, fmt.Errorf("%w: array type description needs one element type and a count ≤ 65535", ErrInvalid)
		}
		dst = append(dst, byte(TypeArray), byte(d.Count>>8), byte(d.Count))
		return d.Elems[0].Append(dst)
	case TypeStructure:
		dst = append(dst, byte(TypeStructure))
		dst = AppendLength(dst, len(d.Elems))
		var err error
		for _, e := range d.Elems {
			if dst, err = e.Append(dst); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	if !d.Type.Valid() || d.Type == TypeCompactArray {
		return dst, fmt.Errorf("%w: %s in a type description", ErrInvalid, d.Type)
	}
	return append(dst, byte(d.Type)), nil
}

// minSize is the smallest encoded size of one item of this description,
// saturated at limit.
func (d TypeDesc) minSize(limit int) int {
	switch d.Type {
	case TypeArray:
		e := d.Elems[0].minSize(limit)
		if e > 0 && d.Count > limit/e {
			return limit
		}
		return min(d.Count*e, limit)
	case TypeStructure:
		s := 0
		for _, e := range d.Elems {
			s += e.minSize(limit)
			if s >= limit {
				return limit
			}
		}
		return s
	case TypeOctetString, TypeVisibleString, TypeUTF8String, TypeBitString:
		return 1
	}
	return d.Type.fixedSize()
}

// String renders the description: "structure{visible-string, integer}",
// "array[4]{long-unsigned}".
func (d TypeDesc) String() string {
	var sb strings.Builder
	d.format(&sb)
	return sb.String()
}

func (d TypeDesc) format(sb *strings.Builder) {
	switch d.Type {
	case TypeArray:
		fmt.Fprintf(sb, "array[%d]", d.Count)
	case TypeStructure:
		sb.WriteString("structure")
	default:
		sb.WriteString(d.Type.String())
		return
	}
	sb.WriteByte('{')
	for i, e := range d.Elems {
		if i > 0 {
			sb.WriteString(", ")
		}
		e.format(sb)
	}
	sb.WriteByte('}')
}

// Matches reports whether v has the shape the description asks for.
func (d TypeDesc) Matches(v Value) bool {
	if v.typ != d.Type {
		return false
	}
	switch d.Type {
	case TypeArray:
		if len(v.elems) != d.Count {
			return false
		}
		for _, e := range v.elems {
			if !d.Elems[0].Matches(e) {
				return false
			}
		}
	case TypeStructure:
		if len(v.elems) != len(d.Elems) {
			return false
		}
		for i, e := range v.elems {
			if !d.Elems[i].Matches(e) {
				return false
			}
		}
	}
	return true
}

// CompactArray returns a compact-array of items described by desc. Each
// item must match desc (structures for a structure description, arrays of
// Count elements for an array description, simple values otherwise).
func CompactArray(desc TypeDesc, items ...Value) (Value, error) {
	raw, err := desc.Append(nil)
	if err != nil {
		return Value{}, err
	}
	if desc.minSize(1) == 0 {
		return Value{}, fmt.Errorf("%w: compact-array of zero-size items", ErrInvalid)
	}
	for i, it := range items {
		if !desc.Matches(it) {
			return Value{}, fmt.Errorf("%w: compact-array item %d is %s, want %s", ErrInvalid, i, it, desc)
		}
	}
	return Value{typ: TypeCompactArray, b: raw, elems: items}, nil
}

// TypeDesc returns the type description of a compact-array.
func (v Value) TypeDesc() (TypeDesc, error) {
	if v.typ != TypeCompactArray {
		return TypeDesc{}, fmt.Errorf("%w: %s is not a compact-array", ErrUnexpectedType, v.typ)
	}
	d, _, err := ParseTypeDesc(v.b)
	return d, err
}
