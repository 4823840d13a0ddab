package dlms

import (
	"fmt"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
)

// Selective access on a profile generic buffer (IEC 62056-6-2 class 7;
// PROTOCOLS.md §7.1). The descriptors are package cosem's; these helpers
// turn them into the access selection of a GET and back.
//
//	selector 1 range_descriptor  02 04 <restricting object> <from> <to> 01 n {capture object}
//	selector 2 entry_descriptor  02 04 06 from_entry 06 to_entry 12 from_value 12 to_value

// RangeAccess returns the access selection for a range descriptor.
func RangeAccess(d cosem.RangeDescriptor) (*SelectiveAccess, error) {
	p, err := axdr.Append(nil, d.Value())
	if err != nil {
		return nil, fmt.Errorf("encode range descriptor: %w", err)
	}
	return &SelectiveAccess{Selector: cosem.SelectorRange, Parameters: p}, nil
}

// EntryAccess returns the access selection for an entry descriptor.
func EntryAccess(d cosem.EntryDescriptor) *SelectiveAccess {
	p, _ := axdr.Append(nil, d.Value()) // fixed shape: cannot fail
	return &SelectiveAccess{Selector: cosem.SelectorEntry, Parameters: p}
}

// ParseRangeAccess reads a selector 1 access selection, as a server
// receives it.
func ParseRangeAccess(s *SelectiveAccess) (cosem.RangeDescriptor, error) {
	v, err := selectorValue(s, cosem.SelectorRange)
	if err != nil {
		return cosem.RangeDescriptor{}, err
	}
	return cosem.ParseRangeDescriptor(v)
}

// ParseEntryAccess reads a selector 2 access selection.
func ParseEntryAccess(s *SelectiveAccess) (cosem.EntryDescriptor, error) {
	v, err := selectorValue(s, cosem.SelectorEntry)
	if err != nil {
		return cosem.EntryDescriptor{}, err
	}
	return cosem.ParseEntryDescriptor(v)
}

func selectorValue(s *SelectiveAccess, selector uint8) (axdr.Value, error) {
	if s == nil || s.Selector != selector {
		return axdr.Value{}, fmt.Errorf("%w: not access selector %d", ErrMalformed, selector)
	}
	v, n, err := axdr.Decode(s.Parameters)
	if err != nil {
		return axdr.Value{}, fmt.Errorf("decode access parameters: %w", err)
	}
	if n != len(s.Parameters) {
		return axdr.Value{}, fmt.Errorf("%w: %d bytes after the access parameters", ErrTrailingBytes, len(s.Parameters)-n)
	}
	return v, nil
}

// DateTimeData returns a COSEM date-time (12 bytes) as the octet-string Data
// of the clock attribute.
func DateTimeData(dt [12]byte) Data {
	return append(Data{0x09, 0x0C}, dt[:]...)
}
