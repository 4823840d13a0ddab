package serial

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bugst "go.bug.st/serial"
)

// pollSlice bounds each wait of the underlying Read, so that a deadline set
// from another goroutine (to cancel a blocked Read) takes effect within it.
// go.bug.st/serial offers no way to wake a Read other than closing the port.
const pollSlice = 50 * time.Millisecond

// Port is an open serial port. It has the byte-transport shape the protocol
// code expects (io.Reader, io.Writer, SetReadDeadline) plus SetLine for the
// IEC 62056-21 speed change, modem lines, Flush and Drain.
//
// One goroutine may Read while another Writes; SetReadDeadline and Close may
// be called from any goroutine and unblock a pending Read.
type Port struct {
	name string
	p    bugst.Port

	readMu sync.Mutex // one Read at a time: it owns the read timeout of p

	mu       sync.Mutex
	deadline time.Time
	mode     Mode

	closed atomic.Bool
}

// Open opens the port name ("/dev/ttyUSB0", "COM4") with mode. Errors are
// *Error: KindNotFound, KindBusy, KindPermissionDenied (see Hint for the
// fix) or KindInvalid when the port refuses the mode.
func Open(name string, mode Mode) (*Port, error) {
	if err := mode.check(); err != nil {
		return nil, &Error{Op: "open", Port: name, Kind: KindInvalid, Err: err}
	}
	bp, err := bugst.Open(name, mode.bugstMode())
	if err != nil {
		k := classify(err)
		if k == KindOther || k == KindInvalid {
			// go.bug.st/serial reports a missing device as a raw error or
			// wraps the cause of a failed set-up; check the path ourselves
			// to say "not found" rather than "invalid".
			if _, serr := os.Stat(name); errors.Is(serr, os.ErrNotExist) {
				k = KindNotFound
			}
		}
		return nil, &Error{Op: "open", Port: name, Kind: k, Err: err}
	}
	mode.Lines = nil
	return &Port{name: name, p: bp, mode: mode}, nil
}

// Name returns the name the port was opened with.
func (p *Port) Name() string { return p.name }

// Mode returns the current speed and format.
func (p *Port) Mode() Mode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// SetReadDeadline sets the time after which Read returns a KindTimeout
// *Error (errors.Is(err, os.ErrDeadlineExceeded) is true). The zero time
// means no deadline. It may be called while a Read is blocked, from another
// goroutine: a deadline moved into the past ends that Read within 50 ms.
func (p *Port) SetReadDeadline(t time.Time) error {
	if p.closed.Load() {
		return &Error{Op: "set read deadline", Port: p.name, Kind: KindClosed, Err: ErrClosed}
	}
	p.mu.Lock()
	p.deadline = t
	p.mu.Unlock()
	return nil
}

func (p *Port) readDeadline() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deadline
}

// Read reads what the port has received, blocking until at least one byte
// arrives, the read deadline passes (KindTimeout), the port is closed
// (KindClosed) or the adapter is removed (KindRemoved). It never returns
// (0, nil) for a non-empty p: go.bug.st/serial's timeout result is turned
// into a wait for the deadline.
func (p *Port) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.readMu.Lock()
	defer p.readMu.Unlock()
	for {
		if p.closed.Load() {
			return 0, &Error{Op: "read", Port: p.name, Kind: KindClosed, Err: ErrClosed}
		}
		wait := pollSlice
		if dl := p.readDeadline(); !dl.IsZero() {
			left := time.Until(dl)
			if left <= 0 {
				return 0, &Error{Op: "read", Port: p.name, Kind: KindTimeout, Err: os.ErrDeadlineExceeded}
			}
			wait = min(wait, left)
		}
		if err := p.p.SetReadTimeout(wait); err != nil {
			return 0, p.ioError("read", err)
		}
		n, err := p.p.Read(b)
		if n > 0 {
			return n, nil
		}
		if err != nil {
			return 0, p.ioError("read", err)
		}
	}
}

// ioError classifies a read or write error. go.bug.st/serial reports both
// our own Close and a vanished device as "port closed"; only the first is
// KindClosed.
func (p *Port) ioError(op string, err error) error {
	k := classify(err)
	if p.closed.Load() {
		k = KindClosed
	} else if k == KindClosed || k == KindInvalid {
		k = KindRemoved
	}
	return &Error{Op: op, Port: p.name, Kind: k, Err: err}
}

// Write sends b. It blocks until the driver has taken all of it (not until
// it is on the wire: see Drain). A removed adapter gives KindRemoved.
func (p *Port) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, &Error{Op: "write", Port: p.name, Kind: KindClosed, Err: ErrClosed}
	}
	n, err := p.p.Write(b)
	if err != nil {
		return n, p.ioError("write", err)
	}
	return n, nil
}

