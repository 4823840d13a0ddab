package ui

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
)

// Device is something the Readout screen can read: a name the engineer
// recognises and how to reach it.
type Device struct {
	Name      string
	Kind      string // KindMeter or KindHub
	Connector diagnose.Connector
	Config    diagnose.Config
}

// Spans the profile can be read and zoomed over.
const (
	SpanDay   = "Day"
	SpanWeek  = "Week"
	SpanMonth = "Month"
	// SpanYear is the 13 months of history a GB meter keeps of its
	// half-hourly profile (DOMAIN.md): the longest read there is.
	SpanYear = "13 months"
)

// Spans lists the span choices in the order they are offered (and Alt+1 …
// Alt+4 choose them).
var Spans = []string{SpanDay, SpanWeek, SpanMonth, SpanYear}

var spans = map[string]time.Duration{SpanDay: 24 * time.Hour, SpanWeek: 7 * 24 * time.Hour, SpanMonth: 30 * 24 * time.Hour}

// spanStart returns where a span ending at to begins. Day, week and month
// are fixed durations; 13 months is calendar months back (so the read asks
// for exactly the history the meter keeps, whatever the month lengths).
// An unknown span is a day.
func spanStart(span string, to time.Time) time.Time {
	if span == SpanYear {
		return to.AddDate(0, -13, 0)
	}
	d, ok := spans[span]
	if !ok {
		d = spans[SpanDay]
	}
	return to.Add(-d)
}

// readResult is what one background read hands to the screen.
type readResult struct {
	readout *diagnose.Readout
	bundle  *diagnose.Bundle
	frames  []diagnose.Frame
	link    []diagnose.Frame // HDLC frames, when the connector kept them
	dropped int
	span    string
	device  string
}

// ReadoutScreen reads a meter or hub through app/diagnose and shows what it
// said. It keeps the widgets tests need as fields. Every method that
// touches a widget runs on the event goroutine; reads run on their own
// goroutine and report through readoutBridge.
type ReadoutScreen struct {
	root     fyne.CanvasObject
	win      fyne.Window
	set      *DeviceSet
	devices  []Device // the set as last shown; event goroutine only
	engineer func() string
	unwatch  func()

	device   *widget.Select
	span     *widget.RadioGroup
	read     *widget.Button
	cancel   *widget.Button
	progress *widget.ProgressBar
	status   *widget.Label

	identity  *widget.Label
	clock     *widget.Label
	registers *widget.Label
	problems  *widget.Label
	chart     *ProfileChart
	table     *widget.Table // the profile rows: time, then the profile's columns
	events    *widget.List
	filter    *widget.Entry
	logFilter *widget.Select
	trace     *widget.List
	traceNote *widget.Label
	traceKind *widget.RadioGroup // APDUs or HDLC frames
	instant   *fyne.Container    // the instantaneous values, name and value
	summary   *container.Split   // the Summary tab, laid out again when the values change
	refresh   *widget.Button     // re-read the instantaneous values now
	live      *widget.Check      // re-read them every liveEvery
	liveNote  *widget.Label      // when they were read, or why not
	liveRow   *fyne.Container    // refresh, live and note; shown once a device is chosen
	tabs      *container.AppTabs
	exportCSV *widget.Button
	exportJS  *widget.Button
	exportPDF *widget.Button

	// Evidence: attach a readout's bundle to one of the day's jobs.
	// reference is the time reference reads compare the clock with,
	// when a device's config has none; nil: the laptop clock only.
	reference diagnose.ReferenceClock

	attacher diagnose.Attacher // nil: no attaching
	jobStore *jobs.Store
	jobPick  *widget.Select
	attach   *widget.Button
	evidence *fyne.Container // the row; hidden without an attacher

	bridge *readoutBridge
	logf   func(string, ...any) // nil: no log

	// Set and read on the event goroutine only.
	result    *readResult
	rows      []diagnose.ProfileRow // the profile table's rows, formatted as they scroll into view
	tableCols []string              // the profile table's column names after the time
	shown     []diagnose.Event
	shownLogs []string
	stop      context.CancelFunc

	// The live view: one goroutine at a time holds a session and re-reads
	// the instantaneous values. liveStop, liveKick, liveDone and liveGen
	// belong to the event goroutine; liveOn is read by the holder.
	liveOn     atomic.Bool
	liveStop   context.CancelFunc // nil: no holder
	liveKick   chan struct{}      // read now (buffered 1)
	liveDone   chan struct{}      // closed when the holder has closed its session
	liveGen    int
	liveEvery  time.Duration
	liveDevice string // the device the holder reads
	liveReads  int    // instantaneous reads shown (tests count them)

	// idle is closed and replaced when a read ends (tests wait on it).
	idle       signal
	liveIdle   signal // fires when a live session closes
	attachedCh signal // fires when evidence is attached
}

// NewReadoutScreen builds the screen over the devices of set, following it
// as devices are added and removed until Close; win parents its dialogs.
func NewReadoutScreen(win fyne.Window, set *DeviceSet, engineer func() string) *ReadoutScreen {
	return newReadoutScreen(win, set, engineer, fyne.Do)
}

