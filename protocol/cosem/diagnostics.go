package cosem

import (
	"github.com/smetskit/smetskit/protocol/axdr"
)

// GSMCellInfo is the cell_info attribute of GSM diagnostic (class 47,
// attribute 6): the serving cell as the communications hub's modem sees
// it. Fields are read from a structure of 4 to 7 unsigned integers, in
// order; a meter may use wider or narrower integer types than the Blue
// Book (the u9n/dlms-cosem vector sends channel_number as long-unsigned),
// so any unsigned type is accepted.
type GSMCellInfo struct {
	CellID        uint32
	LocationID    uint16
	SignalQuality uint8 // 0..31 as AT+CSQ, 99 = not known
	BER           uint8 // bit error rate class 0..7, 99 = not known
	MCC           uint16
	MNC           uint16
	ChannelNumber uint32
}

// ParseGSMCellInfo reads the cell_info structure.
func ParseGSMCellInfo(v axdr.Value) (GSMCellInfo, error) {
	if v.Type() != axdr.TypeStructure || v.Len() < 4 || v.Len() > 7 {
		return GSMCellInfo{}, shapeErr("GSM cell_info", "%s of %d elements, want structure of 4 to 7", v.Type(), v.Len())
	}
	var f [7]uint64
	for i, e := range v.Elems() {
		switch e.Type() {
		case axdr.TypeUnsigned, axdr.TypeLongUnsigned, axdr.TypeDoubleLongUnsigned, axdr.TypeLong64Unsigned:
			f[i] = e.Uint()
		default:
			return GSMCellInfo{}, shapeErr("GSM cell_info", "element %d is %s, want an unsigned integer", i, e.Type())
		}
	}
	return GSMCellInfo{CellID: uint32(f[0]), LocationID: uint16(f[1]), SignalQuality: uint8(f[2]), BER: uint8(f[3]),
		MCC: uint16(f[4]), MNC: uint16(f[5]), ChannelNumber: uint32(f[6])}, nil
}

// SignalDBm converts SignalQuality (the AT+CSQ scale) to dBm: 0 is −113 dBm
// or less, 31 is −51 dBm or more, 2 dB a step; ok is false for 99 (not
// known) and out-of-range values.
func (c GSMCellInfo) SignalDBm() (dbm int, ok bool) {
	if c.SignalQuality > 31 {
		return 0, false
	}
	return -113 + 2*int(c.SignalQuality), true
}
