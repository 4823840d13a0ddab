package dlms

import "github.com/smetskit/smetskit/protocol/cosem"

// Data is one A-XDR Data value in its encoded form, starting with its type
// tag (PROTOCOLS.md §6). The dlms package moves values without interpreting
// them; decode them with package axdr.
type Data []byte

// AttributeDescriptor names one attribute of a COSEM object
// (IEC 62056-5-3 Cosem-Attribute-Descriptor): class-id u16, instance-id
// (OBIS, 6 bytes), attribute-id int8. It is cosem.AttributeDescriptor.
type AttributeDescriptor = cosem.AttributeDescriptor

// MethodDescriptor names one method of a COSEM object
// (IEC 62056-5-3 Cosem-Method-Descriptor). It is cosem.MethodDescriptor.
type MethodDescriptor = cosem.MethodDescriptor

// SelectiveAccess is an access selection: a selector and its parameters as
// one Data value (PROTOCOLS.md §7.1; see RangeAccess and EntryAccess).
type SelectiveAccess struct {
	Selector   uint8
	Parameters Data
}

// AttributeAccess is an attribute descriptor with optional selective access,
// the element of the with-list requests.
type AttributeAccess struct {
	Attribute AttributeDescriptor
	Access    *SelectiveAccess
}

func appendAttr(dst []byte, d AttributeDescriptor) []byte { return d.Append(dst) }
func appendMethod(dst []byte, d MethodDescriptor) []byte  { return d.Append(dst) }

func appendAccess(dst []byte, s *SelectiveAccess) []byte {
	if s == nil {
		return append(dst, 0)
	}
	dst = append(dst, 1, s.Selector)
	return append(dst, s.Parameters...)
}

func (r *reader) attr() AttributeDescriptor {
	var d AttributeDescriptor
	d.Class = cosem.ClassID(r.u16())
	copy(d.Instance[:], r.bytes(6))
	d.Attribute = int8(r.u8())
	return d
}

func (r *reader) method() MethodDescriptor {
	var d MethodDescriptor
	d.Class = cosem.ClassID(r.u16())
	copy(d.Instance[:], r.bytes(6))
	d.Method = int8(r.u8())
	return d
}

func (r *reader) access() *SelectiveAccess {
	if !r.flag() || r.err != nil {
		return nil
	}
	s := &SelectiveAccess{Selector: r.u8()}
	s.Parameters = r.data()
	return s
}

// Datablock is the block part of the service-specific block transfer
// (IEC 62056-5-3 DataBlock-G / DataBlock-SA; PROTOCOLS.md §5.7): last-block,
// block-number and a raw-data fragment that is not valid A-XDR on its own.
type Datablock struct {
	Last  bool
	Block uint32
	Raw   []byte
}

func appendBlock(dst []byte, b Datablock) []byte {
	dst = appendBool(dst, b.Last)
	dst = appendU32(dst, b.Block)
	return appendOctets(dst, b.Raw)
}

func (r *reader) block() Datablock {
	var b Datablock
	b.Last = r.bool()
	b.Block = r.u32()
	b.Raw = r.octets()
	return b
}