func newReadoutScreen(win fyne.Window, set *DeviceSet, engineer func() string, do doFunc) *ReadoutScreen {
	if set == nil {
		set = NewDeviceSet()
	}
	s := &ReadoutScreen{win: win, set: set, engineer: engineer}
	s.bridge = &readoutBridge{s: s, do: do}
	s.device = widget.NewSelect(nil, nil)
	s.device.PlaceHolder = "No device yet: find one on the Connect screen"
	s.span = widget.NewRadioGroup(Spans, func(string) { s.zoom() })
	s.span.Horizontal = true
	s.span.SetSelected(SpanDay)
	s.read = widget.NewButtonWithIcon("Read", theme.DownloadIcon(), s.Start)
	s.read.Importance = widget.HighImportance
	s.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), s.Cancel)
	s.cancel.Disable()
	s.progress = widget.NewProgressBar()
	s.status = widget.NewLabel(hintChoose)
	s.status.Wrapping = fyne.TextWrapWord

	label := func() *widget.Label {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	s.identity, s.clock, s.registers, s.problems = label(), label(), label(), label()
	// Readout uses no monospace (nor italic) text: every text style costs
	// the app its fonts parsed again, ~7 MB of Go heap (issue 10); the
	// profile is a table with columns instead of space-aligned lines.
	s.registers.Truncation = fyne.TextTruncateOff
	s.chart = NewProfileChart()
	s.table = widget.NewTableWithHeaders(func() (int, int) { return len(s.rows), 1 + len(s.tableCols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(tableCell(s.rows, id.Row, id.Col))
		})
	s.table.ShowHeaderColumn = false
	s.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		o.(*widget.Label).SetText(tableHeader(s.tableCols, id.Col))
	}
	s.filter = widget.NewEntry()
	s.filter.SetPlaceHolder("Filter events (name, code, date)")
	s.filter.OnChanged = func(string) { s.filterEvents() }
	s.logFilter = widget.NewSelect(nil, func(string) { s.filterEvents() })
	s.logFilter.PlaceHolder = "All logs"
	s.events = widget.NewList(func() int { return len(s.shown) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(eventLine(s.shown[i], s.shownLogs[i]))
		})
	s.traceNote = widget.NewLabel("")
	s.traceKind = widget.NewRadioGroup([]string{traceAPDUs, traceHDLC}, func(string) { s.showTrace() })
	s.traceKind.Horizontal = true
	s.traceKind.SetSelected(traceAPDUs)
	s.traceKind.Disable()
	// Each row is the frame in hex and, below it, what it is; rows are
	// decoded only as they scroll into view.
	s.trace = widget.NewList(func() int { return len(s.traceFrames()) },
		func() fyne.CanvasObject {
			hexLine := widget.NewLabel("")
			hexLine.Truncation = fyne.TextTruncateEllipsis
			// The decoded line is told apart by colour, not by an italic
			// style: every text style costs the font faces parsed again
			// (~8 MB, issue 10).
			decoded := widget.NewLabel("")
			decoded.Importance = widget.HighImportance
			decoded.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(hexLine, decoded)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			fs := s.traceFrames()
			if i < 0 || i >= len(fs) {
				return
			}
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(frameLine(fs[i]))
			box.Objects[1].(*widget.Label).SetText(decodeFrame(fs[i], s.traceKind.Selected == traceHDLC))
		})
	s.instant = container.NewGridWithColumns(2)
	s.liveEvery = liveEvery
	s.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), s.Refresh)
	s.live = widget.NewCheck(fmt.Sprintf("Live (every %d s)", int(liveEvery/time.Second)), s.SetLive)
	s.liveNote = widget.NewLabel("")
	s.liveNote.Truncation = fyne.TextTruncateEllipsis
	s.liveRow = container.NewBorder(nil, nil, container.NewHBox(s.refresh, s.live), nil, s.liveNote)
	s.liveRow.Hide()

	s.exportCSV = widget.NewButtonWithIcon("CSV", theme.DocumentSaveIcon(), func() { s.saveAs("csv") })
	s.exportJS = widget.NewButtonWithIcon("JSON", theme.DocumentSaveIcon(), func() { s.saveAs("json") })
	s.exportPDF = widget.NewButtonWithIcon("PDF report", theme.DocumentSaveIcon(), func() { s.saveAs("pdf") })
	s.setExports(false)

	// The summary puts who, when and what is wrong above the profile chart:
	// the first things an engineer checks.
	bold := func(t string) *widget.Label {
		return widget.NewLabelWithStyle(t, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	info := container.NewVBox(
		container.NewBorder(nil, nil, bold("Device"), nil, s.identity),
		container.NewBorder(nil, nil, bold("Clock"), nil, s.clock),
		container.NewBorder(nil, nil, bold("Findings"), nil, s.problems),
		widget.NewCard("", "Instantaneous values", s.instant),
		s.liveRow,
	)
	// A split, not a border: the facts above scroll if they must, and the
	// chart keeps half the tab however many values the meter offers.
	summary := container.NewVSplit(container.NewVScroll(info), s.chart)
	summary.Offset = 0.5
	s.summary = summary
	profile := s.table
	events := container.NewBorder(container.NewBorder(nil, nil, nil, s.logFilter, s.filter), nil, nil, nil, s.events)
	trace := container.NewBorder(container.NewBorder(nil, nil, nil, s.traceKind, s.traceNote), nil, nil, nil, s.trace)
	s.tabs = container.NewAppTabs(
		container.NewTabItem(tabSummary, summary),
		container.NewTabItem("Registers", container.NewScroll(s.registers)),
		container.NewTabItem("Profile table", profile),
		container.NewTabItem("Events", events),
		container.NewTabItem("Trace", trace),
	)
	// The live view runs only while its values are on screen.
	s.tabs.OnSelected = func(ti *container.TabItem) {
		if ti.Text != tabSummary {
			s.SetLive(false)
		}
	}
	s.jobPick = widget.NewSelect(nil, func(string) { s.setAttachable() })
	s.jobPick.PlaceHolder = "Choose the job"
	s.attach = widget.NewButtonWithIcon("Attach to job", theme.MailAttachmentIcon(), s.Attach)
	s.attach.Disable()
	s.evidence = container.NewBorder(nil, nil, widget.NewLabel("Evidence"), s.attach, s.jobPick)
	s.evidence.Hide()
	controls := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel("Device"), container.NewHBox(s.read, s.cancel), s.device),
		container.NewHBox(widget.NewLabel("Profile"), s.span, widget.NewLabel("Export"), s.exportCSV, s.exportJS, s.exportPDF),
		s.evidence,
		s.progress, s.status,
	)
	s.root = container.NewBorder(controls, nil, nil, nil, s.tabs)
	s.showDevices()
	s.unwatch = set.OnChange(s.bridge.devicesChanged)
	return s
}

// SetReference sets the time reference a read compares the device clock
// with besides the laptop (diagnose.NTPClock; a GPS receiver), for devices
// whose config names none. Nil leaves the laptop clock only.
func (s *ReadoutScreen) SetReference(rc diagnose.ReferenceClock) { s.reference = rc }

// SetEvidence lets the engineer attach a readout's evidence bundle to one
// of the jobs in js through a (diagnose.StoreAttacher: the bundle is kept
// and queued for sync). Either nil keeps the row hidden.
func (s *ReadoutScreen) SetEvidence(a diagnose.Attacher, js *jobs.Store) {
	s.attacher, s.jobStore = a, js
	if a == nil || js == nil {
		s.evidence.Hide()
		return
	}
	s.evidence.Show()
	s.loadJobs()
}

