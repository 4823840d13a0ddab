package cosem

import (
	"encoding/binary"
	"fmt"
)

// AttributeDescriptor names one attribute of one object, as in GET and SET
// requests (PROTOCOLS.md §5.2):
//
//	class-id(u16) instance-id(6) attribute-id(int8)
type AttributeDescriptor struct {
	Class     ClassID
	Instance  OBIS
	Attribute int8
}

// MethodDescriptor names one method of one object, as in ACTION requests.
type MethodDescriptor struct {
	Class    ClassID
	Instance OBIS
	Method   int8
}

// DescriptorSize is the encoded size of either descriptor.
const DescriptorSize = 9

// Append appends the 9-byte descriptor.
func (d AttributeDescriptor) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(d.Class))
	dst = append(dst, d.Instance[:]...)
	return append(dst, byte(d.Attribute))
}

// ParseAttributeDescriptor reads a 9-byte descriptor at the start of b.
func ParseAttributeDescriptor(b []byte) (AttributeDescriptor, error) {
	if len(b) < DescriptorSize {
		return AttributeDescriptor{}, shapeErr("attribute descriptor", "%d bytes, want %d", len(b), DescriptorSize)
	}
	var d AttributeDescriptor
	d.Class = ClassID(binary.BigEndian.Uint16(b))
	copy(d.Instance[:], b[2:8])
	d.Attribute = int8(b[8])
	return d, nil
}

// String renders "Clock 0-0:1.0.0*255 attribute 2 (time)".
func (d AttributeDescriptor) String() string {
	return fmt.Sprintf("%s %s attribute %d (%s)", d.Class, d.Instance, d.Attribute, AttributeName(d.Class, d.Attribute))
}

// Append appends the 9-byte descriptor.
func (d MethodDescriptor) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(d.Class))
	dst = append(dst, d.Instance[:]...)
	return append(dst, byte(d.Method))
}

// ParseMethodDescriptor reads a 9-byte descriptor at the start of b.
func ParseMethodDescriptor(b []byte) (MethodDescriptor, error) {
	a, err := ParseAttributeDescriptor(b)
	if err != nil {
		return MethodDescriptor{}, err
	}
	return MethodDescriptor{Class: a.Class, Instance: a.Instance, Method: a.Attribute}, nil
}

// String renders "Association LN 0-0:40.0.0*255 method 1 (reply_to_HLS_authentication)".
func (d MethodDescriptor) String() string {
	return fmt.Sprintf("%s %s method %d (%s)", d.Class, d.Instance, d.Method, MethodName(d.Class, d.Method))
}
