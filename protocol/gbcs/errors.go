package gbcs

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test them with errors.Is; the decoders wrap them
// in a *DecodeError that says where in the message the problem was found.
var (
	// ErrShort reports a message that ends before a field it announces.
	ErrShort = errors.New("gbcs: message too short")
	// ErrTrailing reports bytes left over after a complete structure.
	ErrTrailing = errors.New("gbcs: trailing bytes")
	// ErrTag reports an unexpected tag or fixed byte.
	ErrTag = errors.New("gbcs: unexpected tag")
	// ErrLength reports a length field that is malformed, inconsistent or
	// larger than the caps this package enforces before allocating.
	ErrLength = errors.New("gbcs: bad length")
	// ErrMAC reports a General-Ciphering MAC that does not verify.
	ErrMAC = errors.New("gbcs: MAC mismatch")
	// ErrSignature reports an ECDSA signature that does not verify.
	ErrSignature = errors.New("gbcs: signature invalid")
	// ErrNoSignature reports a message that carries no signature to verify.
	ErrNoSignature = errors.New("gbcs: message not signed")
	// ErrBlocks reports an inconsistent General Block Transfer stream.
	ErrBlocks = errors.New("gbcs: inconsistent block transfer")
	// ErrInstallCode reports an install code of a length ZigBee does not allow.
	ErrInstallCode = errors.New("gbcs: bad install code length")
	// ErrHex reports text that is not a hexadecimal GBCS message.
	ErrHex = errors.New("gbcs: bad hex text")
)

// DecodeError is the structured error of this package: the operation, the
// byte offset (from the start of the buffer handed to that operation) and
// the underlying cause.
type DecodeError struct {
	Op     string // what was being decoded, e.g. "grouping header"
	Offset int    // byte offset where decoding stopped
	Err    error  // cause, often one of the sentinels above
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("decode %s at offset %d: %v", e.Op, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

func decodeErr(op string, off int, err error) error {
	return &DecodeError{Op: op, Offset: off, Err: err}
}
