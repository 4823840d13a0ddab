package usb

import (
	"fmt"
	"sync/atomic"
	"time"
)

// FTDI vendor requests on endpoint 0, as the Linux ftdi_sio driver and
// libftdi use them (FTDI publishes no register reference; FTDI AN232B-05
// covers the baud divisor, AN232B-04 the latency timer).
const (
	ftdiReset        = 0x00 // wValue: 0 reset, 1 and 2 purge a buffer
	ftdiModemCtrl    = 0x01 // wValue: DTR bit 0, RTS bit 1, their write masks bits 8 and 9
	ftdiSetFlowCtrl  = 0x02 // wIndex high byte: 0 none, 1 RTS/CTS, 2 DTR/DSR, 4 XON/XOFF
	ftdiSetBaudRate  = 0x03 // wValue, wIndex: the encoded divisor
	ftdiSetData      = 0x04 // wValue: data bits, parity << 8, stop bits << 11, break << 14
	ftdiGetModemStat = 0x05 // IN, 2 bytes: modem status, line status
	ftdiSetLatency   = 0x09 // wValue: 1–255 ms
)

// Purge values of ftdiReset. libftdi 1.5 found that the values long named
// "purge RX" (1) and "purge TX" (2) act the other way round; we follow
// that reading (unverified on hardware), and Flush purges both anyway.
const (
	ftdiPurgeTX = 1
	ftdiPurgeRX = 2
)

// Line status bits, the second byte of every bulk IN packet.
const (
	ftdiOverrun     = 0x02
	ftdiParityErr   = 0x04
	ftdiFramingErr  = 0x08
	ftdiBreak       = 0x10
	ftdiTxEmpty     = 0x40 // TEMT: transmitter shift register and FIFO empty
	ftdiLineErrMask = ftdiOverrun | ftdiParityErr | ftdiFramingErr | ftdiBreak
)

// FTDIType is an FTDI chip generation, as told by the device's bcdDevice.
type FTDIType uint8

// FTDI chip generations.
const (
	FTDIAM    FTDIType = iota + 1 // FT8U232AM
	FTDIBM                        // FT232BM, FT245BM
	FTDI2232C                     // FT2232C/D, two ports
	FTDIR                         // FT232R, FT245R
	FTDI2232H                     // FT2232H, two ports, 120 MHz clock
	FTDI4232H                     // FT4232H, four ports, 120 MHz clock
	FTDI232H                      // FT232H, 120 MHz clock
	FTDIX                         // FT-X series: FT230X, FT231X, FT234XD
)

var ftdiNames = map[FTDIType]string{
	FTDIAM: "FT8U232AM", FTDIBM: "FT232BM", FTDI2232C: "FT2232C", FTDIR: "FT232R",
	FTDI2232H: "FT2232H", FTDI4232H: "FT4232H", FTDI232H: "FT232H", FTDIX: "FT-X",
}

func (t FTDIType) String() string {
	if s, ok := ftdiNames[t]; ok {
		return s
	}
	return fmt.Sprintf("FTDI type %d", t)
}

// FTDITypeOf tells the chip from bcdDevice (as the Linux ftdi_sio driver
// does); an unknown release is taken for an FT232R, the common case.
func FTDITypeOf(bcdDevice uint16, hasSerial bool) FTDIType {
	switch bcdDevice & 0xFF00 {
	case 0x0200:
		if !hasSerial {
			return FTDIBM // early BM chips report 0x0200 without a serial number
		}
		return FTDIAM
	case 0x0400:
		return FTDIBM
	case 0x0500:
		return FTDI2232C
	case 0x0600:
		return FTDIR
	case 0x0700:
		return FTDI2232H
	case 0x0800:
		return FTDI4232H
	case 0x0900:
		return FTDI232H
	case 0x1000:
		return FTDIX
	}
	return FTDIR
}

// multiPort reports chips whose requests carry the port in wIndex's low
// byte (and the divisor's high bits in its high byte).
func (t FTDIType) multiPort() bool {
	return t == FTDI2232C || t == FTDI2232H || t == FTDI4232H || t == FTDI232H
}

// hiSpeed reports chips with the 120 MHz baud clock.
func (t FTDIType) hiSpeed() bool { return t == FTDI2232H || t == FTDI4232H || t == FTDI232H }

