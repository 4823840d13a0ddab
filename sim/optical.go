package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
)

// Port is the meter side of a serial line: an End of the line emulator, a
// pseudo-terminal or a TCP connection. SetLine changes speed and character
// format; on a pseudo-terminal or TCP it may do nothing.
type Port interface {
	io.ReadWriter
	SetReadDeadline(t time.Time) error
	SetLine(baud int, format string) error
}

// Errors of the optical port.
var (
	errIdle = errors.New("sim: line idle")
	// ErrRebooted reports that the simulated meter rebooted (quirk reboot).
	ErrRebooted = errors.New("sim: meter rebooted")
)

// optical is one optical-port conversation: the port and the bytes read
// but not yet used.
type optical struct {
	m      *ESME
	p      Port
	ctx    context.Context
	buf    []byte
	binary bool
	last   time.Time // when the last byte arrived
	trace  func(dir string, b []byte)
}

// ServeOptical serves the meter's optical port on p until ctx ends or the
// port fails: IEC 62056-21 sign-on at 300 Bd 7E1 (readout, programming
// mode, mode E hand-over), then HDLC and DLMS at 8N1 until DISC or
// inactivity, then 300 Bd again (PROTOCOLS.md §12). It returns nil when
// ctx ends or the peer closes the line.
func (m *ESME) ServeOptical(ctx context.Context, p Port) error {
	return m.serveOptical(ctx, p, nil)
}

// ServeOpticalTrace is ServeOptical with a trace of every message: dir is
// "rx" or "tx", b the bytes (valid during the call).
func (m *ESME) ServeOpticalTrace(ctx context.Context, p Port, trace func(dir string, b []byte)) error {
	return m.serveOptical(ctx, p, trace)
}

func (m *ESME) serveOptical(ctx context.Context, p Port, trace func(string, []byte)) error {
	if m.cfg.Quirks.Has(QuirkIREcho) {
		p = &echoPort{Port: p}
	}
	stop := context.AfterFunc(ctx, func() { p.SetReadDeadline(time.Now()) })
	defer stop()
	o := &optical{m: m, p: p, ctx: ctx, trace: trace}
	for ctx.Err() == nil {
		err := o.signOn()
		switch {
		case err == nil, errors.Is(err, errIdle), errors.Is(err, ErrRebooted):
			continue
		case ctx.Err() != nil, errors.Is(err, io.EOF), errors.Is(err, ErrDisconnected):
			return nil
		default:
			return fmt.Errorf("serve optical port: %w", err)
		}
	}
	return nil
}

