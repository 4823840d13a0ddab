package diagnose

import (
	"context"
	"fmt"
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

// TestMeasureInstantaneousRefresh measures, in virtual time, what one
// refresh of the instantaneous values costs over the optical port at
// 9600 Bd: the first read (values and scaler_units, one request per
// register) against later ones (one GET-with-list of the values), as a
// live view repeats every few seconds. With SMETSKIT_MEASURE=1 it averages
// 50 refreshes and prints a table; otherwise 3, so it cannot rot.
func TestMeasureInstantaneousRefresh(t *testing.T) {
	n := 3
	if os.Getenv("SMETSKIT_MEASURE") == "1" {
		n = 50
	}
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
		measure := func() (time.Duration, int64, int) {
			_, _, before := s.Trace()
			start := time.Now()
			vals, err := s.Instantaneous(ctx)
			if err != nil || len(vals) == 0 {
				t.Fatalf("Instantaneous = %d values, %v", len(vals), err)
			}
			_, _, after := s.Trace()
			return time.Since(start), after - before, len(vals)
		}
		firstTime, firstBytes, values := measure()
		var total time.Duration
		var bytes int64
		for range n {
			el, b, _ := measure()
			total += el
			bytes += b
		}
		refresh := total / time.Duration(n)
		if refresh >= firstTime {
			t.Errorf("a refresh takes %s, the first read %s: want the refresh cheaper", refresh, firstTime)
		}
		t.Logf("%-14s %7s %10s %12s", "read", "values", "APDU bytes", "line time")
		t.Logf("%-14s %7d %10d %12s", "first", values, firstBytes, firstTime.Round(time.Millisecond))
		t.Logf("%-14s %7d %10d %12s", fmt.Sprintf("refresh (×%d)", n), values, bytes/int64(n), refresh.Round(time.Millisecond))
	})
}
