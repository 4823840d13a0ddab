package iec62056

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Options configure the session driver. The zero value works: it asks any
// meter ("/?!"), accepts the speed the meter proposes, and uses the
// timing defaults below.
type Options struct {
	// Address is the device address sent in the request; empty asks any meter.
	Address string
	// MaxBaud caps the speed of the readout, programming mode or mode E
	// (0: the meter's proposal). The probe's limit belongs here.
	MaxBaud int
	// BaudSwitchDelay is the time from the start of writing the option
	// select for a readout or programming mode to changing the port's
	// speed. The ACK must have left the UART at the old speed (6 characters
	// take 200 ms at 300 Bd), and the meter answers at the new speed a
	// reaction time later (PROTOCOLS.md §10; USB adapters need about
	// 250 ms). Counting from the start of the write makes the delay the
	// same whether the port's Write returns at once or after draining.
	// Default 250 ms, or 210 ms when the identification announces the
	// 20 ms reaction time.
	BaudSwitchDelay time.Duration
	// ModeEDelay is the same for the mode E hand-over, where the client
	// speaks first at the new speed; the meter's optional confirmation is
	// read at the old speed in this time. Default 1 s (the Gurux client's
	// wait on Linux, PROTOCOLS.md §10).
	ModeEDelay time.Duration
	// ReactionTime overrides the wait after the meter's last character
	// before we send (tr, IEC 62056-21 §6.3.14). Default: 200 ms, or 20 ms
	// when the identification's third letter is lower case.
	ReactionTime time.Duration
	// ResponseTimeout bounds the wait for the first character of an answer
	// (tr max 1500 ms, plus margin). Default 2 s.
	ResponseTimeout time.Duration
	// InterCharTimeout bounds the gap between characters of one message
	// (ta, 1500 ms). Default 1500 ms.
	InterCharTimeout time.Duration
	// LineSilence is the quiet time before the request; bytes arriving in
	// it are dropped. Default 200 ms.
	LineSilence time.Duration
	// Echo drops the IR echo of our own transmissions (PROTOCOLS.md §11.1).
	Echo bool
	// NoFallback reports KindOldSpeed at once when the meter does not
	// answer at the new speed, instead of signing on again at 300 Bd.
	NoFallback bool
	// SoftParity runs the port at 8N1 and generates and checks even parity
	// here, for adapters without 7E1 (PROTOCOLS.md §1.1).
	SoftParity bool
	// WakeUp, when set, sends the battery-meter wake-up sequence before
	// the request.
	WakeUp *WakeUp
	// MaxMessage caps one message, and a whole readout, in bytes.
	// Default 1 MiB.
	MaxMessage int
}

// switchDelay is BaudSwitchDelay, or by default the time the 6-character
// option select takes at 300 Bd (200 ms) plus 50 ms, or plus 10 ms for a
// meter with the 20 ms reaction time.
func (o *Options) switchDelay(fast bool) time.Duration {
	if fast {
		return orDefault(o.BaudSwitchDelay, 210*time.Millisecond)
	}
	return orDefault(o.BaudSwitchDelay, 250*time.Millisecond)
}
func (o *Options) modeEDelay() time.Duration { return orDefault(o.ModeEDelay, time.Second) }
func (o *Options) response() time.Duration   { return orDefault(o.ResponseTimeout, 2*time.Second) }
func (o *Options) interChar() time.Duration {
	return orDefault(o.InterCharTimeout, 1500*time.Millisecond)
}
func (o *Options) silence() time.Duration { return orDefault(o.LineSilence, 200*time.Millisecond) }

