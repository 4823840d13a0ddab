package hdlc

import (
	"errors"
	"fmt"
)

// Frame-level errors, wrapped in a *FrameError by the decoders.
var (
	ErrShortFrame  = errors.New("hdlc: frame too short")
	ErrBadFlag     = errors.New("hdlc: missing flag")
	ErrBadFormat   = errors.New("hdlc: not a frame format type 3")
	ErrBadLength   = errors.New("hdlc: length field does not match frame")
	ErrBadAddress  = errors.New("hdlc: bad address")
	ErrBadControl  = errors.New("hdlc: unknown control field")
	ErrBadHCS      = errors.New("hdlc: bad header check sequence")
	ErrBadFCS      = errors.New("hdlc: bad frame check sequence")
	ErrTooLong     = errors.New("hdlc: information field too long")
	ErrBadParams   = errors.New("hdlc: bad negotiation parameters")
	ErrAPDUTooLong = errors.New("hdlc: apdu longer than the configured maximum")
	ErrBadConfig   = errors.New("hdlc: bad link configuration")
)

// Link-level errors.
var (
	// ErrTimeout is matched (errors.Is) by every *TimeoutError.
	ErrTimeout = errors.New("hdlc: response timeout")
	// ErrDisconnectedMode reports a DM frame: the peer is not connected
	// (IEC 62056-46) and refuses the request.
	ErrDisconnectedMode = errors.New("hdlc: peer in disconnected mode")
	// ErrFrameRejected reports an FRMR frame from the peer.
	ErrFrameRejected = errors.New("hdlc: frame rejected by peer")
	// ErrClosed is returned by operations on a closed or disconnected link.
	ErrClosed = errors.New("hdlc: link closed")
	// ErrReset reports that the peer re-established the link (SNRM) while
	// an exchange was under way.
	ErrReset = errors.New("hdlc: link reset by peer")
)

// FrameError reports a frame that cannot be decoded: the operation, the byte
// offset of the fault within the frame (the opening flag is offset 0) and
// the cause.
type FrameError struct {
	Op     string
	Offset int
	Err    error
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("hdlc: %s at offset %d: %v", e.Op, e.Offset, e.Err)
}

func (e *FrameError) Unwrap() error { return e.Err }

// TimeoutError reports that the peer did not answer within the response
// timeout after the configured number of retries, or that a read deadline
// passed. It matches ErrTimeout with errors.Is and has Timeout() == true,
// like net.Error.
type TimeoutError struct {
	Op      string // "dial", "send", "receive", "close", "accept"
	Retries int    // retransmissions or polls sent before giving up
	Err     error  // the transport's deadline error, if any
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("hdlc: %s: no response after %d retries", e.Op, e.Retries)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Timeout reports true.
func (e *TimeoutError) Timeout() bool { return true }

// LinkError reports a link operation that ended in an error other than a
// timeout: DM, FRMR, a closed transport or a cancelled context.
type LinkError struct {
	Op  string
	Err error
}

func (e *LinkError) Error() string { return "hdlc: " + e.Op + ": " + e.Err.Error() }

func (e *LinkError) Unwrap() error { return e.Err }
