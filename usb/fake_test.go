package usb

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/google/gousb"
)

// This file holds in-memory fakes of the two chips: they implement
// transfers from the chip's side, decoding the vendor requests into chip
// state (speed, format, modem lines) the way the chip would, and moving
// bytes between the host and a "line" the test drives.

// fakeLine is the serial side of a fake chip.
type fakeLine struct {
	mu     sync.Mutex
	rx     []byte        // line → host, not yet fetched by bulk IN
	wake   chan struct{} // poked when rx grows or the device goes
	toLine chan []byte   // host → line, for a far end that wants it
	tx     []byte        // everything the host sent
	gone   bool
	log    []string // requests in order, decoded
	// current setting, as the chip understood the requests
	baud     int
	format   string
	dtr, rts bool
	changes  []lineChange
}

// lineChange is one speed or format change, with its (virtual) time.
type lineChange struct {
	at     time.Time
	baud   int
	format string
}

func newFakeLine() fakeLine {
	return fakeLine{wake: make(chan struct{}, 1), toLine: make(chan []byte, 64)}
}

func (l *fakeLine) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// send puts bytes on the line towards the host (the meter talking).
func (l *fakeLine) send(b []byte) {
	l.mu.Lock()
	l.rx = append(l.rx, b...)
	l.mu.Unlock()
	l.poke()
}

// unplug makes every transfer fail as libusb does for a vanished device.
func (l *fakeLine) unplug() {
	l.mu.Lock()
	l.gone = true
	l.mu.Unlock()
	l.poke()
}

func (l *fakeLine) sent() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.tx...)
}

func (l *fakeLine) setting() (int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.baud, l.format
}

func (l *fakeLine) requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.log...)
}

// noteLine records a setting change (mu held).
func (l *fakeLine) noteLine() {
	if l.baud == 0 || l.format == "" {
		return
	}
	if n := len(l.changes); n > 0 && l.changes[n-1].baud == l.baud && l.changes[n-1].format == l.format {
		return
	}
	l.changes = append(l.changes, lineChange{time.Now(), l.baud, l.format})
}

func (l *fakeLine) bulkOut(ctx context.Context, p []byte) (int, error) {
	l.mu.Lock()
	if l.gone {
		l.mu.Unlock()
		return 0, gousb.TransferNoDevice
	}
	l.tx = append(l.tx, p...)
	l.mu.Unlock()
	select {
	case l.toLine <- append([]byte(nil), p...):
	default: // nobody listening: the bytes are still in tx
	}
	return len(p), nil
}

func (l *fakeLine) close() error { return nil }

// waitRx blocks until rx has data, the device goes, ctx ends or idle
// passes (idle 0: no limit). It returns with mu held when data is there.
func (l *fakeLine) waitRx(ctx context.Context, idle time.Duration) (ready bool, err error) {
	var timeout <-chan time.Time
	if idle > 0 {
		t := time.NewTimer(idle)
		defer t.Stop()
		timeout = t.C
	}
	for {
		l.mu.Lock()
		if l.gone {
			l.mu.Unlock()
			return false, gousb.TransferNoDevice
		}
		if len(l.rx) > 0 {
			return true, nil
		}
		l.mu.Unlock()
		select {
		case <-l.wake:
		case <-ctx.Done():
			return false, gousb.TransferCancelled
		case <-timeout:
			return false, nil
		}
	}
}

// fakeFTDI is an FTDI chip: requests per the Linux ftdi_sio usage, bulk IN
// as packets each starting with modem status and line status.
type fakeFTDI struct {
	fakeLine
	typ        FTDIType
	packet     int
	latency    time.Duration
	lineStatus byte // extra line status bits to report (error injection)
	modemIn    byte // modem input bits (CTS 0x10, DSR 0x20, RI 0x40, DCD 0x80)
}

func newFakeFTDI(typ FTDIType, packet int) *fakeFTDI {
	return &fakeFTDI{fakeLine: newFakeLine(), typ: typ, packet: packet, latency: 16 * time.Millisecond}
}

