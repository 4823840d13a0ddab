package axdr

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package is an *Error that
// wraps one of these, so callers test with errors.Is.
var (
	// ErrTruncated means the input ended inside a value.
	ErrTruncated = errors.New("axdr: truncated input")
	// ErrUnknownType means a tag that is not an A-XDR Data type.
	ErrUnknownType = errors.New("axdr: unknown type tag")
	// ErrUnexpectedType means the streaming reader found another type than asked for.
	ErrUnexpectedType = errors.New("axdr: unexpected type")
	// ErrBadLength means a malformed length or count (§6.2), or one larger
	// than the bytes that are left.
	ErrBadLength = errors.New("axdr: bad length")
	// ErrTooDeep means arrays or structures nested deeper than MaxDepth.
	ErrTooDeep = errors.New("axdr: nesting too deep")
	// ErrInvalid means a Value that cannot be encoded (wrong body size,
	// bad compact-array items) or a field out of range.
	ErrInvalid = errors.New("axdr: invalid value")
	// ErrUnsupported means a valid but unsupported construct (delta types in
	// compact arrays).
	ErrUnsupported = errors.New("axdr: unsupported")
	// ErrNotSpecified means a date-time with "not specified" fields was asked
	// for an instant.
	ErrNotSpecified = errors.New("axdr: date-time field not specified")
)

// Error is the structured error of this package: what was being done, at
// which byte offset of the input (or of the output, when encoding), and why.
type Error struct {
	Offset int    // byte offset where the problem was found
	Op     string // "decode", "skip", "read uint32", "encode", ...
	Err    error  // one of the sentinels, possibly wrapped with detail
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s at offset %d: %v", e.Op, e.Offset, e.Err)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func newError(op string, off int, err error) error {
	return &Error{Offset: off, Op: op, Err: err}
}

// mismatch builds the cause for a type mismatch in the streaming reader.
func mismatch(got Type, want ...Type) error {
	if len(want) == 1 {
		return fmt.Errorf("%w: got %s, want %s", ErrUnexpectedType, got, want[0])
	}
	return fmt.Errorf("%w: got %s, want one of %v", ErrUnexpectedType, got, want)
}
