package usb

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/gousb"
)

type readResult struct {
	n   int
	err error
	at  time.Time
}

func goRead(p *Port, b []byte) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		n, err := p.Read(b)
		ch <- readResult{n, err, time.Now()}
	}()
	return ch
}

// chips runs a test against each fake chip.
func chips(t *testing.T, test func(t *testing.T, line *fakeLine, p *Port)) {
	t.Run("FTDI", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeFTDI(FTDIR, 64)
			p, err := openFakeFTDI(f, 300, "7E1")
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			test(t, &f.fakeLine, p)
		})
	})
	t.Run("CP210x", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c := newFakeCP210x()
			p, err := openFakeCP210x(c, 300, "7E1")
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			test(t, &c.fakeLine, p)
		})
	})
}

func TestPortReadWrite(t *testing.T) {
	chips(t, func(t *testing.T, line *fakeLine, p *Port) {
		msg := bytes.Repeat([]byte("0123456789"), 20) // several packets
		line.send(msg)
		var got []byte
		buf := make([]byte, 37)
		p.SetReadDeadline(time.Now().Add(time.Second))
		for len(got) < len(msg) {
			n, err := p.Read(buf)
			if err != nil {
				t.Fatalf("Read() = %d, %v after %d bytes", n, err, len(got))
			}
			got = append(got, buf[:n]...)
		}
		if !bytes.Equal(got, msg) {
			t.Errorf("Read() gave %q, want %q", got, msg)
		}
		out := []byte{0x06, '0', '5', '0', '\r', '\n'}
		if n, err := p.Write(out); n != len(out) || err != nil {
			t.Errorf("Write() = %d, %v", n, err)
		}
		if got := line.sent(); !bytes.Equal(got, out) {
			t.Errorf("chip sent %x, want %x", got, out)
		}
		if n, err := p.Read(nil); n != 0 || err != nil {
			t.Errorf("Read(nil) = %d, %v", n, err)
		}
		if err := p.Flush(); err != nil {
			t.Errorf("Flush() = %v", err)
		}
		if err := p.Drain(); err != nil {
			t.Errorf("Drain() = %v", err)
		}
	})
}

// TestPortReadDeadline: a Read with nothing on the line ends exactly at its
// deadline (virtual time), with os.ErrDeadlineExceeded, not (0, nil).
func TestPortReadDeadline(t *testing.T) {
	chips(t, func(t *testing.T, line *fakeLine, p *Port) {
		start := time.Now()
		p.SetReadDeadline(start.Add(500 * time.Millisecond))
		n, err := p.Read(make([]byte, 8))
		if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) || KindOf(err) != KindTimeout {
			t.Fatalf("Read() = %d, %v, want a KindTimeout os.ErrDeadlineExceeded", n, err)
		}
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Errorf("Read() returned after %v of virtual time, want 500ms", d)
		}
		var e *Error
		if !errors.As(err, &e) || !e.Timeout() || e.Hint() == "" {
			t.Errorf("timeout error %#v: want Timeout() and a hint", err)
		}
		// Data that arrives before the deadline is returned.
		p.SetReadDeadline(time.Now().Add(time.Second))
		ch := goRead(p, make([]byte, 8))
		time.Sleep(300 * time.Millisecond)
		line.send([]byte("/"))
		if r := <-ch; r.n != 1 || r.err != nil {
			t.Errorf("Read() with data before the deadline = %d, %v", r.n, r.err)
		}
	})
}

// TestPortDeadlineFromOtherGoroutine is what the iec62056 driver does on
// cancellation: the Read ends at once, its bulk transfer cancelled.
func TestPortDeadlineFromOtherGoroutine(t *testing.T) {
	chips(t, func(t *testing.T, line *fakeLine, p *Port) {
		ch := goRead(p, make([]byte, 8))
		time.Sleep(time.Second)
		synctest.Wait()
		select {
		case r := <-ch:
			t.Fatalf("Read() with no deadline ended: %d, %v", r.n, r.err)
		default:
		}
		moved := time.Now()
		p.SetReadDeadline(time.Unix(1, 0))
		r := <-ch
		if !errors.Is(r.err, os.ErrDeadlineExceeded) || r.at != moved {
			t.Errorf("Read() = %d, %v at +%v, want os.ErrDeadlineExceeded at once", r.n, r.err, r.at.Sub(moved))
		}
	})
}

