package ui

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// chartSeries turns bytes into a series: 8 bytes per value (any float64
// bit pattern, NaN and infinities included), one interval apart.
func chartSeries(b []byte, step time.Duration) ([]time.Time, []float64) {
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	var ts []time.Time
	var vs []float64
	for i := 0; i+8 <= len(b) && len(vs) < 5000; i += 8 {
		vs = append(vs, math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
		ts = append(ts, start.Add(time.Duration(len(ts))*step))
	}
	return ts, vs
}

func TestChartDrawsAndDownsamples(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name     string
		n        int
		wantMax  int
		nanEvery int
	}{
		{"a day", 48, 48, 0},
		{"a year of half-hours", 17520, maxChartSegments + 1, 0},
		{"gaps", 48, 48, 5},
	}
	for _, tt := range tests {
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		ts := make([]time.Time, tt.n)
		vs := make([]float64, tt.n)
		for i := range ts {
			ts[i] = start.Add(time.Duration(i) * 30 * time.Minute)
			vs[i] = float64(i % 7)
			if tt.nanEvery > 0 && i%tt.nanEvery == 0 {
				vs[i] = math.NaN()
			}
		}
		c := NewProfileChart()
		c.SetSeries(tt.name, "Wh", ts[0], ts[len(ts)-1], ts, vs)
		r := test.WidgetRenderer(c).(*chartRenderer)
		r.Layout(fyne.NewSize(600, 300))
		if got := len(r.xs); got == 0 || got > tt.wantMax {
			t.Errorf("%s: %d points drawn, want 1..%d", tt.name, got, tt.wantMax)
		}
		for i := range r.xs {
			if r.xs[i] < 0 || r.xs[i] > 1 || r.ys[i] < 0 || r.ys[i] > 1 {
				t.Fatalf("%s: point %d at (%v, %v), outside the plot", tt.name, i, r.xs[i], r.ys[i])
			}
		}
	}
}

// FuzzChartSeries: no series, however odd its values, panics the chart or
// puts a point outside the plot.
func FuzzChartSeries(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40}, int64(30*time.Minute))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, int64(0))                                // NaN, zero span
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0, 0, 0, 0, 0, 0, 0xf0, 0xff}, int64(-1)) // ±Inf, backwards
	test.NewTempApp(f)
	f.Fuzz(func(t *testing.T, b []byte, step int64) {
		ts, vs := chartSeries(b, time.Duration(step))
		c := NewProfileChart()
		from, to := time.Time{}, time.Time{}
		if len(ts) > 0 {
			from, to = ts[0], ts[len(ts)-1]
			if to.Before(from) {
				from, to = to, from
			}
		}
		c.SetSeries("fuzz", "Wh", from, to, ts, vs)
		r := test.WidgetRenderer(c).(*chartRenderer)
		r.Layout(fyne.NewSize(300, 200))
		for i := range r.xs {
			if !(r.xs[i] >= 0 && r.xs[i] <= 1 && r.ys[i] >= 0 && r.ys[i] <= 1) {
				t.Fatalf("point %d at (%v, %v), outside the plot", i, r.xs[i], r.ys[i])
			}
		}
		if d, ok := intervals(vs); ok && len(d) != len(vs)-1 {
			t.Fatalf("intervals of %d values gave %d", len(vs), len(d))
		}
	})
}
