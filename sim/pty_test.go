//go:build linux || darwin

package sim_test

import (
	"context"
	"os"
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

// TestPTYCloseTwice: Close is idempotent (a deferred Close after an
// explicit one, or two goroutines at once): no panic, no error, the link
// gone.
func TestPTYCloseTwice(t *testing.T) {
	link := filepath.Join(t.TempDir(), "meter")
	p, err := sim.OpenPTY(link)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- p.Close() }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Close: %v", err)
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("third Close: %v", err)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("link %s still there after Close: %v", link, err)
	}
}