func TestPortRemovedMidRead(t *testing.T) {
	chips(t, func(t *testing.T, line *fakeLine, p *Port) {
		ch := goRead(p, make([]byte, 8))
		time.Sleep(100 * time.Millisecond)
		line.unplug()
		r := <-ch
		if KindOf(r.err) != KindRemoved || !errors.Is(r.err, ErrRemoved) || Hint(r.err) == "" {
			t.Fatalf("Read() after unplug = %d, %v (kind %v), want KindRemoved with a hint", r.n, r.err, KindOf(r.err))
		}
		if _, err := p.Write([]byte{1}); KindOf(err) != KindRemoved {
			t.Errorf("Write() after unplug = %v, want KindRemoved", err)
		}
		if err := p.SetLine(9600, "7E1"); KindOf(err) != KindRemoved {
			t.Errorf("SetLine() after unplug = %v, want KindRemoved", err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close() after unplug = %v, want nil", err)
		}
	})
}

func TestPortCloseEndsRead(t *testing.T) {
	chips(t, func(t *testing.T, line *fakeLine, p *Port) {
		ch := goRead(p, make([]byte, 8))
		time.Sleep(100 * time.Millisecond)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if r := <-ch; KindOf(r.err) != KindClosed {
			t.Errorf("Read() after Close = %d, %v, want KindClosed", r.n, r.err)
		}
		for name, err := range map[string]error{
			"Write":           func() error { _, err := p.Write([]byte{1}); return err }(),
			"SetLine":         p.SetLine(9600, "8N1"),
			"SetReadDeadline": p.SetReadDeadline(time.Time{}),
			"SetDTR":          p.SetDTR(true),
			"Flush":           p.Flush(),
			"Drain":           p.Drain(),
		} {
			if KindOf(err) != KindClosed {
				t.Errorf("%s after Close = %v, want KindClosed", name, err)
			}
		}
		if err := p.Close(); err != nil {
			t.Errorf("second Close() = %v", err)
		}
	})
}

func TestPortSetLineRefusals(t *testing.T) {
	chips(t, func(t *testing.T, line *fakeLine, p *Port) {
		for _, tt := range []struct {
			baud   int
			format string
		}{{0, "7E1"}, {9600, "9N1"}, {9600, ""}, {9600, "8X1"}, {9600, "8N3"}, {20_000_000, "8N1"}} {
			if err := p.SetLine(tt.baud, tt.format); KindOf(err) != KindInvalid || !errors.Is(err, ErrInvalid) {
				t.Errorf("SetLine(%d, %q) = %v, want KindInvalid", tt.baud, tt.format, err)
			}
		}
		if b, f := line.setting(); b != 300 || f != "7E1" {
			t.Errorf("chip at %d %s after refused settings, want 300 7E1", b, f)
		}
	})
}

func TestCP210xStartSequence(t *testing.T) {
	c := newFakeCP210x()
	p, err := openFakeCP210x(c, 300, "7E1")
	if err != nil {
		t.Fatal(err)
	}
	want := "[enable true flow 0100000040000000 baud 300 line 7E1 mhs dtr=true rts=true purge 0x0f]"
	if got := fmt.Sprint(c.requests()); got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
	if err := p.SetLine(9600, "8N1"); err != nil {
		t.Fatal(err)
	}
	if b, f := c.setting(); b != 9600 || f != "8N1" {
		t.Errorf("after SetLine(9600, 8N1) chip at %d %s", b, f)
	}
	if err := p.SetLine(9600, "5N1"); err != nil {
		t.Errorf("SetLine(9600, 5N1) on CP210x = %v", err)
	}
	if err := p.SetDTR(false); err != nil || c.dtr || !c.rts {
		t.Errorf("SetDTR(false) = %v; chip dtr %v rts %v", err, c.dtr, c.rts)
	}
	p.Close()
	if c.enabled {
		t.Error("interface still enabled after Close")
	}
}

// TestFTDILineErrorsDoNotStopData: a parity error in the line status is
// counted; the data still arrives (the session layer judges it).
func TestFTDILineErrorsDoNotStopData(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeFTDI(FTDIR, 64)
		f.lineStatus = ftdiParityErr
		p, err := openFakeFTDI(f, 300, "7E1")
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		f.send([]byte("x"))
		p.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := p.Read(make([]byte, 4)); n != 1 || err != nil {
			t.Fatalf("Read() = %d, %v", n, err)
		}
		if n := p.LineErrors(); n == 0 {
			t.Error("line error not counted")
		}
	})
}

