package usb

import (
	"encoding/binary"
	"fmt"
)

// Silicon Labs CP210x vendor requests to the interface (AN571, "CP210x
// Virtual COM Port Interface", §5).
const (
	cpIfcEnable     = 0x00 // wValue 1 enables the UART, 0 disables it
	cpSetLineCtl    = 0x03 // wValue: stop bits (bits 0–3), parity (4–7), data bits (8–15)
	cpSetMHS        = 0x07 // wValue: DTR bit 0, RTS bit 1, their write masks bits 8 and 9
	cpGetMdmSts     = 0x08 // IN, 1 byte: DTR, RTS, CTS bit 4, DSR bit 5, RI bit 6, DCD bit 7
	cpGetCommStatus = 0x10 // IN, 19 bytes: errors, hold reasons, in queue, out queue, ...
	cpPurge         = 0x12 // wValue: bits 0 and 2 clear transmit, bits 1 and 3 receive
	cpSetFlow       = 0x13 // 16 bytes: control handshake, flow replace, XON limit, XOFF limit
	cpSetBaudRate   = 0x1E // 4 bytes: the speed in Bd, little-endian
)

// cp210x drives a Silicon Labs CP210x bridge; bulk data carries no
// headers.
type cp210x struct {
	t     transfers
	iface uint16
}

func (c *cp210x) out(req uint8, value uint16, data []byte) error {
	if _, err := c.t.control(reqOutInterface, req, value, c.iface, data); err != nil {
		return fmt.Errorf("CP210x request 0x%02x (value 0x%04x): %w", req, value, err)
	}
	return nil
}

func (c *cp210x) start(l line, dtr, rts bool) error {
	if err := c.out(cpIfcEnable, 1, nil); err != nil {
		return err
	}
	if err := c.out(cpSetFlow, 0, cpFlow(dtr, rts)); err != nil {
		return err
	}
	if err := c.setLine(l); err != nil {
		return err
	}
	if err := c.setModemLines(dtr, rts); err != nil {
		return err
	}
	return c.purge(true, true)
}

// cpFlow encodes the flow control block (AN571 §5.21): no CTS, DSR or DCD
// handshake, no XON/XOFF, and DTR and RTS as static outputs (mask value
// 01, "active", when on) so SET_MHS drives them.
//
//	0–3   ulControlHandshake  bits 0–1 DTR mode, 3 CTS, 4 DSR, 5 DCD handshake
//	4–7   ulFlowReplace       bits 0–1 auto XON/XOFF, 6–7 RTS mode
//	8–11  ulXonLimit
//	12–15 ulXoffLimit
func cpFlow(dtr, rts bool) []byte {
	b := make([]byte, 16)
	var hs, repl uint32
	if dtr {
		hs |= 0x01
	}
	if rts {
		repl |= 0x40
	}
	binary.LittleEndian.PutUint32(b[0:], hs)
	binary.LittleEndian.PutUint32(b[4:], repl)
	return b
}

// cpLineCtl encodes SET_LINE_CTL's wValue.
func cpLineCtl(l line) uint16 {
	return uint16(l.stop) | uint16(l.parity)<<4 | uint16(l.dataBits)<<8
}

func (c *cp210x) setLine(l line) error {
	if l.baud > 3_000_000 {
		return fmt.Errorf("%w: %d Bd is above the CP210x's 3 MBd", errFormat, l.baud)
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(l.baud))
	if err := c.out(cpSetBaudRate, 0, b[:]); err != nil {
		return err
	}
	return c.out(cpSetLineCtl, cpLineCtl(l), nil)
}

func (c *cp210x) setModemLines(dtr, rts bool) error {
	v := uint16(0x0300)
	if dtr {
		v |= 1
	}
	if rts {
		v |= 2
	}
	return c.out(cpSetMHS, v, nil)
}

func (c *cp210x) purge(rx, tx bool) error {
	var v uint16
	if tx {
		v |= 0x05
	}
	if rx {
		v |= 0x0A
	}
	return c.out(cpPurge, v, nil)
}

func (c *cp210x) txEmpty() (bool, error) {
	var b [19]byte
	n, err := c.t.control(reqInInterface, cpGetCommStatus, 0, c.iface, b[:])
	if err != nil {
		return false, fmt.Errorf("CP210x get comm status: %w", err)
	}
	if n < 16 {
		return false, fmt.Errorf("CP210x get comm status: %d bytes, want 19", n)
	}
	return binary.LittleEndian.Uint32(b[12:]) == 0, nil
}

func (c *cp210x) modemStatus() (ModemStatus, error) {
	var b [1]byte
	n, err := c.t.control(reqInInterface, cpGetMdmSts, 0, c.iface, b[:])
	if err != nil {
		return ModemStatus{}, fmt.Errorf("CP210x get modem status: %w", err)
	}
	if n < 1 {
		return ModemStatus{}, fmt.Errorf("CP210x get modem status: no byte")
	}
	return modemBits(b[0]), nil
}

func (c *cp210x) payload(dst, transfer []byte) []byte { return append(dst, transfer...) }

func (c *cp210x) stop() error { return c.out(cpIfcEnable, 0, nil) }
