package sim

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"testing/synctest"
	"time"
)

// readN reads exactly n bytes from e.
func readN(t *testing.T, e *End, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(e, b); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return b
}

func TestLinePacing(t *testing.T) {
	tests := []struct {
		name   string
		baud   int
		format string
		n      int
		want   time.Duration
	}{
		{"9600 8N1", 9600, "8N1", 960, time.Second},
		{"300 7E1", 300, "7E1", 30, time.Second},
		{"9600 8E1", 9600, "8E1", 960, 1100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := NewLine(LineConfig{Baud: tt.baud, Format: tt.format})
				data := bytes.Repeat([]byte{0x55}, tt.n)
				got := make(chan []byte, 1)
				go func() {
					g := make([]byte, tt.n)
					io.ReadFull(b, g)
					got <- g
				}()
				start := time.Now()
				if _, err := a.Write(data); err != nil {
					t.Fatal(err)
				}
				if d := time.Since(start); d != tt.want {
					t.Errorf("Write(%d bytes) took %v of line time, want %v", tt.n, d, tt.want)
				}
				if g := <-got; !bytes.Equal(g, data) {
					t.Errorf("read %x, want %x", g, data)
				}
			})
		})
	}
}

func TestLineTurnaroundAndEcho(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := NewLine(LineConfig{Baud: 1000, Format: "8N1", Turnaround: 20 * time.Millisecond, Echo: true})
		start := time.Now()
		a.Write([]byte("ab")) // first use: no turnaround, 2 × 10 ms
		if echo := readN(t, a, 2); string(echo) != "ab" {
			t.Errorf("echo = %q, want %q", echo, "ab")
		}
		readN(t, b, 2)
		b.Write([]byte("c")) // change of direction: 20 ms + 10 ms
		readN(t, a, 1)
		if d := time.Since(start); d != 50*time.Millisecond {
			t.Errorf("exchange took %v, want 50ms", d)
		}
		b.Write([]byte("d")) // same direction: 10 ms
		readN(t, a, 1)
		if d := time.Since(start); d != 60*time.Millisecond {
			t.Errorf("exchange took %v, want 60ms", d)
		}
		if a.Buffered() != 0 {
			t.Errorf("probe heard %d bytes of the device's echo, want none", a.Buffered())
		}
	})
}

func TestLineFormats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := NewLine(LineConfig{Baud: 9600, Format: "7E1"})
		if err := b.SetLine(9600, "8N1"); err != nil {
			t.Fatal(err)
		}
		// 'A' = 41 has an even number of ones (parity 0); 'C' = 43 an odd
		// number (parity 1, seen in bit 7 by the 8-bit receiver).
		a.Write([]byte{0x41, 0x43, 0xC1})
		if got := readN(t, b, 3); !bytes.Equal(got, []byte{0x41, 0xC3, 0x41}) {
			t.Errorf("7E1 → 8N1 read %x, want 41c341", got)
		}
		b.Write([]byte{0xC3})
		if got := readN(t, a, 1); got[0] != 0x43 {
			t.Errorf("8N1 → 7E1 read %x, want 43", got)
		}
		if err := a.SetLine(9600, "9X1"); !errors.Is(err, ErrLineFormat) {
			t.Errorf("SetLine(9X1) = %v, want %v", err, ErrLineFormat)
		}
		if a.Baud() != 9600 || a.Format() != "7E1" {
			t.Errorf("settings = %d %s after a rejected change", a.Baud(), a.Format())
		}
	})
}

// transfer sends data from a to b over a line configured by cfg and
// returns what b received before going quiet for a second.
func transfer(t *testing.T, cfg LineConfig, data []byte) []byte {
	var got []byte
	synctest.Test(t, func(t *testing.T) {
		a, b := NewLine(cfg)
		done := make(chan []byte)
		go func() {
			var all []byte
			buf := make([]byte, 256)
			for {
				b.SetReadDeadline(time.Now().Add(time.Second))
				n, err := b.Read(buf)
				all = append(all, buf[:n]...)
				if err != nil {
					done <- all
					return
				}
			}
		}()
		a.Write(data)
		got = <-done
	})
	return got
}

