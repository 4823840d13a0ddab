package usb

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"

	"github.com/google/gousb"
)

// Kind says what the caller must decide after a probe error. The kinds and
// their numbers match package serial's, so the app can treat a USB probe and
// a serial port alike. Kinds are append-only.
type Kind uint8

// Kinds of probe errors.
const (
	KindOther            Kind = iota // not classified
	KindNotFound                     // no matching device plugged in
	KindBusy                         // a kernel driver or another program holds the device
	KindPermissionDenied             // the user may not open the device (udev rule missing)
	KindClosed                       // the port was closed by this program
	KindRemoved                      // the device went away (unplugged, lost power)
	KindTimeout                      // a read passed its deadline
	KindInvalid                      // the chip refused a setting, or the device is not a supported chip
)

var kindNames = [...]string{
	KindOther:            "other",
	KindNotFound:         "not found",
	KindBusy:             "busy",
	KindPermissionDenied: "permission denied",
	KindClosed:           "closed",
	KindRemoved:          "removed",
	KindTimeout:          "timeout",
	KindInvalid:          "invalid",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", k)
}

// Sentinels for the kinds: errors.Is(err, usb.ErrBusy).
var (
	ErrNotFound         = errors.New("usb: device not found")
	ErrBusy             = errors.New("usb: device busy")
	ErrPermissionDenied = errors.New("usb: permission denied")
	ErrClosed           = errors.New("usb: port closed")
	ErrRemoved          = errors.New("usb: device removed")
	ErrInvalid          = errors.New("usb: invalid setting")
)

// Error is a failure of one operation on one probe. Device names it
// ("0403:6001 serial A10K3ZQ1"); VID and PID are kept for the udev rule in
// Hint. A KindTimeout error satisfies errors.Is(err, os.ErrDeadlineExceeded)
// and has Timeout() == true.
type Error struct {
	Op       string
	Device   string
	VID, PID uint16
	Kind     Kind
	Err      error
}

func (e *Error) Error() string {
	s := "usb: " + e.Op
	if e.Device != "" {
		s += " " + e.Device
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches os.ErrDeadlineExceeded for timeouts and the sentinel of the kind.
func (e *Error) Is(target error) bool {
	switch target {
	case os.ErrDeadlineExceeded:
		return e.Kind == KindTimeout
	case ErrNotFound:
		return e.Kind == KindNotFound
	case ErrBusy:
		return e.Kind == KindBusy
	case ErrPermissionDenied:
		return e.Kind == KindPermissionDenied
	case ErrClosed:
		return e.Kind == KindClosed
	case ErrRemoved:
		return e.Kind == KindRemoved
	case ErrInvalid:
		return e.Kind == KindInvalid
	}
	return false
}

// Timeout reports whether the error is a read deadline passing.
func (e *Error) Timeout() bool { return e.Kind == KindTimeout }

// Temporary is false: retry decisions belong to Kind.
func (e *Error) Temporary() bool { return false }

// Hint returns what a field engineer can do about the error, or "".
func (e *Error) Hint() string { return hint(e.Kind, e.VID, e.PID, runtime.GOOS) }

// UdevRule returns the rule that lets members of the plugdev group open the
// device through libusb on Linux, for /etc/udev/rules.d/70-smetskit.rules.
func UdevRule(vid, pid uint16) string {
	return fmt.Sprintf(`SUBSYSTEM=="usb", ATTRS{idVendor}=="%04x", ATTRS{idProduct}=="%04x", MODE="0660", GROUP="plugdev"`, vid, pid)
}

func hint(k Kind, vid, pid uint16, goos string) string {
	switch k {
	case KindNotFound:
		return "Plug the probe in (directly, not through an unpowered hub) and try again."
	case KindBusy:
		if goos == "linux" {
			return "The system's serial driver is using the probe. Use its serial port (/dev/ttyUSB…) instead, or let smetskit detach the driver and try again."
		}
		return "Another program or the system's driver is using the probe. Close the other program, or use the probe's serial (COM) port instead."
	case KindPermissionDenied:
		if goos == "linux" {
			return "Allow access to the probe: add the line " + UdevRule(vid, pid) +
				" to /etc/udev/rules.d/70-smetskit.rules, run sudo udevadm control --reload-rules && sudo udevadm trigger, make sure you are in the plugdev group (sudo usermod -aG plugdev $USER, then log out and in), and re-plug the probe."
		}
		if goos == "windows" {
			return "Windows needs the WinUSB driver for direct access (install it with Zadig), or use the probe's COM port instead."
		}
		return "Your user may not open the probe: ask an administrator for access to USB devices."
	case KindClosed:
		return "The probe was closed; open it again."
	case KindRemoved:
		return "The probe was unplugged or lost power. Re-seat the USB plug, then open it again."
	case KindTimeout:
		return "The meter did not answer in time. Clean the optical head and re-seat the probe on the meter."
	case KindInvalid:
		return "The probe refused these settings (speed or character format). Try another speed, or another probe."
	}
	return ""
}

// KindOf returns the Kind of the first *Error in err's chain, or KindOther.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// Hint returns the hint of the first *Error in err's chain, or "".
func Hint(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint()
	}
	return ""
}

// libusbCode finds "[code -6]" in an error gousb formatted with %v, which
// drops the gousb.Error type.
var libusbCode = regexp.MustCompile(`\[code (-?[0-9]+)\]`)

// classify maps a gousb error (typed, or flattened into a message) to a Kind.
func classify(err error) Kind {
	var ge gousb.Error
	if !errors.As(err, &ge) && err != nil {
		if m := libusbCode.FindStringSubmatch(err.Error()); m != nil {
			if n, cerr := strconv.Atoi(m[1]); cerr == nil {
				ge = gousb.Error(n)
			}
		}
	}
	switch ge {
	case gousb.ErrorAccess:
		return KindPermissionDenied
	case gousb.ErrorNoDevice:
		return KindRemoved
	case gousb.ErrorNotFound:
		return KindNotFound
	case gousb.ErrorBusy:
		return KindBusy
	case gousb.ErrorTimeout:
		return KindTimeout
	case gousb.ErrorInvalidParam, gousb.ErrorNotSupported, gousb.ErrorPipe:
		return KindInvalid
	}
	var ts gousb.TransferStatus
	if errors.As(err, &ts) {
		switch ts {
		case gousb.TransferNoDevice:
			return KindRemoved
		case gousb.TransferTimedOut:
			return KindTimeout
		case gousb.TransferStall:
			return KindInvalid
		}
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return KindTimeout
	case errors.Is(err, ErrClosed):
		return KindClosed
	case errors.Is(err, errFormat), errors.Is(err, ErrInvalid):
		return KindInvalid
	}
	return KindOther
}
