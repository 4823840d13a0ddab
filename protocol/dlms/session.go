package dlms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/smetskit/smetskit/protocol/hdlc"
)

// cipherOverhead is what a glo-/ded- wrapper adds to an APDU at most:
// tag, length (up to 3 bytes), SC, IC and the 12-byte tag.
const cipherOverhead = 1 + 3 + 5 + tagLength

// maxAssembled caps the APDU rebuilt from general-block-transfer blocks
// and the Data rebuilt from service-specific blocks, unless configured.
const maxAssembled = 16 << 20

// channel carries APDUs over a Transport and applies suite 0/1 ciphering
// to the xDLMS service APDUs of a ciphered association. It keeps the
// invocation counters: ours only moves forward; the peer's must strictly
// increase.
type channel struct {
	t         Transport
	ciphered  bool
	dedicated bool // use the dedicated key for service APDUs
	keys      Keys
	ownTitle  []byte
	peerTitle []byte
	sc        byte
	sendIC    uint32
	recvIC    uint32
	recvSeen  bool
	maxBuild  int
	maxSend   int // the peer's max receive PDU; 0 = no limit
	logf      func(string, ...any)
}

func (ch *channel) log(format string, args ...any) {
	if ch.logf != nil {
		ch.logf(format, args...)
	}
}

// nextIC returns the invocation counter for the next protected APDU.
func (ch *channel) nextIC() (uint32, error) {
	if ch.sendIC == math.MaxUint32 {
		return 0, fmt.Errorf("%w: exhausted, change the keys", ErrInvocationCounter)
	}
	ic := ch.sendIC
	ch.sendIC++
	return ic, nil
}

// protectable reports whether APDUs with this tag are ciphered in a
// ciphered association (the xDLMS services; ACSE and Initiate are handled
// by the association code).
func protectable(tag byte) bool {
	return tag >= 0xC0 && tag <= 0xC7 || tag == TagExceptionResponse
}

// encode encodes a and, in a ciphered association, protects it.
func (ch *channel) encode(a APDU) ([]byte, error) {
	b, err := Encode(a)
	if err != nil {
		return nil, err
	}
	if !ch.ciphered || len(b) == 0 || !protectable(b[0]) || b[0] == TagExceptionResponse {
		return b, nil
	}
	ic, err := ch.nextIC()
	if err != nil {
		return nil, err
	}
	c, err := Protect(b, ch.sc, ch.keys, ch.ownTitle, ic, ch.dedicated)
	if err != nil {
		return nil, err
	}
	return Encode(c)
}

func (ch *channel) send(ctx context.Context, a APDU) error {
	b, err := ch.encode(a)
	if err != nil {
		return fmt.Errorf("encode %s: %w", Name(a), err)
	}
	if ch.maxSend > 0 && len(b) > ch.maxSend {
		return fmt.Errorf("%w: %s of %d bytes, peer accepts %d", ErrTooLarge, Name(a), len(b), ch.maxSend)
	}
	if err := ch.t.Send(ctx, b); err != nil {
		return fmt.Errorf("send %s: %w", Name(a), transportErr(err))
	}
	return nil
}

// transportErr marks a closed transport, or an HDLC link the meter reset
// or no longer knows (DM, SNRM from the peer), as a dropped association.
func transportErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, hdlc.ErrDisconnectedMode) || errors.Is(err, hdlc.ErrReset) || errors.Is(err, hdlc.ErrClosed) {
		return fmt.Errorf("%w: %w", ErrPeerRestarted, err)
	}
	return err
}

// receive returns the next APDU, deciphered, with general-block-transfer
// blocks reassembled. Trailing bytes after a complete APDU are logged and
// dropped (PROTOCOLS.md §11.5).
func (ch *channel) receive(ctx context.Context) (APDU, error) {
	b, err := ch.t.Receive(ctx)
	if err != nil {
		return nil, fmt.Errorf("receive apdu: %w", transportErr(err))
	}
	if len(b) > 0 && b[0] == TagGeneralBlockTransfer {
		if b, err = ch.reassemble(ctx, b); err != nil {
			return nil, err
		}
	}
	return ch.open(b)
}

// open decodes one received APDU and removes its protection.
func (ch *channel) open(b []byte) (APDU, error) {
	a, err := Decode(b)
	if errors.Is(err, ErrTrailingBytes) {
		ch.log("dlms: %v (ignored)", err)
		err = nil
	}
	if err != nil {
		return nil, err
	}
	c, ok := a.(*CipheredAPDU)
	if !ok {
		if ch.ciphered && len(b) > 0 && protectable(b[0]) && b[0] != TagExceptionResponse {
			return nil, fmt.Errorf("%w: unprotected %s in a ciphered association", ErrDecipher, Name(a))
		}
		return a, nil
	}
	if ch.recvSeen && c.InvocationCounter <= ch.recvIC {
		return nil, fmt.Errorf("%w: received %d after %d", ErrInvocationCounter, c.InvocationCounter, ch.recvIC)
	}
	plain, err := c.Unprotect(ch.keys, ch.peerTitle)
	if err != nil {
		return nil, fmt.Errorf("unprotect %s: %w", Name(c), err)
	}
	ch.recvIC, ch.recvSeen = c.InvocationCounter, true
	if isDedicatedTag(c.Tag) {
		ch.dedicated = true
	}
	inner, err := Decode(plain)
	if errors.Is(err, ErrTrailingBytes) {
		ch.log("dlms: %v (ignored)", err)
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("decode deciphered %s: %w", Name(c), err)
	}
	if _, nested := inner.(*CipheredAPDU); nested {
		return nil, fmt.Errorf("%w: nested ciphering", ErrMalformed)
	}
	return inner, nil
}

// reassemble collects general-block-transfer blocks until the last one,
// acknowledging each block when the sender is not streaming
// (IEC 62056-5-3 §9.4.6.6).
func (ch *channel) reassemble(ctx context.Context, first []byte) ([]byte, error) {
	var out []byte
	next := uint16(0)
	b := first
	var ownBlock uint16 = 1
	for {
		a, err := Decode(b)
		if err != nil && !errors.Is(err, ErrTrailingBytes) {
			return nil, err
		}
		g, ok := a.(*GeneralBlockTransfer)
		if !ok {
			return nil, fmt.Errorf("%w: %s inside a general block transfer", ErrUnexpectedAPDU, Name(a))
		}
		if next != 0 && g.Block != next {
			return nil, fmt.Errorf("%w: general block %d, want %d", ErrBlockSequence, g.Block, next)
		}
		next = g.Block + 1
		if len(out)+len(g.Data) > ch.maxBuild {
			return nil, fmt.Errorf("%w: general block transfer over %d bytes", ErrTooLarge, ch.maxBuild)
		}
		out = append(out, g.Data...)
		if g.Last {
			return out, nil
		}
		if !g.Streaming {
			ack := &GeneralBlockTransfer{Window: 1, Block: ownBlock, BlockAck: g.Block}
			ownBlock++
			if err := ch.send(ctx, ack); err != nil {
				return nil, err
			}
		}
		if b, err = ch.t.Receive(ctx); err != nil {
			return nil, fmt.Errorf("receive general block: %w", transportErr(err))
		}
	}
}
