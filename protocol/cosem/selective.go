package cosem

import (
	"github.com/smetskit/smetskit/protocol/axdr"
)

// Access selectors of a Profile generic buffer (PROTOCOLS.md §7.1).
const (
	SelectorRange uint8 = 1 // range_descriptor
	SelectorEntry uint8 = 2 // entry_descriptor
)

// RangeDescriptor selects the entries of a profile whose restricting
// column lies between From and To (selector 1):
//
//	structure{restricting_object capture_object_definition,
//	          from_value, to_value, selected_values array of capture_object_definition}
//
// From and To are sent as octet-strings of 12 bytes when the restricting
// object is the clock, as meters expect.
type RangeDescriptor struct {
	Restricting CaptureObject   // usually the Clock time: class 8, 0-0:1.0.0*255, attribute 2
	From, To    axdr.DateTime   // the range, inclusive
	Columns     []CaptureObject // empty = all columns
}

// ClockRestriction is the usual restricting object: the Clock time.
var ClockRestriction = CaptureObject{Class: ClassClock, LogicalName: OBIS{0, 0, 1, 0, 0, 255}, Attribute: 2}

// Value returns the access parameters to send after the selector.
func (d RangeDescriptor) Value() axdr.Value {
	cols := make([]axdr.Value, len(d.Columns))
	for i, c := range d.Columns {
		cols[i] = c.Value()
	}
	return axdr.Structure(d.Restricting.Value(),
		axdr.OctetString(d.From.AppendBody(nil)), axdr.OctetString(d.To.AppendBody(nil)),
		axdr.Array(cols...))
}

// EntryDescriptor selects entries by number (selector 2): entries
// FromEntry..ToEntry (ToEntry 0 = the last) and columns
// FromValue..ToValue (ToValue 0 = the last), numbered from 1.
type EntryDescriptor struct {
	FromEntry, ToEntry uint32
	FromValue, ToValue uint16
}

// Value returns the access parameters to send after the selector.
func (d EntryDescriptor) Value() axdr.Value {
	return axdr.Structure(axdr.Uint32(d.FromEntry), axdr.Uint32(d.ToEntry),
		axdr.Uint16(d.FromValue), axdr.Uint16(d.ToValue))
}

// ParseRangeDescriptor reads the access parameters of selector 1, as a
// simulated meter receives them.
func ParseRangeDescriptor(v axdr.Value) (RangeDescriptor, error) {
	if v.Type() != axdr.TypeStructure || v.Len() != 4 {
		return RangeDescriptor{}, shapeErr("range_descriptor", "%s of %d elements, want structure of 4", v.Type(), v.Len())
	}
	var d RangeDescriptor
	var err error
	if d.Restricting, err = parseCaptureObject("range_descriptor.restricting_object", v.Index(0)); err != nil {
		return d, err
	}
	if d.From, err = dateTimeAttr("range_descriptor.from_value", v.Index(1)); err != nil {
		return d, err
	}
	if d.To, err = dateTimeAttr("range_descriptor.to_value", v.Index(2)); err != nil {
		return d, err
	}
	cols := v.Index(3)
	if cols.Type() != axdr.TypeArray {
		return d, shapeErr("range_descriptor.selected_values", "%s, want array", cols.Type())
	}
	if cols.Len() > 0 {
		if d.Columns, err = ParseCaptureObjects(cols); err != nil {
			return d, err
		}
	}
	return d, nil
}

// ParseEntryDescriptor reads the access parameters of selector 2.
func ParseEntryDescriptor(v axdr.Value) (EntryDescriptor, error) {
	if v.Type() != axdr.TypeStructure || v.Len() != 4 {
		return EntryDescriptor{}, shapeErr("entry_descriptor", "%s of %d elements, want structure of 4", v.Type(), v.Len())
	}
	a, b, c, d := v.Index(0), v.Index(1), v.Index(2), v.Index(3)
	if a.Type() != axdr.TypeDoubleLongUnsigned || b.Type() != axdr.TypeDoubleLongUnsigned ||
		c.Type() != axdr.TypeLongUnsigned || d.Type() != axdr.TypeLongUnsigned {
		return EntryDescriptor{}, shapeErr("entry_descriptor", "structure{%s, %s, %s, %s}", a.Type(), b.Type(), c.Type(), d.Type())
	}
	return EntryDescriptor{uint32(a.Uint()), uint32(b.Uint()), uint16(c.Uint()), uint16(d.Uint())}, nil
}
