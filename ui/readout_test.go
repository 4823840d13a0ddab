package ui

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sync/outbox"
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
	// The instantaneous values have their own panel.
	if got := strings.Join(labelTexts(r.instant), " "); !strings.Contains(got, "Voltage L1") || !strings.Contains(got, " V") || !strings.Contains(got, " W") {
		t.Errorf("instantaneous panel = %q, want voltage and power", got)
	}
	// The trace decodes each APDU below its hex.
	if got := decodeFrame(r.traceFrames()[0], false); !strings.HasPrefix(got, "AARQ") {
		t.Errorf("first trace frame decodes as %q, want the AARQ", got)
	}
	if !r.traceKind.Disabled() {
		t.Error("HDLC trace view offered for a device reached without HDLC")
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
	if !r.read.Disabled() || r.Selected() != "" || r.status.Text != hintNoDevice {
		t.Fatalf("empty set: read disabled %v, chosen %q, status %q", r.read.Disabled(), r.Selected(), r.status.Text)
	}
	set.Add(Device{Name: "Meter A", Kind: KindMeter})
	set.Add(Device{Name: "Hub H", Kind: KindHub})
	loop.drain()
	if got := r.device.Options; len(got) != 2 || r.Selected() != "Meter A" || r.read.Disabled() || r.status.Text != hintChoose {
		t.Fatalf("after two adds: options %q, chosen %q, read disabled %v, status %q", got, r.Selected(), r.read.Disabled(), r.status.Text)
	}
	// A device added a moment ago can be chosen before the bridge has
	// delivered the change.
	set.Add(Device{Name: "Meter C", Kind: KindMeter})
	if !r.Select("Meter C") {
		t.Error("Select of a device just added failed")
	}
	set.Remove("Meter C")
	loop.drain()
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

// Frames re-typed from the mode E exchange and the segmented GET of
// PROTOCOLS.md §9.2 and §9.3 (client SAP 16, server 1-byte address 1).
var traceFrames = []struct {
	name string
	hex  string
	link bool
	want []string
}{
	{"SNRM", "7ea00703219 30f017e", true, []string{"SNRM", "16 → 1"}},
	{"UA with parameters", "7ea01e210373c37a818012050180060180070400000001080400000001533b7e", true, []string{"UA", "1 → 16", "max info 128/128", "window 1/1"}},
	{"I with GET", "7ea019032132 6fd8e6e600c001c1000100002a0000ff0200 12807e", true, []string{"I N(S)=1 N(R)=1", "GET-Request-Normal #1", "0-0:42.0.0*255", "attribute 2"}},
	{"I with GET response", "7ea0222103528e91e6e700c401c1000910475258303030303030303132333435368c867e", true, []string{"GET-Response-Normal #1", "18 bytes of data"}},
	{"RR", "7ea0070321911d227e", true, []string{"RR N(R)=4"}},
	{"DISC", "7ea00703215303c77e", true, []string{"DISC"}},
	{"bad CRC", "7ea00703215303c87e", true, []string{"undecodable HDLC frame"}},
	{"GET request APDU", "c001c1000100002a0000ff0200", false, []string{"GET-Request-Normal #1", "class 1 0-0:42.0.0*255"}},
	{"RLRQ APDU", "6203800100", false, []string{"RLRQ"}},
	{"truncated APDU", "c001c10001", false, []string{"undecodable APDU"}},
	{"not hex", "zz", false, []string{"not hex"}},
}

func TestDecodeFrame(t *testing.T) {
	for _, tt := range traceFrames {
		got := decodeFrame(diagnose.Frame{Hex: strings.ReplaceAll(tt.hex, " ", "")}, tt.link)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: decodeFrame = %q, want it to say %q", tt.name, got, w)
			}
		}
	}
	// A frame past the cap is named, not decoded.
	long := "c4" + strings.Repeat("00", 2*maxDecoded)
	if got := decodeFrame(diagnose.Frame{Hex: long}, false); !strings.Contains(got, "too long") {
		t.Errorf("long APDU: %q", got)
	}
	if got := frameLine(diagnose.Frame{Dir: "rx", Hex: long}); len(got) > maxHexShown+64 {
		t.Errorf("frameLine of a long frame is %d characters", len(got))
	}
}

