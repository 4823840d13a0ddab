package hdlc

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

// Conn is the byte transport a link runs over: a serial port, a USB probe,
// a net.Conn or a sim.Line end. When it also has SetReadDeadline (and
// SetWriteDeadline) the link uses them; otherwise it reads in a goroutine
// that lives until the transport's Read fails, so close such a transport to
// release it. Over net.Pipe, whose writes wait for the reader, give the
// client a ResponseTimeout longer than the server takes to answer: a poll
// sent while the server writes would leave both sides waiting to write
// until ctx ends.
type Conn interface {
	io.Reader
	io.Writer
}

type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

type writeDeadliner interface {
	SetWriteDeadline(time.Time) error
}

// errSilence is the port's own timeout: nothing arrived within the silence
// allowed. The link turns it into a retry or a *TimeoutError.
var errSilence = errors.New("hdlc: silence timeout")

// port adapts a Conn to the Framer: each Read honours the context and the
// silence timeout of the current wait.
type port struct {
	c  Conn
	rd readDeadliner
	wd writeDeadliner

	ctx     context.Context
	silence time.Duration // longest quiet time per Read; 0 = none

	// For transports without read deadlines.
	pumpOnce sync.Once
	chunks   chan readChunk
	left     []byte
	leftErr  error
}

type readChunk struct {
	b   []byte
	err error
}

func newPort(c Conn) *port {
	p := &port{c: c, ctx: context.Background()}
	p.rd, _ = c.(readDeadliner)
	p.wd, _ = c.(writeDeadliner)
	return p
}

// isTimeout reports whether err is a transport deadline error.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Read reads from the transport. It returns errSilence when nothing arrives
// within p.silence, and the context's error once it is done.
func (p *port) Read(b []byte) (int, error) {
	if err := p.ctx.Err(); err != nil {
		return 0, err
	}
	var dl time.Time
	if p.silence > 0 {
		dl = time.Now().Add(p.silence)
	}
	if cd, ok := p.ctx.Deadline(); ok && (dl.IsZero() || cd.Before(dl)) {
		dl = cd
	}
	if p.rd == nil {
		return p.readPumped(b, dl)
	}
	if err := p.rd.SetReadDeadline(dl); err != nil {
		return 0, err
	}
	// Cancelling ctx cuts the read short. Wait for that to finish, so it
	// cannot cut a later read short instead.
	cut := make(chan struct{})
	stop := context.AfterFunc(p.ctx, func() {
		_ = p.rd.SetReadDeadline(time.Now())
		close(cut)
	})
	n, err := p.c.Read(b)
	if !stop() {
		<-cut
	}
	if err != nil && isTimeout(err) {
		return n, p.expired()
	}
	return n, err
}

// expired returns the error for a passed deadline: the context's when it is
// done or its deadline has passed (its timer may not have fired yet),
// errSilence otherwise.
func (p *port) expired() error {
	if cerr := p.ctx.Err(); cerr != nil {
		return cerr
	}
	if cd, ok := p.ctx.Deadline(); ok && !time.Now().Before(cd) {
		return context.DeadlineExceeded
	}
	return errSilence
}

// readPumped serves reads from a goroutine that reads the transport.
func (p *port) readPumped(b []byte, dl time.Time) (int, error) {
	p.pumpOnce.Do(func() {
		p.chunks = make(chan readChunk, 1)
		go func() {
			for {
				buf := make([]byte, 512)
				n, err := p.c.Read(buf)
				p.chunks <- readChunk{buf[:n], err}
				if err != nil {
					return
				}
			}
		}()
	})
	if len(p.left) == 0 && p.leftErr != nil {
		return 0, p.leftErr // sticky: the pump has stopped
	}
	if len(p.left) == 0 {
		var expire <-chan time.Time
		if !dl.IsZero() {
			t := time.NewTimer(time.Until(dl))
			defer t.Stop()
			expire = t.C
		}
		select {
		case c := <-p.chunks:
			p.left, p.leftErr = c.b, c.err
		case <-p.ctx.Done():
			return 0, p.ctx.Err()
		case <-expire:
			return 0, p.expired()
		}
	}
	n := copy(b, p.left)
	p.left = p.left[n:]
	if n == 0 && p.leftErr != nil {
		return 0, p.leftErr
	}
	return n, nil
}

// write sends b, bounded by the context's deadline when the transport
// supports write deadlines.
func (p *port) write(ctx context.Context, b []byte) error {
	if p.wd != nil {
		dl, _ := ctx.Deadline()
		_ = p.wd.SetWriteDeadline(dl)
	}
	_, err := p.c.Write(b)
	return err
}
