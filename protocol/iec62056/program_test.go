package iec62056_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
)

// apator is the identification of an Apator Norax announcing mode E
// (PROTOCOLS.md §11.3): /APA5\2NORAX30, 9600 Bd.
var apator = iec62056.Identification{Manufacturer: "APA", Baud: '5', Enhanced: "2", Ident: "NORAX30"}

func TestEnterModeE(t *testing.T) {
	tests := []struct {
		name    string
		meter   *fakeMeter
		echo    bool
		opt     iec62056.Options
		baud    int
		errKind iec62056.Kind
	}{
		{name: "no confirmation", meter: &fakeMeter{id: apator}, baud: 9600},
		{name: "confirmation", meter: &fakeMeter{id: apator, confirmModeE: true}, baud: 9600},
		{name: "confirmation and echo", meter: &fakeMeter{id: apator, confirmModeE: true}, echo: true, opt: iec62056.Options{Echo: true}, baud: 9600},
		// The Gurux example server omits \2 but accepts mode E (PROTOCOLS.md §9.2).
		{name: "no \\2", meter: &fakeMeter{id: iec62056.Identification{Manufacturer: "GRX", Baud: '5', Ident: "12345678"}, confirmModeE: true}, baud: 9600},
		// The meter caps the speed at its own proposal and confirms it.
		{name: "max baud", meter: &fakeMeter{id: apator, confirmModeE: true}, opt: iec62056.Options{MaxBaud: 4800}, baud: 4800},
		// Readout at 300 Bd while we listen for the confirmation.
		{name: "readout at 300 instead", meter: &fakeMeter{id: apator, noModeE: true, stayAt300: true}, errKind: iec62056.KindProtocol},
		// Readout at the new speed: the link's first byte tells.
		{name: "readout at 9600 instead", meter: &fakeMeter{id: apator, noModeE: true, tr: 900 * time.Millisecond}, baud: 9600, errKind: iec62056.KindProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, tt.meter, tt.echo)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cl, err := iec62056.SignOn(ctx, h.port, tt.opt)
				if err != nil {
					t.Fatalf("SignOn: %v", err)
				}
				link, err := cl.EnterModeE(ctx)
				if tt.errKind != iec62056.KindOther && err == nil {
					// The meter sends its readout unasked; the link's first Read reports it.
					link.SetReadDeadline(time.Now().Add(5 * time.Second))
					_, err = link.Read(make([]byte, 16))
				}
				if tt.errKind != iec62056.KindOther {
					if iec62056.KindOf(err) != tt.errKind || !errors.Is(err, iec62056.ErrNotModeE) {
						t.Fatalf("EnterModeE error = %v, want kind %v wrapping ErrNotModeE", err, tt.errKind)
					}
					h.stop(t)
					return
				}
				if err != nil {
					t.Fatalf("EnterModeE: %v", err)
				}
				if link.Baud != tt.baud || h.port.Baud() != tt.baud || h.port.Format() != "8N1" {
					t.Fatalf("link at %d Bd, port %d %s; want %d 8N1", link.Baud, h.port.Baud(), h.port.Format(), tt.baud)
				}
				// The link carries 8-bit bytes both ways: an SNRM frame
				// (PROTOCOLS.md §9.2) goes out and comes back.
				snrm := []byte{0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E}
				if _, err := link.Write(snrm); err != nil {
					t.Fatalf("write on link: %v", err)
				}
				var got []byte
				buf := make([]byte, 64)
				link.SetReadDeadline(time.Now().Add(5 * time.Second))
				for len(got) < len(snrm) {
					n, err := link.Read(buf)
					got = append(got, buf[:n]...)
					if err != nil {
						break
					}
				}
				if tt.echo && len(got) >= len(snrm) {
					got = got[len(snrm):] // our own echo first
					for len(got) < len(snrm) {
						n, err := link.Read(buf)
						got = append(got, buf[:n]...)
						if err != nil {
							break
						}
					}
				}
				if !reflect.DeepEqual(got, snrm) {
					t.Errorf("link answer = % X, want % X", got, snrm)
				}
				h.stop(t)
			})
		})
	}
}

