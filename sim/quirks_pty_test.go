//go:build linux || darwin

package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/sim"
)

// TestQuirksOverPTY reads everything from the meter through a
// pseudo-terminal and the serial package, in real time, with each quirk
// switched on in turn. ignore-baud cannot show on a pty (it has no
// speed); reboot costs the client's full time-outs (about 20 s) and is
// covered in virtual time by TestQuirkReboot; slow-reaction only signs
// on.
func TestQuirksOverPTY(t *testing.T) {
	quirks := []sim.Quirk{"", sim.QuirkIgnoreBaud, sim.QuirkInvertedDeviation, sim.QuirkTrailingBytes, sim.QuirkAARENoUserInfo,
		sim.QuirkSlowReaction, sim.QuirkIREcho, sim.QuirkCorruptEventLog}
	for _, q := range quirks {
		name := string(q)
		if name == "" {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := sim.OpenPTY("")
			if err != nil {
				t.Skipf("no pseudo-terminal: %v", err)
			}
			defer p.Close()
			m := newMeter(t, sim.Quirks{q: q != ""})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			served := make(chan error, 1)
			go func() { served <- m.ServeOptical(ctx, p) }()
			port, err := serial.Open(p.SlavePath(), serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
			if err != nil {
				t.Fatalf("serial.Open: %v", err)
			}
			opt := iec62056.Options{Echo: q == sim.QuirkIREcho, ReactionTime: 20 * time.Millisecond}
			if q == sim.QuirkSlowReaction {
				// 1.5 s per answer in real time: the sign-on alone (the
				// full read runs in virtual time in TestQuirksOneByOne).
				_, err := iec62056.SignOn(ctx, port, opt)
				port.Close()
				if err != nil {
					t.Fatalf("sign-on over a pty with %q: %v", q, err)
				}
				cancel()
				<-served
				return
			}
			r, err := readAll(ctx, port, opt)
			port.Close()
			if err != nil {
				t.Fatalf("readAll over a pty with %q: %v", q, err)
			}
			if r.objects < 25 || len(r.readout.Records) < 10 || r.events[0] == 0 {
				t.Errorf("read %d objects, %d readout records, %d events", r.objects, len(r.readout.Records), r.events[0])
			}
			cancel()
			if err := <-served; err != nil {
				t.Errorf("ServeOptical: %v", err)
			}
		})
	}
}
