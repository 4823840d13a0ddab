package ui

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/serial"
)

// ProbePort is an open probe: what app/probe talks through, and Close.
type ProbePort interface {
	probe.Port
	io.Closer
}

// ConnectOptions say where probes are found and how they are opened.
type ConnectOptions struct {
	// Extra ports listed beside the computer's (the demo's simulated
	// devices on pseudo-terminals).
	Extra []serial.PortInfo
	// List returns the computer's ports; serial.List when nil.
	List func() ([]serial.PortInfo, error)
	// Open opens a port at 300 Bd 7E1 (IEC 62056-21 §6.3.1); serial.Open
	// when nil.
	Open func(name string) (ProbePort, error)
	// Probe configures detection and the self-test.
	Probe probe.Options
	// Devices receives each meter or hub found, ready to read; the shell
	// gives its shared set when nil.
	Devices *DeviceSet
	// ReadDevice shows the named device on the Readout screen ("Read this
	// meter"); the shell gives it. Nil hides the button.
	ReadDevice func(name string)
}

// ConnectScreen lists probes as they are plugged in and out, finds the meter
// behind one with live progress, and runs the self-test with its verdict in
// plain words.
type ConnectScreen struct {
	root   fyne.CanvasObject
	opts   ConnectOptions
	bridge connectBridge

	ports    *widget.List
	detect   *widget.Button
	selfTest *widget.Button
	cancel   *widget.Button
	progress *widget.Label
	verdict  *widget.Label
	details  *widget.Label
	readThis *widget.Button

	// Event goroutine only.
	found    []serial.PortInfo
	selected string
	stop     context.CancelFunc
	running  serial.PortInfo   // the port of the detection in progress
	added    map[string]string // port name → device added from it
	lastDev  string            // the device the last detection added

	mu     sync.Mutex
	idle   chan struct{} // closed and replaced when a detection ends
	listed chan struct{} // closed and replaced when the list changes
	watch  context.CancelFunc
}

// NewConnectScreen builds the screen; Watch starts following the ports.
func NewConnectScreen(opts ConnectOptions) *ConnectScreen {
	return newConnectScreen(opts, fyne.Do)
}

func newConnectScreen(opts ConnectOptions, do doFunc) *ConnectScreen {
	s := &ConnectScreen{opts: opts, idle: make(chan struct{}), listed: make(chan struct{}), added: map[string]string{}}
	s.bridge = connectBridge{s: s, do: do}
	if s.opts.List == nil {
		s.opts.List = serial.List
	}
	if s.opts.Open == nil {
		s.opts.Open = func(name string) (ProbePort, error) {
			p, err := serial.Open(name, serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
			if err != nil {
				return nil, err
			}
			return p, nil
		}
	}
	s.ports = widget.NewList(func() int { return len(s.found) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(portLine(s.found[i])) })
	s.ports.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(s.found) {
			s.selected = s.found[i].Name
			s.setRunning(false)
		}
	}
	s.detect = widget.NewButtonWithIcon("Find the meter", theme.SearchIcon(), func() { s.Start(false) })
	s.detect.Importance = widget.HighImportance
	s.selfTest = widget.NewButtonWithIcon("Self-test", theme.QuestionIcon(), func() { s.Start(true) })
	s.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), s.Cancel)
	s.progress = widget.NewLabel("Plug in an optical probe, or pick one below.")
	s.verdict = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.verdict.Wrapping = fyne.TextWrapWord
	s.details = widget.NewLabel("")
	s.details.Wrapping = fyne.TextWrapWord
	s.readThis = widget.NewButtonWithIcon("Read this meter", theme.NavigateNextIcon(), s.ReadThis)
	s.readThis.Importance = widget.HighImportance
	s.readThis.Hide()
	s.setRunning(false)

	top := container.NewVBox(container.NewHBox(s.detect, s.selfTest, s.cancel), s.progress, s.verdict, s.details, container.NewHBox(s.readThis))
	split := container.NewVSplit(container.NewBorder(widget.NewLabelWithStyle("Probes and serial ports", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, s.ports),
		container.NewVScroll(top))
	split.Offset = 0.35
	s.root = split
	return s
}

// Object returns the screen's content.
func (s *ConnectScreen) Object() fyne.CanvasObject { return s.root }