func TestProgram(t *testing.T) {
	for _, bs := range []int{0, 5} {
		t.Run(fmt.Sprintf("block size %d", bs), func(t *testing.T) { testProgram(t, bs) })
	}
}

func testProgram(t *testing.T, blockSize int) {
	synctest.Test(t, func(t *testing.T) {
		m := &fakeMeter{id: landis, blockSize: blockSize, password: "00000000", registers: map[string]string{"1.8.0": "061561.289*kWh", "C.1.0": "13647123"}}
		h := start(t, m, true)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cl, err := iec62056.SignOn(ctx, h.port, iec62056.Options{Echo: true})
		if err != nil {
			t.Fatalf("SignOn: %v", err)
		}
		s, err := cl.Program(ctx, iec62056.Auth{Password: "00000000"})
		if err != nil {
			t.Fatalf("Program: %v", err)
		}
		if s.Operand() != "1234567" || s.Baud() != 4800 {
			t.Errorf("operand %q at %d Bd", s.Operand(), s.Baud())
		}
		recs, err := s.Read(ctx, "1.8.0")
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(recs) != 1 || recs[0].Values[0].Value != "061561.289" || recs[0].Unit != "kWh" {
			t.Errorf("Read(1.8.0) = %+v", recs)
		}
		_, err = s.Read(ctx, "9.9.9")
		if iec62056.KindOf(err) != iec62056.KindRefused || !errors.Is(err, iec62056.ErrMeterError) {
			t.Errorf("Read(unknown) error = %v, want KindRefused/ErrMeterError", err)
		}
		if err := s.Write(ctx, "C003", "910324092239"); err != nil {
			t.Errorf("Write: %v", err)
		}
		if err := s.Execute(ctx, "0.0.1", ""); err != nil {
			t.Errorf("Execute: %v", err)
		}
		if err := s.Break(ctx); err != nil {
			t.Errorf("Break: %v", err)
		}
		if _, err := s.Read(ctx, "1.8.0"); !errors.Is(err, iec62056.ErrClosed) {
			t.Errorf("Read after Break = %v, want ErrClosed", err)
		}
		if h.port.Baud() != 300 {
			t.Errorf("port at %d Bd after Break", h.port.Baud())
		}
		// The meter is back in sign-on: a readout works on the same client.
		ro, err := cl.ReadOut(ctx)
		if err != nil {
			t.Fatalf("ReadOut after Break: %v", err)
		}
		checkReadout(t, ro, 4800)
		h.stop(t)
		want := []string{"W1 C003=910324092239", "E2 0.0.1=", "B0"}
		if got := m.logged(); !reflect.DeepEqual(got, want) {
			t.Errorf("meter saw %q, want %q", got, want)
		}
	})
}

func TestProgramWrongPassword(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &fakeMeter{id: landis, password: "secret"}, false)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cl, err := iec62056.SignOn(ctx, h.port, iec62056.Options{})
		if err != nil {
			t.Fatalf("SignOn: %v", err)
		}
		_, err = cl.Program(ctx, iec62056.Auth{Password: "guess"})
		var e *iec62056.Error
		if !errors.As(err, &e) || e.Kind != iec62056.KindRefused || e.Op != "password" {
			t.Errorf("Program error = %#v, want KindRefused on op password", err)
		}
		h.stop(t)
	})
}

// TestNoAnswer checks the time-outs: nothing answers, and the call
// returns after the line silence plus the response time-out (virtual
// time), as KindNoAnswer; a context deadline gives KindCanceled.
func TestNoAnswer(t *testing.T) {
	for _, echo := range []bool{false, true} {
		t.Run(fmt.Sprintf("echo %v", echo), func(t *testing.T) { testNoAnswer(t, echo) })
	}
}