// stuckChip answers no control request: libusb's control timeout.
type stuckChip struct{ *fakeFTDI }

func (s stuckChip) control(rType, req uint8, val, idx uint16, data []byte) (int, error) {
	return 0, gousb.ErrorTimeout
}

// TestChipTimeoutIsRemoved: a chip that does not answer its control
// requests reads as a removed device (re-plug it), not as a silent meter.
func TestChipTimeoutIsRemoved(t *testing.T) {
	f := newFakeFTDI(FTDIR, 64)
	s := stuckChip{f}
	p := newPort("0403:6001", 0x0403, 0x6001, s, &ftdi{t: s, typ: FTDIR, packet: 64})
	l, _ := parseLine(300, "7E1")
	err := p.start(l, true, true)
	if KindOf(err) != KindRemoved || strings.Count(err.Error(), "0403:6001") != 1 {
		t.Errorf("start on a stuck chip = %v (kind %v), want KindRemoved naming the device once", err, KindOf(err))
	}
}

func TestModemStatus(t *testing.T) {
	f := newFakeFTDI(FTDIR, 64)
	f.modemIn = 0x10 | 0x80 // CTS, DCD
	p, err := openFakeFTDI(f, 300, "7E1")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := p.ModemStatus(); err != nil || s != (ModemStatus{CTS: true, DCD: true}) {
		t.Errorf("FTDI ModemStatus() = %+v, %v", s, err)
	}
	c := newFakeCP210x()
	c.modemIn = 0x20 | 0x40 // DSR, RI
	q, err := openFakeCP210x(c, 300, "7E1")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := q.ModemStatus(); err != nil || s != (ModemStatus{DSR: true, RI: true}) {
		t.Errorf("CP210x ModemStatus() = %+v, %v", s, err)
	}
	if q.LineErrors() != 0 || p.LineErrors() != 0 {
		t.Error("line errors without any")
	}
	p.Close()
	if _, err := p.ModemStatus(); KindOf(err) != KindClosed {
		t.Errorf("ModemStatus after Close = %v", err)
	}
}

// busyChip never reports its transmitter empty.
type busyChip struct{ *fakeFTDI }

func (b busyChip) control(rType, req uint8, val, idx uint16, data []byte) (int, error) {
	n, err := b.fakeFTDI.control(rType, req, val, idx, data)
	if req == ftdiGetModemStat && n == 2 {
		data[1] &^= ftdiTxEmpty
	}
	return n, err
}

// TestDrainGivesUp: a transmitter that never empties ends Drain with a
// timeout after its limit (virtual time), not a hang.
func TestDrainGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := busyChip{newFakeFTDI(FTDIR, 64)}
		p := newPort("0403:6001", 0x0403, 0x6001, b, &ftdi{t: b, typ: FTDIR, packet: 64})
		l, _ := parseLine(300, "7E1")
		if err := p.start(l, true, true); err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		start := time.Now()
		err := p.Drain()
		if KindOf(err) != KindTimeout {
			t.Fatalf("Drain() = %v, want KindTimeout", err)
		}
		if d := time.Since(start); d < 2*time.Second {
			t.Errorf("Drain() gave up after %v, before its 2 s floor", d)
		}
	})
}
