package serial

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"

	bugst "go.bug.st/serial"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"bugst busy", &bugst.PortError{}, KindBusy}, // code 0 is PortBusy
		{"errno busy", syscall.EBUSY, KindBusy},
		{"errno access", fmt.Errorf("open: %w", syscall.EACCES), KindPermissionDenied},
		{"fs permission", &fs.PathError{Op: "open", Path: "/dev/ttyUSB0", Err: fs.ErrPermission}, KindPermissionDenied},
		{"errno missing", syscall.ENOENT, KindNotFound},
		{"fs missing", fs.ErrNotExist, KindNotFound},
		{"hang-up", syscall.EIO, KindRemoved},
		{"no device", syscall.ENODEV, KindRemoved},
		{"not a tty", syscall.ENOTTY, KindInvalid},
		{"deadline", os.ErrDeadlineExceeded, KindTimeout},
		{"other", errors.New("something else"), KindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestClassifyPortErrorCodes covers go.bug.st/serial's codes that its own
// constructors can produce; PortError's fields are unexported, so the codes
// come from the real calls.
func TestClassifyPortErrorCodes(t *testing.T) {
	_, err := bugst.Open("/nonexistent/tty", &bugst.Mode{BaudRate: 300})
	if k := classify(err); k != KindNotFound {
		t.Errorf("classify(open missing) = %v (%v), want KindNotFound", k, err)
	}
}

func TestErrorIsAndHint(t *testing.T) {
	e := &Error{Op: "read", Port: "/dev/ttyUSB0", Kind: KindTimeout, Err: os.ErrDeadlineExceeded}
	if !errors.Is(e, os.ErrDeadlineExceeded) || !e.Timeout() {
		t.Error("timeout does not match os.ErrDeadlineExceeded")
	}
	if got, want := e.Error(), "serial: read /dev/ttyUSB0: i/o timeout"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("sign on: %w", &Error{Op: "open", Port: "COM4", Kind: KindBusy, Err: syscall.EBUSY})
	if !errors.Is(wrapped, ErrBusy) || errors.Is(wrapped, ErrRemoved) || KindOf(wrapped) != KindBusy {
		t.Errorf("wrapped busy error: Is/KindOf wrong for %v", wrapped)
	}
	if !errors.Is(wrapped, syscall.EBUSY) {
		t.Error("Unwrap does not reach the cause")
	}
	if h := hint(KindPermissionDenied, "linux"); !strings.Contains(h, "sudo usermod -aG dialout $USER") {
		t.Errorf("linux permission hint = %q", h)
	}
	for k := KindOther; k <= KindInvalid; k++ {
		if strings.HasPrefix(k.String(), "kind ") {
			t.Errorf("Kind %d has no name", k)
		}
		for _, goos := range []string{"linux", "darwin", "windows"} {
			if k != KindOther && hint(k, goos) == "" {
				t.Errorf("hint(%v, %s) is empty", k, goos)
			}
		}
	}
	if KindOf(errors.New("x")) != KindOther || Hint(errors.New("x")) != "" {
		t.Error("plain error has a kind or a hint")
	}
}
