package hdlc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Link is an HDLC connection in normal response mode (IEC 62056-46;
// PROTOCOLS.md §2.4–2.6):
// the client (primary) polls, the server (secondary) answers only when
// polled. A Link serialises its operations (Close waits for a running Send
// or Receive: cancel its context to stop it); the DLMS client calls Send
// then Receive, the server side Receive then Send.
type Link struct {
	mu     sync.Mutex
	cfg    Config
	server bool
	port   *port
	fr     *Framer

	local, remote Address
	neg           Params
	vs, vr        uint8     // send and receive state variables, modulo 8
	pend          []pending // oldest first, at most one window
	rx            []byte    // APDU being reassembled
	wbuf          []byte
	closed        bool

	negMu sync.Mutex // guards shown, so Negotiated need not wait for l.mu
	shown Params
	stats linkCounters
}

type linkCounters struct {
	sent, received, silences atomic.Int64
}

// Stats counts a link's traffic since Dial or Accept, for diagnostics.
type Stats struct {
	FramesSent     int64       // frames written, retransmissions and polls included
	FramesReceived int64       // good frames addressed to this link
	Silences       int64       // waits that ended with nothing received
	Framer         FramerStats // what the receive side discarded
}

// Stats returns the counters. It may be called while an exchange runs.
func (l *Link) Stats() Stats {
	return Stats{
		FramesSent:     l.stats.sent.Load(),
		FramesReceived: l.stats.received.Load(),
		Silences:       l.stats.silences.Load(),
		Framer:         l.fr.statsSnapshot(),
	}
}

func newLink(c Conn, cfg Config, server bool) *Link {
	p := newPort(c)
	return &Link{cfg: cfg.withDefaults(), server: server, port: p, fr: NewFramer(p)}
}

func (l *Link) serverAddress() Address {
	return ServerAddress(l.cfg.ServerLogical, l.cfg.ServerPhysical, l.cfg.ServerAddressSize)
}

// Negotiated returns the parameters in force, from this side's view:
// MaxInfoTx and WindowTx limit what it sends, MaxInfoRx and WindowRx what
// it receives.
// It does not wait for a running Send or Receive.
func (l *Link) Negotiated() Params {
	l.negMu.Lock()
	defer l.negMu.Unlock()
	return l.shown
}

// Dial connects as the client: it sends SNRM with the proposed parameters
// (no information field when they are all default) and waits for UA
// (IEC 62056-46; PROTOCOLS.md §2.5), retransmitting SNRM after each silence of
// ResponseTimeout up to Retries times. A DM answer fails with a *LinkError
// wrapping ErrDisconnectedMode.
func Dial(ctx context.Context, c Conn, cfg Config) (*Link, error) {
	l := newLink(c, cfg, false)
	l.local, l.remote = ClientAddress(l.cfg.ClientSAP), l.serverAddress()
	if !l.local.Valid() || !l.remote.Valid() {
		return nil, &LinkError{Op: "dial", Err: fmt.Errorf("address client %v server %v: %w", l.local, l.remote, ErrBadConfig)}
	}
	var info []byte
	if l.cfg.Params != DefaultParams() {
		info = AppendParams(nil, l.cfg.Params)
	}
	const op = "dial"
	if err := l.writeFrame(ctx, op, SNRM, false, info); err != nil {
		return nil, err
	}
	for retries := 0; ; {
		f, err := l.readFrame(ctx, op, l.cfg.ResponseTimeout)
		if err == errSilence {
			if retries++; retries > l.cfg.Retries {
				return nil, &TimeoutError{Op: op, Retries: retries - 1}
			}
			if err := l.writeFrame(ctx, op, SNRM, false, info); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		switch f.Control.Kind() {
		case KindUA:
			p, err := ParseParams(f.Info)
			if err != nil {
				return nil, &LinkError{Op: op, Err: err}
			}
			l.setNegotiated(negotiate(l.cfg.Params, p))
			return l, nil
		case KindDM:
			return nil, &LinkError{Op: op, Err: ErrDisconnectedMode}
		case KindFRMR:
			return nil, &LinkError{Op: op, Err: ErrFrameRejected}
		}
	}
}

// Accept serves as the server: it waits, bounded only by ctx, for an SNRM
// addressed to the configured server address (any size the client uses)
// from the configured client (any when ClientSAP is 0), answers UA with its
// negotiated parameters and returns the link. Frames other than SNRM that
// poll it before then are answered DM (IEC 62056-46).
func Accept(ctx context.Context, c Conn, cfg Config) (*Link, error) {
	l := newLink(c, cfg, true)
	l.closed = true
	if err := l.awaitSNRM(ctx, "accept"); err != nil {
		return nil, err
	}
	return l, nil
}

// awaitSNRM waits, as a disconnected server, for an SNRM and answers it
// with UA; any other frame with P set is answered DM.
func (l *Link) awaitSNRM(ctx context.Context, op string) error {
	for {
		f, err := l.readFrame(ctx, op, 0)
		if err != nil {
			return err
		}
		if f.Control.Kind() == KindSNRM {
			if err := l.answerSNRM(ctx, op, f); err != nil {
				return err
			}
			if !l.closed {
				return nil
			}
			continue
		}
		if f.Control.PF() && f.Control.Kind() != KindUI {
			l.local, l.remote = f.Dst, f.Src
			if err := l.writeFrame(ctx, op, DM, false, nil); err != nil {
				return err
			}
		}
	}
}

// answerSNRM resets the link to the client that sent f and answers UA with
// the server's view of the negotiated parameters, or FRMR when they cannot
// be parsed (then l.neg is left zero).
func (l *Link) answerSNRM(ctx context.Context, op string, f Frame) error {
	l.local, l.remote = f.Dst, f.Src
	p, err := ParseParams(f.Info)
	if err != nil {
		l.closed = true
		return l.writeFrame(ctx, op, FRMR, false, nil)
	}
	l.setNegotiated(negotiate(l.cfg.Params, p))
	l.closed = false
	return l.writeFrame(ctx, op, UA, false, AppendParams(nil, l.neg))
}

func (l *Link) setNegotiated(p Params) {
	l.neg = p
	l.negMu.Lock()
	l.shown = p
	l.negMu.Unlock()
	l.vs, l.vr = 0, 0
	l.pend = l.pend[:0]
	l.rx = l.rx[:0]
	// Room for the largest header: format 2, addresses 4+4, control 1,
	// HCS 2, FCS 2.
	l.fr.SetMaxLength(p.MaxInfoRx + 15)
}

// matches reports whether a received frame belongs to this link. Frames to
// other stations and the echo of our own frames are skipped.
func (l *Link) matches(f Frame) bool {
	if !l.server {
		// The server may answer in another address size than we used.
		return f.Dst == l.local && f.Src.Upper == l.remote.Upper && f.Src.Lower == l.remote.Lower
	}
	if f.Dst.Upper != uint16(l.cfg.ServerLogical) || (f.Dst.Size > 1 && f.Dst.Lower != uint16(l.cfg.ServerPhysical)) {
		return false
	}
	if f.Src.Size != 1 || (l.cfg.ClientSAP != 0 && f.Src.Upper != uint16(l.cfg.ClientSAP)) {
		return false
	}
	// Once connected, only the connected client, or a new SNRM.
	return l.closed || f.Src == l.remote || f.Control.Kind() == KindSNRM
}

// readFrame returns the next frame for this link. silence > 0 bounds the
// quiet time (errSilence); ctx bounds everything. The frame's Info aliases
// the framer's buffer.
func (l *Link) readFrame(ctx context.Context, op string, silence time.Duration) (Frame, error) {
	l.port.ctx, l.port.silence = ctx, silence
	defer func() { l.port.ctx = context.Background() }()
	for {
		f, err := l.fr.Next()
		if err != nil {
			switch {
			case err == errSilence:
				l.stats.silences.Add(1)
				return Frame{}, errSilence
			case errors.Is(err, context.DeadlineExceeded):
				return Frame{}, &TimeoutError{Op: op, Err: err}
			case errors.Is(err, context.Canceled):
				return Frame{}, &LinkError{Op: op, Err: err}
			}
			return Frame{}, &LinkError{Op: op, Err: fmt.Errorf("read: %w", err)}
		}
		if l.cfg.Trace != nil {
			l.cfg.Trace(Rx, l.fr.Raw())
		}
		if l.matches(f) {
			l.stats.received.Add(1)
			return f, nil
		}
	}
}

// writeFrame sends one frame from local to remote.
func (l *Link) writeFrame(ctx context.Context, op string, c Control, seg bool, info []byte) error {
	f := Frame{Segmented: seg, Dst: l.remote, Src: l.local, Control: c, Info: info}
	var err error
	l.wbuf, err = f.Append(l.wbuf[:0])
	if err != nil {
		return &LinkError{Op: op, Err: err}
	}
	if l.cfg.Trace != nil {
		l.cfg.Trace(Tx, l.wbuf)
	}
	l.stats.sent.Add(1)
	if err := l.port.write(ctx, l.wbuf); err != nil {
		return &LinkError{Op: op, Err: fmt.Errorf("write: %w", err)}
	}
	return nil
}

func (l *Link) checkOpen(op string) error {
	if l.closed {
		return &LinkError{Op: op, Err: ErrClosed}
	}
	return nil
}

// unnumbered handles SNRM, DISC, DM and FRMR in the middle of an exchange.
func (l *Link) unnumbered(ctx context.Context, op string, f Frame) error {
	switch f.Control.Kind() {
	case KindDM:
		if !l.server {
			l.closed = true
			return &LinkError{Op: op, Err: ErrDisconnectedMode}
		}
	case KindFRMR:
		if !l.server {
			l.closed = true
			return &LinkError{Op: op, Err: ErrFrameRejected}
		}
	case KindDISC:
		if l.server {
			l.closed = true
			// Like the Gurux server (PROTOCOLS.md §11.8), repeat the
			// parameters in the UA.
			if err := l.writeFrame(ctx, op, UA, false, AppendParams(nil, l.neg)); err != nil {
				return err
			}
			return &LinkError{Op: op, Err: ErrClosed}
		}
	case KindSNRM:
		if l.server {
			if err := l.answerSNRM(ctx, op, f); err != nil {
				return err
			}
			return &LinkError{Op: op, Err: ErrReset}
		}
	}
	return nil
}

// Close ends the link. The client sends DISC and waits for UA or DM
// (IEC 62056-46), retransmitting up to Retries times; the
// server, which may not send unpolled, only marks the link closed (it
// answers the client's DISC inside Receive). Closing twice is harmless.
// Close does not close the transport.
func (l *Link) Close(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	const op = "close"
	if l.closed || l.server {
		l.closed = true
		return nil
	}
	l.closed = true
	if err := l.writeFrame(ctx, op, DISC, false, nil); err != nil {
		return err
	}
	for retries := 0; ; {
		f, err := l.readFrame(ctx, op, l.cfg.ResponseTimeout)
		if err == errSilence {
			if retries++; retries > l.cfg.Retries {
				return &TimeoutError{Op: op, Retries: retries - 1}
			}
			if err := l.writeFrame(ctx, op, DISC, false, nil); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if k := f.Control.Kind(); k == KindUA || k == KindDM {
			return nil
		}
	}
}
