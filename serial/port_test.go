//go:build linux || darwin

package serial

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// within waits for a result on ch, failing the test after a generous
// deadline instead of hanging it.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no result within 10 s", what)
		panic("unreachable")
	}
}

type readResult struct {
	n   int
	err error
}

func goRead(p *Port, b []byte) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		n, err := p.Read(b)
		ch <- readResult{n, err}
	}()
	return ch
}

func TestPortReadWrite(t *testing.T) {
	master, p := openTestPort(t)
	if _, err := master.Write([]byte("/?!\r\n")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 16)
	p.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(got) < 5 {
		n, err := p.Read(buf)
		if err != nil {
			t.Fatalf("Read() = %d, %v after %q", n, err, got)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, []byte("/?!\r\n")) {
		t.Errorf("Read() = %q, want %q", got, "/?!\r\n")
	}

	if _, err := p.Write([]byte{0x06, '0', '5', '0', '\r', '\n'}); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	back := make([]byte, 6)
	if _, err := io.ReadFull(master, back); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x06, '0', '5', '0', '\r', '\n'}; !bytes.Equal(back, want) {
		t.Errorf("master read %x, want %x", back, want)
	}
	if n, err := p.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v, want 0, nil", n, err)
	}
}

func TestPortReadDeadline(t *testing.T) {
	_, p := openTestPort(t)
	dl := time.Now().Add(120 * time.Millisecond)
	p.SetReadDeadline(dl)
	n, err := p.Read(make([]byte, 8))
	if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read() past deadline = %d, %v, want 0, os.ErrDeadlineExceeded", n, err)
	}
	if time.Now().Before(dl) {
		t.Errorf("Read() returned before its deadline")
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTimeout || !e.Timeout() || e.Op != "read" || e.Port != p.Name() {
		t.Errorf("Read() error = %#v, want *Error{Op: read, Kind: KindTimeout}", err)
	}
	// A deadline in the past fails at once, and a zero deadline clears it.
	p.SetReadDeadline(time.Unix(1, 0))
	if _, err := p.Read(make([]byte, 8)); KindOf(err) != KindTimeout {
		t.Errorf("Read() with past deadline = %v, want KindTimeout", err)
	}
}

// TestPortDeadlineUnblocksRead is what the iec62056 driver does on
// cancellation: move the deadline to the past from another goroutine.
func TestPortDeadlineUnblocksRead(t *testing.T) {
	_, p := openTestPort(t)
	p.SetReadDeadline(time.Time{})
	ch := goRead(p, make([]byte, 8))
	select {
	case r := <-ch:
		t.Fatalf("Read() with no deadline and no data = %d, %v", r.n, r.err)
	case <-time.After(80 * time.Millisecond):
	}
	p.SetReadDeadline(time.Unix(1, 0))
	r := within(t, ch, "Read after deadline moved")
	if !errors.Is(r.err, os.ErrDeadlineExceeded) {
		t.Errorf("Read() = %d, %v, want os.ErrDeadlineExceeded", r.n, r.err)
	}
}