// Watch follows ports arriving and leaving until Close.
func (s *ConnectScreen) Watch() {
	ctx, stop := context.WithCancel(context.Background())
	s.mu.Lock()
	s.watch = stop
	s.mu.Unlock()
	list := s.opts.List
	extra := s.opts.Extra
	events := serial.Watch(ctx, serial.WatchOptions{List: func() ([]serial.PortInfo, error) {
		ps, err := list()
		return append(append([]serial.PortInfo(nil), extra...), ps...), err
	}})
	go func() {
		present := map[string]serial.PortInfo{}
		for ev := range events {
			switch ev.Kind {
			case serial.Arrived:
				present[ev.Port.Name] = ev.Port
			case serial.Removed:
				delete(present, ev.Port.Name)
			case serial.ListFailed:
				s.bridge.failed(fmt.Errorf("list serial ports: %w", ev.Err))
				continue
			}
			ports := make([]serial.PortInfo, 0, len(present))
			for _, p := range present {
				ports = append(ports, p)
			}
			sort.Slice(ports, func(i, j int) bool {
				if ports[i].Optical != ports[j].Optical {
					return ports[i].Optical
				}
				return ports[i].Name < ports[j].Name
			})
			s.bridge.ports(ports)
		}
	}()
}

// Close stops watching the ports and any detection.
func (s *ConnectScreen) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watch != nil {
		s.watch()
	}
}

// Listed returns a channel closed at the next change of the port list.
func (s *ConnectScreen) Listed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listed
}

// Idle returns a channel closed when the running detection ends.
func (s *ConnectScreen) Idle() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idle
}

func (s *ConnectScreen) showPorts(ports []serial.PortInfo) {
	s.found = ports
	s.ports.Refresh()
	// The list selects by position: keep it on the chosen port as ports
	// come and go around it.
	gone := true
	for i, p := range ports {
		if p.Name == s.selected {
			gone = false
			s.ports.UnselectAll()
			s.ports.Select(i)
		}
	}
	s.forgetUnplugged(ports)
	if gone && s.selected != "" {
		s.progress.SetText(s.selected + " was unplugged.")
		s.selected = ""
		s.ports.UnselectAll()
		s.setRunning(s.stop != nil)
	}
	if s.selected == "" && len(ports) > 0 {
		s.ports.Select(0)
	}
	s.mu.Lock()
	close(s.listed)
	s.listed = make(chan struct{})
	s.mu.Unlock()
}

func (s *ConnectScreen) setRunning(on bool) {
	if on || s.selected == "" {
		s.detect.Disable()
		s.selfTest.Disable()
	} else {
		s.detect.Enable()
		s.selfTest.Enable()
	}
	if on {
		s.cancel.Enable()
	} else {
		s.cancel.Disable()
	}
}

// Start finds the meter behind the selected probe, or self-tests it, in
// the background.
func (s *ConnectScreen) Start(selfTest bool) {
	if s.selected == "" || s.stop != nil {
		return
	}
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Minute)
	s.stop = stop
	s.setRunning(true)
	s.verdict.SetText("")
	s.details.SetText("")
	s.readThis.Hide()
	s.running = serial.PortInfo{Name: s.selected}
	for _, p := range s.found {
		if p.Name == s.selected {
			s.running = p
		}
	}
	s.progress.SetText("Opening " + s.selected + "…")
	name, opt := s.selected, s.opts.Probe
	opt.Progress = s.bridge.progress
	go func() {
		p, err := s.opts.Open(name)
		if err != nil {
			s.bridge.detected(nil, nil, fmt.Errorf("open %s: %w", name, err))
			return
		}
		defer p.Close()
		if selfTest {
			rep, err := probe.SelfTest(ctx, p, opt)
			s.bridge.detected(nil, rep, err)
			return
		}
		res, err := probe.Detect(ctx, p, opt)
		s.bridge.detected(res, nil, err)
	}()
}

// Cancel stops a detection or self-test.
func (s *ConnectScreen) Cancel() {
	if s.stop != nil {
		s.stop()
		s.progress.SetText("Stopping…")
	}
}

func (s *ConnectScreen) showProgress(p probe.Progress) {
	if s.stop == nil {
		return
	}
	s.progress.SetText(fmt.Sprintf("Trying %s (attempt %d of %d)…", p.What, p.Attempt, p.Of))
}

