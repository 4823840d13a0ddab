package usb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Vendor request types (USB 2.0 §9.3, bmRequestType): host to device or
// device to host, vendor, to the device or to the interface.
const (
	reqOutDevice    = 0x40
	reqInDevice     = 0xC0
	reqOutInterface = 0x41
	reqInInterface  = 0xC1
)

// transfers is the USB traffic a chip driver needs: control requests on
// endpoint 0 and bulk transfers on the claimed interface. The gousb
// implementation is in device.go; tests use an in-memory fake that
// implements the chip's side.
type transfers interface {
	control(rType, request uint8, val, idx uint16, data []byte) (int, error)
	// bulkIn reads at most len(p) bytes; ctx ends a pending transfer.
	bulkIn(ctx context.Context, p []byte) (int, error)
	bulkOut(ctx context.Context, p []byte) (int, error)
	// inPacketSize is the bulk IN endpoint's maximum packet size.
	inPacketSize() int
	close() error
}

// chip is one USB-serial bridge protocol (FTDI, CP210x) over transfers.
type chip interface {
	// start brings the chip up: reset or enable, line setting, lines.
	start(l line, dtr, rts bool) error
	setLine(l line) error
	setModemLines(dtr, rts bool) error
	purge(rx, tx bool) error
	// txEmpty reports whether the chip has sent everything.
	txEmpty() (bool, error)
	// modemStatus reads the modem inputs.
	modemStatus() (ModemStatus, error)
	// payload appends the serial data in a bulk IN transfer to dst,
	// dropping the chip's own bytes (FTDI's modem status).
	payload(dst, transfer []byte) []byte
	stop() error
}

// line is a speed and character format as the chips encode it.
type line struct {
	baud     int
	dataBits int
	parity   uint8 // 0 none, 1 odd, 2 even, 3 mark, 4 space (FTDI and CP210x alike)
	stop     uint8 // 0: 1, 1: 1.5, 2: 2 stop bits (FTDI and CP210x alike)
}

// Port is an open USB probe. It has the same shape as serial.Port: Read,
// Write, SetReadDeadline, SetLine for the IEC 62056-21 speed change, DTR and
// RTS, Flush, Drain and Close. One goroutine may Read while another Writes;
// SetReadDeadline and Close may be called from any goroutine and end a
// pending Read at once (the bulk transfer is cancelled).
type Port struct {
	name     string
	vid, pid uint16
	t        transfers
	c        chip

	readMu sync.Mutex // one Read at a time; guards rbuf and inbuf
	rbuf   []byte     // data received but not yet read
	inbuf  []byte     // one bulk IN transfer

	mu         sync.Mutex
	deadline   time.Time
	cancelRead context.CancelFunc // ends the pending bulk IN transfer
	line       line
	dtr, rts   bool

	closed atomic.Bool
}

func newPort(name string, vid, pid uint16, t transfers, c chip) *Port {
	n := t.inPacketSize()
	if n <= 0 || n > 1024 {
		n = 64
	}
	return &Port{name: name, vid: vid, pid: pid, t: t, c: c, inbuf: make([]byte, 4*n)}
}

func (p *Port) err(op string, kind Kind, err error) error {
	return &Error{Op: op, Device: p.name, VID: p.vid, PID: p.pid, Kind: kind, Err: err}
}

// ioErr classifies a transfer error; once Close was called it is KindClosed.
func (p *Port) ioErr(op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	k := classify(err)
	if p.closed.Load() {
		k = KindClosed
	}
	return p.err(op, k, err)
}

// chipErr classifies a failed chip request (control transfer). A chip
// that does not answer its own control requests is wedged or half
// unplugged: the fix is the same as for a removed device, so a timeout
// there is KindRemoved, not the meter's KindTimeout.
func (p *Port) chipErr(op string, err error) error {
	err = p.ioErr(op, err)
	var e *Error
	if errors.As(err, &e) && e.Kind == KindTimeout {
		e.Kind = KindRemoved
	}
	return err
}

// Name returns "VVVV:PPPP serial S" for the device.
func (p *Port) Name() string { return p.name }

// start sets the chip up at l.
func (p *Port) start(l line, dtr, rts bool) error {
	if err := p.c.start(l, dtr, rts); err != nil {
		return p.chipErr("start", err)
	}
	p.line, p.dtr, p.rts = l, dtr, rts
	return nil
}