func FuzzDecodeFrame(f *testing.F) {
	for _, tt := range traceFrames {
		if b, err := hex.DecodeString(strings.ReplaceAll(tt.hex, " ", "")); err == nil {
			f.Add(b, tt.link)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, link bool) {
		got := decodeFrame(diagnose.Frame{Hex: hex.EncodeToString(b)}, link)
		if got == "" {
			t.Fatal("empty description")
		}
		// Round trip: what the dlms decoder reads back from its own
		// encoding is named the same way.
		if link || len(b) > maxDecoded {
			return
		}
		a, err := dlms.Decode(b)
		if err != nil {
			return
		}
		again, err := dlms.Encode(a)
		if err != nil {
			return
		}
		if name := dlms.Name(a); !strings.HasPrefix(got, name) || !strings.HasPrefix(decodeFrame(diagnose.Frame{Hex: hex.EncodeToString(again)}, false), name) {
			t.Errorf("%x: %q and its re-encoding do not both start with %q", b, got, name)
		}
	})
}

func TestInstantaneousPanel(t *testing.T) {
	test.NewTempApp(t)
	s := newReadoutScreen(test.NewWindow(nil), nil, nil, newEventLoop().do)
	s.showInstantaneous([]diagnose.RegisterValue{
		{OBIS: cosem.OBIS{1, 0, 32, 7, 0, 255}, Name: "Voltage L1", Text: "238.1 V", Instantaneous: true},
		{OBIS: cosem.OBIS{1, 0, 16, 7, 0, 255}, Name: "1-0:16.7.0*255", Text: "321 W", Instantaneous: true},
		{OBIS: cosem.OBIS{1, 0, 1, 8, 0, 255}, Name: "Active energy import (+A), total", Text: "3442106 Wh"},
	})
	got := labelTexts(s.instant)
	want := []string{"Voltage L1", "238.1 V", "Active power, net (import − export)", "321 W"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("instantaneous panel = %q, want %q", got, want)
	}
	s.showInstantaneous(nil)
	if got := labelTexts(s.instant); len(got) == 0 || !strings.Contains(got[0], "None read") {
		t.Errorf("with none: %q", got)
	}
}

func labelTexts(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text != "" {
			out = append(out, l.Text)
		}
	})
	return out
}

// TestTraceConformance decodes every HDLC frame and xDLMS/ACSE APDU of the
// conformance vectors as the trace view does: a frame the protocol
// packages decode is described by its control field (and the vector's
// reading of it), an APDU by its name; the rest say they are undecodable.
func TestTraceConformance(t *testing.T) {
	passed := 0
	for _, v := range conformance.Vectors(t, "dlms/hdlc_frames.json") {
		got := decodeFrame(diagnose.Frame{Hex: strings.ToLower(v.Hex)}, true)
		var want struct {
			Control string `json:"control_decoded"`
		}
		_ = json.Unmarshal(v.Decode, &want)
		b, _ := hex.DecodeString(v.Hex)
		d, err := hdlc.Inspect(b)
		switch {
		case err != nil && !strings.HasPrefix(got, "undecodable"):
			t.Errorf("%s: %q, want it to say the frame is undecodable (%v)", v.ID, got, err)
		case err == nil && !strings.HasPrefix(got, d.ControlDecoded):
			t.Errorf("%s: %q, want it to start with %q", v.ID, got, d.ControlDecoded)
		case err == nil && want.Control != "" && !strings.HasPrefix(got, want.Control):
			t.Errorf("%s: %q, want the vector's %q", v.ID, got, want.Control)
		default:
			passed++
		}
	}
	for _, file := range []string{"dlms/apdu_xdlms.json", "dlms/apdu_acse.json"} {
		for _, v := range conformance.Vectors(t, file) {
			got := decodeFrame(diagnose.Frame{Hex: strings.ToLower(v.Hex)}, false)
			b, _ := hex.DecodeString(v.Hex)
			a, err := dlms.Decode(b)
			switch {
			case a == nil && !strings.HasPrefix(got, "undecodable"):
				t.Errorf("%s: %q, want it to say the APDU is undecodable (%v)", v.ID, got, err)
			case a != nil && !strings.HasPrefix(got, dlms.Name(a)):
				t.Errorf("%s: %q, want it to start with %q", v.ID, got, dlms.Name(a))
			default:
				passed++
			}
		}
	}
	t.Logf("%d conformance frames described as the protocol packages decode them", passed)
}

