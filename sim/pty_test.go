//go:build linux || darwin

package sim_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/sim"
)

// TestReadoutOverPTY reads the meter through a pseudo-terminal with the
// project's serial package, the code path a real probe uses. It runs in
// real time: 20 ms reaction time and no baud pacing on a pty.
func TestReadoutOverPTY(t *testing.T) {
	link := filepath.Join(t.TempDir(), "meter")
	p, err := sim.OpenPTY(link)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer p.Close()
	m := newMeter(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.ServeOptical(ctx, p) }()
	port, err := serial.Open(p.SlavePath(), serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
	if err != nil {
		t.Fatalf("serial.Open(%s): %v", p.SlavePath(), err)
	}
	defer port.Close()
	cl, err := iec62056.SignOn(ctx, port, iec62056.Options{})
	if err != nil {
		t.Fatalf("SignOn: %v", err)
	}
	ro, err := cl.ReadOut(ctx)
	if err != nil {
		t.Fatalf("ReadOut: %v", err)
	}
	if _, ok := ro.Lookup("1.8.0"); !ok {
		t.Errorf("no 1.8.0 in %+v", ro.Records)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeOptical: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("meter did not stop")
	}
}

// TestPTYCloseTwice: closing a pseudo-terminal twice (a deferred Close after
// an explicit one) must not panic.
func TestPTYCloseTwice(t *testing.T) {
	p, err := sim.OpenPTY("")
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	p.Close()
	p.Close()
}
