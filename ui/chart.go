package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// maxChartSegments caps the segments drawn: a month of half-hours is 1,488
// points, a year 17,520; more segments than pixels show nothing new.
const maxChartSegments = 1500

// maxChartPixels caps the side of the chart's image: a generator asked for
// more (a huge window, a bogus scale) draws at most this many pixels a side.
const maxChartPixels = 8192

// chartStroke is the width of the series' line and chartAxis of the axes, in
// device-independent units.
const (
	chartStroke = 2
	chartAxis   = 1
)

// ProfileChart draws a load profile column against time. The series and
// its axes are one image (a canvas.Raster) drawn at the widget's pixel
// size, so the renderer holds one texture however many points there are;
// the title and time labels stay text. Its methods run on the event
// goroutine.
type ProfileChart struct {
	widget.BaseWidget

	title    string
	unit     string
	from, to time.Time
	times    []time.Time
	values   []float64
}

// NewProfileChart returns an empty chart.
func NewProfileChart() *ProfileChart {
	c := &ProfileChart{}
	c.ExtendBaseWidget(c)
	return c
}

// SetSeries replaces what the chart shows: values at times, drawn over
// [from, to]. Points outside the window are left out.
func (c *ProfileChart) SetSeries(title, unit string, from, to time.Time, times []time.Time, values []float64) {
	c.title, c.unit, c.from, c.to = title, unit, from, to
	c.times, c.values = c.times[:0], c.values[:0]
	for i, t := range times {
		if i < len(values) && !t.Before(from) && !t.After(to) {
			c.times = append(c.times, t)
			c.values = append(c.values, values[i])
		}
	}
	c.Refresh()
}

// Points returns how many points the chart holds (for tests).
func (c *ProfileChart) Points() int { return len(c.values) }

// CreateRenderer implements fyne.Widget.
func (c *ProfileChart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c,
		bg:    canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		label: canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		start: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
		end:   canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
		empty: canvas.NewText("No profile read yet", theme.Color(theme.ColorNamePlaceHolder)),
	}
	r.plot = canvas.NewRaster(r.draw)
	r.rebuild()
	return r
}

type chartRenderer struct {
	c                 *ProfileChart
	bg                *canvas.Rectangle
	plot              *canvas.Raster // the axes and the series
	label, start, end *canvas.Text
	empty             *canvas.Text
	xs, ys            []float64 // points in [0,1]², y up
	objects           []fyne.CanvasObject
	lastSize          fyne.Size
	// The plot area inside the widget, in device-independent units, as
	// the last Layout placed it; zero until then.
	left, top, w, h float32
	fg, accent      color.Color
}

func (r *chartRenderer) Destroy() {}

func (r *chartRenderer) MinSize() fyne.Size { return fyne.NewSize(240, 160) }

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Refresh() {
	fg := theme.Color(theme.ColorNameForeground)
	r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.label.Color = fg
	r.rebuild()
	r.Layout(r.lastSize)
	r.plot.Refresh()
	canvas.Refresh(r.c)
}

// rebuild turns the series into normalised points.
func (r *chartRenderer) rebuild() {
	c := r.c
	r.fg, r.accent = theme.Color(theme.ColorNameForeground), theme.Color(theme.ColorNamePrimary)
	r.xs, r.ys = r.xs[:0], r.ys[:0]
	span := c.to.Sub(c.from).Seconds()
	maxV := 0.0
	for _, v := range c.values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) && v > maxV {
			maxV = v
		}
	}
	step := 1
	if n := len(c.values); n > maxChartSegments {
		step = (n + maxChartSegments - 1) / maxChartSegments
	}
	for i := 0; i < len(c.values) && span > 0; i += step {
		// Each drawn point is the largest of its bucket, so peaks survive.
		v := c.values[i]
		for j := i + 1; j < i+step && j < len(c.values); j++ {
			v = math.Max(v, c.values[j])
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		y := 0.0
		if maxV > 0 {
			y = math.Max(v, 0) / maxV
		}
		r.xs = append(r.xs, c.times[i].Sub(c.from).Seconds()/span)
		r.ys = append(r.ys, y)
	}
	if len(c.values) == 0 {
		r.label.Text = ""
		r.start.Text, r.end.Text = "", ""
	} else {
		r.label.Text = fmt.Sprintf("%s — peak %.3g %s", c.title, maxV, c.unit)
		r.start.Text = c.from.Local().Format("Mon 2 Jan 15:04")
		r.end.Text = c.to.Local().Format("Mon 2 Jan 15:04")
	}
	r.empty.Hidden = len(c.values) > 0
	r.objects = append(r.objects[:0], r.bg, r.plot, r.label, r.start, r.end, r.empty)
}

