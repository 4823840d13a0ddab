package iec62056

import (
	"context"
	"errors"
	"fmt"
	"time"
)

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
// ACK line some meters send back (taking its Z when the meter lowered the
// speed), then switches the port to 8N1 at the agreed speed when the
// confirmation is complete or ModeEDelay has passed, and returns it. A
// data message instead of the confirmation means the meter did not enter
// mode E: *Error of KindProtocol wrapping ErrNotModeE. Whether the meter
// really switched shows only when HDLC gets its first answer; a meter
// that stays at 300 Bd then looks like silence to HDLC, so a caller that
// gets no UA may sign on again with MaxBaud 300.
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