// loadJobs reads the job list off the event goroutine.
func (s *ReadoutScreen) loadJobs() {
	js := s.jobStore
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ids, err := js.List(ctx)
		s.bridge.jobsListed(ids, err)
	}()
}

func (s *ReadoutScreen) showJobs(ids []string, err error) {
	if err != nil {
		s.status.SetText("Could not list the jobs to attach evidence to: " + FieldWords(err))
		return
	}
	chosen := s.jobPick.Selected
	s.jobPick.SetOptions(ids)
	for _, id := range ids {
		if id == chosen {
			s.jobPick.SetSelected(id)
		}
	}
	if s.jobPick.Selected == "" && len(ids) == 1 {
		s.jobPick.SetSelected(ids[0])
	}
	s.setAttachable()
}

// setAttachable enables Attach when there is evidence and a job for it.
func (s *ReadoutScreen) setAttachable() {
	if s.attach == nil {
		return
	}
	setEnabled(s.attacher != nil && s.result != nil && s.result.bundle != nil && s.jobPick.Selected != "" && s.stop == nil, s.attach)
}

// Attach attaches the evidence of the last readout to the chosen job and
// queues it for sync, off the event goroutine.
func (s *ReadoutScreen) Attach() {
	job := s.jobPick.Selected
	if s.attacher == nil || s.result == nil || s.result.bundle == nil || job == "" {
		return
	}
	a, b := s.attacher, s.result.bundle
	s.attach.Disable()
	s.status.SetText("Attaching the evidence to job " + job + "…")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s.bridge.attached(job, a.Attach(ctx, job, b))
	}()
}

func (s *ReadoutScreen) showAttached(job string, err error) {
	s.setAttachable()
	if err != nil {
		s.log("attach evidence to job %s: %v", job, err)
		s.status.SetText("Could not attach the evidence to job " + job + ": " + FieldWords(err))
		return
	}
	s.status.SetText("Evidence attached to job " + job + ", queued for sync.")
	s.attachedCh.fire()
}

// Attached returns a channel closed when the next attach succeeds.
func (s *ReadoutScreen) Attached() <-chan struct{} {
	return s.attachedCh.wait()
}

// Hints under the controls before the first read.
const (
	hintChoose   = "Choose a device and press Read."
	hintNoDevice = "No device yet. Find a meter on the Connect screen, then read it here."
)

// Close stops following the device set.
func (s *ReadoutScreen) Close() {
	if s.unwatch != nil {
		s.unwatch()
	}
	s.stopLive()
}

// showDevices lists the set's devices, keeping the chosen one chosen while
// it is there.
func (s *ReadoutScreen) showDevices() {
	chosen := s.device.Selected
	s.devices = s.set.List()
	names := make([]string, len(s.devices))
	keep := false
	for i, d := range s.devices {
		names[i] = d.Name
		keep = keep || d.Name == chosen
	}
	s.device.SetOptions(names)
	switch {
	case keep:
		s.device.SetSelected(chosen)
	case len(names) > 0:
		s.device.SetSelectedIndex(0)
	default:
		s.device.ClearSelected()
	}
	// The hint follows the list; anything else said stays.
	if t := s.status.Text; t == hintChoose || t == hintNoDevice {
		if len(names) == 0 {
			s.status.SetText(hintNoDevice)
		} else {
			s.status.SetText(hintChoose)
		}
	}
	s.setReadable()
}

// setReadable enables Read when a device is chosen and no read runs.
func (s *ReadoutScreen) setReadable() {
	if s.read == nil {
		return
	}
	setEnabled(s.stop == nil && s.device.SelectedIndex() >= 0, s.read)
	if s.liveRow != nil {
		if s.device.SelectedIndex() >= 0 {
			s.liveRow.Show()
		} else {
			s.liveRow.Hide()
		}
	}
}

// Select chooses the named device; it returns false when the set has no
// such device.
func (s *ReadoutScreen) Select(name string) bool {
	for again := 0; again < 2; again++ {
		for _, d := range s.devices {
			if d.Name == name {
				s.device.SetSelected(name)
				s.setReadable()
				return true
			}
		}
		// Added a moment ago: the set's change may still be on its way
		// through the bridge.
		s.showDevices()
	}
	return false
}

// Selected returns the name of the chosen device ("" for none).
func (s *ReadoutScreen) Selected() string { return s.device.Selected }

// Object returns the screen's content.
func (s *ReadoutScreen) Object() fyne.CanvasObject { return s.root }

