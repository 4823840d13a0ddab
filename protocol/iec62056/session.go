package iec62056

import (
	"context"
	"errors"
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
	// Repeats is how many times a block with a bad BCC is asked for again
	// with NAK, and a command the meter NAKs is sent again (IEC 62056-21
	// §6.3.9; the count is ours). Default 2; negative means none.
	Repeats int
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

func (o *Options) repeats() int {
	switch {
	case o.Repeats < 0:
		return 0
	case o.Repeats == 0:
		return 2
	}
	return o.Repeats
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
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
