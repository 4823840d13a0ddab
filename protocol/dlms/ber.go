package dlms

import "fmt"

// The ACSE APDUs (AARQ, AARE, RLRQ, RLRE) use BER (ISO/IEC 8825-1) with
// one-byte tags and definite lengths (IEC 62056-5-3 §7.2, PROTOCOLS.md §4.1).

// berTLV is one element of a BER constructed value.
type berTLV struct {
	tag byte
	val []byte
	off int // offset of the tag within the enclosing value
}

// readBERLength reads a definite BER length: short form, or 0x81/0x82/0x83/0x84
// followed by the length bytes. The length must fit in b.
func readBERLength(b []byte) (n, size int, err error) {
	return readLength(b) // same rules as A-XDR for the forms DLMS uses
}

// berElements splits b into its top-level TLVs.
func berElements(b []byte) ([]berTLV, error) {
	var out []berTLV
	for off := 0; off < len(b); {
		tag := b[off]
		if tag&0x1F == 0x1F {
			return nil, &DecodeError{Offset: off, Err: fmt.Errorf("%w: multi-byte BER tag", ErrMalformed)}
		}
		n, size, err := readBERLength(b[off+1:])
		if err != nil {
			return nil, &DecodeError{Offset: off + 1, Err: err}
		}
		start := off + 1 + size
		out = append(out, berTLV{tag: tag, val: b[start : start+n : start+n], off: off})
		off = start + n
	}
	return out, nil
}

// berInner unwraps a constructed value holding exactly one TLV with the
// given tag, such as `AC 0A 80 08 <value>` or `BE 10 04 0E <value>`.
func berInner(b []byte, tag byte) ([]byte, error) {
	if len(b) < 2 || b[0] != tag {
		return nil, fmt.Errorf("%w: want tag %#02x", ErrMalformed, tag)
	}
	n, size, err := readBERLength(b[1:])
	if err != nil {
		return nil, err
	}
	return b[1+size : 1+size+n], nil
}

// berInt decodes a small BER INTEGER (`02 01 v`) held in a context tag.
func berInt(b []byte) (int, error) {
	v, err := berInner(b, 0x02)
	if err != nil {
		return 0, err
	}
	if len(v) == 0 || len(v) > 2 {
		return 0, fmt.Errorf("%w: integer of %d bytes", ErrMalformed, len(v))
	}
	n := 0
	for _, c := range v {
		n = n<<8 | int(c)
	}
	return n, nil
}

func appendBER(dst []byte, tag byte, val []byte) []byte {
	dst = append(dst, tag)
	dst = appendLength(dst, len(val))
	return append(dst, val...)
}

// appendBERWrapped appends tag { inner { val } }.
func appendBERWrapped(dst []byte, tag, inner byte, val []byte) []byte {
	in := appendBER(nil, inner, val)
	return appendBER(dst, tag, in)
}
