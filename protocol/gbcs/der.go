package gbcs

import (
	"errors"
	"fmt"
)

// ASN.1 universal tags used by the GBCS payloads (X.680).
const (
	DERInteger         = 0x02
	DERBitString       = 0x03
	DEROctetString     = 0x04
	DERNull            = 0x05
	DEREnumerated      = 0x0A
	DERGeneralizedTime = 0x18
	DERSequence        = 0x10 // constructed: identifier octet 0x30
)

// DER limits, checked before recursing or allocating.
const (
	derMaxDepth = 24
	derMaxNodes = 4096
)

var errDERDepth = errors.New("gbcs: DER nesting too deep")

// DERNode is one decoded DER TLV (X.690 §8, §10): its class, tag number,
// constructed flag, and either the content octets (primitive) or the
// children (constructed).
type DERNode struct {
	Class       uint8     `json:"class,omitempty"` // 0 universal, 1 application, 2 context, 3 private
	Tag         uint32    `json:"tag"`
	Constructed bool      `json:"constructed,omitempty"`
	Value       Hex       `json:"value,omitempty"`
	Children    []DERNode `json:"children,omitempty"`
}

// ParseDER decodes exactly one DER TLV filling all of b. It enforces
// definite minimal lengths (DER), a nesting depth of 24 and at most 4,096
// nodes; Value slices refer to b.
func ParseDER(b []byte) (DERNode, error) {
	nodes := 0
	n, used, err := parseDER(b, 0, 0, &nodes)
	if err != nil {
		return DERNode{}, err
	}
	if used != len(b) {
		return DERNode{}, decodeErr("DER", used, ErrTrailing)
	}
	return n, nil
}

func parseDER(b []byte, off, depth int, nodes *int) (DERNode, int, error) {
	const op = "DER"
	var n DERNode
	if depth > derMaxDepth {
		return n, 0, decodeErr(op, off, errDERDepth)
	}
	*nodes++
	if *nodes > derMaxNodes {
		return n, 0, decodeErr(op, off, fmt.Errorf("%w: more than %d elements", ErrLength, derMaxNodes))
	}
	p := off
	if p >= len(b) {
		return n, 0, decodeErr(op, p, ErrShort)
	}
	id := b[p]
	p++
	n.Class = id >> 6
	n.Constructed = id&0x20 != 0
	n.Tag = uint32(id & 0x1f)
	if n.Tag == 0x1f {
		n.Tag = 0
		for i := 0; ; i++ {
			if p >= len(b) {
				return n, 0, decodeErr(op, p, ErrShort)
			}
			if i == 4 || (i == 0 && b[p] == 0x80) {
				return n, 0, decodeErr(op, p, fmt.Errorf("%w: tag number form", ErrTag))
			}
			n.Tag = n.Tag<<7 | uint32(b[p]&0x7f)
			p++
			if b[p-1]&0x80 == 0 {
				break
			}
		}
		if n.Tag < 0x1f {
			return n, 0, decodeErr(op, off, fmt.Errorf("%w: long form for tag %d", ErrTag, n.Tag))
		}
	}
	if p < len(b) && b[p] == 0x80 {
		return n, 0, decodeErr(op, p, fmt.Errorf("%w: indefinite length is not DER", ErrLength))
	}
	l, size, err := readBERLength(b, p)
	if err != nil {
		return n, 0, decodeErr(op, p, err)
	}
	if size != berLengthSize(l) {
		return n, 0, decodeErr(op, p, fmt.Errorf("%w: length %d not in minimal form", ErrLength, l))
	}
	p += size
	end := p + l
	if end > len(b) {
		return n, 0, decodeErr(op, p, fmt.Errorf("%w: %d content bytes announced, %d left", ErrShort, l, len(b)-p))
	}
	if !n.Constructed {
		n.Value = b[p:end]
		return n, end, nil
	}
	inner := b[:end]
	for p < end {
		c, next, err := parseDER(inner, p, depth+1, nodes)
		if err != nil {
			return n, 0, err
		}
		n.Children = append(n.Children, c)
		p = next
	}
	return n, end, nil
}

// AppendDER appends the DER encoding of n to b.
func (n DERNode) AppendDER(b []byte) []byte {
	id := n.Class<<6 | byte(0)
	if n.Constructed {
		id |= 0x20
	}
	if n.Tag < 0x1f {
		b = append(b, id|byte(n.Tag))
	} else {
		b = append(b, id|0x1f)
		var tmp [5]byte
		i := len(tmp)
		t := n.Tag
		for {
			i--
			tmp[i] = byte(t & 0x7f)
			if i != len(tmp)-1 {
				tmp[i] |= 0x80
			}
			t >>= 7
			if t == 0 {
				break
			}
		}
		b = append(b, tmp[i:]...)
	}
	if !n.Constructed {
		b = appendBERLength(b, len(n.Value))
		return append(b, n.Value...)
	}
	b = appendBERLength(b, n.contentLen())
	for _, c := range n.Children {
		b = c.AppendDER(b)
	}
	return b
}

func (n DERNode) encodedLen() int {
	l := n.contentLen()
	id := 1
	if n.Tag >= 0x1f {
		for t := n.Tag; t != 0; t >>= 7 {
			id++
		}
	}
	return id + berLengthSize(l) + l
}

func (n DERNode) contentLen() int {
	if !n.Constructed {
		return len(n.Value)
	}
	l := 0
	for _, c := range n.Children {
		l += c.encodedLen()
	}
	return l
}

// is reports whether n is the universal element with the given tag.
func (n DERNode) is(tag uint32, constructed bool) bool {
	return n.Class == 0 && n.Tag == tag && n.Constructed == constructed
}

// Int returns the value of an INTEGER or ENUMERATED of up to 8 content
// octets, two's complement.
func (n DERNode) Int() (int64, error) {
	if n.Class != 0 || (n.Tag != DERInteger && n.Tag != DEREnumerated) || n.Constructed {
		return 0, fmt.Errorf("%w: want INTEGER, have tag %d", ErrTag, n.Tag)
	}
	if len(n.Value) == 0 || len(n.Value) > 8 {
		return 0, fmt.Errorf("%w: INTEGER of %d octets", ErrLength, len(n.Value))
	}
	v := int64(int8(n.Value[0]))
	for _, c := range n.Value[1:] {
		v = v<<8 | int64(c)
	}
	return v, nil
}

// derInt builds an INTEGER node in minimal two's complement form.
func derInt(v int64) DERNode {
	var buf [8]byte
	for i := 7; i >= 0; i-- {
		buf[i] = byte(v)
		v >>= 8
	}
	i := 0
	for i < 7 && ((buf[i] == 0 && buf[i+1]&0x80 == 0) || (buf[i] == 0xff && buf[i+1]&0x80 != 0)) {
		i++
	}
	return DERNode{Tag: DERInteger, Value: append(Hex(nil), buf[i:]...)}
}

func derOctets(b []byte) DERNode  { return DERNode{Tag: DEROctetString, Value: b} }
func derSeq(c ...DERNode) DERNode { return DERNode{Tag: DERSequence, Constructed: true, Children: c} }
