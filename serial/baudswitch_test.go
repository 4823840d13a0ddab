//go:build linux

package serial_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/serial"
)

// This file runs the IEC 62056-21 session driver over a real serial port
// (the slave end of a pseudo-terminal opened with serial.Open) against a
// tiny meter on the master end. A pty carries bytes instantly whatever
// the speed, so the test checks what a real line would care about: the
// order of the speed changes, their timing measured around the port, and
// the speed the meter side reads back from the kernel's termios. (The
// character format is checked on the SetLine calls only: Linux forces a
// pty's termios to CS8 without parity, whatever was set.)

// portCall is one Write or SetLine seen by recordingPort.
type portCall struct {
	at     time.Time
	write  []byte
	baud   int
	format string
}

// recordingPort is a serial.Port that logs writes and speed changes.
type recordingPort struct {
	*serial.Port
	mu    sync.Mutex
	calls []portCall
}

func (r *recordingPort) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.calls = append(r.calls, portCall{at: time.Now(), write: append([]byte(nil), b...)})
	r.mu.Unlock()
	return r.Port.Write(b)
}

func (r *recordingPort) SetLine(baud int, format string) error {
	r.mu.Lock()
	r.calls = append(r.calls, portCall{at: time.Now(), baud: baud, format: format})
	r.mu.Unlock()
	return r.Port.SetLine(baud, format)
}

// lineSetting is the slave's speed and format as termios holds them.
type lineSetting struct {
	baud   int
	format string
}

// slaveSetting reads the slave's termios through the master (on Linux the
// master's TCGETS reports its slave's settings).
func slaveSetting(master *os.File) (lineSetting, error) {
	tio, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS)
	if err != nil {
		return lineSetting{}, err
	}
	rates := map[uint32]int{unix.B300: 300, unix.B600: 600, unix.B1200: 1200, unix.B2400: 2400,
		unix.B4800: 4800, unix.B9600: 9600, unix.B19200: 19200}
	s := lineSetting{baud: rates[tio.Cflag&unix.CBAUD]}
	bits := map[uint32]byte{unix.CS5: '5', unix.CS6: '6', unix.CS7: '7', unix.CS8: '8'}[tio.Cflag&unix.CSIZE]
	par := byte('N')
	if tio.Cflag&unix.PARENB != 0 {
		par = 'E'
		if tio.Cflag&unix.PARODD != 0 {
			par = 'O'
		}
	}
	stop := byte('1')
	if tio.Cflag&unix.CSTOPB != 0 {
		stop = '2'
	}
	s.format = string([]byte{bits, par, stop})
	return s, nil
}

// charTime is one character of 10 bits (7E1 and 8N1 alike) at baud.
func charTime(baud int) time.Duration { return 10 * time.Second / time.Duration(baud) }

// meterLog is what the tiny meter saw.
type meterLog struct {
	atRequest   lineSetting // slave setting when the request arrived
	optionAt    time.Time   // when the option select arrived
	last300     time.Time   // last sample still at 300 Bd after it
	first9600   time.Time   // first sample at 9600 Bd
	atReadout   lineSetting // setting when the readout was sent
	optionBytes []byte
}

// tinyMeter answers one sign-on and one mode C readout at 9600 Bd, checking
// the slave's speed through the master as a real meter's UART would by
// garbling. It returns when the readout is sent, or on a failure.
func tinyMeter(master *os.File, ident string, readout *iec62056.Readout) (*meterLog, error) {
	in := make(chan []byte, 16)
	go func() {
		defer close(in)
		buf := make([]byte, 256)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				in <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				return
			}
		}
	}()
	var pending []byte
	next := func() ([]byte, error) {
		for {
			if n, err := iec62056.FrameLength(pending, false); err == nil && n > 0 {
				msg := pending[:n]
				pending = pending[n:]
				return msg, nil
			} else if err != nil {
				return nil, fmt.Errorf("meter: bad bytes %q: %v", pending, err)
			}
			select {
			case b, ok := <-in:
				if !ok {
					return nil, fmt.Errorf("meter: line closed after %q", pending)
				}
				for _, x := range b {
					pending = append(pending, x&0x7F)
				}
			case <-time.After(5 * time.Second):
				return nil, fmt.Errorf("meter: nothing from the client, have %q", pending)
			}
		}
	}
	log := &meterLog{}
	msg, err := next()
	if err != nil {
		return log, err
	}
	if cm, err := iec62056.ParseClientMessage(msg); err != nil || cm.Request == nil {
		return log, fmt.Errorf("meter: want a request, got %q (%v)", msg, err)
	}
	if log.atRequest, err = slaveSetting(master); err != nil {
		return log, err
	}
	if _, err := master.Write([]byte(ident)); err != nil {
		return log, err
	}
	if msg, err = next(); err != nil {
		return log, err
	}
	log.optionAt = time.Now()
	log.optionBytes = append([]byte(nil), msg...)
	cm, err := iec62056.ParseClientMessage(msg)
	if err != nil || cm.OptionSelect == nil {
		return log, fmt.Errorf("meter: want an option select, got %q (%v)", msg, err)
	}
	// The ACK takes 6 characters at 300 Bd on a real line; the meter
	// answers a reaction time (≥ 200 ms, ≤ 1500 ms) after its last
	// character, at the new speed. Sample the slave's speed until it
	// changes, within the longest reaction time.
	lineEnd := log.optionAt.Add(6 * charTime(300))
	limit := lineEnd.Add(1500 * time.Millisecond)
	for {
		s, err := slaveSetting(master)
		if err != nil {
			return log, err
		}
		now := time.Now()
		if s.baud == 9600 {
			log.first9600 = now
			break
		}
		log.last300 = now
		if now.After(limit) {
			return log, fmt.Errorf("meter: client still at %d Bd %s 1500 ms after the option select left the line", s.baud, s.format)
		}
		time.Sleep(2 * time.Millisecond) // sampling period of the meter's view of the line, not a wait for an event
	}
	if d := time.Until(lineEnd.Add(200 * time.Millisecond)); d > 0 {
		time.Sleep(d) // the meter's reaction time: part of the emulated line
	}
	if log.atReadout, err = slaveSetting(master); err != nil {
		return log, err
	}
	for _, blk := range iec62056.ReadoutBlocks(readout, 0) {
		if _, err := master.Write(blk); err != nil {
			return log, err
		}
	}
	return log, nil
}

