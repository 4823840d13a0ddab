package iec62056

import (
	"context"
	"errors"
	"fmt"
	"time"
)

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
// each partial block (EOT) and NAK for a block with a bad BCC (Repeats times)
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
		if err != nil && naks < cl.opt.repeats() {
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
