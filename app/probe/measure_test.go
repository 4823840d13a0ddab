package probe_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/sim"
)

// TestMeasureDetectTime prints how much line time Detect and SelfTest take
// per kind of meter, in virtual time: what a field engineer waits for on
// site. Run the table with SMETSKIT_MEASURE=1; without it one row runs as
// an ordinary test.
func TestMeasureDetectTime(t *testing.T) {
	rows := []struct {
		name string
		port func(t *testing.T) *sim.End
	}{
		{name: "ESME, mode E at 9600", port: func(t *testing.T) *sim.End {
			return optical(t, newMeter(t, nil), sim.LineConfig{Turnaround: 20 * time.Millisecond})
		}},
		{name: "ESME ignoring its speed", port: func(t *testing.T) *sim.End {
			return optical(t, newMeter(t, sim.Quirks{sim.QuirkIgnoreBaud: true}), sim.LineConfig{Turnaround: 20 * time.Millisecond})
		}},
		{name: "ESME, slow reaction and echo", port: func(t *testing.T) *sim.End {
			return optical(t, newMeter(t, sim.Quirks{sim.QuirkSlowReaction: true, sim.QuirkIREcho: true}), sim.LineConfig{Turnaround: 20 * time.Millisecond})
		}},
		{name: "mode C only", port: func(t *testing.T) *sim.End { return fakeMeter(t, modeCOnly, sim.LineConfig{}) }},
		{name: "hub, direct HDLC at 2400", port: func(t *testing.T) *sim.End { return serveHub(t, 2400) }},
		{name: "nothing on the line", port: func(t *testing.T) *sim.End {
			end, far := sim.NewLine(sim.LineConfig{})
			t.Cleanup(func() { end.Close(); far.Close() })
			return end
		}},
	}
	if os.Getenv("SMETSKIT_MEASURE") != "1" {
		rows = rows[:1]
	}
	t.Logf("%-32s %12s %8s %12s %s", "meter", "detect", "attempts", "self-test", "found")
	for _, r := range rows {
		var took, tested time.Duration
		var attempts int
		var found string
		synctest.Test(t, func(t *testing.T) {
			port := r.port(t)
			start := time.Now()
			res, err := probe.Detect(context.Background(), port, probe.Options{})
			took = time.Since(start)
			if err != nil {
				found = probe.KindOf(err).String()
				var pe *probe.Error
				if errors.As(err, &pe) {
					attempts = pe.Attempts
				}
			} else {
				found = string(res.Protocol)
				attempts = len(res.Attempts)
			}
		})
		synctest.Test(t, func(t *testing.T) {
			port := r.port(t)
			start := time.Now()
			probe.SelfTest(context.Background(), port, probe.Options{})
			tested = time.Since(start)
		})
		t.Logf("%-32s %12v %8d %12v %s", r.name, took.Round(time.Millisecond), attempts, tested.Round(time.Millisecond), found)
	}
}
