package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/smetskit/smetskit/app/demo"
)

// startDemo runs the demo site without the inventory service or ptys.
func startDemo(t *testing.T) *demo.Demo {
	t.Helper()
	d, err := demo.Start(context.Background(), demo.Options{Dir: t.TempDir(), NoServer: true, NoPTY: true})
	if err != nil {
		t.Fatalf("demo.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("demo Close: %v", err)
		}
	})
	return d
}

func TestReadoutShowsSimulatedMeter(t *testing.T) {
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	s := newShell(a, DemoOptions(d), loop.do)
	test.Tap(s.NavButton(ScreenReadout))
	r := s.readout
	if r == nil {
		t.Fatal("demo shell has no Readout screen")
	}
	idle := r.Idle()
	test.Tap(r.read)
	loop.runUntil(t, idle, "the readout")

	t.Logf("status: %s", r.status.Text)
	meter := d.Site.Meters[0]
	if got, want := r.identity.Text, meter.Identity().Serial; !strings.Contains(got, want) {
		t.Errorf("identity = %q, want the simulator's serial %s", got, want)
	}
	if !strings.Contains(r.clock.Text, "laptop") {
		t.Errorf("clock = %q, want device against laptop", r.clock.Text)
	}
	if !strings.Contains(r.registers.Text, "Wh") {
		t.Errorf("registers = %q, want energy in Wh", r.registers.Text)
	}
	if r.chart.Points() < 40 {
		t.Errorf("profile chart has %d points, want about 48 for a day", r.chart.Points())
	}
	if !strings.Contains(r.chart.unit, "Wh") {
		t.Errorf("chart draws %q in %q, want energy", r.chart.title, r.chart.unit)
	}
	if len(r.rows) < 40 {
		t.Errorf("profile table has %d rows", len(r.rows))
	}
	if len(r.shown) == 0 {
		t.Errorf("no events shown")
	}
	if len(r.result.frames) < 10 {
		t.Errorf("trace has %d frames", len(r.result.frames))
	}
	if r.exportPDF.Disabled() || !r.cancel.Disabled() || r.read.Disabled() {
		t.Errorf("after a read: export disabled %v, cancel disabled %v, read disabled %v", r.exportPDF.Disabled(), r.cancel.Disabled(), r.read.Disabled())
	}

	// The filter narrows the events to those that match.
	all := len(r.shown)
	first := r.shown[0].Name
	test.Type(r.filter, first)
	if len(r.shown) == 0 || len(r.shown) > all {
		t.Errorf("filter %q shows %d of %d events", first, len(r.shown), all)
	}
	for _, e := range r.shown {
		if !strings.Contains(strings.ToLower(eventLine(e, "")), strings.ToLower(first)) {
			t.Errorf("filter %q shows %q", first, e.Name)
		}
	}

	// Zooming to a week after reading a day keeps the day's points.
	r.span.SetSelected(SpanWeek)
	if r.chart.Points() < 40 {
		t.Errorf("after zoom to a week, %d points", r.chart.Points())
	}

	for _, format := range []string{"csv", "json", "pdf"} {
		var buf bytes.Buffer
		if err := writeExport(&buf, r.result, format); err != nil || buf.Len() == 0 {
			t.Errorf("export %s: %d bytes, %v", format, buf.Len(), err)
		}
	}
}

func TestReadoutCancel(t *testing.T) {
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	s := newShell(a, DemoOptions(d), loop.do)
	r := s.readout
	// A month is the longest read; cancel it as soon as it starts.
	r.span.SetSelected(SpanMonth)
	idle := r.Idle()
	test.Tap(r.read)
	test.Tap(r.cancel)
	loop.runUntil(t, idle, "the cancelled read")
	if r.read.Disabled() || !r.cancel.Disabled() {
		t.Errorf("after cancel: read disabled %v, cancel disabled %v", r.read.Disabled(), r.cancel.Disabled())
	}
	if !strings.Contains(r.status.Text, "cancelled") && r.result == nil {
		t.Errorf("status after cancel = %q", r.status.Text)
	}
}

