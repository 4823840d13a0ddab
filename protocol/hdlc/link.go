package hdlc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Direction tells a trace hook which way a frame went.
type Direction int

// Directions for Config.Trace.
const (
	Tx Direction = iota // sent by this side
	Rx                  // received (good frames only, echoes included)
)

func (d Direction) String() string {
	if d == Tx {
		return "tx"
	}
	return "rx"
}

// Config configures a link. Zero values select the defaults noted.
type Config struct {
	// ClientSAP is the client's address (16 = public client). Accept takes
	// any client when it is 0.
	ClientSAP int
	// ServerLogical, ServerPhysical and ServerAddressSize (1, 2 or 4 bytes)
	// form the server address. Size 0 means 1 when ServerPhysical is 0 and
	// 2 otherwise.
	ServerLogical     int
	ServerPhysical    int
	ServerAddressSize int
	// Params is this side's proposal in its own view (Tx = what it sends).
	// Zero fields mean 128/128/1/1. The link uses, per direction, the
	// smaller of what one side sends and the other accepts.
	Params Params
	// ResponseTimeout is the longest silence the client waits for an
	// answer before it retransmits or polls, and the server for a poll
	// while a segmented response is pending. Default 2 s.
	ResponseTimeout time.Duration
	// Retries bounds the retransmissions or polls after a silence; after
	// Retries+1 silences in a row the operation fails with a *TimeoutError.
	// 0 means 3; a negative value means none.
	Retries int
	// InterFrameTimeout is the longest silence between the frames of one
	// window (after a frame with P/F = 0) before the receiver polls. Default
	// ResponseTimeout.
	InterFrameTimeout time.Duration
	// InactivityTimeout, for the server, is the longest silence Receive
	// accepts on an established link before it closes the link and fails
	// with a *TimeoutError (meters use 120 s, HDLC setup attribute 8).
	// 0 means no limit beyond ctx.
	InactivityTimeout time.Duration
	// MaxAPDU caps a reassembled APDU. Default 1 MiB.
	MaxAPDU int
	// Trace, when set, sees every frame sent and every good frame received.
	Trace func(dir Direction, frame []byte)
}

