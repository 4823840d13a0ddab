package ui

import (
	"fmt"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// maxChartSegments caps the lines drawn: a month of half-hours is 1,488
// points, a year 17,520; more segments than pixels show nothing new.
const maxChartSegments = 1500

// ProfileChart draws a load profile column against time with canvas lines.
// Its methods run on the event goroutine.
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
	c.times, c.values = nil, nil
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
	r.xAxis = canvas.NewLine(theme.Color(theme.ColorNameForeground))
	r.yAxis = canvas.NewLine(theme.Color(theme.ColorNameForeground))
	r.rebuild()
	return r
}

type chartRenderer struct {
	c                 *ProfileChart
	bg                *canvas.Rectangle
	xAxis, yAxis      *canvas.Line
	label, start, end *canvas.Text
	empty             *canvas.Text
	lines             []*canvas.Line
	xs, ys            []float64 // points in [0,1]², y up
	objects           []fyne.CanvasObject
	lastSize          fyne.Size
}

func (r *chartRenderer) Destroy() {}

func (r *chartRenderer) MinSize() fyne.Size { return fyne.NewSize(240, 160) }

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Refresh() {
	fg := theme.Color(theme.ColorNameForeground)
	r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.xAxis.StrokeColor, r.yAxis.StrokeColor, r.label.Color = fg, fg, fg
	r.rebuild()
	r.Layout(r.lastSize)
	canvas.Refresh(r.c)
}

// rebuild turns the series into normalised points and line objects.
func (r *chartRenderer) rebuild() {
	c := r.c
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
	need := max(len(r.xs)-1, 0)
	accent := theme.Color(theme.ColorNamePrimary)
	for len(r.lines) < need {
		l := canvas.NewLine(accent)
		l.StrokeWidth = 2
		r.lines = append(r.lines, l)
	}
	r.lines = r.lines[:need]
	for _, l := range r.lines {
		l.StrokeColor = accent
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
	r.objects = append(r.objects[:0], r.bg, r.xAxis, r.yAxis, r.label, r.start, r.end, r.empty)
	for _, l := range r.lines {
		r.objects = append(r.objects, l)
	}
}

func (r *chartRenderer) Layout(size fyne.Size) {
	r.lastSize = size
	pad := theme.Padding()
	textH := theme.TextSize() + 2*pad
	r.bg.Resize(size)
	r.bg.Move(fyne.NewPos(0, 0))
	left, top := 2*pad, textH
	w := size.Width - left - 2*pad
	h := size.Height - top - textH
	if w < 1 || h < 1 {
		return
	}
	r.label.Move(fyne.NewPos(left, pad))
	r.empty.Move(fyne.NewPos(left, top+h/2))
	r.start.Move(fyne.NewPos(left, top+h+pad))
	r.end.Move(fyne.NewPos(left+w-r.end.MinSize().Width, top+h+pad))
	r.xAxis.Position1, r.xAxis.Position2 = fyne.NewPos(left, top+h), fyne.NewPos(left+w, top+h)
	r.yAxis.Position1, r.yAxis.Position2 = fyne.NewPos(left, top), fyne.NewPos(left, top+h)
	pt := func(i int) fyne.Position {
		return fyne.NewPos(left+float32(r.xs[i])*w, top+h-float32(r.ys[i])*h)
	}
	for i, l := range r.lines {
		l.Position1, l.Position2 = pt(i), pt(i+1)
	}
}
