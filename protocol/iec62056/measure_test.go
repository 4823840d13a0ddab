package iec62056_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
)

// TestMeasureReadoutTime measures, in virtual line time, how long a mode C
// sign-on and readout take at each speed and readout size, with the
// default timing (200 ms reaction time, 250 ms switch delay) and an IR
// echo. Run the full table with SMETSKIT_MEASURE=1 go test -run
// TestMeasure -v; without the variable it runs one small case, so it
// cannot rot.
func TestMeasureReadoutTime(t *testing.T) {
	bauds := []iec62056.Char{'0', '2', '4', '5', '6'}
	sizes := []int{10, 100, 1000}
	if os.Getenv("SMETSKIT_MEASURE") != "1" {
		bauds, sizes = []iec62056.Char{'4'}, []int{10}
	}
	t.Logf("%6s %6s %8s %12s", "baud", "lines", "bytes", "line time")
	for _, z := range bauds {
		for _, n := range sizes {
			ro := &iec62056.Readout{}
			for i := range n {
				ro.Records = append(ro.Records, iec62056.Record{
					Address: fmt.Sprintf("1-0:1.8.%d*255", i%64),
					Values:  []iec62056.Value{{Value: fmt.Sprintf("%011.4f", float64(i)), Unit: "kWh"}},
				})
			}
			var took time.Duration
			synctest.Test(t, func(t *testing.T) {
				id := landis
				id.Baud = z
				h := start(t, &fakeMeter{id: id, readout: ro}, true)
				ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
				defer cancel()
				begin := time.Now()
				cl, err := iec62056.SignOn(ctx, h.port, iec62056.Options{Echo: true})
				if err != nil {
					t.Fatalf("SignOn: %v", err)
				}
				got, err := cl.ReadOut(ctx)
				if err != nil {
					t.Fatalf("ReadOut: %v", err)
				}
				if len(got.Records) != n {
					t.Fatalf("%d records, want %d", len(got.Records), n)
				}
				took = time.Since(begin)
				h.stop(t)
			})
			rate, _ := iec62056.BaudRate(z)
			t.Logf("%6d %6d %8d %12v", rate, n, len(ro.Bytes()), took.Round(time.Millisecond))
		}
	}
}