// read returns the next IEC 62056-21 client message, waiting at most idle
// (0: until ctx ends). lone takes a lone ACK as complete.
func (o *optical) read(lone bool, idle time.Duration) ([]byte, error) {
	var deadline time.Time
	if idle > 0 {
		deadline = time.Now().Add(idle)
	}
	var p [256]byte
	for {
		for len(o.buf) > 0 {
			n, err := iec62056.FrameLength(o.buf, lone)
			if err != nil {
				o.buf = o.buf[1:] // noise, wake-up NULs: resynchronise
				continue
			}
			if n == 0 {
				if len(o.buf) > 4096 {
					o.buf = o.buf[1:]
					continue
				}
				break
			}
			msg := o.buf[:n:n]
			o.buf = o.buf[n:]
			o.tr("rx", msg)
			return msg, nil
		}
		if err := o.ctx.Err(); err != nil {
			return nil, err
		}
		wait := time.Now().Add(10 * time.Second)
		if !deadline.IsZero() && deadline.Before(wait) {
			wait = deadline
		}
		o.p.SetReadDeadline(wait)
		n, err := o.p.Read(p[:])
		if n > 0 {
			// A partial message followed by silence longer than the
			// inter-character time-out ta is dropped (IEC 62056-21
			// §6.3.14), so line noise cannot swallow the next request.
			if now := time.Now(); now.Sub(o.last) > 1500*time.Millisecond {
				o.buf = o.buf[:0]
			}
			o.last = time.Now()
		}
		for _, c := range p[:n] {
			if !o.binary {
				c &= 0x7F // 7E1 read as 8 bits: drop the parity bit
			}
			o.buf = append(o.buf, c)
		}
		if err != nil && isTimeout(err) {
			if !deadline.IsZero() && !time.Now().Before(deadline) {
				return nil, errIdle
			}
			continue
		}
		if err != nil {
			return nil, err
		}
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func (o *optical) tr(dir string, b []byte) {
	if o.trace != nil {
		o.trace(dir, b)
	}
}

// send waits the reaction time, then writes b.
func (o *optical) send(b []byte) error {
	if err := o.wait(o.m.reaction()); err != nil {
		return err
	}
	return o.write(b)
}

func (o *optical) write(b []byte) error {
	o.tr("tx", b)
	_, err := o.p.Write(b)
	return err
}

// wait sleeps d unless ctx ends first.
func (o *optical) wait(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-o.ctx.Done():
		return o.ctx.Err()
	}
}

// reaction is the meter's reaction time tr (IEC 62056-21 §6.3.14).
func (m *ESME) reaction() time.Duration {
	if m.cfg.Quirks.Has(QuirkSlowReaction) {
		return 1500 * time.Millisecond
	}
	return m.cfg.ReactionTime
}

// identification is the meter's identification message.
func (m *ESME) identification() iec62056.Identification {
	id := m.cfg.Identity
	enh := "2" // mode E
	if m.cfg.Quirks.Has(QuirkNoModeE) {
		enh = ""
	}
	return iec62056.Identification{Manufacturer: id.Flag, Baud: iec62056.BaudChar(m.cfg.MaxBaud), Enhanced: enh, Ident: id.Model}
}

// signOn serves one sign-on: request, identification, option select and
// what it asks for.
func (o *optical) signOn() error {
	m := o.m
	o.binary = false
	if err := o.p.SetLine(300, iec62056.Format7E1); err != nil {
		return err
	}
	msg, err := o.read(false, 0)
	if err != nil {
		return err
	}
	cm, err := iec62056.ParseClientMessage(msg)
	if err != nil || cm.Request == nil || !cm.Request.Addressed(m.cfg.Identity.Address) {
		return nil // not for us: stay silent (PROTOCOLS.md §12)
	}
	m.mu.Lock()
	m.addEvent(logComms, EventLocalPortComms, "communication from local port (optical)")
	m.mu.Unlock()
	id := m.identification()
	if err := o.send(id.Bytes()); err != nil {
		return err
	}
	msg, err = o.read(false, 3*time.Second)
	if err != nil {
		return err
	}
	cm, err = iec62056.ParseClientMessage(msg)
	if err != nil || cm.OptionSelect == nil {
		return nil
	}
	opt := *cm.OptionSelect
	rate, ok := iec62056.BaudRate(opt.Baud)
	if !ok || opt.Baud > id.Baud {
		rate, _ = iec62056.BaudRate(id.Baud)
		opt.Baud = id.Baud
	}
	if m.cfg.Quirks.Has(QuirkIgnoreBaud) {
		rate = 300
	}
	switch {
	case opt.ModeE() && m.cfg.Quirks.Has(QuirkNoModeE):
		return nil // a mode C meter ignores an option it does not know
	case opt.ModeE():
		if err := o.send(opt.Confirm(id.Baud).Bytes()); err != nil {
			return err
		}
		if err := o.p.SetLine(rate, iec62056.Format8N1); err != nil {
			return err
		}
		o.binary = true
		return o.serveHDLC()
	case opt.Mode == iec62056.ModeProgramming:
		if err := o.wait(m.reaction()); err != nil {
			return err
		}
		if err := o.p.SetLine(rate, iec62056.Format7E1); err != nil {
			return err
		}
		if err := o.write(iec62056.OperandMessage(m.operand())); err != nil {
			return err
		}
		return o.program()
	default:
		if err := o.wait(m.reaction()); err != nil {
			return err
		}
		if err := o.p.SetLine(rate, iec62056.Format7E1); err != nil {
			return err
		}
		return o.readout()
	}
}

// operand is the programming-mode operand (P0).
func (m *ESME) operand() string {
	s := m.cfg.Identity.Serial
	if len(s) > 8 {
		s = s[len(s)-8:]
	}
	return s
}

// readout sends the mode C data readout.
func (o *optical) readout() error {
	ro := o.m.Readout()
	b := ro.Bytes()
	if o.m.cfg.Quirks.Has(QuirkTrailingBytes) {
		b = append(b, '\r', '\n', 0x00)
	}
	return o.write(b)
}

// program serves programming mode until B0 or 60 s of silence.
func (o *optical) program() error {
	m := o.m
	authorised := false
	for {
		msg, err := o.read(true, 60*time.Second)
		if err != nil {
			return err
		}
		cm, err := iec62056.ParseClientMessage(msg)
		if err != nil {
			if cm != nil && cm.Command != nil { // bad BCC
				if err := o.send([]byte{iec62056.NAK}); err != nil {
					return err
				}
			}
			continue
		}
		c := cm.Command
		if c == nil {
			continue
		}
		var answer []byte
		switch c.Command {
		case iec62056.CmdBreak:
			return nil
		case iec62056.CmdPassword:
			_, pw := c.DataSet()
			if pw == string(m.cfg.Secrets.Password) || pw == "" && c.Data == "("+string(m.cfg.Secrets.Password)+")" {
				authorised = true
				answer = []byte{iec62056.ACK}
			} else {
				answer = []byte{iec62056.NAK}
			}
		case iec62056.CmdRead:
			addr, _ := c.DataSet()
			if rec, ok := m.Readout().Lookup(addr); ok {
				answer = iec62056.AnswerMessage(rec)
			} else {
				answer = iec62056.ErrorMessage("ER01")
			}
		case iec62056.CmdWrite:
			if !authorised {
				answer = iec62056.ErrorMessage("ER02")
				break
			}
			addr, val := c.DataSet()
			if m.programWrite(addr, val) {
				answer = []byte{iec62056.ACK}
			} else {
				answer = iec62056.ErrorMessage("ER03")
			}
		default:
			answer = iec62056.ErrorMessage("ER04")
		}
		if err := o.send(answer); err != nil {
			return err
		}
	}
}

// programWrite applies a W1/W2 write: time 0.9.1 (hhmmss) or date 0.9.2
// (YYMMDD) in UK local time.
func (m *ESME) programWrite(addr, val string) bool {
	now := ukLocal(m.Clock.Now())
	var t time.Time
	var err error
	switch addr {
	case "0.9.1", "1-0:0.9.1*255":
		var c time.Time
		if c, err = time.Parse("150405", val); err == nil {
			t = time.Date(now.Year(), now.Month(), now.Day(), c.Hour(), c.Minute(), c.Second(), 0, now.Location())
		}
	case "0.9.2", "1-0:0.9.2*255":
		var c time.Time
		if c, err = time.Parse("060102", val); err == nil {
			t = time.Date(c.Year(), c.Month(), c.Day(), now.Hour(), now.Minute(), now.Second(), 0, now.Location())
		}
	default:
		return false
	}
	if err != nil {
		return false
	}
	m.Clock.Set(t)
	m.mu.Lock()
	m.addEvent(logStandard, EventClockAdjusted, "clock set on the optical port")
	m.mu.Unlock()
	return true
}

// echoPort returns every byte read to the sender, as an optical head
// whose receiver sees its own transmitter (quirk ir-echo).
type echoPort struct{ Port }

func (e *echoPort) Read(p []byte) (int, error) {
	n, err := e.Port.Read(p)
	if n > 0 {
		if _, werr := e.Port.Write(p[:n]); werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}