func TestLineBaudMismatch(t *testing.T) {
	data := bytes.Repeat([]byte("/?!\r\n"), 20)
	cfg := LineConfig{Baud: 300, Format: "7E1", Seed: 7}
	var got [2][]byte
	for i := range got {
		synctest.Test(t, func(t *testing.T) {
			a, b := NewLine(cfg)
			b.SetLine(4800, "7E1")
			a.Write(data)
			got[i] = readN(t, b, len(data))
		})
	}
	if bytes.Equal(got[0], data) {
		t.Errorf("mismatched rates delivered the data intact")
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Errorf("same seed gave different garble: %x / %x", got[0], got[1])
	}
}

func TestLineFaultsDeterministic(t *testing.T) {
	data := make([]byte, 20000)
	for i := range data {
		data[i] = byte(i)
	}
	cfg := LineConfig{Baud: 115200, Format: "8N1", Seed: 42,
		Faults: Faults{BitErrorRate: 0.01, DropRate: 0.05, GarbageRate: 0.01}}
	r1 := transfer(t, cfg, data)
	r2 := transfer(t, cfg, data)
	if !bytes.Equal(r1, r2) {
		t.Fatalf("same seed, different faults")
	}
	cfg.Seed = 43
	if r3 := transfer(t, cfg, data); bytes.Equal(r1, r3) {
		t.Errorf("different seeds, same faults")
	}
	// About 5% dropped and 2.5% (0.01 × 2.5 on average) inserted: the length
	// lands near 20000 × 0.975.
	if n := len(r1); n < 19000 || n > 20000 {
		t.Errorf("received %d of 20000 bytes, want about 19500", n)
	}
	clean := transfer(t, LineConfig{Baud: 115200, Format: "8N1"}, data)
	if !bytes.Equal(clean, data) {
		t.Errorf("clean line altered the data")
	}
}

func TestLineStalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := NewLine(LineConfig{Baud: 1000, Format: "8N1",
			Faults: Faults{Stalls: Stalls{Rate: 1, Duration: 5 * time.Millisecond}}})
		go io.ReadFull(b, make([]byte, 4))
		start := time.Now()
		a.Write([]byte("abcd"))
		if d := time.Since(start); d != 60*time.Millisecond {
			t.Errorf("4 characters with a 5 ms stall each took %v, want 60ms", d)
		}
	})
}

func TestLineDisconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := NewLine(LineConfig{Baud: 9600, Format: "8N1", Faults: Faults{DisconnectAfter: 10}})
		n, err := a.Write(make([]byte, 50))
		if n != 10 || !errors.Is(err, ErrDisconnected) {
			t.Errorf("Write = %d, %v, want 10, %v", n, err, ErrDisconnected)
		}
		readN(t, b, 10)
		if _, err := b.Read(make([]byte, 1)); !errors.Is(err, ErrDisconnected) {
			t.Errorf("Read after disconnect = %v, want %v", err, ErrDisconnected)
		}
		if _, err := b.Write([]byte{1}); !errors.Is(err, ErrDisconnected) {
			t.Errorf("Write after disconnect = %v, want %v", err, ErrDisconnected)
		}
	})
}

func TestLineCloseAndDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := NewLine(LineConfig{Baud: 9600, Format: "8N1"})
		start := time.Now()
		b.SetReadDeadline(start.Add(250 * time.Millisecond))
		_, err := b.Read(make([]byte, 1))
		if !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) != 250*time.Millisecond {
			t.Errorf("Read = %v after %v, want deadline error after 250ms", err, time.Since(start))
		}
		b.SetReadDeadline(time.Time{})
		errc := make(chan error)
		go func() {
			_, err := b.Read(make([]byte, 1))
			errc <- err
		}()
		synctest.Wait()
		a.Close()
		if err := <-errc; err != io.EOF {
			t.Errorf("Read after peer Close = %v, want EOF", err)
		}
		if _, err := a.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("Read after own Close = %v, want EOF", err)
		}
		if _, err := b.Write([]byte{1}); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("Write after peer Close = %v, want %v", err, io.ErrClosedPipe)
		}
	})
}