// Start reads the chosen device in the background: identity, clock,
// registers, the profile over the chosen span and the event logs.
func (s *ReadoutScreen) Start() {
	i := s.device.SelectedIndex()
	if i < 0 || i >= len(s.devices) || s.stop != nil {
		return
	}
	dev := s.devices[i]
	span := s.span.Selected
	if span == "" {
		span = SpanDay
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.read.Disable()
	s.cancel.Enable()
	s.progress.SetValue(0)
	s.status.SetText("Connecting to " + dev.Name + "…")
	engineer := "engineer"
	if s.engineer != nil {
		engineer = s.engineer()
	}
	// The session may go on to the live view: it gets a holder slot,
	// after the one holding the port now has let it go.
	s.refresh.Disable()
	if dev.Config.Reference == nil && dev.Config.ReferenceClock == nil {
		dev.Config.ReferenceClock = s.reference
	}
	h := s.newHolder(dev.Name)
	go func() {
		defer h.end()
		s.run(ctx, h, dev, span, engineer)
	}()
}

// run is the background read; it reports only through the bridge. With
// the live view on, the session goes on to re-read the instantaneous
// values until h's context ends.
func (s *ReadoutScreen) run(ctx context.Context, h holder, dev Device, span string, engineer string) {
	cfg := dev.Config
	cfg.Progress = s.bridge.progress
	started := time.Now()
	h.waitPrevious()
	sess, err := diagnose.Open(ctx, dev.Connector, cfg)
	if err != nil {
		s.bridge.failed(fmt.Errorf("connect to %s: %w", dev.Name, err))
		return
	}
	keep := false
	defer func() {
		if keep {
			s.hold(h, sess, dev.Name, false)
			return
		}
		closeSession(sess)
	}()
	s.bridge.connected(dev.Name)
	now := time.Now()
	if cfg.Now != nil {
		now = cfg.Now()
	}
	r, err := sess.Read(ctx, diagnose.Request{From: spanStart(span, now), To: now})
	if err != nil {
		s.bridge.failed(fmt.Errorf("read %s: %w", dev.Name, err))
		return
	}
	b, err := diagnose.NewBundle(diagnose.Header{Engineer: engineer, StartedAt: started, FinishedAt: time.Now(), Tool: "smetskit"}, sess, r)
	if err != nil {
		s.bridge.failed(fmt.Errorf("keep evidence of %s: %w", dev.Name, err))
		return
	}
	frames, dropped, _ := sess.Trace()
	s.bridge.done(readResult{readout: r, bundle: b, frames: frames, link: linkFrames(b), dropped: dropped, span: span, device: dev.Name})
	keep = s.liveOn.Load()
}

// linkFrames returns the HDLC frames a bundle's trace entry holds (none
// when the connector did not record its link).
func linkFrames(b *diagnose.Bundle) []diagnose.Frame {
	if b == nil {
		return nil
	}
	// The bundle's own frames, not a decoded copy of them.
	tb, _ := b.Trace()
	return tb.LinkFrames
}

// Trace views.
const (
	traceAPDUs = "APDUs"
	traceHDLC  = "HDLC frames"
)

// traceFrames returns the frames of the chosen trace view.
func (s *ReadoutScreen) traceFrames() []diagnose.Frame {
	if s.result == nil {
		return nil
	}
	if s.traceKind != nil && s.traceKind.Selected == traceHDLC {
		return s.result.link
	}
	return s.result.frames
}

// showTrace shows the chosen trace view and says what it holds.
func (s *ReadoutScreen) showTrace() {
	if s.result == nil || s.trace == nil {
		return
	}
	res := s.result
	text := fmt.Sprintf("%d APDUs (oldest first)", len(res.frames))
	if res.dropped > 0 {
		text += fmt.Sprintf("; %d later APDUs not kept (the trace is capped)", res.dropped)
	}
	if s.traceKind.Selected == traceHDLC {
		text = fmt.Sprintf("%d HDLC frames (oldest first)", len(res.link))
	} else if len(res.link) == 0 {
		text += "; no HDLC frames (the link is not HDLC)"
	}
	s.traceNote.SetText(text)
	s.trace.Refresh()
}

// showInstantaneous lays out the instantaneous values (voltage, current,
// power, frequency) the readout holds.
func (s *ReadoutScreen) showInstantaneous(regs []diagnose.RegisterValue) {
	var objs []fyne.CanvasObject
	for _, r := range regs {
		if !r.Instantaneous {
			continue
		}
		name := widget.NewLabel(instantName(r))
		value := widget.NewLabelWithStyle(r.Text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		objs = append(objs, name, value)
	}
	if len(objs) == 0 {
		objs = []fyne.CanvasObject{widget.NewLabel("None read: the device offers no instantaneous values."), widget.NewLabel("")}
	}
	s.instant.Objects = objs
	s.instant.Refresh()
	if s.summary != nil {
		// The panel's height follows its rows: lay the tab out again so the
		// card grows instead of squeezing the rows to nothing.
		s.summary.Refresh()
	}
}

// instantName names an instantaneous value: the name it was read with,
// else diagnose's name for its quantity (IEC 62056-6-1 §7.5.3.2).
func instantName(r diagnose.RegisterValue) string {
	if r.Name != "" && r.Name != r.OBIS.String() {
		return r.Name
	}
	if n, ok := diagnose.InstantName(r.OBIS); ok {
		return n
	}
	return r.OBIS.String()
}

// SetSpan chooses the profile span (one of Spans): the span the next read
// asks for and the zoom of the chart and table. Unknown names are ignored.
func (s *ReadoutScreen) SetSpan(span string) {
	for _, name := range Spans {
		if name == span {
			s.span.SetSelected(span)
			return
		}
	}
}

// Span returns the chosen profile span.
func (s *ReadoutScreen) Span() string { return s.span.Selected }

// Cancel stops a read in progress, and the live view; what was read so
// far is discarded.
func (s *ReadoutScreen) Cancel() {
	if s.stop != nil {
		s.stop()
		s.status.SetText("Cancelling…")
	}
	s.SetLive(false)
}

// Idle returns a channel closed when the read in progress (or the next one)
// ends.
func (s *ReadoutScreen) Idle() <-chan struct{} {
	return s.idle.wait()
}

func (s *ReadoutScreen) finished() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
	s.setReadable()
	s.setAttachable()
	if !s.liveOn.Load() {
		s.cancel.Disable()
	}
	s.refresh.Enable()
	s.idle.fire()
}

func (s *ReadoutScreen) showConnected(device string) {
	s.status.SetText("Connected to " + device + ". Reading identity, clock and registers…")
}

func (s *ReadoutScreen) showProgress(p diagnose.Progress) {
	if s.stop == nil {
		return
	}
	what := map[diagnose.Section]string{diagnose.SectionProfile: "load profile", diagnose.SectionEvents: "event logs"}[p.Section]
	if what == "" {
		what = string(p.Section)
	}
	text := fmt.Sprintf("Reading %s: %d rows", what, p.Rows)
	if p.Expected > 0 {
		s.progress.SetValue(min(float64(p.Rows)/float64(p.Expected), 1))
		text = fmt.Sprintf("Reading %s: %d of %d rows", what, p.Rows, p.Expected)
	}
	if p.ETA > 0 {
		text += ", about " + roughDuration(p.ETA) + " left"
	}
	s.status.SetText(text + ". You can cancel at any time.")
}

func (s *ReadoutScreen) showFailure(err error) {
	s.log("readout stopped: %v", err)
	s.finished()
	s.progress.SetValue(0)
	if errors.Is(err, context.Canceled) {
		s.status.SetText("Read cancelled. Nothing was kept; press Read to start again.")
		return
	}
	s.status.SetText(FieldWords(err))
}

func (s *ReadoutScreen) showResult(res readResult) {
	s.finished()
	s.result = &res
	s.progress.SetValue(1)
	r := res.readout
	s.status.SetText(fmt.Sprintf("Read %s at %s: %d registers, %d profile rows, %d events.", res.device,
		time.Now().Format("15:04"), len(r.Registers), profileRows(r), eventCount(r)))
	defer s.log("readout of %s shown: %d registers, %d profile rows, %d events, %d frames", res.device,
		len(r.Registers), profileRows(r), eventCount(r), len(res.frames))
	s.identity.SetText(identityText(r.Device))
	s.clock.SetText(clockText(r.Clock))
	s.registers.SetText(registersText(r.Registers))
	s.problems.SetText(problemsText(r.Problems))
	s.zoom()
	names := []string{}
	for _, l := range r.Events {
		names = append(names, l.Name)
	}
	s.logFilter.SetOptions(append([]string{"All logs"}, names...))
	s.filterEvents()
	s.showInstantaneous(r.Registers)
	if len(res.link) > 0 {
		s.traceKind.Enable()
	} else {
		s.traceKind.SetSelected(traceAPDUs)
		s.traceKind.Disable()
	}
	s.showTrace()
	s.setExports(true)
	if s.attacher != nil && s.jobStore != nil {
		s.loadJobs() // jobs may have been pulled since
	}
	s.setAttachable()
	if profileRows(r) >= releaseAfterRows {
		// Decoding, formatting and hashing a long read peaks the Go heap
		// well above what stays live (57-59 MB against 41-44 after a
		// 13-month read); the runtime would return the difference to
		// the OS only slowly. Off the event goroutine: it is a full GC.
		go debug.FreeOSMemory()
	}
}

// releaseAfterRows is the size of read (profile rows) after which Readout
// hands the Go heap's freed pages back to the OS at once: a few months of
// half-hours; smaller reads leave little garbage.
const releaseAfterRows = 5000

func (s *ReadoutScreen) log(format string, args ...any) {
	if s.logf != nil {
		s.logf(format, args...)
	}
}

// zoom redraws the profile chart and table over the chosen span, ending at
// the last row read.
func (s *ReadoutScreen) zoom() {
	if s.result == nil || s.chart == nil {
		return
	}
	r := s.result.readout
	if len(r.Profiles) == 0 {
		s.chart.SetSeries("", "", time.Time{}, time.Time{}, nil, nil)
		s.rows, s.tableCols = nil, nil
		s.table.Refresh()
		return
	}
	p := r.Profiles[0]
	col := chartColumn(p)
	to := p.To
	if n := len(p.Rows); n > 0 {
		to = p.Rows[n-1].Time
	}
	from := spanStart(s.span.Selected, to)
	// The table shows the rows themselves (the readout's, not copies) and
	// formats each as it scrolls into view: a 13-month read has 19,404.
	s.rows = spanRows(p.Rows, from)
	s.tableCols = p.Columns
	s.sizeTable()
	times := make([]time.Time, 0, len(s.rows))
	values := make([]float64, 0, len(s.rows))
	for _, row := range s.rows {
		if col >= 0 && col < len(row.Values) && col < len(row.Numeric) && row.Numeric[col] {
			times = append(times, row.Time)
			values = append(values, row.Values[col])
		}
	}
	title, unit := p.Name, ""
	if col >= 0 {
		title = p.Name + ": " + p.Columns[col]
		if col < len(p.Units) {
			unit = p.Units[col]
		}
	}
	// A register that only grows is a meter total: what the engineer
	// wants to see is the energy of each interval.
	if deltas, ok := intervals(values); ok {
		times, values = times[1:], deltas
		title += " per interval"
	}
	s.chart.SetSeries(title, unit, from, to, times, values)
	s.table.Refresh()
}

// spanRows returns the rows at or after from: a tail of rows when they are
// in time order, as a read returns them, else a filtered copy.
func spanRows(rows []diagnose.ProfileRow, from time.Time) []diagnose.ProfileRow {
	first := len(rows)
	for i, row := range rows {
		if !row.Time.Before(from) {
			first = i
			break
		}
	}
	tail := rows[first:]
	for i, row := range tail {
		if row.Time.Before(from) {
			out := slices.Clip(tail[:i])
			for _, r := range tail[i+1:] {
				if !r.Time.Before(from) {
					out = append(out, r)
				}
			}
			return out
		}
	}
	return tail
}

// tableTime is how the profile table shows a row's time (local).
const tableTime = "Mon 02 Jan 15:04"

// tableCell is the text of the profile table's cell (row, col): column 0
// the row's local time, then its cells; "" outside the rows.
func tableCell(rows []diagnose.ProfileRow, row, col int) string {
	if row < 0 || row >= len(rows) || col < 0 {
		return ""
	}
	r := rows[row]
	if col == 0 {
		return r.Time.Local().Format(tableTime)
	}
	if col-1 < len(r.Cells) {
		return r.Cells[col-1]
	}
	return ""
}

// tableHeader is the heading of the profile table's column col.
func tableHeader(cols []string, col int) string {
	switch {
	case col == 0:
		return "Time"
	case col > 0 && col-1 < len(cols):
		return cols[col-1]
	}
	return ""
}

// maxTableColumn caps a profile table column's width; longer text is
// shortened with an ellipsis.
const maxTableColumn = 360

// sizeTable fits the profile table's columns to their headings and the
// first rows' cells.
func (s *ReadoutScreen) sizeTable() {
	pad := 2*theme.InnerPadding() + theme.Padding()
	width := func(t string, bold bool) float32 {
		return fyne.MeasureText(t, theme.TextSize(), fyne.TextStyle{Bold: bold}).Width + pad
	}
	for col := 0; col <= len(s.tableCols); col++ {
		w := width(tableHeader(s.tableCols, col), true)
		for row := 0; row < min(len(s.rows), 48); row++ {
			w = max(w, width(tableCell(s.rows, row, col), false))
		}
		s.table.SetColumnWidth(col, min(w, maxTableColumn))
	}
}

// intervals returns the differences of a non-decreasing series (a
// cumulative register), or false when the series is not one.
func intervals(v []float64) ([]float64, bool) {
	if len(v) < 2 {
		return nil, false
	}
	d := make([]float64, len(v)-1)
	for i := 1; i < len(v); i++ {
		if v[i] < v[i-1] {
			return nil, false
		}
		d[i-1] = v[i] - v[i-1]
	}
	return d, true
}

// chartColumn picks the column to draw: the first numeric one with a unit
// (energy, not a status word), else the first numeric one; -1 for none.
func chartColumn(p diagnose.ProfileReading) int {
	first := -1
	for i := range p.Columns {
		numeric := false
		for _, row := range p.Rows {
			if i < len(row.Numeric) && row.Numeric[i] {
				numeric = true
				break
			}
		}
		if !numeric {
			continue
		}
		if i < len(p.Units) && p.Units[i] != "" {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// filterEvents shows the events matching the filter text and log.
func (s *ReadoutScreen) filterEvents() {
	s.shown, s.shownLogs = s.shown[:0], s.shownLogs[:0]
	if s.result != nil {
		q := strings.ToLower(strings.TrimSpace(s.filter.Text))
		log := s.logFilter.Selected
		for _, l := range s.result.readout.Events {
			if log != "" && log != "All logs" && l.Name != log {
				continue
			}
			for _, e := range l.Entries {
				if q == "" || strings.Contains(strings.ToLower(eventLine(e, l.Name)), q) {
					s.shown = append(s.shown, e)
					s.shownLogs = append(s.shownLogs, l.Name)
				}
			}
		}
	}
	if s.events != nil {
		s.events.Refresh()
	}
}

func (s *ReadoutScreen) setExports(on bool) {
	setEnabled(on, s.exportCSV, s.exportJS, s.exportPDF)
}

// saveAs asks where to save an export, then writes it off the event
// goroutine.
func (s *ReadoutScreen) saveAs(format string) {
	if s.result == nil {
		return
	}
	res := s.result
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		go func() {
			err := writeExport(w, res, format)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			s.bridge.exported(w.URI().Name(), err)
		}()
	}, s.win)
	d.SetFileName(exportName(res, format))
	d.Show()
}

func (s *ReadoutScreen) showExported(what string, err error) {
	if err != nil {
		s.status.SetText("Could not save " + what + ": " + FieldWords(err))
		return
	}
	s.status.SetText("Saved " + what + ".")
}

// exportName is the file name an export is offered under.
func exportName(res *readResult, format string) string {
	id := "device"
	if d := res.readout.Device; d != nil && d.Serial != "" {
		id = d.Serial
	}
	return fmt.Sprintf("readout-%s-%s.%s", id, time.Now().Format("20060102-1504"), format)
}

// writeExport writes a readout as CSV (every section, one after the other),
// JSON, or the PDF report of its evidence bundle.
func writeExport(w io.Writer, res *readResult, format string) error {
	switch format {
	case "csv":
		var buf bytes.Buffer
		for _, sec := range diagnose.Sections() {
			var part bytes.Buffer
			if err := diagnose.WriteCSV(&part, res.readout, sec); err != nil {
				if errors.Is(err, diagnose.ErrUnknownSection) {
					continue
				}
				return fmt.Errorf("export %s as CSV: %w", sec, err)
			}
			if part.Len() > 0 {
				fmt.Fprintf(&buf, "# %s\n", sec)
				buf.Write(part.Bytes())
				buf.WriteByte('\n')
			}
		}
		_, err := w.Write(buf.Bytes())
		return err
	case "json":
		return diagnose.WriteJSON(w, res.readout)
	case "pdf":
		return diagnose.WritePDF(w, res.bundle)
	}
	return fmt.Errorf("export: unknown format %q", format)
}

// FieldWords turns an error into words a field engineer can act on. The
// probe's advice covers the optical and serial failures; the rest is said
// plainly with the detail kept for the log.
func FieldWords(err error) string {
	if err == nil {
		return ""
	}
	if k := probe.KindOf(err); k != probe.KindOther && k != probe.KindCanceled {
		title, action := probe.Advice(err)
		return title + ". " + action
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "The device stopped answering. Check the probe is seated on the meter's optical port and try again. (" + err.Error() + ")"
	case errors.Is(err, os.ErrPermission):
		return "This computer does not allow opening that port or file. Ask for access, or pick another place. (" + err.Error() + ")"
	}
	return "Something went wrong: " + err.Error() + ". Try again; if it keeps happening, export the trace for support."
}

func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()+0.5))
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

