package probe

import (
	"context"
	"errors"
	"fmt"
)

// Kind says what went wrong when nothing could be detected, in the terms a
// field engineer acts on. The values are stored with diagnostic evidence,
// so the list is append-only.
type Kind uint8

const (
	KindOther    Kind = iota // not classified
	KindNoAnswer             // nothing answered, at any speed or in any mode
	KindGarbled              // bytes came back, but never a valid message
	KindStopped              // the meter answered, then stopped answering
	KindEchoOnly             // only our own transmissions came back
	KindRefused              // the meter answered but refused the connection
	KindPort                 // the probe or port failed (unplugged, closed)
	KindCanceled             // the caller cancelled, or the overall deadline passed
)

var kindNames = [...]string{
	KindOther:    "other",
	KindNoAnswer: "no answer",
	KindGarbled:  "garbled answer",
	KindStopped:  "answered then stopped",
	KindEchoOnly: "echo only",
	KindRefused:  "refused",
	KindPort:     "port failed",
	KindCanceled: "canceled",
}

// String returns the kind in a few lowercase words.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// MarshalText returns String, so JSON shows the kind by name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a name MarshalText wrote.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("probe: unknown kind %q", b)
}

// Sentinel errors, wrapped in an *Error.
var (
	ErrNotDetected = errors.New("probe: no meter detected")
	ErrPort        = errors.New("probe: port failed")
)

// Error is the structured error of Detect and SelfTest: the operation,
// what kind of failure it was, how many attempts were made, and the cause
// (the last attempt's error, or the port's failure).
type Error struct {
	Op       string // "detect", "self-test"
	Kind     Kind
	Attempts int
	Err      error
}

func (e *Error) Error() string {
	switch e.Attempts {
	case 0:
	case 1:
		return fmt.Sprintf("probe: %s: %s after 1 attempt: %v", e.Op, e.Kind, e.Err)
	default:
		return fmt.Sprintf("probe: %s: %s after %d attempts: %v", e.Op, e.Kind, e.Attempts, e.Err)
	}
	return fmt.Sprintf("probe: %s: %s: %v", e.Op, e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain; a cancelled
// context gives KindCanceled, anything else KindOther.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return KindCanceled
	}
	return KindOther
}

// Advice returns what the UI and the CLI tell a field engineer about err:
// a short title and the action to take (STYLE.md §14: kept apart from
// Error, which is for engineers reading logs). A port failure carrying its
// own hint (serial and usb errors have a Hint method) passes it on. A nil
// err gives empty strings.
func Advice(err error) (title, action string) {
	if err == nil {
		return "", ""
	}
	switch KindOf(err) {
	case KindNoAnswer:
		return "Nothing answered at 300 Bd",
			"Clean the optical head and seat the probe on the port, squarely and with the cable hanging down. Check that the meter's display is on."
	case KindGarbled:
		return "The meter's answer was garbled",
			"Shade the optical head from sunlight, clean the head and the meter's window, and seat the probe on the port again."
	case KindStopped:
		return "The meter answered, then stopped",
			"Meter optical port may be disabled; try the service menu. If it is enabled, keep the probe still and try again."
	case KindEchoOnly:
		return "The probe only hears itself",
			"Probe cable reversed, or the probe is not on the meter: turn the head so the cable hangs as marked and seat it on the optical port."
	case KindRefused:
		return "The meter refused the connection",
			"Meter optical port may be disabled; try the service menu, or check the access settings for this meter model."
	case KindPort:
		var h interface{ Hint() string }
		if errors.As(err, &h) && h.Hint() != "" {
			return "The probe stopped working", h.Hint()
		}
		return "The probe stopped working",
			"Plug the probe back in (or try another USB socket), then start again."
	case KindCanceled:
		return "Stopped before a meter was found", "Start again when ready; allow a minute for a full search."
	}
	return "Something went wrong", "Try again; if it keeps failing, export the log for support."
}