func (r *chartRenderer) Layout(size fyne.Size) {
	r.lastSize = size
	pad := theme.Padding()
	textH := theme.TextSize() + 2*pad
	r.bg.Resize(size)
	r.bg.Move(fyne.NewPos(0, 0))
	r.plot.Resize(size)
	r.plot.Move(fyne.NewPos(0, 0))
	left, top := 2*pad, textH
	w := size.Width - left - 2*pad
	h := size.Height - top - textH
	if w < 1 || h < 1 {
		r.w, r.h = 0, 0
		return
	}
	r.left, r.top, r.w, r.h = left, top, w, h
	r.label.Move(fyne.NewPos(left, pad))
	r.empty.Move(fyne.NewPos(left, top+h/2))
	r.start.Move(fyne.NewPos(left, top+h+pad))
	r.end.Move(fyne.NewPos(left+w-r.end.MinSize().Width, top+h+pad))
}

// draw is the raster's generator: the axes and the series at pw×ph pixels
// for the whole widget, transparent where nothing is drawn.
func (r *chartRenderer) draw(pw, ph int) image.Image {
	pw, ph = min(max(pw, 1), maxChartPixels), min(max(ph, 1), maxChartPixels)
	img := image.NewNRGBA(image.Rect(0, 0, pw, ph))
	if r.w <= 0 || r.h <= 0 || r.lastSize.Width <= 0 || r.lastSize.Height <= 0 {
		return img
	}
	sx := float64(pw) / float64(r.lastSize.Width)
	sy := float64(ph) / float64(r.lastSize.Height)
	left, top := float64(r.left)*sx, float64(r.top)*sy
	w, h := float64(r.w)*sx, float64(r.h)*sy

	// The axes: solid bars along the plot's left and bottom edges.
	axis := math.Max(1, math.Round(chartAxis*sx))
	fill(img, r.fg, int(left), int(top), int(left+axis), int(top+h+axis))
	fill(img, r.fg, int(left), int(top+h), int(left+w), int(top+h+axis))

	// The series: a coverage mask, each pixel as covered as the nearest
	// segment makes it (so joints are not drawn twice), then painted over.
	if len(r.xs) < 2 {
		return img
	}
	cover := make([]uint8, pw*ph)
	half := chartStroke * sx / 2
	x0, y0 := left+r.xs[0]*w, top+h-r.ys[0]*h
	for i := 1; i < len(r.xs); i++ {
		x1, y1 := left+r.xs[i]*w, top+h-r.ys[i]*h
		stroke(cover, pw, ph, x0, y0, x1, y1, half)
		x0, y0 = x1, y1
	}
	paint(img, cover, r.accent)
	return img
}

// fill paints the rectangle [x0,x1)×[y0,y1), clipped to img, with c.
func fill(img *image.NRGBA, c color.Color, x0, y0, x1, y1 int) {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	rect := image.Rect(x0, y0, x1, y1).Intersect(img.Rect)
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			img.SetNRGBA(x, y, n)
		}
	}
}

// stroke raises cover to how much of each pixel the segment (x0,y0)-(x1,y1)
// of half width half covers, an antialiased edge one pixel wide.
func stroke(cover []uint8, pw, ph int, x0, y0, x1, y1, half float64) {
	minX := int(math.Max(math.Floor(math.Min(x0, x1)-half-1), 0))
	maxX := int(math.Min(math.Ceil(math.Max(x0, x1)+half+1), float64(pw-1)))
	minY := int(math.Max(math.Floor(math.Min(y0, y1)-half-1), 0))
	maxY := int(math.Min(math.Ceil(math.Max(y0, y1)+half+1), float64(ph-1)))
	dx, dy := x1-x0, y1-y0
	l2 := dx*dx + dy*dy
	for y := minY; y <= maxY; y++ {
		py := float64(y) + 0.5
		for x := minX; x <= maxX; x++ {
			px := float64(x) + 0.5
			t := 0.0
			if l2 > 0 {
				t = math.Min(math.Max(((px-x0)*dx+(py-y0)*dy)/l2, 0), 1)
			}
			ex, ey := px-(x0+t*dx), py-(y0+t*dy)
			a := half + 0.5 - math.Sqrt(ex*ex+ey*ey)
			if a <= 0 {
				continue
			}
			v := uint8(math.Min(a, 1) * 255)
			if i := y*pw + x; v > cover[i] {
				cover[i] = v
			}
		}
	}
}

// paint composites c over img wherever cover is non-zero, cover being the
// alpha of each pixel.
func paint(img *image.NRGBA, cover []uint8, c color.Color) {
	src := color.NRGBAModel.Convert(c).(color.NRGBA)
	for i, a := range cover {
		if a == 0 {
			continue
		}
		sa := uint32(a) * uint32(src.A) / 255
		p := img.Pix[i*4 : i*4+4 : i*4+4]
		da := uint32(p[3])
		oa := sa + da*(255-sa)/255
		if oa == 0 {
			continue
		}
		for k, s := range [3]uint8{src.R, src.G, src.B} {
			p[k] = uint8((uint32(s)*sa + uint32(p[k])*da*(255-sa)/255) / oa)
		}
		p[3] = uint8(oa)
	}
}
