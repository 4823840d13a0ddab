package iec62056

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is; the session wraps them in
// an *Error that carries the operation and a Kind.
var (
	ErrBCC        = errors.New("iec62056: bad block check character")
	ErrParity     = errors.New("iec62056: parity error")
	ErrSyntax     = errors.New("iec62056: malformed message")
	ErrTruncated  = errors.New("iec62056: message truncated")
	ErrTooLong    = errors.New("iec62056: message too long")
	ErrNoAnswer   = errors.New("iec62056: no answer")
	ErrOldSpeed   = errors.New("iec62056: meter stayed at the old speed")
	ErrNotModeE   = errors.New("iec62056: meter did not enter mode E")
	ErrNAK        = errors.New("iec62056: meter answered NAK")
	ErrMeterError = errors.New("iec62056: meter answered with an error")
	ErrUnexpected = errors.New("iec62056: unexpected message")
	ErrClosed     = errors.New("iec62056: session closed")
)

// Kind says what the caller should decide after an error: retry, ask the
// field engineer to act, or give up. The values are stored in diagnostic
// evidence, so the list is append-only.
type Kind uint8

// Error kinds.
const (
	KindOther    Kind = iota // not classified
	KindNoAnswer             // nothing answered within the time-out
	KindGarbled              // bytes arrived but did not form a valid message (BCC, parity, syntax)
	KindOldSpeed             // the meter did not follow the baud-rate switch
	KindRefused              // the meter answered NAK or an error message (password, access)
	KindProtocol             // a valid but unexpected message (for example a readout instead of mode E)
	KindPort                 // the port or probe failed (write, line change, closed)
	KindCanceled             // the context was cancelled or its deadline passed
)

var kindNames = [...]string{
	KindOther:    "other",
	KindNoAnswer: "no answer",
	KindGarbled:  "garbled answer",
	KindOldSpeed: "meter stayed at old speed",
	KindRefused:  "refused",
	KindProtocol: "protocol",
	KindPort:     "port",
	KindCanceled: "canceled",
}

// String returns the kind in a few lowercase words.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Error is the structured error of the session driver: the operation that
// failed ("sign on", "read out", "enter mode E", "read 1.8.0"), what kind of
// failure it was, and the cause.
type Error struct {
	Op   string
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "iec62056: " + e.Op + ": " + e.Kind.String()
	}
	return e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain, or KindOther.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// SyntaxError reports where a message failed to decode. Offset counts bytes
// from the start of the message handed to the decoder.
type SyntaxError struct {
	Offset int
	Err    error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("decode at offset %d: %v", e.Offset, e.Err)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

func syntaxErr(off int, err error, format string, args ...any) error {
	if format != "" {
		err = fmt.Errorf("%w: "+format, append([]any{err}, args...)...)
	}
	return &SyntaxError{Offset: off, Err: err}
}
