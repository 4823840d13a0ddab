package diagnose

import (
	"context"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/sim"
)

// TestMeasureOpticalProfile measures, in virtual time, how long a load
// profile read takes over the optical port at 9600 Bd (HDLC 128/1, the
// simulated meter's defaults): line time per day of half-hourly data.
// With SMETSKIT_MEASURE=1 it reads 1, 7 and 31 days and prints a table;
// otherwise one day, so it cannot rot.
func TestMeasureOpticalProfile(t *testing.T) {
	days := []int{1}
	if os.Getenv("SMETSKIT_MEASURE") == "1" {
		days = []int{1, 7, 31}
	}
	t.Logf("%6s %6s %10s %12s %10s", "days", "rows", "bytes", "line time", "rows/s")
	for _, n := range days {
		synctest.Test(t, func(t *testing.T) {
			m := newMeter(t, nil)
			probe, port := sim.NewLine(sim.LineConfig{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.ServeOptical(ctx, port) }()
			defer func() {
				cancel()
				probe.Close()
				<-done
			}()
			s, err := Open(ctx, Optical(probe, OpticalConfig{ClientSAP: sim.SAPReader, ServerLogical: 1,
				ServerPhysical: sim.HDLCPhysical}), readerConfig(m.Clock))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close(ctx)
			_, _, before := s.Trace()
			now := m.Clock.Now()
			start := time.Now()
			p, err := s.Profile(ctx, sim.LoadProfileOBIS, now.Add(-time.Duration(n)*24*time.Hour), now)
			if err != nil {
				t.Fatalf("Profile: %v", err)
			}
			el := time.Since(start)
			_, _, after := s.Trace()
			if len(p.Rows) < n*46 {
				t.Errorf("%d days: %d rows", n, len(p.Rows))
			}
			t.Logf("%6d %6d %10d %12s %10.1f", n, len(p.Rows), after-before, el.Round(100*time.Millisecond),
				float64(len(p.Rows))/el.Seconds())
		})
	}
}
