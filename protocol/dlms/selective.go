package dlms

import (
	"fmt"
)

// Selectors of the profile generic buffer (IEC 62056-6-2 §4.3.6 class 7;
// PROTOCOLS.md §7.1).
const (
	SelectorRange = 1 // range_descriptor
	SelectorEntry = 2 // entry_descriptor
)

// CaptureObject is a capture object definition of a profile generic:
// structure{class-id long-unsigned, logical-name octet-string(6),
// attribute-index integer, data-index long-unsigned}.
type CaptureObject struct {
	ClassID   uint16
	Instance  [6]byte
	Attribute int8
	DataIndex uint16
}

// ClockTime is the capture object of the clock time, the usual restricting
// object of a range read.
var ClockTime = CaptureObject{ClassID: 8, Instance: [6]byte{0, 0, 1, 0, 0, 255}, Attribute: 2}

func appendCaptureObject(dst []byte, c CaptureObject) []byte {
	dst = append(dst, 0x02, 0x04, 0x12)
	dst = appendU16(dst, c.ClassID)
	dst = append(dst, 0x09, 0x06)
	dst = append(dst, c.Instance[:]...)
	dst = append(dst, 0x0F, byte(c.Attribute), 0x12)
	return appendU16(dst, c.DataIndex)
}

func (r *reader) expect(b ...byte) {
	got := r.bytes(len(b))
	if r.err != nil {
		return
	}
	for i := range b {
		if got[i] != b[i] {
			r.off -= len(b) - i
			r.fail(fmt.Errorf("%w: want %X", ErrMalformed, b))
			return
		}
	}
}

func (r *reader) captureObject() CaptureObject {
	var c CaptureObject
	r.expect(0x02, 0x04, 0x12)
	c.ClassID = r.u16()
	r.expect(0x09, 0x06)
	copy(c.Instance[:], r.bytes(6))
	r.expect(0x0F)
	c.Attribute = int8(r.u8())
	r.expect(0x12)
	c.DataIndex = r.u16()
	return c
}

// RangeDescriptor selects buffer entries whose restricting object lies
// between From and To (selector 1), limited to Columns (all when empty).
//
//	02 04  <restricting capture object>  <from Data>  <to Data>  01 n {capture object}
type RangeDescriptor struct {
	Restricting CaptureObject
	From, To    Data // usually octet-string(12) date-times: see DateTimeData
	Columns     []CaptureObject
}

// DateTimeData returns a COSEM date-time (12 bytes) as the octet-string Data
// used in range descriptors and the clock attribute.
func DateTimeData(dt [12]byte) Data {
	return append(Data{0x09, 0x0C}, dt[:]...)
}

// Selective returns the access selection for the descriptor.
func (d RangeDescriptor) Selective() *SelectiveAccess {
	p := Data{0x02, 0x04}
	p = appendCaptureObject(p, d.Restricting)
	p = append(p, d.From...)
	p = append(p, d.To...)
	p = appendLength(append(p, 0x01), len(d.Columns))
	for _, c := range d.Columns {
		p = appendCaptureObject(p, c)
	}
	return &SelectiveAccess{Selector: SelectorRange, Parameters: p}
}

// ParseRangeDescriptor reads a selector 1 access selection.
func ParseRangeDescriptor(s *SelectiveAccess) (RangeDescriptor, error) {
	var d RangeDescriptor
	if s == nil || s.Selector != SelectorRange {
		return d, fmt.Errorf("%w: not a range descriptor", ErrMalformed)
	}
	r := &reader{b: s.Parameters}
	r.expect(0x02, 0x04)
	d.Restricting = r.captureObject()
	d.From = r.data()
	d.To = r.data()
	r.expect(0x01)
	n := r.count(18)
	for i := 0; i < n && r.err == nil; i++ {
		d.Columns = append(d.Columns, r.captureObject())
	}
	if r.err == nil && r.remaining() != 0 {
		r.fail(ErrTrailingBytes)
	}
	return d, named(r.err, "range_descriptor")
}

// EntryDescriptor selects buffer entries by number (selector 2). Entries and
// columns count from 1; ToEntry or ToValue 0 mean "to the last".
//
//	02 04  06 from_entry  06 to_entry  12 from_selected_value  12 to_selected_value
type EntryDescriptor struct {
	FromEntry, ToEntry uint32
	FromValue, ToValue uint16
}

// Selective returns the access selection for the descriptor.
func (d EntryDescriptor) Selective() *SelectiveAccess {
	p := Data{0x02, 0x04, 0x06}
	p = append(appendU32(p, d.FromEntry), 0x06)
	p = append(appendU32(p, d.ToEntry), 0x12)
	p = append(appendU16(p, d.FromValue), 0x12)
	p = appendU16(p, d.ToValue)
	return &SelectiveAccess{Selector: SelectorEntry, Parameters: p}
}

// ParseEntryDescriptor reads a selector 2 access selection.
func ParseEntryDescriptor(s *SelectiveAccess) (EntryDescriptor, error) {
	var d EntryDescriptor
	if s == nil || s.Selector != SelectorEntry {
		return d, fmt.Errorf("%w: not an entry descriptor", ErrMalformed)
	}
	r := &reader{b: s.Parameters}
	r.expect(0x02, 0x04, 0x06)
	d.FromEntry = r.u32()
	r.expect(0x06)
	d.ToEntry = r.u32()
	r.expect(0x12)
	d.FromValue = r.u16()
	r.expect(0x12)
	d.ToValue = r.u16()
	return d, named(r.err, "entry_descriptor")
}