func testNoAnswer(t *testing.T, echo bool) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &fakeMeter{id: landis, address: "1"}, echo)
		ctx := context.Background()
		begin := time.Now()
		_, err := iec62056.SignOn(ctx, h.port, iec62056.Options{Address: "2", Echo: echo, ResponseTimeout: 1500 * time.Millisecond})
		if iec62056.KindOf(err) != iec62056.KindNoAnswer || !errors.Is(err, iec62056.ErrNoAnswer) {
			t.Fatalf("SignOn error = %v, want KindNoAnswer", err)
		}
		// 200 ms silence + 6 request characters at 300 Bd (the sim's Write
		// drains) + 1.5 s.
		if got, want := time.Since(begin), 200*time.Millisecond+200*time.Millisecond+1500*time.Millisecond; got != want {
			t.Errorf("gave up after %v, want %v", got, want)
		}
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err = iec62056.SignOn(cctx, h.port, iec62056.Options{Address: "2", Echo: echo})
		if iec62056.KindOf(err) != iec62056.KindCanceled || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("SignOn with a short context = %v, want KindCanceled", err)
		}
		h.stop(t)
	})
}

// TestProgramCipherAndNAK covers P2 (a ciphered reply to the operand) and
// a command the meter refuses with NAK twice: the client repeats it once,
// then reports KindRefused wrapping ErrNAK.
func TestProgramCipherAndNAK(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &fakeMeter{id: landis, password: "pw", registers: map[string]string{}}, false)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cl, err := iec62056.SignOn(ctx, h.port, iec62056.Options{})
		if err != nil {
			t.Fatalf("SignOn: %v", err)
		}
		s, err := cl.Program(ctx, iec62056.Auth{Cipher: func(op string) string { return "c:" + op + ":pw" }})
		if err != nil {
			t.Fatalf("Program with P2: %v", err)
		}
		_, err = s.Do(ctx, iec62056.Command{Command: iec62056.CmdRead, Type: '5', Data: "P.01(;)"})
		if iec62056.KindOf(err) != iec62056.KindRefused || !errors.Is(err, iec62056.ErrNAK) {
			t.Errorf("Do(R5) error = %v, want KindRefused wrapping ErrNAK", err)
		}
		if err := s.WriteWith(ctx, '2', "C003", "1"); iec62056.KindOf(err) != iec62056.KindRefused {
			t.Errorf("WriteWith(W2) error = %v, want KindRefused", err)
		}
		if err := s.Break(ctx); err != nil {
			t.Errorf("Break: %v", err)
		}
		h.stop(t)
	})
}

// TestCancelUnblocksRead checks that cancelling the context (no deadline)
// ends a blocked read at once: the meter never answers and the response
// time-out is an hour, yet the call returns when cancel runs.
func TestCancelUnblocksRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &fakeMeter{id: landis, address: "1"}, false)
		ctx, cancel := context.WithCancel(context.Background())
		begin := time.Now()
		go func() {
			time.Sleep(time.Second)
			cancel()
		}()
		_, err := iec62056.SignOn(ctx, h.port, iec62056.Options{Address: "2", ResponseTimeout: time.Hour})
		if iec62056.KindOf(err) != iec62056.KindCanceled || !errors.Is(err, context.Canceled) {
			t.Errorf("SignOn error = %v, want KindCanceled", err)
		}
		if got := time.Since(begin); got != time.Second {
			t.Errorf("returned after %v, want 1s", got)
		}
		h.stop(t)
	})
}

// TestLineSilence checks that bytes on the line before the request (the
// tail of an earlier exchange) are dropped: the request waits until the
// line has been quiet for LineSilence, and the sign-on succeeds.
func TestLineSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &fakeMeter{id: landis}, false)
		tail := []byte("\x02tail of a readout\r\n!\r\n\x03x") // 25 characters: 833 ms at 300 Bd
		go h.meter.end.Write(tail)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cl, err := iec62056.SignOn(ctx, h.port, iec62056.Options{})
		if err != nil {
			t.Fatalf("SignOn: %v", err)
		}
		if cl.Identification().Manufacturer != "LGZ" {
			t.Errorf("identification = %+v", cl.Identification())
		}
		want := time.Duration(len(tail))*time.Second/30 + 200*time.Millisecond
		if _, req, ok := h.port.find(0, "write", "/?!"); !ok || (req.at-want).Abs() > time.Microsecond {
			t.Errorf("request at %v, want %v (the tail, then 200 ms of silence)", req.at, want)
		}
		h.stop(t)
	})
}
