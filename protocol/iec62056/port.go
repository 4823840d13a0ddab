package iec62056

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// Port is the probe the session driver talks through: a serial port, a
// USB optical probe or the line emulator. SetLine changes the speed and
// character format ("7E1" or "8N1") mid-session. A Read past the deadline
// returns an error satisfying errors.Is(err, os.ErrDeadlineExceeded) or a
// net.Error whose Timeout() is true; a Read returning (0, nil) is retried
// until the deadline. SetReadDeadline may be called from another goroutine
// to unblock a Read, as with net.Conn: the driver does so when the
// context is cancelled.
type Port interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	SetReadDeadline(t time.Time) error
	SetLine(baud int, format string) error
}

// Line formats.
const (
	Format7E1 = "7E1" // IEC 62056-21 modes A–E before the hand-over
	Format8N1 = "8N1" // after the mode E hand-over (HDLC)
)

// isTimeout reports whether err is a read time-out of the port.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// portError marks a failure of the port itself (write, line change,
// closed), so the session reports KindPort.
type portError struct{ err error }

func (e *portError) Error() string { return e.err.Error() }
func (e *portError) Unwrap() error { return e.err }

// errNoBytes is the time-out when nothing at all arrived; errGarbage when
// bytes arrived that formed no message.
var (
	errNoBytes = fmt.Errorf("%w within the time-out", ErrNoAnswer)
)

// conn frames IEC 62056-21 messages on a Port: it masks the parity bit,
// drops the IR echo of our own transmissions, skips garbage before a
// message, keeps the meter's reaction time before each transmission, and
// bounds every wait with a deadline.
type conn struct {
	p       Port
	opt     *Options
	buf     [512]byte
	pending []byte
	echo    []byte // our last transmission while its echo may still arrive
	lastRx  time.Time
	lastTx  time.Time     // when the last write began
	react   time.Duration // wait after the meter's last byte before sending
	binary  bool          // 8N1 after the hand-over: no parity handling
	parity  bool          // a parity error was seen in pending bytes
}