// SetLine changes speed and character format ("7E1", "8N1", "8E1", "7O1")
// mid-session, as IEC 62056-21 §6.4.5 asks after the option select. It
// sets the input and the output speed together (some USB adapters fail
// otherwise, PROTOCOLS.md §10) and takes effect at once: bytes still
// queued go out at the new speed unless the caller waited for them (Drain,
// or the session's switch delay). Errors are *Error of KindInvalid when
// the driver refuses the setting.
func (p *Port) SetLine(baud int, format string) error {
	m, err := ModeFor(baud, format)
	if err != nil {
		return &Error{Op: "set line", Port: p.name, Kind: KindInvalid, Err: err}
	}
	return p.SetMode(m)
}

// SetMode is SetLine with a Mode; m.Lines, if set, also drives DTR and RTS.
func (p *Port) SetMode(m Mode) error {
	if p.closed.Load() {
		return &Error{Op: "set line", Port: p.name, Kind: KindClosed, Err: ErrClosed}
	}
	if err := m.check(); err != nil {
		return &Error{Op: "set line", Port: p.name, Kind: KindInvalid, Err: err}
	}
	if err := p.p.SetMode(m.bugstMode()); err != nil {
		return p.settingError("set line to "+m.String(), err)
	}
	if l := m.Lines; l != nil {
		if err := p.SetDTR(l.DTR); err != nil {
			return err
		}
		if err := p.SetRTS(l.RTS); err != nil {
			return err
		}
	}
	m.Lines = nil
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
	return nil
}

// settingError classifies a failed ioctl: a refusal is KindInvalid unless
// the port is closed or gone.
func (p *Port) settingError(op string, err error) error {
	k := classify(err)
	switch {
	case p.closed.Load():
		k = KindClosed
	case k == KindOther:
		k = KindInvalid
	}
	return &Error{Op: op, Port: p.name, Kind: k, Err: err}
}

// SetDTR sets the DTR output. Pseudo-terminals and some adapters have no
// modem lines: that is KindInvalid.
func (p *Port) SetDTR(on bool) error {
	if p.closed.Load() {
		return &Error{Op: "set DTR", Port: p.name, Kind: KindClosed, Err: ErrClosed}
	}
	if err := p.p.SetDTR(on); err != nil {
		return p.settingError("set DTR", err)
	}
	return nil
}

// SetRTS sets the RTS output, as SetDTR.
func (p *Port) SetRTS(on bool) error {
	if p.closed.Load() {
		return &Error{Op: "set RTS", Port: p.name, Kind: KindClosed, Err: ErrClosed}
	}
	if err := p.p.SetRTS(on); err != nil {
		return p.settingError("set RTS", err)
	}
	return nil
}

// ModemStatus is the state of the modem inputs.
type ModemStatus struct {
	CTS, DSR, RI, DCD bool
}

// ModemStatus returns the modem inputs. Pseudo-terminals have none
// (KindInvalid).
func (p *Port) ModemStatus() (ModemStatus, error) {
	if p.closed.Load() {
		return ModemStatus{}, &Error{Op: "get modem status", Port: p.name, Kind: KindClosed, Err: ErrClosed}
	}
	s, err := p.p.GetModemStatusBits()
	if err != nil {
		return ModemStatus{}, p.settingError("get modem status", err)
	}
	return ModemStatus{CTS: s.CTS, DSR: s.DSR, RI: s.RI, DCD: s.DCD}, nil
}

// Flush discards received bytes not yet read and bytes written but not yet
// sent.
func (p *Port) Flush() error {
	if p.closed.Load() {
		return &Error{Op: "flush", Port: p.name, Kind: KindClosed, Err: ErrClosed}
	}
	if err := p.p.ResetInputBuffer(); err != nil {
		return p.settingError("flush input", err)
	}
	if err := p.p.ResetOutputBuffer(); err != nil {
		return p.settingError("flush output", err)
	}
	return nil
}

// Drain blocks until everything written has left the UART (tcdrain). USB
// adapters may still hold a few bytes in their own FIFO afterwards.
func (p *Port) Drain() error {
	if p.closed.Load() {
		return &Error{Op: "drain", Port: p.name, Kind: KindClosed, Err: ErrClosed}
	}
	if err := p.p.Drain(); err != nil {
		return p.settingError("drain", err)
	}
	return nil
}

// Close closes the port and ends a pending Read with KindClosed. Closing
// twice is not an error.
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	if err := p.p.Close(); err != nil {
		return &Error{Op: "close", Port: p.name, Kind: classify(err), Err: err}
	}
	return nil
}
