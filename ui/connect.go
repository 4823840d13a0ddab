package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/usb"
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
	// ListUSB lists USB probes that have no driver on this computer and
	// are driven through libusb; usb.List when nil. They appear as
	// "usb:VVVV:PPPP[:SERIAL]" beside the serial ports, and the default
	// Open opens them with usb.Open.
	ListUSB func() ([]usb.DeviceInfo, error)
}

// ConnectScreen lists probes as they are plugged in and out (serial ports
// and driverless USB probes), finds the meter behind one with live progress,
// and runs the self-test with its verdict in plain words. Manual settings
// for an awkward meter steer detection and reading and are remembered per
// model; a meter or hub found joins the shared DeviceSet, ready to read.
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
	usbNote  *widget.Label
	manual   *manualForm

	// Event goroutine only.
	found    []serial.PortInfo
	selected string
	stop     context.CancelFunc
	running  serial.PortInfo   // the port of the detection in progress
	added    map[string]string // port name → device added from it
	lastDev  string            // the device the last detection added
	usbEvery time.Duration     // between USB listings; set before Watch

	mu     sync.Mutex
	idle   signal // fires when a detection ends
	listed signal // fires when the list changes
	watch  context.CancelFunc
}

// NewConnectScreen builds the screen; Watch starts following the ports.
func NewConnectScreen(opts ConnectOptions) *ConnectScreen {
	return newConnectScreen(opts, fyne.Do)
}

