package hdlc

import (
	"bytes"
	"context"
	"errors"
)

// pending is an I-frame sent and not yet acknowledged.
type pending struct {
	ns   uint8
	seg  bool
	info []byte
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

// Send transmits one APDU: it prefixes the LLC header (E6 E6 00 from the
// client, E6 E7 00 from the server; IEC 62056-46), splits it into
// I-frames of at most the negotiated MaxInfoTx with the S bit on all but
// the last, and sends them a window at a time with P/F on the last frame
// of each window. Between windows it waits for the peer's RR: the client
// retransmits (window of one) or polls after each silence; the server
// waits to be polled (IEC 62056-46; PROTOCOLS.md §2.6, §9.3). Send returns
// once the last window is sent; the peer's next frame acknowledges it, and
// the client's Receive polls for that answer if it does not come.
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

// Receive returns the next whole APDU with the LLC header stripped (an APDU
// without one is returned as is). It acknowledges each window of a
// segmented APDU with RR, which also polls for the next window. The client
// waits at most ResponseTimeout of silence per frame (InterFrameTimeout
// inside a window), then polls with RR (the server answers by resending
// what is unacknowledged, or with its N(R) so the client resends its
// request), up to Retries times, then fails with a *TimeoutError. The
// server waits for as long as ctx (and InactivityTimeout) allows; it
// answers a repeated request by resending its last response, a DISC with
// UA (Receive then fails with ErrClosed) and a new SNRM with UA. On a server
// link closed by DISC (or Close), Receive first waits for the next SNRM as
// Accept does, so a simulated meter can loop on Receive across sessions.
func (l *Link) Receive(ctx context.Context) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	const op = "receive"
	if l.server && l.closed {
		if err := l.awaitSNRM(ctx, op); err != nil {
			return nil, err
		}
	}
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
					if l.closed { // the new SNRM was refused
						if err := l.awaitSNRM(ctx, op); err != nil {
							return nil, err
						}
					}
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