func newConn(p Port, opt *Options) *conn {
	return &conn{p: p, opt: opt, react: 200 * time.Millisecond}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// setLine changes the port's speed and format.
func (c *conn) setLine(baud int, format string) error {
	if c.opt.SoftParity && format == Format7E1 {
		format = Format8N1
	}
	if err := c.p.SetLine(baud, format); err != nil {
		return &portError{fmt.Errorf("set line to %d Bd %s: %w", baud, format, err)}
	}
	c.binary = format == Format8N1 && !c.opt.SoftParity
	c.pending, c.echo = nil, nil
	return nil
}

// write sends msg after the reaction time has passed since the meter's
// last byte (IEC 62056-21 §6.3.14, tr). Pending input is stale once we
// transmit, so it is discarded.
func (c *conn) write(ctx context.Context, msg []byte) error {
	if !c.lastRx.IsZero() {
		if err := sleep(ctx, time.Until(c.lastRx.Add(c.react))); err != nil {
			return err
		}
	} else if err := ctx.Err(); err != nil {
		return err
	}
	out := msg
	if c.opt.SoftParity && !c.binary {
		out = make([]byte, len(msg))
		for i, b := range msg {
			out[i] = withEvenParity(b)
		}
	}
	c.pending, c.parity = nil, false
	c.lastTx = time.Now()
	if _, err := c.p.Write(out); err != nil {
		return &portError{fmt.Errorf("write %d bytes: %w", len(out), err)}
	}
	if c.opt.Echo {
		c.echo = append(c.echo[:0], msg...)
	}
	return nil
}

func withEvenParity(b byte) byte {
	b &= 0x7F
	p := b
	p ^= p >> 4
	p ^= p >> 2
	p ^= p >> 1
	return b | (p&1)<<7
}

// fill reads what the port has, waiting until deadline (or the context's
// deadline, if sooner). It returns errNoBytes on a time-out.
func (c *conn) fill(ctx context.Context, deadline time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cd, ok := ctx.Deadline(); ok && cd.Before(deadline) {
		deadline = cd
	}
	if err := c.p.SetReadDeadline(deadline); err != nil {
		return &portError{fmt.Errorf("set read deadline: %w", err)}
	}
	// Cancelling ctx unblocks the Read by moving the deadline to the past.
	stop := context.AfterFunc(ctx, func() { c.p.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		n, err := c.p.Read(c.buf[:])
		if n > 0 {
			c.lastRx = time.Now()
			c.accept(c.buf[:n])
			return nil
		}
		if err != nil {
			if isTimeout(err) {
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
				return errNoBytes
			}
			return &portError{fmt.Errorf("read: %w", err)}
		}
		if !time.Now().Before(deadline) {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			return errNoBytes
		}
	}
}

// accept appends received bytes, stripping parity, then drops our echo.
func (c *conn) accept(b []byte) {
	for _, x := range b {
		if !c.binary {
			if c.opt.SoftParity && withEvenParity(x) != x {
				c.parity = true
			}
			x &= 0x7F
		}
		c.pending = append(c.pending, x)
	}
	c.dropEcho()
}

// dropEcho removes our own transmission from the front of pending once it
// has fully arrived (PROTOCOLS.md §11.1). While pending is a prefix of the
// echo it waits; on the first difference it gives up, keeping the bytes.
func (c *conn) dropEcho() {
	if len(c.echo) == 0 {
		return
	}
	n := 0
	for n < len(c.pending) && n < len(c.echo) && c.pending[n] == c.echo[n] {
		n++
	}
	switch {
	case n == len(c.echo):
		c.pending = c.pending[n:]
		c.echo = nil
	case n < len(c.pending):
		c.echo = nil
	}
}

// echoUndecided reports whether pending bytes may still be our echo.
func (c *conn) echoUndecided() bool { return len(c.echo) > 0 && len(c.pending) > 0 }

// readResult tells what a read saw besides the message: bytes skipped
// before it.
type readResult struct {
	msg     []byte
	skipped int
}

// readMessage reads one message (see FrameLength), waiting first for the
// first byte and then at most InterCharTimeout between bytes. lone takes
// a leading ACK or NAK as a complete answer. On a time-out it returns
// ErrNoAnswer when nothing arrived, and a *SyntaxError wrapping
// ErrTruncated (garbled) when bytes arrived but formed no message.
func (c *conn) readMessage(ctx context.Context, first time.Duration, lone bool) (readResult, error) {
	var res readResult
	firstDeadline := time.Now().Add(first)
	for {
		for len(c.pending) > 0 && !c.echoUndecided() {
			n, err := FrameLength(c.pending, lone)
			if err != nil {
				c.pending = c.pending[1:]
				res.skipped++
				if res.skipped > c.opt.maxMessage() {
					return res, syntaxErr(0, ErrTooLong, "%d bytes of noise", res.skipped)
				}
				continue
			}
			if n > 0 {
				res.msg = append([]byte(nil), c.pending[:n]...)
				c.pending = c.pending[n:]
				if c.parity {
					c.parity = false
					return res, syntaxErr(0, ErrParity, "in %q", ASCII(res.msg))
				}
				return res, nil
			}
			if len(c.pending) > c.opt.maxMessage() {
				return res, syntaxErr(len(c.pending), ErrTooLong, "more than %d bytes", c.opt.maxMessage())
			}
			break
		}
		// Wait for the first byte until firstDeadline; once the answer has
		// begun, at most the inter-character time. Our echo does not count
		// as the answer.
		deadline := firstDeadline
		switch {
		case c.echoUndecided():
			if d := c.lastRx.Add(c.opt.interChar()); d.After(deadline) {
				deadline = d
			}
		case len(c.pending) > 0 || res.skipped > 0:
			deadline = c.lastRx.Add(c.opt.interChar())
		}
		err := c.fill(ctx, deadline)
		if err == nil {
			continue
		}
		if !errors.Is(err, errNoBytes) {
			return res, err
		}
		if c.echoUndecided() {
			// A cut-off echo: drop it and report silence.
			c.pending, c.echo = nil, nil
		}
		if len(c.pending) > 0 && c.pending[0] == ACK {
			res.msg = []byte{ACK}
			c.pending = c.pending[1:]
			return res, nil
		}
		if len(c.pending) > 0 || res.skipped > 0 {
			got := len(c.pending) + res.skipped
			c.pending = nil
			return res, syntaxErr(got, ErrTruncated, "%d bytes without a complete message, then silence", got)
		}
		return res, err
	}
}

// discard reads and drops everything until the line has been quiet for
// quiet, or until deadline.
func (c *conn) discard(ctx context.Context, quiet time.Duration, deadline time.Time) error {
	for {
		c.pending = nil
		d := time.Now().Add(quiet)
		if d.After(deadline) {
			d = deadline
		}
		err := c.fill(ctx, d)
		if errors.Is(err, errNoBytes) {
			c.pending = nil
			return nil
		}
		if err != nil {
			return err
		}
		if !time.Now().Before(deadline) {
			c.pending = nil
			return nil
		}
	}
}