func newConnectScreen(opts ConnectOptions, do doFunc) *ConnectScreen {
	s := &ConnectScreen{opts: opts, added: map[string]string{}, usbEvery: usbListEvery}
	s.bridge = connectBridge{s: s, do: do}
	if s.opts.List == nil {
		s.opts.List = serial.List
	}
	if s.opts.ListUSB == nil {
		s.opts.ListUSB = usb.List
	}
	if s.opts.Open == nil {
		s.opts.Open = openPort
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
	s.usbNote = widget.NewLabel("")
	s.usbNote.Wrapping = fyne.TextWrapWord
	s.usbNote.Hide()
	s.manual = newManualForm(s)
	s.setRunning(false)

	manual := widget.NewAccordion(widget.NewAccordionItem("Manual settings for an awkward meter", s.manual.Object()))
	top := container.NewVBox(container.NewHBox(s.detect, s.selfTest, s.cancel), s.progress, s.verdict, s.details, container.NewHBox(s.readThis), manual)
	split := container.NewVSplit(container.NewBorder(container.NewVBox(widget.NewLabelWithStyle("Probes and serial ports", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.usbNote), nil, nil, nil, s.ports),
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
	list, listUSB := s.opts.List, s.opts.ListUSB
	extra := s.opts.Extra
	usbErr := "" // the last USB failure said, so it is said once
	// libusb reads every probe's strings: list USB less often than the
	// serial ports (the closure runs on the watcher's goroutine only).
	every := s.usbEvery
	var usbAt time.Time
	var devs []usb.DeviceInfo
	events := serial.Watch(ctx, serial.WatchOptions{List: func() ([]serial.PortInfo, error) {
		ps, err := list()
		if err != nil {
			return append(append([]serial.PortInfo(nil), extra...), ps...), err
		}
		if now := time.Now(); usbAt.IsZero() || now.Sub(usbAt) >= every {
			usbAt = now
			// A USB listing that fails (no libusb) keeps the serial list.
			var uerr error
			devs, uerr = listUSB()
			if msg := errText(uerr); msg != usbErr {
				usbErr = msg
				s.bridge.usbFailed(uerr)
			}
		}
		ps = append(ps, driverless(devs, ps)...)
		return append(append([]serial.PortInfo(nil), extra...), ps...), nil
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
	return s.listed.wait()
}

// Idle returns a channel closed when the running detection ends.
func (s *ConnectScreen) Idle() <-chan struct{} {
	return s.idle.wait()
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
	s.listed.fire()
}

func (s *ConnectScreen) setRunning(on bool) {
	setEnabled(!on && s.selected != "", s.detect, s.selfTest)
	setEnabled(on, s.cancel)
}

// Start finds the meter behind the selected probe, or self-tests it, in
// the background.
func (s *ConnectScreen) Start(selfTest bool) {
	if s.selected == "" || s.stop != nil {
		return
	}
	// Detection needs the route to the meter, not the secret: a password
	// still to be typed does not stop it.
	route, err := s.manual.Route()
	if err != nil {
		s.verdict.SetText("Check the manual settings: " + settingsWords(err))
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
	if route.Protocol != "" {
		opt.Manual = &route
	}
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
		if res != nil && opt.Store != nil {
			// Settings remembered for this model are shown before the
			// result, so the device is read with them.
			if m, ok, lerr := probe.LookupSettings(opt.Store, res.Manufacturer, res.Model); lerr == nil && ok {
				s.bridge.remembered(res.Manufacturer, res.Model, m)
			}
		}
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
		d := fmt.Sprintf("Reached by %s at %d Bd", res.Protocol, res.Baud)
		if a := res.Address; a != nil {
			// The size matters: some meters answer one form only.
			d += ", HDLC server address " + a.String()
		}
		d += "."
		if res.Echo {
			d += " The probe hears its own echo (normal for some heads)."
		}
		if res.StayedAtOldSpeed {
			d += " The meter stayed at 300 Bd instead of the speed it offered."
		}
		s.details.SetText(d)
		s.manual.found(res)
		s.addDevice(res)
	}
	s.idle.fire()
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
	manual, err := s.manual.Settings()
	if err != nil {
		s.details.SetText(s.details.Text + " It cannot be read yet: " + settingsWords(err))
		return
	}
	settings := manual.WithResult(res)
	if settings.ClientSAP == 0 && manual.Security == "" {
		settings.ClientSAP = s.opts.Probe.ClientSAP
	}
	cfg, err := settings.ReaderConfig()
	if err != nil {
		s.details.SetText(s.details.Text + " It cannot be read with these settings: " + settingsWords(err))
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

// usbListEvery is how often driverless USB probes are listed (serial ports
// are listed every second).
const usbListEvery = 3 * time.Second

// openPort opens a serial port, or a driverless USB probe named
// "usb:VVVV:PPPP[:SERIAL]", at 300 Bd 7E1 (IEC 62056-21 §6.3.1).
func openPort(name string) (ProbePort, error) {
	if sel, ok := parseUSBName(name); ok {
		p, err := usb.Open(sel, usb.Options{})
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	p, err := serial.Open(name, serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// usbName names a driverless USB probe in the port list.
func usbName(d usb.DeviceInfo) string {
	n := fmt.Sprintf("usb:%04X:%04X", d.VID, d.PID)
	if d.Serial != "" {
		n += ":" + d.Serial
	}
	return n
}

// parseUSBName reads a name usbName wrote.
func parseUSBName(name string) (usb.Selector, bool) {
	rest, ok := strings.CutPrefix(name, "usb:")
	if !ok || len(rest) > 128 {
		return usb.Selector{}, false
	}
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) < 2 {
		return usb.Selector{}, false
	}
	vid, err1 := strconv.ParseUint(parts[0], 16, 16)
	pid, err2 := strconv.ParseUint(parts[1], 16, 16)
	if err1 != nil || err2 != nil {
		return usb.Selector{}, false
	}
	sel := usb.Selector{VID: uint16(vid), PID: uint16(pid)}
	if len(parts) == 3 {
		sel.Serial = parts[2]
	}
	return sel, true
}

// driverless returns the USB probes of devs that no serial port already
// shows (a chip with its kernel driver appears as both).
func driverless(devs []usb.DeviceInfo, ports []serial.PortInfo) []serial.PortInfo {
	var out []serial.PortInfo
	for _, d := range devs {
		shown := false
		for _, p := range ports {
			if p.USB && p.VID == d.VID && p.PID == d.PID && (d.Serial == "" || p.SerialNumber == d.Serial) {
				shown = true
				break
			}
		}
		if shown {
			continue
		}
		info := serial.PortInfo{Name: usbName(d), USB: true, VID: d.VID, PID: d.PID, SerialNumber: d.Serial,
			Manufacturer: d.Manufacturer, Product: d.Product}
		if c, ok := serial.Lookup(d.VID, d.PID); ok {
			info.Chip = c.Name() + " (no driver; through libusb)"
			info.Optical = c.Optical
		}
		info.Optical = info.Optical || serial.LooksOptical(d.Product, d.Manufacturer)
		out = append(out, info)
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *ConnectScreen) showUSBFailure(err error) {
	if err == nil {
		s.usbNote.Hide()
		return
	}
	s.usbNote.SetText("USB probes without a driver cannot be listed on this computer: libusb is missing or not allowed (" +
		err.Error() + "). Serial ports and probes with a driver are still listed.")
	s.usbNote.Show()
}

func portLine(p serial.PortInfo) string {
	d := p.Describe()
	if p.Optical {
		return "◉ " + d
	}
	return "○ " + d
}

// The bridge methods below belong with those in bridge.go (one do each, no
// I/O); they live here because bridge.go is shared by every screen's
// engineer.

// manualForm holds the manual settings of an awkward meter (mode, speed,
// HDLC addresses, security with the secret masked, deviation sign) and
// remembers them per meter model in the probe's profile store.
type manualForm struct {
	s        *ConnectScreen
	root     fyne.CanvasObject
	mode     *widget.Select
	baud     *widget.Select
	client   *widget.Entry
	server   *widget.Entry
	size     *widget.Select
	security *widget.RadioGroup
	secret   *widget.Entry
	sign     *widget.Select
	remember *widget.Button
	note     *widget.Label

	manufacturer, model string // of the last meter found
}

// Choices as the form shows them, and what they mean.
const (
	modeAuto   = "Find it for me"
	baudAuto   = "Meter's choice"
	secNone    = "None (public client)"
	secLow     = "Low (password)"
	secHigh    = "High (keys)"
	signNormal = "Normal (standard)"
	signRev    = "Reversed"
	signIgnore = "Ignore the deviation"
	sizeAuto   = "From the numbers"
)

var (
	modeChoices = []string{modeAuto, "Mode E (sign-on, then HDLC)", "Mode C (readout only)", "Direct HDLC (serial line)"}
	modeOf      = map[string]probe.Protocol{modeChoices[1]: probe.ModeE, modeChoices[2]: probe.ModeC, modeChoices[3]: probe.DirectHDLC}
	baudChoices = []string{baudAuto, "300", "600", "1200", "2400", "4800", "9600", "19200"}
	secOf       = map[string]probe.Security{secNone: probe.SecurityNone, secLow: probe.SecurityLow, secHigh: probe.SecurityHigh}
	signOf      = map[string]string{signNormal: "normal", signRev: "reversed", signIgnore: "ignore"}
	// sizeChoices are the HDLC server address sizes (IEC 62056-46
	// §6.4.2.2): some meters answer only one form of the same address.
	sizeChoices = []string{sizeAuto, "1 byte (logical only)", "2 bytes (upper/lower)", "4 bytes"}
	sizeOf      = map[string]int{sizeChoices[1]: 1, sizeChoices[2]: 2, sizeChoices[3]: 4}
)

func newManualForm(s *ConnectScreen) *manualForm {
	f := &manualForm{s: s}
	f.mode = widget.NewSelect(modeChoices, nil)
	f.mode.SetSelected(modeAuto)
	f.baud = widget.NewSelect(baudChoices, nil)
	f.baud.SetSelected(baudAuto)
	f.client = widget.NewEntry()
	f.client.SetPlaceHolder("16 public, 17 reader, 1 management")
	f.server = widget.NewEntry()
	f.server.SetPlaceHolder("logical/physical, e.g. 1/17; empty tries the usual ones")
	f.size = widget.NewSelect(sizeChoices, nil)
	f.size.SetSelected(sizeAuto)
	f.secret = widget.NewPasswordEntry()
	f.secret.SetPlaceHolder("password, or keys EK:AK in hex")
	f.security = widget.NewRadioGroup([]string{secNone, secLow, secHigh}, func(string) { f.showSecret() })
	f.security.Horizontal = true
	f.security.SetSelected(secNone)
	f.sign = widget.NewSelect([]string{signNormal, signRev, signIgnore}, nil)
	f.sign.SetSelected(signNormal)
	f.remember = widget.NewButtonWithIcon("Remember for this model", theme.DocumentSaveIcon(), f.Remember)
	f.remember.Disable()
	f.note = widget.NewLabel("Find the meter once to remember its settings for its model.")
	f.note.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem("Mode", f.mode),
		widget.NewFormItem("Speed (Bd)", f.baud),
		widget.NewFormItem("HDLC client", f.client),
		widget.NewFormItem("HDLC server", f.server),
		widget.NewFormItem("Address size", f.size),
		widget.NewFormItem("Security", f.security),
		widget.NewFormItem("Secret", f.secret),
		widget.NewFormItem("Clock deviation", f.sign),
	)
	f.showSecret()
	f.root = container.NewVBox(form, container.NewHBox(f.remember), f.note)
	return f
}

// Object returns the form.
func (f *manualForm) Object() fyne.CanvasObject { return f.root }

func (f *manualForm) showSecret() {
	if f.secret == nil {
		return
	}
	setEnabled(f.security.Selected == secLow || f.security.Selected == secHigh, f.secret)
}

// Settings reads the form; the error says what cannot work.
func (f *manualForm) Settings() (probe.Settings, error) {
	st, err := f.parse()
	if err != nil {
		return st, err
	}
	return st, st.Validate()
}

// Route returns the settings detection uses: the way to the meter, without
// the security (detection associates as the public client), so a secret
// still to be typed does not stop it.
func (f *manualForm) Route() (probe.Settings, error) {
	st, err := f.parse()
	if err != nil {
		return st, err
	}
	st.Security, st.Secret = "", ""
	return st, st.Validate()
}

// parse reads the form's fields.
func (f *manualForm) parse() (probe.Settings, error) {
	st := probe.Settings{Protocol: modeOf[f.mode.Selected], Security: secOf[f.security.Selected],
		Secret: f.secret.Text, DeviationSign: signOf[f.sign.Selected]}
	if st.Security == probe.SecurityNone {
		st.Security, st.Secret = "", ""
	}
	if b := f.baud.Selected; b != "" && b != baudAuto {
		st.Baud, _ = strconv.Atoi(b)
	}
	if c := strings.TrimSpace(f.client.Text); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n <= 0 {
			return st, fmt.Errorf("%w: HDLC client %q: want a number such as 16", probe.ErrSettings, c)
		}
		st.ClientSAP = n
	}
	if a := strings.TrimSpace(f.server.Text); a != "" {
		addr, err := parseServerAddress(a)
		if err != nil {
			return st, err
		}
		st.Address = addr
	}
	if n, ok := sizeOf[f.size.Selected]; ok {
		a := st.Address
		switch {
		case a == nil:
			return st, fmt.Errorf("%w: an address size needs the HDLC server address, such as 1/17", probe.ErrSettings)
		case n == 1 && a.Physical != 0:
			return st, fmt.Errorf("%w: a 1-byte HDLC server address has no physical part; choose 2 or 4 bytes for %d/%d", probe.ErrSettings, a.Logical, a.Physical)
		}
		a.Size = n
	}
	return st, nil
}

// parseServerAddress reads "logical", "logical/physical" or
// "logical/physical/size" (PROTOCOLS.md §2.3).
func parseServerAddress(s string) (*probe.Address, error) {
	bad := fmt.Errorf("%w: HDLC server %q: want logical/physical such as 1/17", probe.ErrSettings, s)
	if len(s) > 32 {
		return nil, bad
	}
	parts := strings.Split(s, "/")
	if len(parts) > 3 {
		return nil, bad
	}
	n := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return nil, bad
		}
		n[i] = v
	}
	a := &probe.Address{Logical: n[0], Size: 1}
	if len(n) > 1 {
		a.Physical, a.Size = n[1], 2
		if a.Logical > 0x7F || a.Physical > 0x7F {
			a.Size = 4
		}
	}
	if len(n) > 2 {
		a.Size = n[2]
	}
	return a, nil
}

// set shows st in the form; the secret is left as typed.
func (f *manualForm) set(st probe.Settings) {
	f.mode.SetSelected(modeAuto)
	for label, p := range modeOf {
		if p == st.Protocol {
			f.mode.SetSelected(label)
		}
	}
	f.baud.SetSelected(baudAuto)
	if st.Baud > 0 {
		f.baud.SetSelected(strconv.Itoa(st.Baud))
	}
	f.client.SetText("")
	if st.ClientSAP > 0 {
		f.client.SetText(strconv.Itoa(st.ClientSAP))
	}
	f.server.SetText("")
	f.size.SetSelected(sizeAuto)
	if a := st.Address; a != nil {
		switch a.Size {
		case 1:
			f.server.SetText(strconv.Itoa(a.Logical))
		default:
			f.server.SetText(fmt.Sprintf("%d/%d", a.Logical, a.Physical))
		}
		for label, n := range sizeOf {
			if n == a.Size {
				f.size.SetSelected(label)
			}
		}
	}
	f.security.SetSelected(secNone)
	for label, sec := range secOf {
		if sec == st.Security && sec != probe.SecurityNone {
			f.security.SetSelected(label)
		}
	}
	f.sign.SetSelected(signNormal)
	for label, v := range signOf {
		if v == st.DeviationSign {
			f.sign.SetSelected(label)
		}
	}
}

// showRemembered puts the settings remembered for a model in the form.
func (f *manualForm) showRemembered(manufacturer, model string, st probe.Settings) {
	f.set(st)
	text := "Using the settings remembered for " + strings.TrimSpace(manufacturer+" "+model) + "."
	if st.Security == probe.SecurityLow || st.Security == probe.SecurityHigh {
		if f.secret.Text == "" {
			text += " Type its secret, then Find the meter again to read it."
		}
	}
	f.note.SetText(text)
}

// found offers to remember the settings for the model just found.
func (f *manualForm) found(res *probe.Result) {
	f.manufacturer, f.model = res.Manufacturer, res.Model
	if f.manufacturer == "" && f.model == "" {
		f.remember.Disable()
		return
	}
	what := strings.TrimSpace(f.manufacturer + " " + f.model)
	f.remember.SetText("Remember for " + what)
	if f.s.opts.Probe.Store == nil {
		f.remember.Disable()
		f.note.SetText("Settings cannot be remembered here: no profile store is set up.")
		return
	}
	f.remember.Enable()
}

// Remember stores the form's settings (never the secret) for the model of
// the last meter found, off the event goroutine.
func (f *manualForm) Remember() {
	st, err := f.parse()
	if err != nil {
		f.note.SetText("Check the manual settings: " + settingsWords(err))
		return
	}
	store, manu, model := f.s.opts.Probe.Store, f.manufacturer, f.model
	if store == nil || (manu == "" && model == "") {
		return
	}
	f.remember.Disable()
	what := strings.TrimSpace(manu + " " + model)
	go func() { f.s.bridge.stored(what, probe.RememberSettings(store, manu, model, st)) }()
}

func (f *manualForm) showStored(what string, err error) {
	f.remember.Enable()
	if err != nil {
		f.note.SetText("Could not remember the settings for " + what + ": " + settingsWords(err))
		return
	}
	f.note.SetText("Remembered for " + what + " (without the secret): the next " + what + " found is read with these settings.")
}

// settingsWords says what is wrong with manual settings.
func settingsWords(err error) string {
	if errors.Is(err, probe.ErrSettings) {
		return strings.ReplaceAll(err.Error(), probe.ErrSettings.Error()+": ", "")
	}
	return FieldWords(err)
}