func identityText(d *diagnose.Identity) string {
	if d == nil {
		return "Not read."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s serial %s", d.Kind, d.Serial)
	if d.DeviceID != "" {
		fmt.Fprintf(&b, ", device ID %s", d.DeviceID)
	}
	if d.GPFID != "" {
		fmt.Fprintf(&b, ", GPF ID %s", d.GPFID)
	}
	if d.Firmware != "" {
		fmt.Fprintf(&b, "\nFirmware %s", d.Firmware)
		if d.CommFirmware != "" {
			fmt.Fprintf(&b, ", communications firmware %s", d.CommFirmware)
		}
	}
	if d.LogicalDeviceName != "" {
		fmt.Fprintf(&b, "\nLogical device name %s", d.LogicalDeviceName)
	}
	return b.String()
}

// driftTolerance is where the app starts calling a clock wrong: hubs and
// meters refuse adjustments beyond 10 s without a commanded sync (DOMAIN.md
// §13 event 0x8F0C).
const driftTolerance = 10 * time.Second

func clockText(c *diagnose.ClockReading) string {
	if c == nil {
		return "Not read."
	}
	text := fmt.Sprintf("Device %s, laptop %s: %s.", c.Device.Format("2006-01-02 15:04:05 UTC"),
		c.Laptop.UTC().Format("15:04:05 UTC"), driftWords(c.Drift, "the laptop"))
	switch {
	case c.ReferenceSource != "":
		text += fmt.Sprintf(" Against %s: %s.", c.ReferenceSource, driftWords(c.ReferenceDrift, c.ReferenceSource))
	case c.ReferenceProblem != "":
		text += " Against the laptop clock only: " + referenceWords(c.ReferenceProblem) + "."
	default:
		text += " Against the laptop clock only."
	}
	return text
}

// referenceWords says why no time reference was used.
func referenceWords(problem string) string {
	switch {
	case strings.Contains(problem, diagnose.ErrNoNetwork.Error()):
		return "no network for NTP time"
	case strings.Contains(problem, "deadline exceeded"):
		return "no answer from the time server in time"
	}
	return "no network time (" + problem + ")"
}

func driftWords(d time.Duration, ref string) string {
	d = d.Round(time.Second)
	switch {
	case d == 0:
		return "in step with " + ref
	case d > driftTolerance:
		return fmt.Sprintf("%s ahead of %s — needs a clock sync", d, ref)
	case d < -driftTolerance:
		return fmt.Sprintf("%s behind %s — needs a clock sync", -d, ref)
	case d > 0:
		return fmt.Sprintf("%s ahead of %s (within tolerance)", d, ref)
	}
	return fmt.Sprintf("%s behind %s (within tolerance)", -d, ref)
}

func registersText(regs []diagnose.RegisterValue) string {
	if len(regs) == 0 {
		return "No registers read."
	}
	var b strings.Builder
	sorted := append([]diagnose.RegisterValue(nil), regs...)
	sort.SliceStable(sorted, func(i, j int) bool { return !sorted[i].Instantaneous && sorted[j].Instantaneous })
	for _, r := range sorted {
		kind := ""
		if r.Instantaneous {
			kind = " (now)"
		}
		fmt.Fprintf(&b, "%s: %s%s\n", r.Name, r.Text, kind)
	}
	return strings.TrimRight(b.String(), "\n")
}

func problemsText(ps []diagnose.Problem) string {
	if len(ps) == 0 {
		return "Nothing to report."
	}
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "• %s\n", p.Text)
	}
	return strings.TrimRight(b.String(), "\n")
}

