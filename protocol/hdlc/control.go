package hdlc

import "fmt"

// Control is the HDLC control field (IEC 62056-46, PROTOCOLS.md
// §2.4). Bit 4 is the poll/final bit; sequence numbers are modulo 8.
//
//	I     R R R P S S S 0
//	RR    R R R P 0 0 0 1
//	RNR   R R R P 0 1 0 1
//	SNRM  1 0 0 P 0 0 1 1   (0x93 with P)
//	DISC  0 1 0 P 0 0 1 1   (0x53)
//	UA    0 1 1 F 0 0 1 1   (0x73)
//	DM    0 0 0 F 1 1 1 1   (0x1F)
//	FRMR  1 0 0 F 0 1 1 1   (0x97)
//	UI    0 0 0 P 0 0 1 1   (0x13)
type Control byte

// Kind is the type of frame a control field names.
type Kind uint8

// Frame kinds. KindUnknown covers control values IEC 62056-46 does not use.
const (
	KindUnknown Kind = iota
	KindI
	KindRR
	KindRNR
	KindSNRM
	KindDISC
	KindUA
	KindDM
	KindFRMR
	KindUI
)

var kindNames = [...]string{"unknown", "I", "RR", "RNR", "SNRM", "DISC", "UA", "DM", "FRMR", "UI"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// PF is the poll/final bit.
const PF Control = 0x10

// Unnumbered control values with the P/F bit set.
const (
	SNRM Control = 0x93
	DISC Control = 0x53
	UA   Control = 0x73
	DM   Control = 0x1F
	FRMR Control = 0x97
	UI   Control = 0x13
)

// IControl returns the control field of an I-frame.
func IControl(ns, nr uint8, pf bool) Control {
	c := Control(nr&7)<<5 | Control(ns&7)<<1
	if pf {
		c |= PF
	}
	return c
}

// RRControl returns the control field of a receive-ready frame.
func RRControl(nr uint8, pf bool) Control {
	c := Control(nr&7)<<5 | 0x01
	if pf {
		c |= PF
	}
	return c
}

// RNRControl returns the control field of a receive-not-ready frame.
func RNRControl(nr uint8, pf bool) Control {
	return RRControl(nr, pf) | 0x04
}

// Kind returns the frame type.
func (c Control) Kind() Kind {
	if c&1 == 0 {
		return KindI
	}
	if c&3 == 1 {
		switch c & 0x0F {
		case 0x01:
			return KindRR
		case 0x05:
			return KindRNR
		}
		return KindUnknown
	}
	switch c &^ PF {
	case SNRM &^ PF:
		return KindSNRM
	case DISC &^ PF:
		return KindDISC
	case UA &^ PF:
		return KindUA
	case DM &^ PF:
		return KindDM
	case FRMR &^ PF:
		return KindFRMR
	case UI &^ PF:
		return KindUI
	}
	return KindUnknown
}

// NS returns the send sequence number of an I-frame.
func (c Control) NS() uint8 { return uint8(c>>1) & 7 }

// NR returns the receive sequence number of an I, RR or RNR frame.
func (c Control) NR() uint8 { return uint8(c>>5) & 7 }

// PF reports whether the poll/final bit is set.
func (c Control) PF() bool { return c&PF != 0 }

// String describes the control field the way the conformance vectors do,
// for example "I N(S)=2 N(R)=3 P/F=1" or "UA P/F=1".
func (c Control) String() string {
	pf := 0
	if c.PF() {
		pf = 1
	}
	switch k := c.Kind(); k {
	case KindI:
		return fmt.Sprintf("I N(S)=%d N(R)=%d P/F=%d", c.NS(), c.NR(), pf)
	case KindRR, KindRNR:
		return fmt.Sprintf("%s N(R)=%d P/F=%d", k, c.NR(), pf)
	case KindUnknown:
		return fmt.Sprintf("unknown 0x%02X", byte(c))
	default:
		return fmt.Sprintf("%s P/F=%d", k, pf)
	}
}