// fracCode encodes the eighths of a divisor in bits 14–16 (AN232B-05 §3).
var fracCode = [8]uint32{0, 3, 2, 4, 1, 5, 6, 7}

// ftdiHiClockBit selects the 120 MHz clock on H chips.
const ftdiHiClockBit = 0x20000

// FTDIDivisor returns the encoded baud divisor for baud on chip t and the
// speed it really gives (AN232B-05). The base is 3 MHz (48 MHz / 16), the
// divisor has 14 integer bits and a fraction in eighths; divisors 1 and 1.5
// are coded as 0 and 1, others below 2 do not exist. H chips at 1200 Bd and
// above use the 12 MHz base (120 MHz / 10) and set bit 17. It refuses a
// speed the chip cannot make within 3 %.
func FTDIDivisor(t FTDIType, baud int) (enc uint32, actual int, err error) {
	if baud <= 0 {
		return 0, 0, fmt.Errorf("%w: speed %d Bd", errFormat, baud)
	}
	base := 3_000_000
	if t.hiSpeed() && baud >= 1200 {
		base = 12_000_000
	}
	div8 := (8*base + baud/2) / baud // the divisor in eighths, rounded
	switch {
	case div8 < 8:
		return 0, 0, fmt.Errorf("%w: %d Bd is above the %s's %d Bd", errFormat, baud, t, base)
	case div8 > 8 && div8 < 10, div8 > 12 && div8 < 14:
		div8 -= div8 % 4 // down to 1 or 1.5: nothing lies between 1, 1.5 and 2
	case div8 >= 10 && div8 < 12, div8 >= 14 && div8 < 16:
		div8 += 4 - div8%4
	case div8 > 0x3FFF*8+7:
		return 0, 0, fmt.Errorf("%w: %d Bd is below what the %s can divide down to", errFormat, baud, t)
	}
	enc = uint32(div8>>3) | fracCode[div8&7]<<14
	switch enc {
	case 1:
		enc = 0
	case 0x4001:
		enc = 1
	}
	if base == 12_000_000 {
		enc |= ftdiHiClockBit
	}
	actual = (8*base + div8/2) / div8
	if d := actual - baud; d*100 > 3*baud || -d*100 > 3*baud {
		return 0, 0, fmt.Errorf("%w: %d Bd comes out as %d Bd on the %s", errFormat, baud, actual, t)
	}
	return enc, actual, nil
}

// FTDIBaud decodes an encoded divisor back to the speed it gives: the
// inverse of FTDIDivisor, used by the chip emulation in tests and by
// smetsctl's USB trace.
func FTDIBaud(enc uint32) int {
	base := 3_000_000
	if enc&ftdiHiClockBit != 0 {
		base = 12_000_000
	}
	v := enc & 0x1FFFF
	var div8 int
	switch v {
	case 0:
		div8 = 8
	case 1:
		div8 = 12
	default:
		code := (v >> 14) & 7
		eighths := 0
		for i, c := range fracCode {
			if c == code {
				eighths = i
			}
		}
		div8 = int(v&0x3FFF)*8 + eighths
	}
	if div8 == 0 {
		return 0
	}
	return (8*base + div8/2) / div8
}

// ftdiSplit returns wValue and wIndex for an encoded divisor on port
// (0 for single-port chips, 1 for port A, ...).
func ftdiSplit(t FTDIType, enc uint32, port uint16) (value, index uint16) {
	value = uint16(enc)
	index = uint16(enc >> 16)
	if t.multiPort() {
		index = index<<8 | port
	}
	return value, index
}

// ftdi drives an FTDI bridge.
type ftdi struct {
	t       transfers
	typ     FTDIType
	port    uint16 // wIndex port: 0 on single-port chips, 1 for A, 2 for B, ...
	packet  int    // bulk IN max packet size: every packet starts with 2 status bytes
	latency time.Duration

	lineErrors atomic.Uint64 // packets whose line status showed overrun, parity, framing or break
	lastStatus atomic.Uint32 // modem status << 8 | line status of the last packet
}

func (f *ftdi) out(req uint8, value, index uint16) error {
	_, err := f.t.control(reqOutDevice, req, value, index, nil)
	if err != nil {
		return fmt.Errorf("FTDI request 0x%02x (value 0x%04x, index 0x%04x): %w", req, value, index, err)
	}
	return nil
}