func eventLine(e diagnose.Event, log string) string {
	t := e.RawTime
	if !e.Time.IsZero() {
		t = e.Time.Local().Format("2006-01-02 15:04:05")
	}
	line := fmt.Sprintf("%s  %s  0x%04X %s", t, log, e.Code, e.Name)
	if e.Corrupt {
		line += "  [corrupted entry: " + e.Problem + "]"
	}
	return line
}

// maxHexShown caps the hex of one frame drawn in the trace (the export
// keeps it whole).
const maxHexShown = 1024

func frameLine(f diagnose.Frame) string {
	dir := "→"
	if f.Dir == "rx" {
		dir = "←"
	}
	h := f.Hex
	if len(h) > maxHexShown {
		h = h[:maxHexShown] + fmt.Sprintf("… (%d bytes)", len(f.Hex)/2)
	}
	return fmt.Sprintf("%s %s %s", f.At.Local().Format("15:04:05.000"), dir, h)
}

// maxDecoded caps the bytes of one frame the trace decodes: an APDU
// longer than this (a block of a long profile) is named by its tag alone,
// so scrolling through a 13-month read stays cheap.
const maxDecoded = 4096

// decodeFrame says what a trace frame is: for an HDLC frame its type,
// addresses and segmentation (IEC 62056-46 §6.4) and the APDU it starts;
// for an APDU its kind (IEC 62056-5-3 §9.5) with invoke ID and what it
// asks for or answers.
func decodeFrame(f diagnose.Frame, link bool) string {
	if len(f.Hex) > 2*maxDecoded {
		b, err := hex.DecodeString(f.Hex[:2])
		if err != nil {
			return "not hex: " + err.Error()
		}
		if link {
			return fmt.Sprintf("HDLC frame of %d bytes (too long to decode here)", len(f.Hex)/2)
		}
		return fmt.Sprintf("APDU tag %02X, %d bytes (too long to decode here)", b[0], len(f.Hex)/2)
	}
	b, err := hex.DecodeString(f.Hex)
	if err != nil {
		return "not hex: " + err.Error()
	}
	if link {
		return decodeHDLC(b)
	}
	return decodeAPDU(b)
}

