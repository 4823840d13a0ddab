package ui

import (
	"encoding/binary"
	"image"
	"image/color"
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
		if img := r.draw(300, 200); img.Bounds().Dx() != 300 || img.Bounds().Dy() != 200 {
			t.Fatalf("drawn at %v, want 300×200", img.Bounds())
		}
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

// seriesPixel reports whether the pixel at (x, y) or one next to it is
// mostly the series' colour.
func seriesPixel(img image.Image, x, y int, want color.Color) bool {
	wr, wg, wb, _ := want.RGBA()
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			r, g, b, a := img.At(x+dx, y+dy).RGBA()
			if a < 0xc000 {
				continue
			}
			// Un-premultiply and compare within a few percent.
			r, g, b = r*0xffff/a, g*0xffff/a, b*0xffff/a
			near := func(p, q uint32) bool { return max(p, q)-min(p, q) < 0x1000 }
			if near(r, wr) && near(g, wg) && near(b, wb) {
				return true
			}
		}
	}
	return false
}

// The chart is one image: the series lies where its points are, in the
// accent colour, at any pixel scale; between points and off the line the
// image is transparent so the background shows; the axes are drawn.
func TestChartDrawsTheSeriesAsOneImage(t *testing.T) {
	test.NewTempApp(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// A ramp 0..8 then flat at 8, with a gap (NaN) the line bridges.
	var ts []time.Time
	var vs []float64
	for i := range 17 {
		ts = append(ts, start.Add(time.Duration(i)*30*time.Minute))
		vs = append(vs, math.Min(float64(i), 8))
	}
	vs[12] = math.NaN()
	c := NewProfileChart()
	c.SetSeries("ramp", "Wh", ts[0], ts[len(ts)-1], ts, vs)
	r := test.WidgetRenderer(c).(*chartRenderer)
	size := fyne.NewSize(400, 200)
	r.Layout(size)
	if n := len(r.Objects()); n > 6 {
		t.Errorf("renderer holds %d objects, want the background, the image and 4 texts", n)
	}
	for _, scale := range []float32{1, 2} {
		pw, ph := int(size.Width*scale), int(size.Height*scale)
		img := r.draw(pw, ph)
		if img.Bounds() != image.Rect(0, 0, pw, ph) {
			t.Fatalf("scale %v: image %v, want %d×%d", scale, img.Bounds(), pw, ph)
		}
		at := func(x, y float64) (int, int) {
			return int((float64(r.left) + x*float64(r.w)) * float64(scale)),
				int((float64(r.top) + (1-y)*float64(r.h)) * float64(scale))
		}
		for _, p := range []struct{ x, y float64 }{
			{0, 0}, {2.5 / 16, 2.5 / 8}, {4.0 / 16, 0.5}, {12.0 / 16, 1}, {1, 1},
		} {
			x, y := at(p.x, p.y)
			if !seriesPixel(img, x, y, r.accent) {
				t.Errorf("scale %v: no series at (%d, %d) for point (%.2f, %.2f): %v", scale, x, y, p.x, p.y, img.At(x, y))
			}
		}
		// Well above the ramp's start the plot is empty.
		if x, y := at(1.0/16, 0.9); img.At(x, y).(color.NRGBA).A != 0 {
			t.Errorf("scale %v: pixel (%d, %d) off the line is %v, want transparent", scale, x, y, img.At(x, y))
		}
		// The axes: the y axis at the plot's left edge, the x axis at its foot.
		x, y := at(0, 0.5)
		if a := img.At(x, y).(color.NRGBA).A; a == 0 {
			t.Errorf("scale %v: no y axis at (%d, %d)", scale, x, y)
		}
		x, y = at(0.5, 0)
		if a := img.At(x, y).(color.NRGBA).A; a == 0 {
			t.Errorf("scale %v: no x axis at (%d, %d)", scale, x, y)
		}
	}

	// An empty chart draws its axes only; an absurd size is capped.
	c.SetSeries("", "", time.Time{}, time.Time{}, nil, nil)
	img := r.draw(1<<20, 0)
	if b := img.Bounds(); b.Dx() > maxChartPixels || b.Dy() < 1 {
		t.Errorf("image of an absurd size is %v", b)
	}
}

// BenchmarkChartDraw rasterises a 13-month series (downsampled to
// maxChartSegments) at a typical window's chart size: the work the event
// goroutine does each time the chart is drawn anew.
func BenchmarkChartDraw(b *testing.B) {
	test.NewTempApp(b)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 19404
	ts := make([]time.Time, n)
	vs := make([]float64, n)
	for i := range ts {
		ts[i] = start.Add(time.Duration(i) * 30 * time.Minute)
		vs[i] = math.Abs(math.Sin(float64(i)/7)) * 500
	}
	c := NewProfileChart()
	c.SetSeries("bench", "Wh", ts[0], ts[n-1], ts, vs)
	r := test.WidgetRenderer(c).(*chartRenderer)
	r.Layout(fyne.NewSize(800, 300))
	b.ReportAllocs()
	for b.Loop() {
		r.draw(800, 300)
	}
	b.ReportMetric(float64(len(r.xs)-1), "segments")
}