func (f *ftdi) start(l line, dtr, rts bool) error {
	if err := f.out(ftdiReset, 0, f.port); err != nil {
		return err
	}
	if err := f.out(ftdiSetFlowCtrl, 0, f.port); err != nil {
		return err
	}
	if err := f.setLine(l); err != nil {
		return err
	}
	if err := f.setModemLines(dtr, rts); err != nil {
		return err
	}
	ms := int(f.latency / time.Millisecond)
	if ms <= 0 {
		ms = 2 // short IEC 62056-21 messages: do not sit on them for the 16 ms default
	}
	if err := f.out(ftdiSetLatency, uint16(min(ms, 255)), f.port); err != nil {
		return err
	}
	return f.purge(true, true)
}

// setLine sets the divisor and the data characteristics. FTDI chips take 7
// or 8 data bits.
func (f *ftdi) setLine(l line) error {
	if l.dataBits != 7 && l.dataBits != 8 {
		return fmt.Errorf("%w: the %s takes 7 or 8 data bits, not %d", errFormat, f.typ, l.dataBits)
	}
	enc, _, err := FTDIDivisor(f.typ, l.baud)
	if err != nil {
		return err
	}
	v, i := ftdiSplit(f.typ, enc, f.port)
	if err := f.out(ftdiSetBaudRate, v, i); err != nil {
		return err
	}
	return f.out(ftdiSetData, ftdiDataValue(l), f.port)
}

// ftdiDataValue encodes data bits, parity and stop bits for ftdiSetData.
func ftdiDataValue(l line) uint16 {
	return uint16(l.dataBits) | uint16(l.parity)<<8 | uint16(l.stop)<<11
}

func (f *ftdi) setModemLines(dtr, rts bool) error {
	v := uint16(0x0300) // write both
	if dtr {
		v |= 1
	}
	if rts {
		v |= 2
	}
	return f.out(ftdiModemCtrl, v, f.port)
}

func (f *ftdi) purge(rx, tx bool) error {
	if rx {
		if err := f.out(ftdiReset, ftdiPurgeRX, f.port); err != nil {
			return err
		}
	}
	if tx {
		return f.out(ftdiReset, ftdiPurgeTX, f.port)
	}
	return nil
}

func (f *ftdi) txEmpty() (bool, error) {
	var b [2]byte
	n, err := f.t.control(reqInDevice, ftdiGetModemStat, 0, f.port, b[:])
	if err != nil {
		return false, fmt.Errorf("FTDI get modem status: %w", err)
	}
	if n < 2 {
		return false, fmt.Errorf("FTDI get modem status: %d bytes, want 2", n)
	}
	return b[1]&ftdiTxEmpty != 0, nil
}

func (f *ftdi) modemStatus() (ModemStatus, error) {
	var b [2]byte
	n, err := f.t.control(reqInDevice, ftdiGetModemStat, 0, f.port, b[:])
	if err != nil {
		return ModemStatus{}, fmt.Errorf("FTDI get modem status: %w", err)
	}
	if n < 1 {
		return ModemStatus{}, fmt.Errorf("FTDI get modem status: %d bytes, want 2", n)
	}
	return modemBits(b[0]), nil
}

// payload strips the two status bytes at the start of every max-size
// packet of a bulk IN transfer: a transfer is packets of f.packet bytes,
// the last possibly short; a packet of 2 bytes (status only) is what the
// chip sends every latency period when it has no data.
func (f *ftdi) payload(dst, transfer []byte) []byte {
	return ftdiPayload(dst, transfer, f.packet, f)
}

func ftdiPayload(dst, transfer []byte, packet int, f *ftdi) []byte {
	if packet <= 2 {
		packet = 64
	}
	for len(transfer) > 0 {
		n := min(packet, len(transfer))
		pkt := transfer[:n]
		transfer = transfer[n:]
		if len(pkt) < 2 {
			break // a runt: no status, no data
		}
		if f != nil {
			if pkt[1]&ftdiLineErrMask != 0 {
				f.lineErrors.Add(1)
			}
			f.lastStatus.Store(uint32(pkt[0])<<8 | uint32(pkt[1]))
		}
		dst = append(dst, pkt[2:]...)
	}
	return dst
}

func (f *ftdi) stop() error {
	// Leave the lines down: a probe powered from DTR turns its LED off.
	return f.setModemLines(false, false)
}