// decodeHDLC describes one HDLC frame, flags included.
func decodeHDLC(b []byte) string {
	d, err := hdlc.Inspect(b)
	if err != nil {
		return "undecodable HDLC frame: " + err.Error()
	}
	line := fmt.Sprintf("%s, %s → %s", d.ControlDecoded, addressText(d.SrcDecoded), addressText(d.DstDecoded))
	if d.Segmented {
		line += ", segmented (more follows)"
	}
	switch {
	case d.APDU != "":
		apdu, _ := hex.DecodeString(d.APDU)
		if d.Segmented {
			line += fmt.Sprintf(", first segment of %s", apduKind(apdu))
		} else {
			line += ": " + decodeAPDU(apdu)
		}
	case d.Params != nil:
		line += fmt.Sprintf(", max info %d/%d, window %d/%d", d.Params.MaxInfoTx, d.Params.MaxInfoRx, d.Params.WindowTx, d.Params.WindowRx)
	case d.Info != "":
		line += fmt.Sprintf(", %d bytes of a segmented APDU", len(d.Info)/2)
	}
	return line
}

func addressText(a []int) string {
	parts := make([]string, len(a))
	for i, v := range a {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, "/")
}

// apduKind names an APDU from its first bytes when the rest is not there
// (the first segment of a long one).
func apduKind(b []byte) string {
	if len(b) == 0 {
		return "an APDU"
	}
	return fmt.Sprintf("an APDU with tag %02X", b[0])
}

// decodeAPDU names one xDLMS or ACSE APDU and the few fields an engineer
// reads first.
func decodeAPDU(b []byte) string {
	a, err := dlms.Decode(b)
	if a == nil {
		if err == nil {
			return "empty APDU"
		}
		return "undecodable APDU: " + err.Error()
	}
	line := dlms.Name(a)
	if id, ok := dlms.InvokeIDOf(a); ok {
		line += fmt.Sprintf(" #%d", id&0x0F)
	}
	switch a := a.(type) {
	case *dlms.GetRequestNormal:
		line += " " + attributeText(a.Attribute)
		if a.Access != nil {
			line += " (selective access)"
		}
	case *dlms.GetRequestWithList:
		line += fmt.Sprintf(", %d attributes", len(a.Items))
	case *dlms.GetRequestNext:
		line += fmt.Sprintf(", block %d", a.Block)
	case *dlms.GetResponseNormal:
		if a.Result.Data != nil {
			line += fmt.Sprintf(", %d bytes of data", len(a.Result.Data))
		} else {
			line += ", " + a.Result.Result.String()
		}
	case *dlms.GetResponseWithDatablock:
		line += fmt.Sprintf(", block %d, %d bytes", a.Block, len(a.Raw))
		if a.Last {
			line += ", last"
		}
	case *dlms.AARE:
		line += ", " + a.Result.String()
	}
	if err != nil {
		line += " (" + err.Error() + ")"
	}
	return line
}

func attributeText(d dlms.AttributeDescriptor) string {
	name := d.Instance.String()
	if n, ok := cosem.LookupName(d.Instance); ok {
		name += " " + n
	}
	return fmt.Sprintf("class %d %s attribute %d", d.Class, name, d.Attribute)
}

func profileRows(r *diagnose.Readout) int {
	n := 0
	for _, p := range r.Profiles {
		n += len(p.Rows)
	}
	return n
}

