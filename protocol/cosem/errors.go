package cosem

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrShape means a value has another type or element count than the
	// attribute it is supposed to be (PROTOCOLS.md §7).
	ErrShape = errors.New("cosem: value has the wrong shape")
	// ErrNotNumeric means a register value that is not a number.
	ErrNotNumeric = errors.New("cosem: value is not numeric")
)

// ShapeError says which attribute a value did not fit and why.
type ShapeError struct {
	What string // "scaler_unit", "capture_objects[3]", "object_list[12].access_rights"
	Err  error
}

func (e *ShapeError) Error() string { return fmt.Sprintf("cosem: decode %s: %v", e.What, e.Err) }

// Unwrap returns the cause.
func (e *ShapeError) Unwrap() error { return e.Err }

func shapeErr(what string, format string, args ...any) error {
	return &ShapeError{What: what, Err: fmt.Errorf("%w: "+format, append([]any{ErrShape}, args...)...)}
}