func (c Config) withDefaults() Config {
	if c.ServerAddressSize == 0 {
		c.ServerAddressSize = 1
		if c.ServerPhysical != 0 {
			c.ServerAddressSize = 2
		}
	}
	c.Params = c.Params.withDefaults().clamp()
	if c.ResponseTimeout <= 0 {
		c.ResponseTimeout = 2 * time.Second
	}
	switch {
	case c.Retries == 0:
		c.Retries = 3
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.InterFrameTimeout <= 0 {
		c.InterFrameTimeout = c.ResponseTimeout
	}
	if c.MaxAPDU <= 0 {
		c.MaxAPDU = 1 << 20
	}
	return c
}

// pending is an I-frame sent and not yet acknowledged.
type pending struct {
	ns   uint8
	seg  bool
	info []byte
}

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
	const op = "accept"
	for {
		f, err := l.readFrame(ctx, op, 0)
		if err != nil {
			return nil, err
		}
		if f.Control.Kind() == KindSNRM {
			if err := l.answerSNRM(ctx, op, f); err != nil {
				return nil, err
			}
			if l.neg != (Params{}) {
				return l, nil
			}
			continue
		}
		if f.Control.PF() && f.Control.Kind() != KindUI {
			l.local, l.remote = f.Dst, f.Src
			if err := l.writeFrame(ctx, op, DM, false, nil); err != nil {
				return nil, err
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
		l.neg = Params{}
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
		return f.Dst == l.local && f.Src == l.remote
	}
	if f.Dst.Upper != uint16(l.cfg.ServerLogical) || (f.Dst.Size > 1 && f.Dst.Lower != uint16(l.cfg.ServerPhysical)) {
		return false
	}
	if f.Src.Size != 1 || (l.cfg.ClientSAP != 0 && f.Src.Upper != uint16(l.cfg.ClientSAP)) {
		return false
	}
	// Once connected, only the connected client, or a new SNRM.
	return l.neg == (Params{}) || l.remote == (Address{}) || f.Src == l.remote || f.Control.Kind() == KindSNRM
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
	if err := l.port.write(ctx, l.wbuf); err != nil {
		return &LinkError{Op: op, Err: fmt.Errorf("write: %w", err)}
	}
	return nil
}

// sendRR sends RR N(R) = V(R) with P/F set.
func (l *Link) sendRR(ctx context.Context, op string) error {
	return l.writeFrame(ctx, op, RRControl(l.vr, true), false, nil)
}

// resend transmits the pending I-frames again with the current N(R), P/F
// on the last one (go-back-N).
func (l *Link) resend(ctx context.Context, op string) error {
	for i, p := range l.pend {
		if err := l.writeFrame(ctx, op, IControl(p.ns, l.vr, i == len(l.pend)-1), p.seg, p.info); err != nil {
			return err
		}
	}
	return nil
}

// ack drops the pending frames that N(R) = nr acknowledges and reports
// whether it dropped any. An N(R) outside the window is ignored.
func (l *Link) ack(nr uint8) bool {
	if len(l.pend) == 0 {
		return false
	}
	k := int((nr - l.pend[0].ns) & 7)
	if k == 0 || k > len(l.pend) {
		return false
	}
	l.pend = l.pend[k:]
	return true
}

func (l *Link) checkOpen(op string) error {
	if l.closed || l.neg == (Params{}) {
		return &LinkError{Op: op, Err: ErrClosed}
	}
	return nil
}

// Send transmits one APDU: it prefixes the LLC header (E6 E6 00 from the
// client, E6 E7 00 from the server; IEC 62056-46), splits it into
// I-frames of at most the negotiated MaxInfoTx with the S bit on all but
// the last, and sends them a window at a time with P/F on the last frame
// of each window. Between windows it waits for the peer's RR: the client
// retransmits (window of one) or polls after each silence; the server
// waits to be polled (IEC 62056-46; PROTOCOLS.md §2.6, §9.3). Send returns once the
// last window is sent; the peer's next frame acknowledges it, and Receive
// retransmits it if that never comes.
func (l *Link) Send(ctx context.Context, apdu []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	const op = "send"
	if err := l.checkOpen(op); err != nil {
		return err
	}
	llc := LLCClient
	if l.server {
		llc = LLCServer
	}
	info := make([]byte, 0, len(llc)+len(apdu))
	info = append(append(info, llc...), apdu...)
	n := (len(info) + l.neg.MaxInfoTx - 1) / l.neg.MaxInfoTx
	l.pend = l.pend[:0]
	for i := 0; i < n; {
		for w := 0; w < l.neg.WindowTx && i < n; w++ {
			seg := info[i*l.neg.MaxInfoTx : min(len(info), (i+1)*l.neg.MaxInfoTx)]
			l.pend = append(l.pend, pending{ns: l.vs, seg: i < n-1, info: seg})
			l.vs = (l.vs + 1) & 7
			i++
		}
		if err := l.resend(ctx, op); err != nil {
			return err
		}
		if i == n {
			return nil
		}
		if err := l.awaitAck(ctx, op); err != nil {
			return err
		}
	}
	return nil
}

// awaitAck waits until the peer acknowledges every pending frame.
func (l *Link) awaitAck(ctx context.Context, op string) error {
	for retries := 0; len(l.pend) > 0; {
		f, err := l.readFrame(ctx, op, l.cfg.ResponseTimeout)
		if err == errSilence {
			if retries++; retries > l.cfg.Retries {
				return &TimeoutError{Op: op, Retries: retries - 1}
			}
			if !l.server {
				if err := l.recoverClient(ctx, op); err != nil {
					return err
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		c := f.Control
		switch c.Kind() {
		case KindRR, KindRNR, KindI:
			if l.ack(c.NR()) {
				retries = 0
			}
			if len(l.pend) > 0 && c.PF() && c.Kind() != KindRNR {
				if err := l.resend(ctx, op); err != nil {
					return err
				}
			}
		default:
			if err := l.unnumbered(ctx, op, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// recoverClient is the client's move after a silence: retransmit a single
// pending frame, otherwise poll with RR so the server states its N(R).
func (l *Link) recoverClient(ctx context.Context, op string) error {
	if len(l.pend) == 1 {
		return l.resend(ctx, op)
	}
	return l.sendRR(ctx, op)
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

// Receive returns the next whole APDU with the LLC header stripped (an APDU
// without one is returned as is). It acknowledges each window of a
// segmented APDU with RR, which also polls for the next window. The client
// waits at most ResponseTimeout of silence per frame (InterFrameTimeout
// inside a window), then polls with RR (the server answers by resending
// what is unacknowledged, or with its N(R) so the client resends its
// request), up to Retries times, then fails with a *TimeoutError. The server
// waits for as long as ctx (and InactivityTimeout) allows; it answers a repeated request by
// resending its last response, a DISC with UA (Receive then fails with
// ErrClosed) and a new SNRM with UA.
func (l *Link) Receive(ctx context.Context) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	const op = "receive"
	if err := l.checkOpen(op); err != nil {
		return nil, err
	}
	l.rx = l.rx[:0]
	silence := l.cfg.ResponseTimeout
	for retries := 0; ; {
		wait := silence
		if l.server {
			wait = l.cfg.InactivityTimeout
		}
		f, err := l.readFrame(ctx, op, wait)
		silence = l.cfg.ResponseTimeout
		if err == errSilence && l.server {
			l.closed = true
			return nil, &TimeoutError{Op: op}
		}
		if err == errSilence {
			// Poll rather than resend the request: the short RR survives a
			// noisy line more often, and the answer is the lost response
			// itself, or the server's N(R) when the request was lost.
			if retries++; retries > l.cfg.Retries {
				return nil, &TimeoutError{Op: op, Retries: retries - 1}
			}
			if err := l.sendRR(ctx, op); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		c := f.Control
		switch c.Kind() {
		case KindI:
			if l.ack(c.NR()) {
				retries = 0
			}
			if c.NS() != l.vr {
				// A repeat or a frame after a lost one.
				if c.PF() {
					if err := l.answerPoll(ctx, op); err != nil {
						return nil, err
					}
				}
				continue
			}
			if len(l.rx)+len(f.Info) > l.cfg.MaxAPDU {
				return nil, &LinkError{Op: op, Err: ErrAPDUTooLong}
			}
			l.vr = (l.vr + 1) & 7
			l.rx = append(l.rx, f.Info...)
			retries = 0
			if !f.Segmented {
				l.pend = l.pend[:0]
				return l.apdu(), nil
			}
			if c.PF() {
				if err := l.sendRR(ctx, op); err != nil {
					return nil, err
				}
			} else {
				silence = l.cfg.InterFrameTimeout
			}
		case KindRR, KindRNR:
			if l.ack(c.NR()) {
				retries = 0
			}
			if l.server && c.PF() {
				if err := l.answerPoll(ctx, op); err != nil {
					return nil, err
				}
			} else if !l.server && len(l.pend) > 0 && c.Kind() == KindRR {
				if err := l.resend(ctx, op); err != nil {
					return nil, err
				}
			}
		default:
			if err := l.unnumbered(ctx, op, f); err != nil {
				if errors.Is(err, ErrReset) {
					l.rx = l.rx[:0]
					continue
				}
				return nil, err
			}
		}
	}
}

// answerPoll answers a frame with P set that brought nothing new: resend
// what is unacknowledged, or state V(R) with RR.
func (l *Link) answerPoll(ctx context.Context, op string) error {
	if len(l.pend) > 0 {
		return l.resend(ctx, op)
	}
	return l.sendRR(ctx, op)
}

// apdu returns a copy of the reassembled APDU without its LLC header.
func (l *Link) apdu() []byte {
	b := l.rx
	if len(b) >= 3 && (bytes.HasPrefix(b, LLCClient) || bytes.HasPrefix(b, LLCServer)) {
		b = b[3:]
	}
	return bytes.Clone(b)
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