func TestFieldWords(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"deadline", context.DeadlineExceeded, "stopped answering"},
		{"other", errString("dlms: association refused"), "Try again"},
	}
	for _, tt := range tests {
		if got := FieldWords(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("%s: FieldWords(%v) = %q, want it to say %q", tt.name, tt.err, got, tt.want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestDriftWords(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"in step", 200 * time.Millisecond, "in step"},
		{"ahead a little", 3 * time.Second, "3s ahead of the laptop (within tolerance)"},
		{"behind a lot", -2 * time.Minute, "2m0s behind the laptop — needs a clock sync"},
	}
	for _, tt := range tests {
		if got := driftWords(tt.d, "the laptop"); !strings.Contains(got, tt.want) {
			t.Errorf("%s: driftWords(%v) = %q, want %q", tt.name, tt.d, got, tt.want)
		}
	}
}

// eventLoop stands in for the Fyne event goroutine in tests: the bridges
// queue their updates and the test goroutine applies them.
type eventLoop struct{ ch chan func() }

func newEventLoop() *eventLoop { return &eventLoop{ch: make(chan func(), 4096)} }

func (l *eventLoop) do(f func()) { l.ch <- f }

// drain applies the updates queued so far.
func (l *eventLoop) drain() {
	for {
		select {
		case f := <-l.ch:
			f()
		default:
			return
		}
	}
}

// runWhile applies queued updates while cond holds.
func (l *eventLoop) runWhile(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for cond() {
		select {
		case f := <-l.ch:
			f()
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// runUntil applies queued updates until done is closed.
func (l *eventLoop) runUntil(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case <-done:
			return
		default:
		}
		select {
		case f := <-l.ch:
			f()
		case <-done:
			return
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestSpanStart(t *testing.T) {
	to := time.Date(2026, time.March, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		span string
		want time.Time
	}{
		{SpanDay, to.Add(-24 * time.Hour)},
		{SpanWeek, to.Add(-7 * 24 * time.Hour)},
		{SpanMonth, to.Add(-30 * 24 * time.Hour)},
		// 13 calendar months back from 31 March 2026 is 28 February 2025
		// + 3 days normalised (31 Feb 2025 → 3 March 2025).
		{SpanYear, time.Date(2025, time.March, 3, 12, 0, 0, 0, time.UTC)},
		{"nonsense", to.Add(-24 * time.Hour)},
	}
	for _, tt := range tests {
		if got := spanStart(tt.span, to); !got.Equal(tt.want) {
			t.Errorf("spanStart(%q, %v) = %v, want %v", tt.span, to, got, tt.want)
		}
	}
	// Thirteen months is never shorter than 395 days less a few.
	if d := to.Sub(spanStart(SpanYear, to)); d < 390*24*time.Hour || d > 397*24*time.Hour {
		t.Errorf("13 months back is %v", d)
	}
}

func TestReadoutFollowsDeviceSet(t *testing.T) {
	a := test.NewTempApp(t)
	set := NewDeviceSet()
	loop := newEventLoop()
	s := newShell(a, Options{DeviceSet: set}, loop.do)
	defer s.Close()
	r := s.readout
	if r == nil {
		t.Fatal("a shell with a device set has no Readout screen")
	}
	if !r.read.Disabled() || r.Selected() != "" {
		t.Fatalf("empty set: read disabled %v, chosen %q", r.read.Disabled(), r.Selected())
	}
	set.Add(Device{Name: "Meter A", Kind: KindMeter})
	set.Add(Device{Name: "Hub H", Kind: KindHub})
	loop.drain()
	if got := r.device.Options; len(got) != 2 || r.Selected() != "Meter A" || r.read.Disabled() {
		t.Fatalf("after two adds: options %q, chosen %q, read disabled %v", got, r.Selected(), r.read.Disabled())
	}
	s.ReadDevice("Hub H")
	if r.Selected() != "Hub H" || s.Current() != ScreenReadout {
		t.Errorf("ReadDevice(Hub H): chosen %q on %q", r.Selected(), s.Current())
	}
	set.Remove("Meter A")
	loop.drain()
	if got := r.device.Options; len(got) != 1 || r.Selected() != "Hub H" {
		t.Errorf("after removing the meter: options %q, chosen %q", got, r.Selected())
	}
	set.Remove("Hub H")
	loop.drain()
	if r.Selected() != "" || !r.read.Disabled() {
		t.Errorf("after removing all: chosen %q, read disabled %v", r.Selected(), r.read.Disabled())
	}
	s.Close()
	set.Add(Device{Name: "Meter B"})
	select {
	case <-loop.ch:
		t.Error("the closed screen still follows the set")
	default:
	}
}