// SetReadDeadline sets the time after which Read returns a KindTimeout
// *Error (errors.Is(err, os.ErrDeadlineExceeded)). The zero time means no
// deadline. Called while a Read waits, it cancels the pending bulk transfer
// so the Read sees the new deadline at once.
func (p *Port) SetReadDeadline(t time.Time) error {
	if p.closed.Load() {
		return p.err("set read deadline", KindClosed, ErrClosed)
	}
	p.mu.Lock()
	p.deadline = t
	if p.cancelRead != nil {
		p.cancelRead()
		p.cancelRead = nil
	}
	p.mu.Unlock()
	return nil
}

// Read returns received data, blocking until at least one byte arrives, the
// read deadline passes (KindTimeout), the port is closed (KindClosed) or the
// device is unplugged (KindRemoved). It never returns (0, nil) for a
// non-empty b.
func (p *Port) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.readMu.Lock()
	defer p.readMu.Unlock()
	for {
		if len(p.rbuf) > 0 {
			n := copy(b, p.rbuf)
			p.rbuf = p.rbuf[n:]
			return n, nil
		}
		p.mu.Lock()
		if p.closed.Load() {
			// Checked under mu: Close sets closed before it cancels under
			// mu, so no transfer starts after Close has looked.
			p.mu.Unlock()
			return 0, p.err("read", KindClosed, ErrClosed)
		}
		dl := p.deadline
		if !dl.IsZero() && !time.Now().Before(dl) {
			p.mu.Unlock()
			return 0, p.err("read", KindTimeout, os.ErrDeadlineExceeded)
		}
		var ctx context.Context
		var cancel context.CancelFunc
		if dl.IsZero() {
			ctx, cancel = context.WithCancel(context.Background())
		} else {
			ctx, cancel = context.WithDeadline(context.Background(), dl)
		}
		p.cancelRead = cancel
		p.mu.Unlock()

		n, err := p.t.bulkIn(ctx, p.inbuf)
		woken := ctx.Err() != nil
		cancel()
		p.mu.Lock()
		p.cancelRead = nil
		p.mu.Unlock()
		if n > 0 {
			p.rbuf = p.c.payload(p.rbuf[:0], p.inbuf[:min(n, len(p.inbuf))])
		}
		if err != nil && !woken && classify(err) != KindTimeout {
			if len(p.rbuf) > 0 {
				continue // deliver what came with the error; it returns next time
			}
			return 0, p.ioErr("read", err)
		}
		// A status-only packet, a transfer cut short by the deadline, or
		// a deadline change: look again.
	}
}

// Write sends b. It blocks until the chip has taken all of it; the limit is
// two seconds plus the time b takes on the line.
func (p *Port) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, p.err("write", KindClosed, ErrClosed)
	}
	p.mu.Lock()
	baud := p.line.baud
	p.mu.Unlock()
	limit := 2*time.Second + time.Duration(len(b))*charTime(baud)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	done := 0
	for done < len(b) {
		n, err := p.t.bulkOut(ctx, b[done:])
		done += n
		if err != nil {
			if ctx.Err() != nil && !p.closed.Load() {
				return done, p.err("write", KindTimeout, fmt.Errorf("write %d bytes: chip took %d in %v: %w", len(b), done, limit, os.ErrDeadlineExceeded))
			}
			return done, p.ioErr("write", err)
		}
		if n == 0 {
			return done, p.err("write", KindOther, fmt.Errorf("chip took 0 of %d bytes", len(b)-done))
		}
	}
	return done, nil
}

// charTime is one character of 10 bits at baud (7E1 and 8N1 alike).
func charTime(baud int) time.Duration {
	if baud <= 0 {
		baud = 300
	}
	return 10 * time.Second / time.Duration(baud)
}

// SetLine changes speed and character format ("7E1", "8N1", "8E1", "7O1")
// mid-session, as IEC 62056-21 §6.4.5 asks after the option select. FTDI
// chips take 7 or 8 data bits; CP210x 5 to 8.
func (p *Port) SetLine(baud int, format string) error {
	l, err := parseLine(baud, format)
	if err != nil {
		return p.err("set line", KindInvalid, err)
	}
	if p.closed.Load() {
		return p.err("set line", KindClosed, ErrClosed)
	}
	if err := p.c.setLine(l); err != nil {
		return p.chipErr(fmt.Sprintf("set line to %d Bd %s", baud, format), err)
	}
	p.mu.Lock()
	p.line = l
	p.mu.Unlock()
	return nil
}