func (s *ConnectScreen) showDetected(res *probe.Result, rep *probe.Report, err error) {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
	s.setRunning(false)
	s.progress.SetText("")
	switch {
	case rep != nil:
		s.verdict.SetText(strings.TrimSpace(rep.Title + ". " + rep.Action))
		var lines []string
		for _, c := range rep.Checks {
			mark := "✗"
			if c.Passed {
				mark = "✓"
			}
			lines = append(lines, fmt.Sprintf("%s %s %s", mark, c.Name, c.Detail))
		}
		s.details.SetText(strings.Join(lines, "\n"))
	case err != nil:
		s.verdict.SetText(FieldWords(err))
	case res != nil:
		s.verdict.SetText(fmt.Sprintf("Found %s %s, serial %s", res.Manufacturer, res.Model, res.Serial))
		d := fmt.Sprintf("Reached by %s at %d Bd.", res.Protocol, res.Baud)
		if res.Echo {
			d += " The probe hears its own echo (normal for some heads)."
		}
		if res.StayedAtOldSpeed {
			d += " The meter stayed at 300 Bd instead of the speed it offered."
		}
		s.details.SetText(d)
		s.addDevice(res)
	}
	s.mu.Lock()
	close(s.idle)
	s.idle = make(chan struct{})
	s.mu.Unlock()
}

func (s *ConnectScreen) showFailure(err error) { s.progress.SetText(FieldWords(err)) }

// addDevice puts what a detection found in the device set, reachable
// through the same port with the settings that worked, and offers to read
// it.
func (s *ConnectScreen) addDevice(res *probe.Result) {
	if s.opts.Devices == nil {
		return
	}
	if res.Protocol == probe.ModeC {
		s.details.SetText(s.details.Text + " This meter gives a mode C readout only; the Readout screen reads meters over DLMS.")
		return
	}
	settings := probe.Settings{}.WithResult(res)
	settings.ClientSAP = s.opts.Probe.ClientSAP
	cfg, err := settings.ReaderConfig()
	if err != nil {
		s.details.SetText(s.details.Text + " It cannot be read with these settings: " + FieldWords(err))
		return
	}
	dev := detectedDevice(s.running, res)
	open := s.opts.Open
	dev.Connector = probe.Connector(func(name string) (probe.ClosingPort, error) { return open(name) }, s.running.Name, settings)
	dev.Config = cfg
	s.opts.Devices.Add(dev)
	s.added[s.running.Name] = dev.Name
	s.lastDev = dev.Name
	if s.opts.ReadDevice != nil {
		if dev.Kind == KindHub {
			s.readThis.SetText("Read this hub")
		} else {
			s.readThis.SetText("Read this meter")
		}
		s.readThis.Show()
	}
}

// detectedDevice names what was found: a hub when it speaks HDLC on a
// plain serial line (a hub's serial port), a meter otherwise.
func detectedDevice(port serial.PortInfo, res *probe.Result) Device {
	kind, word := KindMeter, "Meter"
	if res.Protocol == probe.DirectHDLC && !port.Optical {
		kind, word = KindHub, "Hub"
	}
	id := res.Serial
	if id == "" {
		id = strings.TrimSpace(res.Manufacturer + " " + res.Model + " on " + port.Name)
	}
	return Device{Name: word + " " + id, Kind: kind}
}

// forgetUnplugged takes the devices found on ports that are gone out of
// the set.
func (s *ConnectScreen) forgetUnplugged(ports []serial.PortInfo) {
	present := make(map[string]bool, len(ports))
	for _, p := range ports {
		present[p.Name] = true
	}
	for port, dev := range s.added {
		if !present[port] {
			delete(s.added, port)
			if s.opts.Devices != nil {
				s.opts.Devices.Remove(dev)
			}
			if dev == s.lastDev {
				s.readThis.Hide()
			}
		}
	}
}

// ReadThis shows the meter the last detection found on the Readout screen.
func (s *ConnectScreen) ReadThis() {
	if s.lastDev != "" && s.opts.ReadDevice != nil {
		s.opts.ReadDevice(s.lastDev)
	}
}

func portLine(p serial.PortInfo) string {
	d := p.Describe()
	if p.Optical {
		return "◉ " + d
	}
	return "○ " + d
}
