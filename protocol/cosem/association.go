package cosem

import (
	"fmt"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// AttributeAccessMode is the access a client has to an attribute
// (Association LN attribute 2, attribute_access_item).
type AttributeAccessMode uint8

// Attribute access modes.
const (
	NoAccess               AttributeAccessMode = 0
	ReadOnly               AttributeAccessMode = 1
	WriteOnly              AttributeAccessMode = 2
	ReadWrite              AttributeAccessMode = 3
	AuthenticatedReadOnly  AttributeAccessMode = 4
	AuthenticatedWriteOnly AttributeAccessMode = 5
	AuthenticatedReadWrite AttributeAccessMode = 6
)

var accessNames = [...]string{"no-access", "read-only", "write-only", "read-write",
	"authenticated-read-only", "authenticated-write-only", "authenticated-read-write"}

func (m AttributeAccessMode) String() string {
	if int(m) < len(accessNames) {
		return accessNames[m]
	}
	return fmt.Sprintf("access(%d)", uint8(m))
}

// CanRead reports whether the mode allows reading.
func (m AttributeAccessMode) CanRead() bool {
	return m == ReadOnly || m == ReadWrite || m == AuthenticatedReadOnly || m == AuthenticatedReadWrite
}

// CanWrite reports whether the mode allows writing.
func (m AttributeAccessMode) CanWrite() bool {
	return m == WriteOnly || m == ReadWrite || m == AuthenticatedWriteOnly || m == AuthenticatedReadWrite
}

// MethodAccessMode is the access a client has to a method: 0 none,
// 1 access, 2 authenticated access (version 0 object lists send a
// boolean, read as 0 or 1).
type MethodAccessMode uint8

// AttributeAccess is one attribute_access_item.
type AttributeAccess struct {
	Index     int8
	Access    AttributeAccessMode
	Selectors []int8 // access selectors allowed; nil when the meter sends null-data
}

// MethodAccess is one method_access_item.
type MethodAccess struct {
	Index  int8
	Access MethodAccessMode
}

// ObjectListElement is one entry of the Association LN object_list
// (class 15 attribute 2; PROTOCOLS.md §7):
//
//	structure{class-id long-unsigned, version unsigned, logical-name octet-string,
//	          access-rights structure{array of attribute_access_item,
//	                                  array of method_access_item}}
type ObjectListElement struct {
	Class       ClassID
	Version     uint8
	LogicalName OBIS
	Attributes  []AttributeAccess
	Methods     []MethodAccess
}

// String renders "Clock v0 0-0:1.0.0*255 (Clock)".
func (e ObjectListElement) String() string {
	s := fmt.Sprintf("%s v%d %s", e.Class, e.Version, e.LogicalName)
	if n := e.LogicalName.Name(); n != "" {
		s += " (" + n + ")"
	}
	return s
}

// Attribute returns the access item of attribute i.
func (e ObjectListElement) Attribute(i int8) (AttributeAccess, bool) {
	for _, a := range e.Attributes {
		if a.Index == i {
			return a, true
		}
	}
	return AttributeAccess{}, false
}

// ParseObjectList reads the decoded object_list.
func ParseObjectList(v axdr.Value) ([]ObjectListElement, error) {
	if v.Type() != axdr.TypeArray {
		return nil, shapeErr("object_list", "%s, want array", v.Type())
	}
	out := make([]ObjectListElement, v.Len())
	for i, e := range v.Elems() {
		var err error
		if out[i], err = parseObjectListElement(i, e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadObjectList decodes an encoded object_list (as reassembled from GET
// blocks) and returns it with the bytes it took.
func ReadObjectList(b []byte) ([]ObjectListElement, int, error) {
	v, n, err := axdr.Decode(b)
	if err != nil {
		return nil, 0, fmt.Errorf("read object_list: %w", err)
	}
	list, err := ParseObjectList(v)
	return list, n, err
}

func parseObjectListElement(i int, v axdr.Value) (ObjectListElement, error) {
	what := fmt.Sprintf("object_list[%d]", i)
	if v.Type() != axdr.TypeStructure || v.Len() != 4 {
		return ObjectListElement{}, shapeErr(what, "%s of %d elements, want structure of 4", v.Type(), v.Len())
	}
	c, ver, ln, ar := v.Index(0), v.Index(1), v.Index(2), v.Index(3)
	if c.Type() != axdr.TypeLongUnsigned || ver.Type() != axdr.TypeUnsigned || ln.Type() != axdr.TypeOctetString {
		return ObjectListElement{}, shapeErr(what, "structure{%s, %s, %s, ...}, want structure{long-unsigned, unsigned, octet-string, ...}",
			c.Type(), ver.Type(), ln.Type())
	}
	o, err := OBISFromBytes(ln.Bytes())
	if err != nil {
		return ObjectListElement{}, &ShapeError{What: what + ".logical_name", Err: err}
	}
	e := ObjectListElement{Class: ClassID(c.Uint()), Version: uint8(ver.Uint()), LogicalName: o}
	if ar.Type() != axdr.TypeStructure || ar.Len() != 2 ||
		ar.Index(0).Type() != axdr.TypeArray || ar.Index(1).Type() != axdr.TypeArray {
		return e, shapeErr(what+".access_rights", "want structure{array, array}, got %s of %d elements", ar.Type(), ar.Len())
	}
	for j, it := range ar.Index(0).Elems() {
		a, err := parseAttributeAccess(it)
		if err != nil {
			return e, &ShapeError{What: fmt.Sprintf("%s.attribute_access[%d]", what, j), Err: err}
		}
		e.Attributes = append(e.Attributes, a)
	}
	for j, it := range ar.Index(1).Elems() {
		if it.Type() != axdr.TypeStructure || it.Len() != 2 || it.Index(0).Type() != axdr.TypeInteger {
			return e, shapeErr(fmt.Sprintf("%s.method_access[%d]", what, j), "want structure{integer, boolean or enum}, got %s of %d elements", it.Type(), it.Len())
		}
		m := MethodAccess{Index: int8(it.Index(0).Int())}
		switch acc := it.Index(1); acc.Type() {
		case axdr.TypeBoolean, axdr.TypeEnum:
			m.Access = MethodAccessMode(acc.Uint())
		default:
			return e, shapeErr(fmt.Sprintf("%s.method_access[%d]", what, j), "access mode %s, want boolean or enum", acc.Type())
		}
		e.Methods = append(e.Methods, m)
	}
	return e, nil
}

func parseAttributeAccess(v axdr.Value) (AttributeAccess, error) {
	if v.Type() != axdr.TypeStructure || v.Len() != 3 || v.Index(0).Type() != axdr.TypeInteger || v.Index(1).Type() != axdr.TypeEnum {
		return AttributeAccess{}, fmt.Errorf("%w: want structure{integer, enum, selectors}, got %s of %d elements", ErrShape, v.Type(), v.Len())
	}
	a := AttributeAccess{Index: int8(v.Index(0).Int()), Access: AttributeAccessMode(v.Index(1).Uint())}
	switch sel := v.Index(2); sel.Type() {
	case axdr.TypeNull:
	case axdr.TypeArray:
		a.Selectors = make([]int8, 0, sel.Len())
		for _, s := range sel.Elems() {
			if s.Type() != axdr.TypeInteger {
				return a, fmt.Errorf("%w: access selector %s, want integer", ErrShape, s.Type())
			}
			a.Selectors = append(a.Selectors, int8(s.Int()))
		}
	default:
		return a, fmt.Errorf("%w: access selectors %s, want null-data or array", ErrShape, sel.Type())
	}
	return a, nil
}

// Value returns the A-XDR form of the element, as a meter (or the
// simulator) sends it; method access is sent as an enum (Association LN
// version 1 and later), selectors as null-data when nil.
func (e ObjectListElement) Value() axdr.Value {
	attrs := make([]axdr.Value, len(e.Attributes))
	for i, a := range e.Attributes {
		sel := axdr.Null()
		if a.Selectors != nil {
			s := make([]axdr.Value, len(a.Selectors))
			for j, x := range a.Selectors {
				s[j] = axdr.Int8(x)
			}
			sel = axdr.Array(s...)
		}
		attrs[i] = axdr.Structure(axdr.Int8(a.Index), axdr.Enum(uint8(a.Access)), sel)
	}
	methods := make([]axdr.Value, len(e.Methods))
	for i, m := range e.Methods {
		methods[i] = axdr.Structure(axdr.Int8(m.Index), axdr.Enum(uint8(m.Access)))
	}
	return axdr.Structure(axdr.Uint16(uint16(e.Class)), axdr.Uint8(e.Version),
		axdr.OctetString(e.LogicalName.Bytes()),
		axdr.Structure(axdr.Array(attrs...), axdr.Array(methods...)))
}

// ObjectListValue returns the A-XDR form of a whole object_list.
func ObjectListValue(list []ObjectListElement) axdr.Value {
	out := make([]axdr.Value, len(list))
	for i, e := range list {
		out[i] = e.Value()
	}
	return axdr.Array(out...)
}