// Line returns the current speed and format, as "9600 Bd 8N1".
func (p *Port) Line() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("%d Bd %s", p.line.baud, p.line.format())
}

func (p *Port) setModem(op string, set func()) error {
	if p.closed.Load() {
		return p.err(op, KindClosed, ErrClosed)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := [2]bool{p.dtr, p.rts}
	set()
	if err := p.c.setModemLines(p.dtr, p.rts); err != nil {
		p.dtr, p.rts = old[0], old[1]
		return p.chipErr(op, err)
	}
	return nil
}

// SetDTR sets the DTR output (some probes take their power from it).
func (p *Port) SetDTR(on bool) error { return p.setModem("set DTR", func() { p.dtr = on }) }

// SetRTS sets the RTS output.
func (p *Port) SetRTS(on bool) error { return p.setModem("set RTS", func() { p.rts = on }) }

// ModemStatus is the state of the modem inputs.
type ModemStatus struct {
	CTS, DSR, RI, DCD bool
}

// modemBits decodes the modem status byte both chips use: CTS bit 4,
// DSR bit 5, RI bit 6, DCD bit 7 (FTDI's first status byte, CP210x
// GET_MDMSTS).
func modemBits(b byte) ModemStatus {
	return ModemStatus{CTS: b&0x10 != 0, DSR: b&0x20 != 0, RI: b&0x40 != 0, DCD: b&0x80 != 0}
}

// ModemStatus returns the modem inputs as the chip reports them now.
func (p *Port) ModemStatus() (ModemStatus, error) {
	if p.closed.Load() {
		return ModemStatus{}, p.err("get modem status", KindClosed, ErrClosed)
	}
	s, err := p.c.modemStatus()
	if err != nil {
		return ModemStatus{}, p.chipErr("get modem status", err)
	}
	return s, nil
}

// LineErrors returns how many received packets carried an overrun,
// parity, framing or break indication (FTDI; always 0 on CP210x, which
// reports none in its data). Parity errors in numbers mean a 7E1/8N1
// mismatch or a speed the meter did not take.
func (p *Port) LineErrors() uint64 {
	if f, ok := p.c.(*ftdi); ok {
		return f.lineErrors.Load()
	}
	return 0
}

// Flush discards data received but not read, in the chip and here, and data
// written but not yet sent.
func (p *Port) Flush() error {
	if p.closed.Load() {
		return p.err("flush", KindClosed, ErrClosed)
	}
	if err := p.c.purge(true, true); err != nil {
		return p.chipErr("flush", err)
	}
	// The buffer belongs to Read; take it only when no Read is running.
	if p.readMu.TryLock() {
		p.rbuf = p.rbuf[:0]
		p.readMu.Unlock()
	}
	return nil
}

// Drain blocks until the chip has sent everything written, polling its
// transmitter status, for at most two seconds plus the time the chip's
// buffer takes to empty at 300 Bd.
func (p *Port) Drain() error {
	if p.closed.Load() {
		return p.err("drain", KindClosed, ErrClosed)
	}
	end := time.Now().Add(2*time.Second + 512*charTime(300))
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		empty, err := p.c.txEmpty()
		if err != nil {
			return p.chipErr("drain", err)
		}
		if empty {
			return nil
		}
		if time.Now().After(end) {
			return p.err("drain", KindTimeout, os.ErrDeadlineExceeded)
		}
		<-t.C
	}
}

// Close stops the chip, releases the interface and the device, and ends a
// pending Read with KindClosed. Closing twice is not an error.
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	p.mu.Lock()
	if p.cancelRead != nil {
		p.cancelRead()
	}
	p.mu.Unlock()
	// Wait for a pending Read to leave its transfer before releasing the
	// interface under it.
	p.readMu.Lock()
	defer p.readMu.Unlock()
	serr := p.c.stop()
	if err := p.t.close(); err != nil {
		return p.err("close", classify(err), err)
	}
	if serr != nil && classify(serr) != KindRemoved {
		return p.err("close", classify(serr), serr)
	}
	return nil
}