func (f *fakeFTDI) inPacketSize() int { return f.packet }

func (f *fakeFTDI) control(rType, req uint8, val, idx uint16, data []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone {
		return 0, gousb.ErrorNoDevice
	}
	if rType != reqOutDevice && !(rType == reqInDevice && req == ftdiGetModemStat) {
		return 0, gousb.ErrorPipe
	}
	port := idx
	if f.typ.multiPort() {
		port = idx & 0xFF
	}
	if f.typ.multiPort() && port == 0 && req != ftdiSetBaudRate {
		f.log = append(f.log, fmt.Sprintf("request 0x%02x without a port", req))
	}
	switch req {
	case ftdiReset:
		switch val {
		case 0:
			f.log = append(f.log, "reset")
		case ftdiPurgeRX:
			f.rx = nil
			f.log = append(f.log, "purge rx")
		case ftdiPurgeTX:
			f.log = append(f.log, "purge tx")
		default:
			return 0, gousb.ErrorPipe
		}
	case ftdiModemCtrl:
		if val&0x100 != 0 {
			f.dtr = val&1 != 0
		}
		if val&0x200 != 0 {
			f.rts = val&2 != 0
		}
		f.log = append(f.log, fmt.Sprintf("modem dtr=%v rts=%v", f.dtr, f.rts))
	case ftdiSetFlowCtrl:
		f.log = append(f.log, fmt.Sprintf("flow %d", idx>>8))
	case ftdiSetBaudRate:
		hi := uint32(idx)
		if f.typ.multiPort() {
			hi = uint32(idx >> 8)
		}
		f.baud = FTDIBaud(uint32(val) | hi<<16)
		f.log = append(f.log, fmt.Sprintf("baud %d", f.baud))
		f.noteLine()
	case ftdiSetData:
		bits, par, stop := val&0xFF, (val>>8)&7, (val>>11)&3
		if (bits != 7 && bits != 8) || par > 4 || stop > 2 {
			return 0, gousb.ErrorPipe
		}
		f.format = fmt.Sprintf("%d%c%s", bits, parityLetters[par], stopNames[stop])
		f.log = append(f.log, "data "+f.format)
		f.noteLine()
	case ftdiGetModemStat:
		if len(data) < 2 {
			return 0, gousb.ErrorOverflow
		}
		data[0], data[1] = 0x01|f.modemIn, 0x60 // THRE and TEMT: the fake sends at once
		return 2, nil
	case ftdiSetLatency:
		if val < 1 || val > 255 {
			return 0, gousb.ErrorPipe
		}
		f.latency = time.Duration(val) * time.Millisecond
		f.log = append(f.log, fmt.Sprintf("latency %d", val))
	default:
		return 0, gousb.ErrorPipe
	}
	return 0, nil
}

// bulkIn returns packets of at most f.packet bytes, each led by the two
// status bytes, or a status-only packet when the latency timer runs out.
func (f *fakeFTDI) bulkIn(ctx context.Context, p []byte) (int, error) {
	ready, err := f.waitRx(ctx, f.latency)
	if err != nil {
		return 0, err
	}
	status := [2]byte{0x01, 0x60}
	if !ready {
		return copy(p, status[:]), nil
	}
	defer f.mu.Unlock()
	status[1] |= f.lineStatus
	n := 0
	for len(f.rx) > 0 && len(p)-n >= f.packet {
		k := min(f.packet-2, len(f.rx))
		n += copy(p[n:], status[:])
		n += copy(p[n:], f.rx[:k])
		f.rx = f.rx[k:]
		if k < f.packet-2 {
			break // a short packet ends the transfer
		}
	}
	return n, nil
}

// fakeCP210x is a CP210x chip: requests to the interface per AN571, bulk
// data without headers, nothing moves until the interface is enabled.
type fakeCP210x struct {
	fakeLine
	modemIn byte
	enabled bool
	flow    []byte
}

func newFakeCP210x() *fakeCP210x { return &fakeCP210x{fakeLine: newFakeLine()} }

func (c *fakeCP210x) inPacketSize() int { return 64 }

