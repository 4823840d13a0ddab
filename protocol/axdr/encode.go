package axdr

import "fmt"

// Append appends the tagged encoding of v to dst. It fails only for values
// that cannot be encoded as built (a bit-string whose bytes do not match its
// bit count, a date-time body that is not 12 bytes, compact-array items that
// do not match the description, nesting deeper than MaxDepth); dst is then
// returned as it was.
func Append(dst []byte, v Value) ([]byte, error) {
	out, err := appendValue(dst, v, 0)
	if err != nil {
		return dst, &Error{Op: "encode", Offset: len(out), Err: err}
	}
	return out, nil
}

// Encode returns the tagged encoding of v.
func Encode(v Value) ([]byte, error) { return Append(nil, v) }

func appendValue(dst []byte, v Value, depth int) ([]byte, error) {
	switch v.typ {
	case TypeArray, TypeStructure:
		if depth >= MaxDepth {
			return dst, ErrTooDeep
		}
		dst = append(dst, byte(v.typ))
		dst = appendLengthForm(dst, len(v.elems), v.lform)
		var err error
		for _, e := range v.elems {
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return dst, nil
	case TypeCompactArray:
		desc, n, err := parseDesc(v.b, 0, 0)
		if err != nil || n != len(v.b) {
			return dst, fmt.Errorf("%w: compact-array type description %x", ErrInvalid, v.b)
		}
		var body []byte
		for i, it := range v.elems {
			if body, err = appendItem(body, desc, it); err != nil {
				return dst, fmt.Errorf("compact-array item %d: %w", i, err)
			}
		}
		dst = append(dst, byte(TypeCompactArray))
		dst = append(dst, v.b...)
		dst = appendLengthForm(dst, len(body), v.lform)
		return append(dst, body...), nil
	}
	if !v.typ.Valid() {
		return dst, fmt.Errorf("%w: type 0x%02x", ErrInvalid, uint8(v.typ))
	}
	dst = append(dst, byte(v.typ))
	return appendBody(dst, v)
}

// appendItem appends one untagged compact-array item.
func appendItem(dst []byte, d TypeDesc, v Value) ([]byte, error) {
	if v.typ != d.Type {
		return dst, fmt.Errorf("%w: %s where the description says %s", ErrInvalid, v.typ, d.Type)
	}
	switch d.Type {
	case TypeArray, TypeStructure:
		want := d.Count
		if d.Type == TypeStructure {
			want = len(d.Elems)
		}
		if len(v.elems) != want {
			return dst, fmt.Errorf("%w: %s of %d elements, description says %d", ErrInvalid, d.Type, len(v.elems), want)
		}
		var err error
		for i, e := range v.elems {
			ed := d.Elems[0]
			if d.Type == TypeStructure {
				ed = d.Elems[i]
			}
			if dst, err = appendItem(dst, ed, e); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	return appendBody(dst, v)
}

// appendBody appends the untagged body of a simple value.
func appendBody(dst []byte, v Value) ([]byte, error) {
	n := v.num
	switch v.typ {
	case TypeNull, TypeDontCare:
		return dst, nil
	case TypeBoolean, TypeUnsigned, TypeEnum, TypeInteger, TypeBCD:
		return append(dst, byte(n)), nil
	case TypeLong, TypeLongUnsigned:
		return append(dst, byte(n>>8), byte(n)), nil
	case TypeDoubleLong, TypeDoubleLongUnsigned, TypeFloat32:
		return append(dst, byte(n>>24), byte(n>>16), byte(n>>8), byte(n)), nil
	case TypeLong64, TypeLong64Unsigned, TypeFloat64:
		return append(dst, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n)), nil
	case TypeDateTime, TypeDate, TypeTime:
		if len(v.b) != v.typ.fixedSize() {
			return dst, fmt.Errorf("%w: %s body of %d bytes, want %d", ErrInvalid, v.typ, len(v.b), v.typ.fixedSize())
		}
		return append(dst, v.b...), nil
	case TypeOctetString, TypeVisibleString, TypeUTF8String:
		dst = appendLengthForm(dst, len(v.b), v.lform)
		return append(dst, v.b...), nil
	case TypeBitString:
		if n > MaxLength || int(n+7)/8 != len(v.b) {
			return dst, fmt.Errorf("%w: bit-string of %d bits in %d bytes", ErrInvalid, n, len(v.b))
		}
		dst = appendLengthForm(dst, int(n), v.lform)
		return append(dst, v.b...), nil
	}
	return dst, fmt.Errorf("%w: type %s", ErrInvalid, v.typ)
}