func TestReadoutAttachesEvidenceToJob(t *testing.T) {
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	s := newShell(a, DemoOptions(d), loop.do)
	defer s.Close()
	r := s.readout
	if r.evidence.Hidden {
		t.Fatal("no evidence row in the demo")
	}
	idle := r.Idle()
	test.Tap(r.read)
	loop.runUntil(t, idle, "the readout")
	loop.runWhile(t, func() bool { return len(r.jobPick.Options) == 0 }, "the job list")
	job := r.jobPick.Options[0]
	r.jobPick.SetSelected(job)
	if r.attach.Disabled() {
		t.Fatal("Attach to job disabled with a readout and a job chosen")
	}
	done := r.Attached()
	test.Tap(r.attach)
	loop.runWhile(t, func() bool {
		select {
		case <-done:
			return false
		default:
			return !strings.HasPrefix(r.status.Text, "Could not")
		}
	}, "the evidence attached")
	if want := "attached to job " + job + ", queued for sync"; !strings.Contains(r.status.Text, want) {
		t.Fatalf("status = %q, want it to say %q", r.status.Text, want)
	}
	msgs, err := d.Store.Outbox().Messages(context.Background(), outbox.Filter{JobID: job})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range msgs {
		found = found || m.Kind == diagnose.OutboxKindEvidence
	}
	if !found {
		t.Errorf("job %s queue holds %d messages, none of them the evidence", job, len(msgs))
	}
}

// countingConnector counts the sessions a device opens.
func countingConnector(c diagnose.Connector, n *atomic.Int32) diagnose.Connector {
	return diagnose.ConnectorFunc(func(ctx context.Context) (diagnose.Link, diagnose.Params, error) {
		n.Add(1)
		return c.Connect(ctx)
	})
}

