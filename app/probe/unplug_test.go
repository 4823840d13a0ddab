package probe_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/sim"
)

// unplugging is a probe that is pulled out a moment after the line
// switches to the given format: its reads and writes fail from then on,
// as a serial port's do when the USB adapter goes away.
type unplugging struct {
	*sim.End
	format string
	after  time.Duration
	once   sync.Once
	gone   chan struct{}
}

func (u *unplugging) SetLine(baud int, format string) error {
	if format == u.format {
		u.once.Do(func() {
			time.AfterFunc(u.after, func() {
				u.End.Close()
				close(u.gone)
			})
		})
	}
	return u.End.SetLine(baud, format)
}

func TestDetectProbeUnpluggedMidRead(t *testing.T) {
	tests := []struct {
		name   string
		format string
		after  time.Duration
	}{
		{name: "during the sign-on", format: "7E1", after: 300 * time.Millisecond},
		{name: "during HDLC", format: "8N1", after: 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				end := optical(t, newMeter(t, nil), sim.LineConfig{})
				port := &unplugging{End: end, format: tt.format, after: tt.after, gone: make(chan struct{})}
				opt := probe.Options{AttemptTimeout: 20 * time.Second}
				start := time.Now()
				_, err := probe.Detect(context.Background(), port, opt)
				took := time.Since(start) // virtual time: deterministic
				select {
				case <-port.gone:
				default:
					t.Fatalf("Detect returned %v before the probe was pulled out", err)
				}
				if probe.KindOf(err) != probe.KindPort || !errors.Is(err, probe.ErrPort) {
					t.Fatalf("Detect = %v (kind %v), want KindPort", err, probe.KindOf(err))
				}
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
					t.Errorf("Detect = %v, want the port's own error inside", err)
				}
				if took > opt.AttemptTimeout {
					t.Errorf("Detect took %v of line time, want less than the attempt deadline %v", took, opt.AttemptTimeout)
				}
				if title, _ := probe.Advice(err); title != "The probe stopped working" {
					t.Errorf("Advice title %q", title)
				}
			})
		})
	}
}

func TestDetectLineBreaks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The line breaks for good 40 characters in: during the
		// identification.
		end := optical(t, newMeter(t, nil), sim.LineConfig{Faults: sim.Faults{DisconnectAfter: 40}})
		start := time.Now()
		_, err := probe.Detect(context.Background(), end, probe.Options{})
		if probe.KindOf(err) != probe.KindPort || !errors.Is(err, sim.ErrDisconnected) {
			t.Fatalf("Detect = %v, want KindPort wrapping sim.ErrDisconnected", err)
		}
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("Detect took %v of line time", took)
		}
	})
}

func TestDetectCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		end, far := sim.NewLine(sim.LineConfig{})
		defer far.Close()
		defer end.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := probe.Detect(ctx, end, probe.Options{})
		if probe.KindOf(err) != probe.KindCanceled || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Detect = %v, want KindCanceled wrapping the deadline", err)
		}
		if took := time.Since(start); took > 3*time.Second+100*time.Millisecond {
			t.Errorf("Detect returned %v after its deadline", took-3*time.Second)
		}
	})
}
