package usb

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
)

// These tests hand the USB port to the IEC 62056-21 session driver, over
// each fake chip, in virtual time: the meter on the far side of the chip
// answers at the speed it agreed and garbles what the chip sends at any
// other, as a real UART would. The exact times of the chip's speed
// changes are then known, and checked against what iec62056 asks for.

// fakeMeter is the far end of the line.
type fakeMeter struct {
	line     *fakeLine
	ident    string
	pending  []byte
	events   []string
	optionAt time.Time
}

// next returns the next complete message the host sent.
func (m *fakeMeter) next(ctx context.Context) ([]byte, error) {
	for {
		if n, err := iec62056.FrameLength(m.pending, false); err != nil {
			return nil, fmt.Errorf("meter: bad bytes %q: %v", m.pending, err)
		} else if n > 0 {
			msg := m.pending[:n]
			m.pending = m.pending[n:]
			return msg, nil
		}
		select {
		case b := <-m.line.toLine:
			for _, x := range b {
				m.pending = append(m.pending, x&0x7F)
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("meter: %w with %q pending", ctx.Err(), m.pending)
		}
	}
}

// answer sends msg after the meter's reaction time, at baud and format;
// if the chip is set otherwise, the host gets noise instead.
func (m *fakeMeter) answer(msg []byte, baud int, format string) {
	time.Sleep(200 * time.Millisecond) // tr, IEC 62056-21 §6.3.14
	b, f := m.line.setting()
	m.events = append(m.events, fmt.Sprintf("answer at %d %s, chip at %d %s", baud, format, b, f))
	if b != baud || f != format {
		msg = []byte{0xFF, 0x00, 0xF0}
	}
	m.line.send(msg)
}

// run plays one sign-on, then a readout (mode C) or the mode E hand-over.
func (m *fakeMeter) run(ctx context.Context, modeE bool) error {
	msg, err := m.next(ctx)
	if err != nil {
		return err
	}
	if cm, err := iec62056.ParseClientMessage(msg); err != nil || cm.Request == nil {
		return fmt.Errorf("meter: want a request, got %q", msg)
	}
	m.answer([]byte(m.ident), 300, "7E1")
	if msg, err = m.next(ctx); err != nil {
		return err
	}
	m.optionAt = time.Now()
	cm, err := iec62056.ParseClientMessage(msg)
	if err != nil || cm.OptionSelect == nil {
		return fmt.Errorf("meter: want an option select, got %q", msg)
	}
	time.Sleep(6 * 10 * time.Second / 300) // the option select's 6 characters on the line
	if modeE {
		// The HDLC side speaks first: wait for its flag at 9600 8N1.
		select {
		case b := <-m.line.toLine:
			baud, f := m.line.setting()
			m.events = append(m.events, fmt.Sprintf("received %x, chip at %d %s", b, baud, f))
		case <-ctx.Done():
			return fmt.Errorf("meter: no HDLC bytes: %w", ctx.Err())
		}
		return nil
	}
	ro := &iec62056.Readout{Records: []iec62056.Record{
		{Address: "0.0.0", Values: []iec62056.Value{{Value: "12345678"}}},
		{Address: "1.8.0", Values: []iec62056.Value{{Value: "015882.6927", Unit: "kWh"}}},
	}}
	m.answer(ro.Bytes(), 9600, "7E1")
	return nil
}

type chipCase struct {
	name string
	open func() (*fakeLine, *Port, error)
}

var chipCases = []chipCase{
	{"FTDI", func() (*fakeLine, *Port, error) {
		f := newFakeFTDI(FTDIX, 64)
		p, err := openFakeFTDI(f, 9600, "8N1")
		return &f.fakeLine, p, err
	}},
	{"CP210x", func() (*fakeLine, *Port, error) {
		c := newFakeCP210x()
		p, err := openFakeCP210x(c, 9600, "8N1")
		return &c.fakeLine, p, err
	}},
}

// changes lists the chip's settings from since on. Speed and format are
// two requests; of the changes at one instant only the last counts.
func changes(l *fakeLine, since time.Time) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for i, c := range l.changes {
		if c.at.Before(since) || i+1 < len(l.changes) && l.changes[i+1].at.Equal(c.at) {
			continue
		}
		out = append(out, fmt.Sprintf("+%v %d %s", c.at.Sub(since), c.baud, c.format))
	}
	return out
}

// TestSessionReadOut: SignOn and a mode C readout through each chip. The
// chip is at 300 7E1 for the sign-on, switches to 9600 7E1 exactly
// BaudSwitchDelay (250 ms) after the option select was written, which
// is after its 6 characters (200 ms) left the line and before the meter
// answers (200 ms + tr), and goes back to 300 7E1 after the readout.
func TestSessionReadOut(t *testing.T) {
	for _, cc := range chipCases {
		t.Run(cc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				line, p, err := cc.open()
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close()
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				start := time.Now()
				m := &fakeMeter{line: line, ident: "/SMK5GB-ESME\r\n"}
				done := make(chan error, 1)
				go func() { done <- m.run(ctx, false) }()

				cl, err := iec62056.SignOn(ctx, p, iec62056.Options{})
				if err != nil {
					t.Fatalf("SignOn() = %v", err)
				}
				ro, err := cl.ReadOut(ctx)
				if err != nil {
					t.Fatalf("ReadOut() = %v (meter: %v)", err, m.events)
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				if ro.Baud != 9600 || len(ro.Records) != 2 || ro.StayedAtOldSpeed {
					t.Errorf("ReadOut() = %+v", ro)
				}
				// The option select was written the moment it arrived
				// (the fake's transfers take no virtual time).
				got := fmt.Sprint(changes(line, start))
				switchAt := m.optionAt.Add(250 * time.Millisecond).Sub(start)
				want := fmt.Sprintf("[+0s 300 7E1 +%v 9600 7E1 +%v 300 7E1]", switchAt, time.Since(start))
				if got != want {
					t.Errorf("chip settings %s, want %s", got, want)
				}
				if fmt.Sprint(m.events) != "[answer at 300 7E1, chip at 300 7E1 answer at 9600 7E1, chip at 9600 7E1]" {
					t.Errorf("meter saw %q", m.events)
				}
			})
		})
	}
}

// TestSessionModeE: the hand-over to HDLC switches the chip to 9600 8N1
// exactly ModeEDelay (1 s) after the option select, and the first HDLC
// byte goes out at that setting.
func TestSessionModeE(t *testing.T) {
	for _, cc := range chipCases {
		t.Run(cc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				line, p, err := cc.open()
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close()
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				start := time.Now()
				m := &fakeMeter{line: line, ident: "/SMK5\\2GB-ESME\r\n"}
				done := make(chan error, 1)
				go func() { done <- m.run(ctx, true) }()

				cl, err := iec62056.SignOn(ctx, p, iec62056.Options{})
				if err != nil {
					t.Fatalf("SignOn() = %v", err)
				}
				link, err := cl.EnterModeE(ctx)
				if err != nil {
					t.Fatalf("EnterModeE() = %v", err)
				}
				if _, err := link.Write([]byte{0x7E}); err != nil {
					t.Fatal(err)
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				got := fmt.Sprint(changes(line, start))
				want := fmt.Sprintf("[+0s 300 7E1 +%v 9600 8N1]", m.optionAt.Add(time.Second).Sub(start))
				if got != want {
					t.Errorf("chip settings %s, want %s", got, want)
				}
				if last := m.events[len(m.events)-1]; last != "received 7e, chip at 9600 8N1" {
					t.Errorf("meter: %s", last)
				}
			})
		})
	}
}
