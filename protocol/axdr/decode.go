package axdr

import (
	"bytes"
	"fmt"
)

// maxCompactExpansion bounds the Values a compact-array may build per byte
// of contents: a structure of k one-byte cells builds k+1 Values from k
// bytes, deeply nested single-element structures far more.
const maxCompactExpansion = 4

// MaxDepth bounds the nesting of arrays and structures the decoders accept.
// Real COSEM data nests a handful of levels; the bound keeps hostile input
// from exhausting the stack.
const MaxDepth = 64

// Decode decodes ONE tagged Data value at the start of b and returns it with
// the number of bytes it took. It never reads past b. Bytes after the value
// are left alone: the caller decides whether trailing bytes are an error
// (PROTOCOLS.md §11.5). The returned Value does not share memory with b.
//
// Decode makes two passes: one to validate and count, one to build, so the
// whole tree costs two allocations however many elements it has, and no
// count read from the wire can allocate more than the input can hold.
func Decode(b []byte) (Value, int, error) {
	n, nodes, err := skip(b, 0, 0)
	if err != nil {
		return Value{}, 0, wrapAt("decode", err)
	}
	own := bytes.Clone(b[:n])
	d := builder{b: own, arena: make([]Value, nodes)}
	v, _ := d.value(0)
	return v, n, nil
}

// Decoder decodes values into memory it keeps and reuses, for callers that
// decode many large values in a row (profile buffers, object lists). The
// Value returned by Decoder.Decode, and everything inside it, is valid only
// until the next call; the zero Decoder is ready to use.
type Decoder struct {
	buf   []byte
	arena []Value
}

// Decode is the package-level Decode, reusing d's memory.
func (d *Decoder) Decode(b []byte) (Value, int, error) {
	n, nodes, err := skip(b, 0, 0)
	if err != nil {
		return Value{}, 0, wrapAt("decode", err)
	}
	d.buf = append(d.buf[:0], b[:n]...)
	if cap(d.arena) < nodes {
		d.arena = make([]Value, nodes)
	}
	arena := d.arena[:nodes]
	clear(arena) // the builder writes only the fields each value uses
	bd := builder{b: d.buf, arena: arena}
	v, _ := bd.value(0)
	return v, n, nil
}

// Skip returns the length of one tagged Data value at the start of b,
// checking its structure without building it.
func Skip(b []byte) (int, error) {
	n, _, err := skip(b, 0, 0)
	if err != nil {
		return 0, wrapAt("skip", err)
	}
	return n, nil
}

// posError is an internal error with the offset where it happened.
type posError struct {
	off int
	err error
}

func (e *posError) Error() string { return fmt.Sprintf("offset %d: %v", e.off, e.err) }

func at(off int, err error) error { return &posError{off: off, err: err} }

func wrapAt(op string, err error) error {
	if p, ok := err.(*posError); ok {
		return &Error{Op: op, Offset: p.off, Err: p.err}
	}
	return &Error{Op: op, Err: err}
}

// skip validates one tagged value at off; it returns the end offset and the
// number of Values that live in elems slices beneath it.
func skip(b []byte, off, depth int) (int, int, error) {
	if off >= len(b) {
		return off, 0, at(off, ErrTruncated)
	}
	t := Type(b[off])
	start := off
	off++
	switch t {
	case TypeArray, TypeStructure:
		if depth >= MaxDepth {
			return start, 0, at(start, ErrTooDeep)
		}
		n, size, err := readLength(b[off:])
		if err != nil {
			return off, 0, at(off, err)
		}
		off += size
		if n > len(b)-off { // every element takes at least its tag byte
			return off - size, 0, at(off-size, fmt.Errorf("%w: %s of %d elements with %d bytes left", ErrBadLength, t, n, len(b)-off))
		}
		nodes := n
		for range n {
			// fixed-size simple elements, the bulk of real data, inline
			if off < len(b) {
				if fs := Type(b[off]).fixedSize(); fs >= 0 && fs < len(b)-off {
					off += 1 + fs
					continue
				}
			}
			var sub int
			off, sub, err = skip(b, off, depth+1)
			if err != nil {
				return off, 0, err
			}
			nodes += sub
		}
		return off, nodes, nil
	case TypeCompactArray:
		return skipCompact(b, off, depth)
	}
	end, err := skipSimpleBody(t, b, off)
	if err != nil {
		if err == ErrUnknownType {
			return start, 0, at(start, fmt.Errorf("%w: 0x%02x", ErrUnknownType, uint8(t)))
		}
		return off, 0, at(off, err)
	}
	return end, 0, nil
}