func (c *fakeCP210x) control(rType, req uint8, val, idx uint16, data []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return 0, gousb.ErrorNoDevice
	}
	if rType != reqOutInterface && !(rType == reqInInterface && (req == cpGetCommStatus || req == cpGetMdmSts)) {
		return 0, gousb.ErrorPipe
	}
	if req != cpIfcEnable && !c.enabled {
		c.log = append(c.log, fmt.Sprintf("request 0x%02x before enable", req))
	}
	switch req {
	case cpIfcEnable:
		c.enabled = val == 1
		c.log = append(c.log, fmt.Sprintf("enable %v", c.enabled))
	case cpSetFlow:
		if len(data) != 16 {
			return 0, gousb.ErrorPipe
		}
		c.flow = append([]byte(nil), data...)
		c.log = append(c.log, fmt.Sprintf("flow %x", data[:8]))
	case cpSetBaudRate:
		if len(data) != 4 {
			return 0, gousb.ErrorPipe
		}
		c.baud = int(binary.LittleEndian.Uint32(data))
		c.log = append(c.log, fmt.Sprintf("baud %d", c.baud))
		c.noteLine()
	case cpSetLineCtl:
		stop, par, bits := val&0xF, (val>>4)&0xF, val>>8
		if bits < 5 || bits > 8 || par > 4 || stop > 2 {
			return 0, gousb.ErrorPipe
		}
		c.format = fmt.Sprintf("%d%c%s", bits, parityLetters[par], stopNames[stop])
		c.log = append(c.log, "line "+c.format)
		c.noteLine()
	case cpSetMHS:
		if val&0x100 != 0 {
			c.dtr = val&1 != 0
		}
		if val&0x200 != 0 {
			c.rts = val&2 != 0
		}
		c.log = append(c.log, fmt.Sprintf("mhs dtr=%v rts=%v", c.dtr, c.rts))
	case cpPurge:
		if val&0x0A != 0 {
			c.rx = nil
		}
		c.log = append(c.log, fmt.Sprintf("purge 0x%02x", val))
	case cpGetMdmSts:
		if len(data) < 1 {
			return 0, gousb.ErrorOverflow
		}
		data[0] = c.modemIn
		return 1, nil
	case cpGetCommStatus:
		if len(data) < 19 {
			return 0, gousb.ErrorOverflow
		}
		clear(data)
		return 19, nil
	default:
		return 0, gousb.ErrorPipe
	}
	return 0, nil
}

func (c *fakeCP210x) bulkIn(ctx context.Context, p []byte) (int, error) {
	ready, err := c.waitRx(ctx, 0)
	if err != nil || !ready {
		return 0, err
	}
	defer c.mu.Unlock()
	n := copy(p, c.rx)
	c.rx = c.rx[n:]
	return n, nil
}

func (c *fakeCP210x) bulkOut(ctx context.Context, p []byte) (int, error) {
	c.mu.Lock()
	enabled := c.enabled
	c.mu.Unlock()
	if !enabled {
		return 0, gousb.TransferStall
	}
	return c.fakeLine.bulkOut(ctx, p)
}

// Open helpers: the port as Open builds it, over a fake.

func openFakeFTDI(f *fakeFTDI, baud int, format string) (*Port, error) {
	l, err := parseLine(baud, format)
	if err != nil {
		return nil, err
	}
	port := uint16(0)
	if f.typ.multiPort() {
		port = 1
	}
	p := newPort("0403:6001 serial FAKE", 0x0403, 0x6001, f, &ftdi{t: f, typ: f.typ, port: port, packet: f.packet})
	if err := p.start(l, true, true); err != nil {
		return nil, err
	}
	return p, nil
}

func openFakeCP210x(c *fakeCP210x, baud int, format string) (*Port, error) {
	l, err := parseLine(baud, format)
	if err != nil {
		return nil, err
	}
	p := newPort("10C4:EA60 serial FAKE", 0x10C4, 0xEA60, c, &cp210x{t: c})
	if err := p.start(l, true, true); err != nil {
		return nil, err
	}
	return p, nil
}