// TestReadoutLiveInstantaneous: the live view re-reads the instantaneous
// values over one open session until Cancel, leaving the Summary tab or
// Leave; Refresh reads them once over a session it closes; a read with
// the live view on goes on live over the read's session.
func TestReadoutLiveInstantaneous(t *testing.T) {
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	opts := DemoOptions(d)
	var connects atomic.Int32
	for i := range opts.Devices {
		opts.Devices[i].Connector = countingConnector(opts.Devices[i].Connector, &connects)
	}
	s := newShell(a, opts, loop.do)
	r := s.readout
	r.liveEvery = 10 * time.Millisecond
	if !r.liveRow.Visible() {
		t.Fatal("live row hidden with a device chosen")
	}

	// Live on: several reads over one session.
	test.Tap(r.live)
	loop.runWhile(t, func() bool { return r.liveReads < 4 }, "four live reads")
	if got := connects.Load(); got != 1 {
		t.Errorf("%d sessions opened for the live view, want 1", got)
	}
	if !strings.HasPrefix(r.liveNote.Text, "Live: read at") || r.cancel.Disabled() {
		t.Errorf("live: note %q, cancel disabled %v", r.liveNote.Text, r.cancel.Disabled())
	}
	if got := strings.Join(labelTexts(r.instant), " "); !strings.Contains(got, "Voltage L1") || !strings.Contains(got, "Supply frequency") {
		t.Errorf("instantaneous panel = %q", got)
	}

	// Cancel stops it and closes the session.
	idle := r.LiveIdle()
	test.Tap(r.cancel)
	loop.runUntil(t, idle, "the live session closed after Cancel")
	if r.live.Checked || !r.cancel.Disabled() || r.liveStop != nil {
		t.Errorf("after Cancel: live %v, cancel disabled %v, holder %v", r.live.Checked, r.cancel.Disabled(), r.liveStop != nil)
	}

	// Refresh reads once, over a session it closes.
	reads, before := r.liveReads, connects.Load()
	idle = r.LiveIdle()
	test.Tap(r.refresh)
	loop.runUntil(t, idle, "the refresh")
	if r.liveReads != reads+1 || connects.Load() != before+1 || !strings.HasPrefix(r.liveNote.Text, "Read at") {
		t.Errorf("refresh: %d reads, %d sessions, note %q; want one of each", r.liveReads-reads, connects.Load()-before, r.liveNote.Text)
	}

	// Leaving the Summary tab stops the live view.
	test.Tap(r.live)
	loop.runWhile(t, func() bool { return r.liveReads < reads+3 }, "live again")
	idle = r.LiveIdle()
	r.tabs.SelectIndex(1)
	loop.runUntil(t, idle, "the live session closed on leaving the tab")
	if r.live.Checked {
		t.Error("live view still on after leaving the Summary tab")
	}
	r.tabs.SelectIndex(0)

	// A read with the live view on goes on live over its own session.
	test.Tap(r.live)
	readIdle := r.Idle()
	test.Tap(r.read)
	loop.runUntil(t, readIdle, "the readout")
	before, reads = connects.Load(), r.liveReads
	loop.runWhile(t, func() bool { return r.liveReads < reads+3 }, "live reads after the readout")
	if got := connects.Load(); got != before {
		t.Errorf("live after a read opened %d more sessions, want none", got-before)
	}
	idle = r.LiveIdle()
	r.Leave()
	loop.runUntil(t, idle, "the live session closed by Leave")
	if r.live.Checked || r.read.Disabled() {
		t.Errorf("after Leave: live %v, read disabled %v", r.live.Checked, r.read.Disabled())
	}

	// Going to another screen lets go of the probe's port.
	s.Show(ScreenReadout)
	test.Tap(r.live)
	loop.runWhile(t, func() bool { return r.liveStop == nil }, "live once more")
	idle = r.LiveIdle()
	test.Tap(s.NavButton(ScreenConnect))
	loop.runUntil(t, idle, "the live session closed on leaving the screen")
	if r.live.Checked {
		t.Error("live view still on after going to Connect")
	}
}

// aheadReference is a time reference offset from the laptop, or failing.
type aheadReference struct {
	offset time.Duration
	err    error
}

func (a aheadReference) Source() string { return "GPS" }

func (a aheadReference) Time(context.Context) (time.Time, error) {
	if a.err != nil {
		return time.Time{}, a.err
	}
	return time.Now().Add(a.offset), nil
}

// TestReadoutSaysClockReference: the clock line names the reference the
// drift was measured against, or says it is the laptop clock only.
func TestReadoutSaysClockReference(t *testing.T) {
	tests := []struct {
		name string
		ref  diagnose.ReferenceClock
		want string
	}{
		{"reference", aheadReference{offset: 2 * time.Minute}, "Against GPS: 2m0s behind GPS — needs a clock sync"},
		{"no network", aheadReference{err: fmt.Errorf("ask pool.ntp.org for the time: %w", diagnose.ErrNoNetwork)},
			"Against the laptop clock only: no network for NTP time."},
		{"none set", nil, "Against the laptop clock only."},
	}
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	s := newShell(a, DemoOptions(d), loop.do)
	r := s.readout
	r.SetSpan(SpanDay)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.SetReference(tt.ref)
			idle := r.Idle()
			test.Tap(r.read)
			loop.runUntil(t, idle, "the readout")
			if !strings.Contains(r.clock.Text, tt.want) {
				t.Errorf("clock = %q, want %q", r.clock.Text, tt.want)
			}
		})
	}
}