// TestBaudSwitchOverPTY checks that the switch sequence and delays
// iec62056 asks for reach a real serial port: SignOn sets 300 Bd 7E1,
// ReadOut sends the option select at 300 Bd, switches to the proposed
// 9600 Bd not before BaudSwitchDelay (and so not before the 6 characters
// have left the UART, 200 ms), and returns to 300 Bd after the readout.
func TestBaudSwitchOverPTY(t *testing.T) {
	tests := []struct {
		name      string
		ident     string
		wantDelay time.Duration // the driver's default BaudSwitchDelay for this meter
	}{
		{"standard reaction time", "/SMK5GB-ESME\r\n", 250 * time.Millisecond},
		{"20 ms reaction time", "/SMk5GB-ESME\r\n", 210 * time.Millisecond},
	}
	readout := &iec62056.Readout{Records: []iec62056.Record{
		{Address: "0.0.0", Values: []iec62056.Value{{Value: "12345678"}}},
		{Address: "1.8.0", Values: []iec62056.Value{{Value: "015882.6927", Unit: "kWh"}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			master, slave, err := pty.Open()
			if err != nil {
				t.Skipf("no pseudo-terminal: %v", err)
			}
			defer master.Close()
			defer slave.Close()
			sp, err := serial.Open(slave.Name(), serial.Mode{Baud: 9600})
			if err != nil {
				t.Fatalf("serial.Open(%s) = %v", slave.Name(), err)
			}
			defer sp.Close()
			port := &recordingPort{Port: sp}

			type meterResult struct {
				log *meterLog
				err error
			}
			done := make(chan meterResult, 1)
			go func() {
				l, err := tinyMeter(master, tt.ident, readout)
				done <- meterResult{l, err}
			}()

			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			cl, err := iec62056.SignOn(ctx, port, iec62056.Options{})
			if err != nil {
				t.Fatalf("SignOn() = %v", err)
			}
			ro, rerr := cl.ReadOut(ctx)
			var mr meterResult
			select {
			case mr = <-done:
			case <-ctx.Done():
				t.Fatal("meter did not finish")
			}
			if mr.err != nil {
				t.Fatalf("%v (ReadOut() = %v)", mr.err, rerr)
			}
			if rerr != nil {
				t.Fatalf("ReadOut() = %v", rerr)
			}
			m := mr.log

			if ro.Baud != 9600 || len(ro.Records) != 2 || ro.Records[1].Values[0].Value != "015882.6927" {
				t.Errorf("ReadOut() = %+v, want the meter's two records at 9600 Bd", ro)
			}

			// The sequence of line settings.
			port.mu.Lock()
			calls := append([]portCall(nil), port.calls...)
			port.mu.Unlock()
			var lines []string
			var optionWrite, switchAt time.Time
			for _, c := range calls {
				switch {
				case c.write == nil:
					lines = append(lines, fmt.Sprintf("%d %s", c.baud, c.format))
					if c.baud == 9600 && switchAt.IsZero() {
						switchAt = c.at
					}
				case bytes.Equal(c.write, m.optionBytes):
					optionWrite = c.at
				}
			}
			if got, want := fmt.Sprint(lines), "[300 7E1 9600 7E1 300 7E1]"; got != want {
				t.Errorf("SetLine calls %s, want %s", got, want)
			}
			if optionWrite.IsZero() || switchAt.IsZero() {
				t.Fatalf("no option select write (%v) or no switch (%v) in %d calls", optionWrite, switchAt, len(calls))
			}
			if got, want := m.optionBytes, []byte{0x06, '0', '5', '0', '\r', '\n'}; !bytes.Equal(got, want) {
				t.Errorf("option select %q, want %q", got, want)
			}

			// The delays, measured around the port. Only lower bounds are
			// asserted: they follow from the driver's own waits, whatever
			// the load on the machine.
			delay := switchAt.Sub(optionWrite)
			if delay < tt.wantDelay {
				t.Errorf("switch %v after the option select write, want ≥ %v", delay, tt.wantDelay)
			}
			if m.atRequest.baud != 300 {
				t.Errorf("meter saw the request at %+v, want 300 Bd", m.atRequest)
			}
			if ackOnLine := optionWrite.Add(6 * charTime(300)); m.first9600.Before(ackOnLine) {
				t.Errorf("port at 9600 Bd %v after the option select write, before its 6 characters left the line at 300 Bd",
					m.first9600.Sub(optionWrite))
			}
			if m.atReadout.baud != 9600 {
				t.Errorf("meter sent the readout while the port was at %+v, want 9600 Bd", m.atReadout)
			}
			final, _ := slaveSetting(master)
			if final.baud != 300 || sp.Mode().String() != "300 Bd 7E1" {
				t.Errorf("port left at %+v (Mode %v) after the readout, want 300 Bd 7E1", final, sp.Mode())
			}
			t.Logf("option select written → SetLine(9600): %v (driver delay %v); meter saw 9600 Bd %v after the select arrived",
				delay.Round(time.Millisecond), tt.wantDelay, m.first9600.Sub(m.optionAt).Round(time.Millisecond))
		})
	}
}