func eventCount(r *diagnose.Readout) int {
	n := 0
	for _, l := range r.Events {
		n += len(l.Entries)
	}
	return n
}

// The live view of the instantaneous values.
const (
	tabSummary = "Summary"
	// liveEvery is how often the live view re-reads: one GET-with-list,
	// a fraction of a second at 9600 Bd.
	liveEvery = 3 * time.Second
	// liveClose bounds closing a held session (release, DISC).
	liveClose = 5 * time.Second
)

// holder is one turn at holding a session for the live view: a read that
// may go on live, or a Refresh. Only one holds the port at a time: each
// waits for the one before it to have closed its session.
type holder struct {
	s     *ReadoutScreen
	ctx   context.Context
	kick  <-chan struct{}
	prev  <-chan struct{}
	done  chan struct{}
	gen   int
	every time.Duration
}

// newHolder ends the current holder and makes the next one (event
// goroutine).
func (s *ReadoutScreen) newHolder(device string) holder {
	s.stopLive()
	ctx, stop := context.WithCancel(context.Background())
	kick := make(chan struct{}, 1)
	s.liveGen++
	h := holder{s: s, ctx: ctx, kick: kick, prev: s.liveDone, done: make(chan struct{}), gen: s.liveGen, every: s.liveEvery}
	s.liveStop, s.liveKick, s.liveDone, s.liveDevice = stop, kick, h.done, device
	return h
}

// waitPrevious blocks until the holder before h has closed its session.
func (h holder) waitPrevious() {
	if h.prev != nil {
		<-h.prev
	}
}

// end says the holder's session is closed (its goroutine, last).
func (h holder) end() {
	close(h.done)
	h.s.bridge.liveEnded(h.gen)
}

// hold re-reads the instantaneous values over sess, now when readNow,
// then on each kick and, while the live view is on, every h.every, until
// h's context ends, a read fails or (live off) after one read. It closes
// sess. It runs on the holder's goroutine and reports through the bridge.
func (s *ReadoutScreen) hold(h holder, sess *diagnose.Session, device string, readNow bool) {
	defer closeSession(sess)
	tick := time.NewTicker(h.every)
	defer tick.Stop()
	for {
		if readNow {
			vals, err := sess.Instantaneous(h.ctx)
			if h.ctx.Err() != nil {
				return
			}
			s.bridge.instant(device, vals, err, time.Now())
			if (err != nil && len(vals) == 0) || !s.liveOn.Load() {
				return
			}
		}
		select {
		case <-h.ctx.Done():
			return
		case <-h.kick:
			readNow = true
		case <-tick.C:
			readNow = true
		}
	}
}

// closeSession releases the association and closes the link, bounded by
// liveClose.
func closeSession(sess *diagnose.Session) {
	ctx, cancel := context.WithTimeout(context.Background(), liveClose)
	defer cancel()
	_ = sess.Close(ctx)
}

// Refresh re-reads the instantaneous values of the chosen device in the
// background: over the live view's session when one is open, else over a
// new one that closes after the read (unless the live view is on).
func (s *ReadoutScreen) Refresh() {
	i := s.device.SelectedIndex()
	if i < 0 || i >= len(s.devices) || s.stop != nil {
		return
	}
	dev := s.devices[i]
	if s.liveKick != nil && s.liveDevice == dev.Name {
		select {
		case s.liveKick <- struct{}{}:
		default:
		}
		return
	}
	s.liveNote.SetText("Reading the instantaneous values of " + dev.Name + "…")
	h := s.newHolder(dev.Name)
	s.cancel.Enable()
	go func() {
		defer h.end()
		h.waitPrevious()
		sess, err := diagnose.Open(h.ctx, dev.Connector, dev.Config)
		if err != nil {
			if h.ctx.Err() == nil {
				s.bridge.instant(dev.Name, nil, fmt.Errorf("connect to %s: %w", dev.Name, err), time.Now())
			}
			return
		}
		s.hold(h, sess, dev.Name, true)
	}()
}

// SetLive turns the live view on (the instantaneous values re-read every
// few seconds over one open session) or off (the session is closed).
// Leaving the Summary tab, Cancel and Leave turn it off.
func (s *ReadoutScreen) SetLive(on bool) {
	if s.live.Checked != on {
		s.live.SetChecked(on) // calls SetLive again through OnChanged
		return
	}
	s.liveOn.Store(on)
	if !on {
		if s.liveStop != nil {
			s.liveNote.SetText("Live view stopped.")
		}
		s.stopLive()
		return
	}
	s.Refresh()
}

// Leave stops the live view: the Readout screen is no longer shown.
func (s *ReadoutScreen) Leave() { s.SetLive(false) }

// stopLive ends the current holder, if any (event goroutine).
func (s *ReadoutScreen) stopLive() {
	if s.liveStop != nil {
		s.liveStop()
	}
	s.liveStop, s.liveKick = nil, nil
	if s.stop == nil && s.cancel != nil {
		s.cancel.Disable()
	}
}

// showInstant shows instantaneous values re-read at at.
func (s *ReadoutScreen) showInstant(device string, vals []diagnose.RegisterValue, err error, at time.Time) {
	s.liveReads++
	if len(vals) > 0 {
		s.showInstantaneous(vals)
	}
	when := at.Format("15:04:05")
	switch {
	case errors.Is(err, diagnose.ErrNotOffered):
		s.liveNote.SetText(device + " offers no instantaneous values.")
	case err != nil && len(vals) == 0:
		s.liveNote.SetText("Could not read the instantaneous values: " + FieldWords(err))
	case err != nil:
		s.liveNote.SetText("Read at " + when + "; some values were refused.")
	case s.liveOn.Load():
		s.liveNote.SetText("Live: read at " + when + ".")
	default:
		s.liveNote.SetText("Read at " + when + ".")
	}
}

// liveEnded notes that a holder has closed its session.
func (s *ReadoutScreen) liveEnded(gen int) {
	if gen != s.liveGen {
		return
	}
	s.stopLive()
	if s.live.Checked {
		// The session ended under the live view (a read failed).
		s.SetLive(false)
	}
	s.liveIdle.fire()
}

// LiveIdle returns a channel closed when the session of the live view or
// of a Refresh (the current one or the next) is closed.
func (s *ReadoutScreen) LiveIdle() <-chan struct{} {
	return s.liveIdle.wait()
}
