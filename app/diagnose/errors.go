package diagnose

import "errors"

// Sentinel errors.
var (
	ErrUnknownSection = errors.New("diagnose: unknown section")
	ErrNotOffered     = errors.New("diagnose: device does not offer the object")
	ErrNotPermitted   = errors.New("diagnose: role does not allow the operation")
	ErrNotVerified    = errors.New("diagnose: read-back does not show the change")
	ErrTampered       = errors.New("diagnose: evidence hash chain broken")
	ErrBadBundle      = errors.New("diagnose: malformed evidence bundle")
)

// SectionError reports a section that could not be read.
type SectionError struct {
	Section Section
	Err     error
}

func (e *SectionError) Error() string { return "read " + string(e.Section) + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *SectionError) Unwrap() error { return e.Err }