func TestClockText(t *testing.T) {
	at := time.Date(2026, 7, 14, 9, 41, 0, 0, time.UTC)
	tests := []struct {
		name string
		c    *diagnose.ClockReading
		want string
	}{
		{"not read", nil, "Not read."},
		{"against NTP", &diagnose.ClockReading{Device: at, Laptop: at, ReferenceSource: "NTP pool.ntp.org", ReferenceDrift: 3 * time.Second},
			"Against NTP pool.ntp.org: 3s ahead of NTP pool.ntp.org (within tolerance)."},
		{"server silent", &diagnose.ClockReading{Device: at, Laptop: at, ReferenceProblem: "ntp 1.2.3.4:123: no answer: context deadline exceeded"},
			"Against the laptop clock only: no answer from the time server in time."},
		{"other problem", &diagnose.ClockReading{Device: at, Laptop: at, ReferenceProblem: "bad answer"},
			"Against the laptop clock only: no network time (bad answer)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clockText(tt.c); !strings.HasSuffix(got, tt.want) {
				t.Errorf("clockText = %q, want it to end %q", got, tt.want)
			}
		})
	}
}

// The profile table keeps the readout's rows, not formatted copies: in
// time order it is a tail of them; out of order, a filtered copy that
// leaves the readout's rows as they were.
func TestSpanRowsAndTableCells(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 1, 2, h, 0, 0, 0, time.UTC) }
	row := func(h int) diagnose.ProfileRow {
		return diagnose.ProfileRow{Time: at(h), Cells: []string{fmt.Sprint(h), "Wh"}}
	}
	hours := func(rs []diagnose.ProfileRow) []int {
		var out []int
		for _, r := range rs {
			out = append(out, r.Time.Hour())
		}
		return out
	}
	sorted := []diagnose.ProfileRow{row(1), row(2), row(3), row(4)}
	got := spanRows(sorted, at(3))
	if !slices.Equal(hours(got), []int{3, 4}) || &got[0] != &sorted[2] {
		t.Errorf("in order: rows %v (shared %v), want the tail 3, 4", hours(got), len(got) > 0 && &got[0] == &sorted[2])
	}
	if got := spanRows(sorted, at(5)); len(got) != 0 {
		t.Errorf("all before: %v", hours(got))
	}
	mixed := []diagnose.ProfileRow{row(1), row(4), row(2), row(5), row(3)}
	got = spanRows(mixed, at(3))
	if !slices.Equal(hours(got), []int{4, 5, 3}) {
		t.Errorf("out of order: rows %v, want 4, 5, 3", hours(got))
	}
	if !slices.Equal(hours(mixed), []int{1, 4, 2, 5, 3}) {
		t.Errorf("the readout's rows changed: %v", hours(mixed))
	}
	rows := []diagnose.ProfileRow{row(4), {Time: at(5), Cells: []string{"5"}}}
	for _, c := range []struct {
		row, col int
		want     string
	}{
		{0, 0, at(4).Local().Format("Mon 02 Jan 15:04")}, {0, 1, "4"}, {0, 2, "Wh"},
		{1, 2, ""}, // a short row
		{0, 3, ""}, {2, 0, ""}, {-1, 0, ""}, {0, -1, ""},
	} {
		if got := tableCell(rows, c.row, c.col); got != c.want {
			t.Errorf("tableCell(%d, %d) = %q, want %q", c.row, c.col, got, c.want)
		}
	}
	cols := []string{"Clock", "Active energy import (+A)"}
	for col, want := range map[int]string{0: "Time", 1: "Clock", 2: "Active energy import (+A)", 3: "", -1: ""} {
		if got := tableHeader(cols, col); got != want {
			t.Errorf("tableHeader(%d) = %q, want %q", col, got, want)
		}
	}
}