// skipSimpleBody returns the end of the untagged body of a simple type at off.
func skipSimpleBody(t Type, b []byte, off int) (int, error) {
	if s := t.fixedSize(); s >= 0 {
		if len(b)-off < s {
			return off, ErrTruncated
		}
		return off + s, nil
	}
	switch t {
	case TypeOctetString, TypeVisibleString, TypeUTF8String:
		n, size, err := readLength(b[off:])
		if err != nil {
			return off, err
		}
		if n > len(b)-off-size {
			return off, fmt.Errorf("%w: %s of %d bytes with %d left", ErrTruncated, t, n, len(b)-off-size)
		}
		return off + size + n, nil
	case TypeBitString:
		n, size, err := readLength(b[off:])
		if err != nil {
			return off, err
		}
		nb := (n + 7) / 8
		if nb > len(b)-off-size {
			return off, fmt.Errorf("%w: bit-string of %d bits with %d bytes left", ErrTruncated, n, len(b)-off-size)
		}
		return off + size + nb, nil
	}
	return off, ErrUnknownType
}

// skipCompact validates a compact-array whose type description starts at off.
func skipCompact(b []byte, off, depth int) (int, int, error) {
	desc, end, err := parseDesc(b, off, 0)
	if err != nil {
		return end, 0, at(end, err)
	}
	if desc.minSize(1) == 0 {
		return off, 0, at(off, fmt.Errorf("%w: compact-array of zero-size items", ErrInvalid))
	}
	off = end
	n, size, err := readLength(b[off:])
	if err != nil {
		return off, 0, at(off, err)
	}
	if n > len(b)-off-size {
		return off, 0, at(off, fmt.Errorf("%w: compact-array contents of %d bytes with %d left", ErrTruncated, n, len(b)-off-size))
	}
	off += size
	stop := off + n
	nodes := 0
	for off < stop {
		var sub int
		off, sub, err = skipItem(desc, b[:stop], off)
		if err != nil {
			return off, 0, err
		}
		nodes += 1 + sub
	}
	if nodes > maxCompactExpansion*n {
		return stop - n, 0, at(stop-n, fmt.Errorf("%w: compact-array of %d bytes would build %d values", ErrUnsupported, n, nodes))
	}
	return off, nodes, nil
}

// skipItem validates one untagged item of a compact-array.
func skipItem(d TypeDesc, b []byte, off int) (int, int, error) {
	switch d.Type {
	case TypeArray, TypeStructure:
		k := d.Count
		if d.Type == TypeStructure {
			k = len(d.Elems)
		}
		nodes := k
		var err error
		for i := range k {
			e := d.Elems[0]
			if d.Type == TypeStructure {
				e = d.Elems[i]
			}
			var sub int
			off, sub, err = skipItem(e, b, off)
			if err != nil {
				return off, 0, err
			}
			nodes += sub
		}
		return off, nodes, nil
	}
	end, err := skipSimpleBody(d.Type, b, off)
	if err != nil {
		return off, 0, at(off, err)
	}
	return end, 0, nil
}

// builder builds Values from input that skip has validated, carving element
// slices out of one preallocated arena.
type builder struct {
	b     []byte
	arena []Value
}

func (d *builder) take(n int) []Value {
	s := d.arena[:n:n]
	d.arena = d.arena[n:]
	return s
}

func (d *builder) value(off int) (Value, int) {
	var v Value
	off = d.fill(&v, off)
	return v, off
}

