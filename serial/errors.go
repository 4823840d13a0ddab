package serial

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"syscall"

	bugst "go.bug.st/serial"
)

// Kind says what the caller must decide after a port error: ask the user to
// plug something in, close another program, fix permissions, retry, or give
// up. Kinds are append-only: their numbers may be stored.
type Kind uint8

// Kinds of port errors.
const (
	KindOther            Kind = iota // not classified
	KindNotFound                     // no such port (not plugged in, wrong name)
	KindBusy                         // another program holds the port
	KindPermissionDenied             // the user may not open the port
	KindClosed                       // the port was closed by this program
	KindRemoved                      // the adapter went away (unplugged, lost power)
	KindTimeout                      // a read passed its deadline
	KindInvalid                      // the port or the driver refused the settings
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

// Sentinels for the kinds, so callers can write errors.Is(err, serial.ErrBusy).
var (
	ErrNotFound         = errors.New("serial: port not found")
	ErrBusy             = errors.New("serial: port busy")
	ErrPermissionDenied = errors.New("serial: permission denied")
	ErrClosed           = errors.New("serial: port closed")
	ErrRemoved          = errors.New("serial: adapter removed")
	ErrInvalid          = errors.New("serial: invalid setting")
)

// Error is a failure of one operation on one port. Err is the cause
// (go.bug.st/serial's PortError, a system error, or one of the sentinels
// above). A KindTimeout error satisfies errors.Is(err,
// os.ErrDeadlineExceeded) and has Timeout() == true, like net.Conn's.
type Error struct {
	Op   string // "open", "read", "write", "set line", ...
	Port string // "/dev/ttyUSB0", "COM4"
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	s := "serial: " + e.Op
	if e.Port != "" {
		s += " " + e.Port
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes a timeout match os.ErrDeadlineExceeded and every error match the
// sentinel of its kind.
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

// Timeout reports whether the error is a read deadline passing (the
// net.Error convention, which protocol code checks).
func (e *Error) Timeout() bool { return e.Kind == KindTimeout }

// Temporary is false: retry decisions belong to Kind.
func (e *Error) Temporary() bool { return false }

// Hint returns what a field engineer can do about the error, in their words,
// or "" when there is nothing useful to say. It is kept apart from Error(),
// which is for logs.
func (e *Error) Hint() string { return hint(e.Kind, runtime.GOOS) }

func hint(k Kind, goos string) string {
	switch k {
	case KindNotFound:
		return "Plug the probe in and pick its port again; after re-plugging it may have a new name."
	case KindBusy:
		if goos == "linux" {
			return "Another program is using the port (a terminal program, another smetskit window, or ModemManager). Close it and try again."
		}
		return "Another program is using the port. Close it and try again."
	case KindPermissionDenied:
		switch goos {
		case "linux":
			return "Add your user to the dialout group: sudo usermod -aG dialout $USER, then log out and in (on Arch Linux the group is uucp)."
		case "windows":
			return "Windows refused access to the port: close other programs using it, or ask IT to allow access to COM ports."
		}
		return "Your user may not open the port: ask an administrator to grant access to serial devices."
	case KindClosed:
		return "The port was closed; open it again."
	case KindRemoved:
		return "The probe was unplugged or lost power. Re-seat the USB plug, then open the port again."
	case KindTimeout:
		return "The meter did not answer in time. Clean the optical head and re-seat the probe on the meter."
	case KindInvalid:
		return "The port refused these settings (speed or character format). Try another speed, or another probe."
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

// Hint returns the field-engineer hint of the first *Error in err's chain,
// or "".
func Hint(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint()
	}
	return ""
}

// classify maps an error of go.bug.st/serial or the system to a Kind.
// PortError has no Unwrap, so its code is read with errors.As.
func classify(err error) Kind {
	var pe *bugst.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case bugst.PortBusy:
			return KindBusy
		case bugst.PortNotFound:
			return KindNotFound
		case bugst.PermissionDenied:
			return KindPermissionDenied
		case bugst.PortClosed:
			return KindClosed
		case bugst.InvalidSerialPort, bugst.InvalidSpeed, bugst.InvalidDataBits,
			bugst.InvalidParity, bugst.InvalidStopBits, bugst.InvalidTimeoutValue,
			bugst.FunctionNotImplemented:
			return KindInvalid
		}
		return KindOther
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if removedErrno(errno) {
			return KindRemoved
		}
		switch errno {
		case syscall.EBUSY:
			return KindBusy
		case syscall.EACCES, syscall.EPERM:
			return KindPermissionDenied
		case syscall.ENOENT:
			return KindNotFound
		case syscall.EIO, syscall.ENXIO, syscall.ENODEV:
			// What a tty read or write returns once its USB adapter is
			// gone (and a pty slave once the master is closed).
			return KindRemoved
		case syscall.EINVAL, syscall.ENOTTY:
			return KindInvalid
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return KindNotFound
	case errors.Is(err, fs.ErrPermission):
		return KindPermissionDenied
	case errors.Is(err, os.ErrDeadlineExceeded):
		return KindTimeout
	}
	return KindOther
}

// wrap returns err as an *Error for op on port, classifying it.
func wrap(op, port string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Port: port, Kind: classify(err), Err: err}
}