func (o *Options) maxMessage() int {
	if o.MaxMessage > 0 {
		return o.MaxMessage
	}
	return 1 << 20
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// WakeUp is the wake-up sequence of battery-powered meters: NUL
// characters for Duration, then a Pause before the request (IEC21
// client.py; PROTOCOLS.md §1.6). Spacing is the gap between NULs, which
// sources dispute: 0 sends them back to back.
type WakeUp struct {
	Duration time.Duration // default 2.2 s
	Pause    time.Duration // default 1.6 s
	Spacing  time.Duration
}

// wakeUp sends the NULs (300 Bd, 33 ms each) in chunks of at most 30,
// or one at a time with Spacing, then waits the pause; the echo is dropped
// by the line silence that follows. Chunks are timed from the start of
// each write, so a port whose Write returns at once and one that drains
// give the same sequence.
func (cl *Client) wakeUp(ctx context.Context, w *WakeUp) error {
	end := time.Now().Add(orDefault(w.Duration, 2200*time.Millisecond))
	per := charTime(300)
	for time.Now().Before(end) {
		start := time.Now()
		n := int((end.Sub(start) + per/2) / per)
		if n == 0 {
			break
		}
		next := start.Add(time.Duration(n) * per)
		switch {
		case w.Spacing > 0:
			n, next = 1, start.Add(per+w.Spacing)
		case n > 30:
			n, next = 30, start.Add(30*per)
		}
		if _, err := cl.port.Write(make([]byte, n)); err != nil {
			return &portError{fmt.Errorf("write wake-up: %w", err)}
		}
		if next.After(end) {
			next = end
		}
		if err := sleep(ctx, time.Until(next)); err != nil {
			return err
		}
	}
	return sleep(ctx, orDefault(w.Pause, 1600*time.Millisecond))
}

// Client is one IEC 62056-21 session with a meter, from sign-on to the
// readout, programming mode or the mode E hand-over. It is not safe for
// concurrent use.
type Client struct {
	port Port
	opt  Options
	c    *conn
	id   *Identification
	used bool // an option select was sent; sign on again before the next
}

// SignOn opens a session (IEC 62056-21 §6.4.2): it sets the port to
// 300 Bd 7E1, waits for line silence, sends the request "/?address!" and
// reads the identification. It blocks for at most ResponseTimeout plus the
// identification itself, and less if ctx ends sooner. Errors are *Error:
// KindNoAnswer when nothing answered, KindGarbled for a broken
// identification.
func SignOn(ctx context.Context, p Port, opt Options) (*Client, error) {
	cl := &Client{port: p, opt: opt}
	cl.c = newConn(p, &cl.opt)
	if err := cl.signOn(ctx); err != nil {
		return nil, err
	}
	return cl, nil
}

// Identification returns the meter's identification from the sign-on.
func (cl *Client) Identification() *Identification { return cl.id }

func (cl *Client) signOn(ctx context.Context) error {
	const op = "sign on"
	c := cl.c
	if err := c.setLine(300, Format7E1); err != nil {
		return classify(op, err)
	}
	c.lastRx = time.Time{}
	c.react = 200 * time.Millisecond
	if w := cl.opt.WakeUp; w != nil {
		if err := cl.wakeUp(ctx, w); err != nil {
			return classify(op, err)
		}
	}
	if err := c.discard(ctx, cl.opt.silence(), time.Now().Add(cl.opt.silence()+cl.opt.interChar())); err != nil {
		return classify(op, err)
	}
	if err := c.write(ctx, Request{Address: cl.opt.Address}.Bytes()); err != nil {
		return classify(op, err)
	}
	for tries := 0; ; tries++ {
		res, err := c.readMessage(ctx, cl.opt.response(), false)
		if err != nil {
			return classify(op, err)
		}
		if tries >= 16 {
			return classify(op, syntaxErr(0, ErrUnexpected, "%q and 15 more messages, no identification", ASCII(res.msg)))
		}
		if res.msg[0] != '/' {
			continue // a stray ACK or block from an earlier session
		}
		id, err := ParseIdentification(res.msg)
		if err != nil {
			if errors.Is(err, ErrUnexpected) {
				continue // another client's request on a shared bus
			}
			return classify(op, err)
		}
		cl.id, cl.used = id, false
		c.react = id.ReactionTime()
		if cl.opt.ReactionTime > 0 {
			c.react = cl.opt.ReactionTime
		}
		return nil
	}
}

// baudChar picks the Z to ask for: the meter's proposal capped at MaxBaud.
func (cl *Client) baudChar() Char {
	z := cl.id.Baud
	if _, ok := BaudRate(z); !ok {
		z = '5' // mode A/B identification: ask for 9600, the common mode E speed
		if cl.id.Mode() == 'C' {
			z = '0' // a reserved mode C character: stay at 300 Bd
		}
	}
	if cl.opt.MaxBaud > 0 {
		if limit := BaudChar(cl.opt.MaxBaud); limit < z {
			z = limit
		}
	}
	return z
}

// resignOn signs on again when an option select was already used.
func (cl *Client) resignOn(ctx context.Context) error {
	if !cl.used {
		return nil
	}
	return cl.signOn(ctx)
}

// optionSelect sends ACK V Z Y at the current (300 Bd) speed and keeps
// listening at that speed until window has passed since the write began,
// dropping the echo. It
// returns a message that arrived in that time (a mode E confirmation, or a
// readout from a meter that did not change speed), or nil. The caller
// switches the port.
func (cl *Client) optionSelect(ctx context.Context, o OptionSelect, window time.Duration) (*readResult, error) {
	c := cl.c
	cl.used = true
	if err := c.write(ctx, o.Bytes()); err != nil {
		return nil, err
	}
	res, err := c.readMessage(ctx, time.Until(c.lastTx.Add(window)), false)
	switch {
	case err == nil:
		return &res, nil
	case errors.Is(err, ErrNoAnswer), errors.Is(err, ErrTruncated):
		return nil, nil
	}
	return nil, err
}

// ReadOut reads the data readout in mode C (IEC 62056-21 §6.4.5): it
// sends ACK 0 Z 0 at 300 Bd, switches to the speed Z after
// BaudSwitchDelay, and reads the data message, acknowledging partial
// blocks. If nothing arrives at the new speed the meter probably ignored
// its own proposal (PROTOCOLS.md §11.2): unless NoFallback is set, the
// client waits for silence, signs on again, reads at 300 Bd and sets
// Readout.StayedAtOldSpeed. The port is left at 300 Bd, where the meter
// returns after a readout.
//
// A bad BCC returns the decoded readout together with an *Error of
// KindGarbled. Other errors are *Error with KindNoAnswer, KindOldSpeed
// (NoFallback set), KindProtocol, KindPort or KindCanceled.
func (cl *Client) ReadOut(ctx context.Context) (*Readout, error) {
	const op = "read out"
	if err := cl.resignOn(ctx); err != nil {
		return nil, err
	}
	z := cl.baudChar()
	if cl.id.Mode() != 'C' {
		z = cl.id.Baud
	}
	ro, err := cl.readOutAt(ctx, z)
	if err == nil || !errors.Is(err, errSwitch) {
		cl.c.setLine(300, Format7E1)
		return ro, err
	}
	if cl.opt.NoFallback || z == '0' || cl.id.Mode() != 'C' {
		cl.c.setLine(300, Format7E1)
		return nil, &Error{Op: op, Kind: KindOldSpeed, Err: err}
	}
	// The meter probably still talks at 300 Bd: let it finish, then sign on
	// again and stay at 300 Bd.
	if err := cl.c.setLine(300, Format7E1); err != nil {
		return nil, classify(op, err)
	}
	if err := cl.c.discard(ctx, cl.opt.interChar(), time.Now().Add(5*time.Minute)); err != nil {
		return nil, classify(op, err)
	}
	if err := cl.signOn(ctx); err != nil {
		return nil, err
	}
	ro, err = cl.readOutAt(ctx, '0')
	if ro != nil {
		ro.StayedAtOldSpeed = true
	}
	return ro, err
}

// validBlock reports whether msg is a data message with a good BCC.
func validBlock(msg []byte) bool {
	_, err := ParseBlock(msg)
	return err == nil
}

// errSwitch marks a readout that did not arrive after a speed change.
var errSwitch = errors.New("no answer after the baud-rate switch")

type switchError struct {
	baud int
	err  error
}

func (e *switchError) Error() string {
	return fmt.Sprintf("%v to %d Bd (%v): %v", errSwitch, e.baud, ErrOldSpeed, e.err)
}
func (e *switchError) Unwrap() []error { return []error{errSwitch, ErrOldSpeed, e.err} }

func (cl *Client) readOutAt(ctx context.Context, z Char) (*Readout, error) {
	const op = "read out"
	rate, _ := BaudRate(z)
	stayed := false
	switch cl.id.Mode() {
	case 'A':
		cl.used, rate = true, 300
	case 'B':
		cl.used, rate = true, cl.id.BaudRate()
		if err := cl.c.setLine(rate, Format7E1); err != nil {
			return nil, classify(op, err)
		}
	default:
		early, err := cl.optionSelect(ctx, OptionSelect{Protocol: ProtocolNormal, Baud: z, Mode: ModeReadout}, cl.opt.switchDelay(cl.id.FastReaction()))
		if err != nil {
			return nil, classify(op, err)
		}
		if early != nil && early.msg[0] == STX && validBlock(early.msg) {
			// The readout came at 300 Bd: the meter did not switch.
			cl.c.pending = append(early.msg, cl.c.pending...)
			stayed, rate = rate != 300, 300
		} else if rate != 300 {
			if err := cl.c.setLine(rate, Format7E1); err != nil {
				return nil, classify(op, err)
			}
		}
	}
	data, blocks, err := cl.readBlocks(ctx)
	if err != nil {
		if rate != 300 && blocks == 0 && !stayed && !errors.Is(err, ctx.Err()) && KindOf(classify("", err)) != KindPort {
			return nil, &switchError{baud: rate, err: err}
		}
		if data == "" {
			return nil, classify(op, err)
		}
	}
	recs, perr := ParseDataSets(data, 1)
	ro := &Readout{Records: recs, Blocks: blocks, Baud: rate, StayedAtOldSpeed: stayed}
	switch {
	case err != nil:
		return ro, classify(op, err)
	case perr != nil:
		return ro, classify(op, perr)
	}
	return ro, nil
}

// readBlocks reads data blocks until one ends with ETX, sending ACK after
// each partial block (EOT) and NAK once for a block with a bad BCC
// (IEC 62056-21 §6.3.9, unverified details: PROTOCOLS.md §1.6). It
// returns the joined data; on a BCC error of the last block it returns
// the data with the error.
func (cl *Client) readBlocks(ctx context.Context) (string, int, error) {
	var data []byte
	blocks, naks, junk := 0, 0, 0
	for {
		res, err := cl.c.readMessage(ctx, cl.opt.response(), true)
		if err != nil {
			return "", blocks, err
		}
		msg := res.msg
		switch msg[0] {
		case STX:
		case NAK:
			return "", blocks, syntaxErr(0, ErrNAK, "")
		default:
			// Noise that happened to frame (a speed mismatch makes plenty):
			// skip it, within the message cap.
			junk += len(msg)
			if junk > cl.opt.maxMessage() {
				return "", blocks, syntaxErr(0, ErrUnexpected, "%q where a data message was expected", ASCII(msg))
			}
			continue
		}
		blk, err := ParseBlock(msg)
		if err != nil && blk == nil {
			return "", blocks, err
		}
		if err != nil && naks < 1 {
			naks++
			if werr := cl.c.write(ctx, []byte{NAK}); werr != nil {
				return "", blocks, werr
			}
			continue
		}
		blocks++
		naks = 0
		if len(data)+len(blk.Data) > cl.opt.maxMessage() {
			return "", blocks, syntaxErr(len(data), ErrTooLong, "readout beyond %d bytes", cl.opt.maxMessage())
		}
		data = append(data, blk.Data...)
		if err != nil {
			return string(data), blocks, err
		}
		if !blk.Partial {
			return string(data), blocks, nil
		}
		if err := cl.c.write(ctx, []byte{ACK}); err != nil {
			return "", blocks, err
		}
	}
}

// Link is the byte transport after the mode E hand-over: the same port,
// now at 8N1 and Baud, ready for HDLC (IEC 62056-46).
//
// A meter that took the option select for a readout request sends a data
// message at the new speed instead of waiting for SNRM. Link watches the
// first byte it receives: STX (with or without the parity bit) there
// makes Read return the bytes with an *Error of KindProtocol wrapping
// ErrNotModeE, so the HDLC layer can say "meter did not enter mode E"
// rather than time out (PROTOCOLS.md §11.3).
type Link struct {
	Port
	Baud    int
	checked bool
}

// Read reads from the port; see Link for the check of the first byte.
func (l *Link) Read(p []byte) (int, error) {
	n, err := l.Port.Read(p)
	if n > 0 && !l.checked {
		l.checked = true
		if p[0]&0x7F == STX {
			return n, &Error{Op: "enter mode E", Kind: KindProtocol, Err: fmt.Errorf("%w: a data message arrived at %d Bd", ErrNotModeE, l.Baud)}
		}
	}
	return n, err
}

// EnterModeE hands the line over to HDLC (IEC 62056-21 §6.4.6, mode E,
// PROTOCOLS.md §9.2): it sends ACK 2 Z 2 at 300 Bd, accepts the optional
// ACK line some meters send back (taking its Z when the meter lowered
// the speed), then switches the port to 8N1 at the agreed speed when the
// confirmation is complete or ModeEDelay has passed, and returns it. A data message instead of the
// confirmation means the meter did not enter mode E: *Error of
// KindProtocol wrapping ErrNotModeE. Whether the meter really switched
// shows only when HDLC gets its first answer.
func (cl *Client) EnterModeE(ctx context.Context) (*Link, error) {
	const op = "enter mode E"
	if err := cl.resignOn(ctx); err != nil {
		return nil, err
	}
	c := cl.c
	o := OptionSelect{Protocol: ProtocolHDLC, Baud: cl.baudChar(), Mode: ModeBinary}
	early, err := cl.optionSelect(ctx, o, cl.opt.modeEDelay())
	var res readResult
	if early != nil {
		res = *early
	} else if err == nil {
		err = ErrNoAnswer
	}
	switch {
	case err == nil && res.msg[0] == ACK && len(res.msg) == 6:
		if conf, perr := ParseOptionSelect(res.msg); perr == nil && conf.ModeE() {
			if _, ok := BaudRate(conf.Baud); ok && conf.Baud <= o.Baud {
				o.Baud = conf.Baud
			}
		}
	case err == nil && res.msg[0] == STX:
		// A readout: the meter took the request for mode C. Let it finish.
		c.discard(ctx, cl.opt.interChar(), time.Now().Add(5*time.Minute))
		return nil, &Error{Op: op, Kind: KindProtocol, Err: fmt.Errorf("%w: it answered with a data message", ErrNotModeE)}
	case err == nil, errors.Is(err, ErrNoAnswer), errors.Is(err, ErrTruncated):
		// No confirmation: the common case.
	default:
		return nil, classify(op, err)
	}
	rate, _ := BaudRate(o.Baud)
	if err := c.setLine(rate, Format8N1); err != nil {
		return nil, classify(op, err)
	}
	c.binary = true
	return &Link{Port: cl.port, Baud: rate}, nil
}

// classify wraps err in an *Error with the Kind its cause implies.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var pe *portError
	k := KindOther
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		k = KindCanceled
	case errors.As(err, &pe):
		k = KindPort
	case errors.Is(err, ErrOldSpeed):
		k = KindOldSpeed
	case errors.Is(err, ErrNAK), errors.Is(err, ErrMeterError):
		k = KindRefused
	case errors.Is(err, ErrNotModeE), errors.Is(err, ErrUnexpected):
		k = KindProtocol
	case errors.Is(err, ErrNoAnswer):
		k = KindNoAnswer
	case errors.Is(err, ErrBCC), errors.Is(err, ErrParity), errors.Is(err, ErrTruncated),
		errors.Is(err, ErrSyntax), errors.Is(err, ErrTooLong):
		k = KindGarbled
	}
	return &Error{Op: op, Kind: k, Err: err}
}
