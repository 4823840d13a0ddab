package usb

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/gousb"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"access", gousb.ErrorAccess, KindPermissionDenied},
		{"busy", gousb.ErrorBusy, KindBusy},
		{"no device", gousb.ErrorNoDevice, KindRemoved},
		{"transfer no device", gousb.TransferNoDevice, KindRemoved},
		{"transfer timed out", gousb.TransferTimedOut, KindTimeout},
		{"stall", gousb.TransferStall, KindInvalid},
		{"pipe", gousb.ErrorPipe, KindInvalid},
		{"not found", gousb.ErrorNotFound, KindNotFound},
		// gousb formats its errors with %v in Config and Interface.
		{"flattened busy", fmt.Errorf("failed to claim interface 0 on vid=0403,pid=6001,bus=1,addr=5,config=1: %v", gousb.ErrorBusy), KindBusy},
		{"flattened access", fmt.Errorf("x: %v", gousb.ErrorAccess), KindPermissionDenied},
		{"wrapped", fmt.Errorf("FTDI request 0x03: %w", gousb.ErrorNoDevice), KindRemoved},
		{"bad setting", fmt.Errorf("%w: 6 data bits", errFormat), KindInvalid},
		{"deadline", os.ErrDeadlineExceeded, KindTimeout},
		{"other", errors.New("something"), KindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestHints(t *testing.T) {
	e := &Error{Op: "open", Device: "0403:6001", VID: 0x0403, PID: 0x6001, Kind: KindPermissionDenied, Err: gousb.ErrorAccess}
	h := hint(e.Kind, e.VID, e.PID, "linux")
	for _, want := range []string{`ATTRS{idVendor}=="0403"`, `ATTRS{idProduct}=="6001"`, "udevadm control --reload-rules", "plugdev"} {
		if !strings.Contains(h, want) {
			t.Errorf("linux permission hint lacks %q: %s", want, h)
		}
	}
	if !errors.Is(e, ErrPermissionDenied) || !errors.Is(e, gousb.ErrorAccess) || errors.Is(e, ErrBusy) {
		t.Error("Is/Unwrap wrong for a permission error")
	}
	if got, want := e.Error(), "usb: open 0403:6001: libusb: bad access [code -3]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if h := hint(KindBusy, 0, 0, "linux"); !strings.Contains(h, "detach") {
		t.Errorf("busy hint does not mention detaching the driver: %s", h)
	}
	for k := KindNotFound; k <= KindInvalid; k++ {
		for _, goos := range []string{"linux", "darwin", "windows"} {
			if hint(k, 1, 2, goos) == "" {
				t.Errorf("hint(%v, %s) is empty", k, goos)
			}
		}
		if strings.HasPrefix(k.String(), "kind ") {
			t.Errorf("Kind %d has no name", k)
		}
	}
	if KindOf(errors.New("x")) != KindOther || Hint(errors.New("x")) != "" {
		t.Error("a plain error has a kind or a hint")
	}
}

var lineTests = []struct {
	baud   int
	format string
	ok     bool
}{
	{300, "7E1", true}, {9600, "8N1", true}, {9600, "8e1", true}, {4800, "7O1", true}, {1200, "5S1.5", true},
	{19200, "8N2", true}, {0, "7E1", false}, {300, "9N1", false}, {300, "7E", false}, {300, "7E1.5x", false},
	{300, "7Q1", false}, {300, "", false},
}

func TestParseLine(t *testing.T) {
	for _, tt := range lineTests {
		l, err := parseLine(tt.baud, tt.format)
		if (err == nil) != tt.ok {
			t.Errorf("parseLine(%d, %q) = %+v, %v, want ok %v", tt.baud, tt.format, l, err, tt.ok)
			continue
		}
		if err == nil && !strings.EqualFold(l.format(), tt.format) {
			t.Errorf("parseLine(%d, %q).format() = %q", tt.baud, tt.format, l.format())
		}
	}
}

// FuzzParseLine: nothing panics; an accepted setting round-trips through
// format().
func FuzzParseLine(f *testing.F) {
	for _, tt := range lineTests {
		f.Add(tt.baud, tt.format)
	}
	f.Fuzz(func(t *testing.T, baud int, format string) {
		l, err := parseLine(baud, format)
		if err != nil {
			return
		}
		l2, err := parseLine(baud, l.format())
		if err != nil || l2 != l {
			t.Fatalf("parseLine(%d, %q) = %+v; again from %q = %+v, %v", baud, format, l, l.format(), l2, err)
		}
		_ = cpLineCtl(l)
		_ = ftdiDataValue(l)
	})
}

func TestDriverFor(t *testing.T) {
	for _, tt := range []struct {
		vid, pid uint16
		want     Driver
	}{{0x0403, 0x6001, DriverFTDI}, {0x0403, 0x6015, DriverFTDI}, {0x0403, 0xF458, DriverFTDI}, {0x10C4, 0xEA60, DriverCP210x}} {
		if d, ok := DriverFor(tt.vid, tt.pid); !ok || d != tt.want {
			t.Errorf("DriverFor(%04X:%04X) = %q, %v, want %q", tt.vid, tt.pid, d, ok, tt.want)
		}
	}
	if _, ok := DriverFor(0x067B, 0x2303); ok {
		t.Error("PL2303 claimed as driverless")
	}
}

// TestOpenNothingPlugged runs the real libusb path: with no matching
// device it must say "not found" (or, where libusb cannot start, say so),
// never panic.
func TestOpenNothingPlugged(t *testing.T) {
	_, err := Open(Selector{VID: 0x0403, PID: 0x6001, Serial: "SMETSKIT-NO-SUCH-PROBE"}, Options{})
	if k := KindOf(err); k != KindNotFound && k != KindPermissionDenied {
		t.Errorf("Open(no such probe) = %v (kind %v), want KindNotFound", err, k)
	}
	if _, err := Open(Selector{}, Options{Format: "9N1"}); KindOf(err) != KindInvalid {
		t.Errorf("Open(format 9N1) = %v, want KindInvalid", err)
	}
	if _, err := List(); err != nil && KindOf(err) != KindNotFound {
		t.Errorf("List() = %v", err)
	}
}