func TestPortCloseUnblocksRead(t *testing.T) {
	_, p := openTestPort(t)
	ch := goRead(p, make([]byte, 8))
	p.Close()
	r := within(t, ch, "Read after Close")
	if KindOf(r.err) != KindClosed || !errors.Is(r.err, ErrClosed) {
		t.Errorf("Read() after Close = %d, %v, want KindClosed", r.n, r.err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	for name, err := range map[string]error{
		"Write":           func() error { _, err := p.Write([]byte{1}); return err }(),
		"SetLine":         p.SetLine(9600, "8N1"),
		"SetReadDeadline": p.SetReadDeadline(time.Time{}),
		"Flush":           p.Flush(),
		"Drain":           p.Drain(),
		"SetDTR":          p.SetDTR(true),
	} {
		if KindOf(err) != KindClosed {
			t.Errorf("%s after Close = %v, want KindClosed", name, err)
		}
	}
}

// TestPortRemovedMidRead closes the master end while a Read waits: the
// kernel hangs the terminal up, as it does when a USB adapter is pulled.
func TestPortRemovedMidRead(t *testing.T) {
	master, p := openTestPort(t)
	ch := goRead(p, make([]byte, 8))
	master.Close()
	r := within(t, ch, "Read after hang-up")
	if KindOf(r.err) != KindRemoved || !errors.Is(r.err, ErrRemoved) {
		t.Fatalf("Read() after hang-up = %d, %v (kind %v), want KindRemoved", r.n, r.err, KindOf(r.err))
	}
	if h := Hint(r.err); h == "" {
		t.Error("removed adapter has no hint")
	}
}

func TestPortSetLine(t *testing.T) {
	_, p := openTestPort(t)
	for _, f := range []string{"8N1", "7E1", "8E1", "7O1", "8N2"} {
		if err := p.SetLine(9600, f); err != nil {
			t.Errorf("SetLine(9600, %s) = %v", f, err)
			continue
		}
		if got := p.Mode().Format(); got != f {
			t.Errorf("after SetLine(9600, %s) Mode().Format() = %s", f, got)
		}
	}
	for _, tt := range []struct {
		baud   int
		format string
	}{{9600, "9N1"}, {0, "8N1"}, {9600, ""}, {-300, "7E1"}} {
		if err := p.SetLine(tt.baud, tt.format); KindOf(err) != KindInvalid {
			t.Errorf("SetLine(%d, %q) = %v, want KindInvalid", tt.baud, tt.format, err)
		}
	}
	if err := p.Flush(); err != nil {
		t.Errorf("Flush() = %v", err)
	}
	if err := p.Drain(); err != nil {
		t.Errorf("Drain() = %v", err)
	}
}

// TestPortModemLinesOnPTY: a pty has no modem lines; the error says so
// instead of pretending.
func TestPortModemLinesOnPTY(t *testing.T) {
	_, p := openTestPort(t)
	if err := p.SetDTR(true); err != nil && KindOf(err) != KindInvalid {
		t.Errorf("SetDTR on a pty = %v, want nil or KindInvalid", err)
	}
	if err := p.SetRTS(false); err != nil && KindOf(err) != KindInvalid {
		t.Errorf("SetRTS on a pty = %v, want nil or KindInvalid", err)
	}
	if _, err := p.ModemStatus(); err != nil && KindOf(err) != KindInvalid {
		t.Errorf("ModemStatus on a pty = %v, want nil or KindInvalid", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "ttyUSB9"), Mode{Baud: 300, DataBits: 7, Parity: EvenParity})
	if KindOf(err) != KindNotFound || !errors.Is(err, ErrNotFound) || Hint(err) == "" {
		t.Errorf("Open(missing) = %v (kind %v), want KindNotFound with a hint", err, KindOf(err))
	}
	plain := filepath.Join(dir, "file")
	os.WriteFile(plain, nil, 0o600)
	if _, err := Open(plain, Mode{Baud: 300}); KindOf(err) != KindInvalid {
		t.Errorf("Open(regular file) = %v (kind %v), want KindInvalid", err, KindOf(err))
	}
	if _, err := Open(plain, Mode{Baud: 0}); KindOf(err) != KindInvalid {
		t.Errorf("Open(baud 0) = %v, want KindInvalid", err)
	}
	if os.Geteuid() != 0 {
		// Only root may bypass the exclusive lock and file modes.
		_, name := openPTY(t)
		p, err := Open(name, Mode{Baud: 300})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if _, err := Open(name, Mode{Baud: 300}); KindOf(err) != KindBusy {
			t.Errorf("second Open(%s) = %v, want KindBusy", name, err)
		}
		os.Chmod(plain, 0)
		if _, err := Open(plain, Mode{Baud: 300}); KindOf(err) != KindPermissionDenied {
			t.Errorf("Open(mode 000) = %v, want KindPermissionDenied", err)
		}
	}
}

// TestOpenWithLinesOnPTY: asking for DTR/RTS at open on a port without
// modem lines fails clearly instead of opening half set up.
func TestOpenWithLinesOnPTY(t *testing.T) {
	_, name := openPTY(t)
	p, err := Open(name, Mode{Baud: 300, DataBits: 7, Parity: EvenParity, Lines: &Lines{DTR: true}})
	if err == nil {
		p.Close()
		t.Skip("this system's pty has modem lines")
	}
	if KindOf(err) != KindInvalid || Hint(err) == "" {
		t.Errorf("Open(pty, DTR on) = %v (kind %v), want KindInvalid with a hint", err, KindOf(err))
	}
}