// fill builds the value at off into *dst, which is zero, writing only the
// fields that value uses: in a fresh arena most values then need no
// pointer writes at all.
func (d *builder) fill(dst *Value, off int) int {
	b := d.b
	t := Type(b[off])
	off++
	switch t {
	case TypeArray, TypeStructure:
		n, size, _ := readLength(b[off:])
		off += size
		elems := d.take(n)
		for i := range elems {
			switch et := Type(b[off]); et {
			case TypeArray, TypeStructure, TypeCompactArray:
				off = d.fill(&elems[i], off)
			default:
				off = fillSimple(&elems[i], et, b, off+1)
			}
		}
		dst.typ, dst.lform, dst.elems = t, longForm(n, size), elems
		return off
	case TypeCompactArray:
		desc, end, _ := parseDesc(b, off, 0)
		raw := b[off:end:end]
		n, size, _ := readLength(b[end:])
		off = end + size
		stop := off + n
		// count items first so the slice comes from the arena in one piece
		cnt := 0
		for o := off; o < stop; cnt++ {
			o, _, _ = skipItem(desc, b, o)
		}
		items := d.take(cnt)
		for i := range items {
			off = d.item(&items[i], desc, off)
		}
		dst.typ, dst.lform, dst.b, dst.elems = t, longForm(n, size), raw, items
		return off
	}
	return fillSimple(dst, t, b, off)
}

// item builds one untagged compact-array item into *dst.
func (d *builder) item(dst *Value, desc TypeDesc, off int) int {
	switch desc.Type {
	case TypeArray, TypeStructure:
		k := desc.Count
		if desc.Type == TypeStructure {
			k = len(desc.Elems)
		}
		elems := d.take(k)
		for i := range elems {
			e := desc.Elems[0]
			if desc.Type == TypeStructure {
				e = desc.Elems[i]
			}
			off = d.item(&elems[i], e, off)
		}
		dst.typ, dst.elems = desc.Type, elems
		return off
	}
	return fillSimple(dst, desc.Type, d.b, off)
}

// simpleBody builds a simple value from a validated body at off.
func simpleBody(t Type, b []byte, off int) (Value, int) {
	var v Value
	off = fillSimple(&v, t, b, off)
	return v, off
}

// fillSimple builds a simple value from a validated body at off into *dst.
func fillSimple(dst *Value, t Type, b []byte, off int) int {
	dst.typ = t
	switch t {
	case TypeNull, TypeDontCare:
		return off
	case TypeBoolean, TypeUnsigned, TypeEnum:
		dst.num = uint64(b[off])
		return off + 1
	case TypeInteger, TypeBCD:
		dst.num = uint64(int64(int8(b[off])))
		return off + 1
	case TypeLong:
		dst.num = uint64(int64(int16(be16(b[off:]))))
		return off + 2
	case TypeLongUnsigned:
		dst.num = uint64(be16(b[off:]))
		return off + 2
	case TypeDoubleLong:
		dst.num = uint64(int64(int32(be32(b[off:]))))
		return off + 4
	case TypeDoubleLongUnsigned, TypeFloat32:
		dst.num = uint64(be32(b[off:]))
		return off + 4
	case TypeLong64, TypeLong64Unsigned, TypeFloat64:
		dst.num = be64(b[off:])
		return off + 8
	case TypeDateTime, TypeDate, TypeTime:
		s := t.fixedSize()
		dst.b = b[off : off+s : off+s]
		return off + s
	case TypeOctetString, TypeVisibleString, TypeUTF8String:
		n, size := int(b[off]), 1
		if n >= 0x80 {
			n, size, _ = readLength(b[off:])
			dst.lform = longForm(n, size)
		}
		off += size
		dst.b = b[off : off+n : off+n]
		return off + n
	case TypeBitString:
		n, size, _ := readLength(b[off:])
		off += size
		nb := (n + 7) / 8
		dst.num = uint64(n)
		dst.lform = longForm(n, size)
		dst.b = b[off : off+nb : off+nb]
		return off + nb
	}
	panic("axdr: fillSimple of unvalidated type " + t.String())
}

func be16(b []byte) uint16 { _ = b[1]; return uint16(b[0])<<8 | uint16(b[1]) }

func be32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func be64(b []byte) uint64 { return uint64(be32(b))<<32 | uint64(be32(b[4:])) }
