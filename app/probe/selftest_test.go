package probe_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/sim"
)

func TestSelfTest(t *testing.T) {
	tests := []struct {
		name   string
		port   func(t *testing.T) *sim.End
		kind   probe.Kind
		echo   bool
		action string // part of the advice
	}{
		{name: "good meter", port: func(t *testing.T) *sim.End { return optical(t, newMeter(t, nil), sim.LineConfig{}) }},
		{name: "echoing head on a meter that ignores its speed", port: func(t *testing.T) *sim.End {
			return optical(t, newMeter(t, sim.Quirks{sim.QuirkIREcho: true, sim.QuirkIgnoreBaud: true}), sim.LineConfig{})
		}, echo: true},
		{name: "nothing answers", port: func(t *testing.T) *sim.End {
			end, far := sim.NewLine(sim.LineConfig{})
			t.Cleanup(func() { end.Close(); far.Close() })
			return end
		}, kind: probe.KindNoAnswer, action: "Clean the optical head and seat the probe on the port"},
		{name: "echo only", port: func(t *testing.T) *sim.End {
			end, far := sim.NewLine(sim.LineConfig{Echo: true})
			t.Cleanup(func() { end.Close(); far.Close() })
			return end
		}, kind: probe.KindEchoOnly, echo: true, action: "Probe cable reversed"},
		{name: "garbled", port: func(t *testing.T) *sim.End { return fakeMeter(t, garbles, sim.LineConfig{}) }, kind: probe.KindGarbled, action: "clean the head"},
		{name: "answered then stopped", port: func(t *testing.T) *sim.End { return fakeMeter(t, stopsAfterID, sim.LineConfig{}) },
			kind: probe.KindStopped, action: "Meter optical port may be disabled; try the service menu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				port := tt.port(t)
				start := time.Now()
				rep, err := probe.SelfTest(context.Background(), port, probe.Options{})
				if rep == nil {
					t.Fatal("SelfTest returned no report")
				}
				if rep.Passed != (err == nil) || rep.Kind != tt.kind || probe.KindOf(err) != tt.kind {
					t.Fatalf("SelfTest = %+v, %v; want kind %v", rep, err, tt.kind)
				}
				if rep.Echo != tt.echo {
					t.Errorf("echo = %t, want %t", rep.Echo, tt.echo)
				}
				if !strings.Contains(rep.Action, tt.action) || rep.Title == "" {
					t.Errorf("advice %q: %q, want an action containing %q", rep.Title, rep.Action, tt.action)
				}
				if len(rep.Checks) < 3 {
					t.Errorf("checks = %+v", rep.Checks)
				}
				// Self-test never tries direct HDLC: at most three attempts,
				// and one repeat of a sign-on that failed.
				if len(rep.Attempts) > 4 || time.Since(start) > 90*time.Second {
					t.Errorf("%d attempts in %v of line time", len(rep.Attempts), time.Since(start))
				}
			})
		})
	}
}

func TestAdvice(t *testing.T) {
	for k := probe.KindOther; k <= probe.KindCanceled; k++ {
		err := &probe.Error{Op: "detect", Kind: k, Err: probe.ErrNotDetected}
		title, action := probe.Advice(err)
		if title == "" || action == "" || strings.Contains(action, "probe:") {
			t.Errorf("Advice(%v) = %q, %q", k, title, action)
		}
		if k.String() == "" {
			t.Errorf("Kind %d has no name", k)
		}
	}
	if title, action := probe.Advice(nil); title != "" || action != "" {
		t.Errorf("Advice(nil) = %q, %q", title, action)
	}
	err := &probe.Error{Op: "detect", Kind: probe.KindPort, Err: hinted{}}
	if _, action := probe.Advice(err); action != "Add your user to the dialout group" {
		t.Errorf("Advice of a port error with a hint = %q", action)
	}
}

// hinted is a port error with its own hint, as serial and usb errors have.
type hinted struct{}

func (hinted) Error() string { return "serial: permission denied" }
func (hinted) Hint() string  { return "Add your user to the dialout group" }

func TestKindText(t *testing.T) {
	for k := probe.KindOther; k <= probe.KindCanceled; k++ {
		b, err := k.MarshalText()
		var back probe.Kind
		if err != nil || back.UnmarshalText(b) != nil || back != k {
			t.Errorf("Kind %d → %q → %d", k, b, back)
		}
	}
	var k probe.Kind
	if err := k.UnmarshalText([]byte("teleported")); err == nil {
		t.Errorf("unknown kind accepted")
	}
}
