package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/sim"
	"github.com/smetskit/smetskit/usb"
)

func TestConnectFindsSimulatedMeterOnPTY(t *testing.T) {
	d, s, loop, meter := ptyShell(t)
	c := s.connect
	if c.selected != meter || c.detect.Disabled() {
		t.Fatalf("selected %q (want %q), detect disabled %v", c.selected, meter, c.detect.Disabled())
	}
	idle := c.Idle()
	test.Tap(c.detect)
	loop.runUntil(t, idle, "the detection")
	want := d.Site.Meters[0].Identity().Serial
	if !strings.Contains(c.verdict.Text, want) {
		t.Errorf("verdict = %q, details %q; want the meter's serial %s", c.verdict.Text, c.details.Text, want)
	}
	if !strings.Contains(c.details.Text, "HDLC server address 1 (1 byte)") {
		t.Errorf("details = %q, want the HDLC address found with its size", c.details.Text)
	}

	// The meter found is in the shared set, and Readout lists it.
	name := "Meter " + want
	dev, ok := findDevice(s.Devices(), name)
	if !ok || dev.Kind != KindMeter || dev.Connector == nil {
		t.Fatalf("device set %v has no readable %q", s.Devices().List(), name)
	}
	loop.drain()
	if c.readThis.Hidden {
		t.Fatal("no Read this meter button after a detection")
	}
	test.Tap(c.readThis)
	if s.Current() != ScreenReadout || s.readout.Selected() != name {
		t.Fatalf("Read this meter left the shell on %q with %q chosen", s.Current(), s.readout.Selected())
	}
	// TestConnectManualSettingsRememberedPerModel reads it through the pty.
}

func findDevice(set *DeviceSet, name string) (Device, bool) {
	for _, d := range set.List() {
		if d.Name == name {
			return d, true
		}
	}
	return Device{}, false
}

// ptyShell starts the demo with its devices on pseudo-terminals and a shell
// whose Connect screen lists only them; it returns the meter's pty.
func ptyShell(t *testing.T) (*demo.Demo, *Shell, *eventLoop, string) {
	t.Helper()
	a := test.NewTempApp(t)
	d, err := demo.Start(context.Background(), demo.Options{Dir: t.TempDir(), NoServer: true})
	if err != nil {
		t.Fatalf("demo.Start: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if len(d.PTYs) == 0 {
		t.Skip("no pseudo-terminals on this system")
	}
	opts := DemoOptions(d)
	opts.Connect.List = func() ([]serial.PortInfo, error) { return nil, nil }
	opts.Connect.ListUSB = func() ([]usb.DeviceInfo, error) { return nil, nil }
	opts.Connect.Probe.Protocols = []probe.Protocol{probe.ModeE}
	loop := newEventLoop()
	s := newShell(a, opts, loop.do)
	t.Cleanup(s.Close)
	c := s.connect
	for len(c.found) < len(d.PTYs) {
		loop.runUntil(t, c.Listed(), "the simulated ports")
	}
	var meter string
	for _, p := range d.PTYs {
		if p.Name == "meter1" {
			meter = p.Path
		}
	}
	for i, p := range c.found {
		if p.Name == meter {
			c.ports.Select(i)
		}
	}
	return d, s, loop, meter
}

func TestConnectManualSettingsRememberedPerModel(t *testing.T) {
	d, s, loop, _ := ptyShell(t)
	c, f := s.connect, s.connect.manual
	serialNo := d.Site.Meters[0].Identity().Serial

	// The awkward meter: mode E at 4800 Bd, read as the reader client
	// with its password (low security), the secret typed masked.
	f.mode.SetSelected(modeChoices[1])
	f.baud.SetSelected("4800")
	f.security.SetSelected(secLow)
	if f.secret.Disabled() || !f.secret.Password {
		t.Fatalf("secret entry: disabled %v, masked %v", f.secret.Disabled(), f.secret.Password)
	}
	test.Type(f.secret, string(sim.DefaultPassword))
	f.sign.SetSelected(signRev)
	var first string
	c.opts.Probe.Progress = nil
	idle := c.Idle()
	test.Tap(c.detect)
	for first == "" {
		select {
		case fn := <-loop.ch:
			fn()
			if strings.HasPrefix(c.progress.Text, "Trying") {
				first = c.progress.Text
			}
		case <-idle:
			first = "(none)"
		}
	}
	loop.runUntil(t, idle, "the detection with manual settings")
	if !strings.Contains(first, "4800") {
		t.Errorf("first attempt %q: want the manual mode E at 4800 Bd", first)
	}
	dev, ok := findDevice(s.Devices(), "Meter "+serialNo)
	if !ok {
		t.Fatalf("verdict %q, details %q: no device added", c.verdict.Text, c.details.Text)
	}
	if dev.Config.Client.Mechanism != dlms.MechanismLLS || dev.Config.DeviationSign != axdr.DeviationReversed {
		t.Errorf("device config: mechanism %v, sign %v; want LLS and reversed", dev.Config.Client.Mechanism, dev.Config.DeviationSign)
	}

	// Remember them for the model; the file never holds the secret.
	if f.remember.Disabled() || !strings.Contains(f.remember.Text, "SIM") {
		t.Fatalf("remember button %q disabled %v", f.remember.Text, f.remember.Disabled())
	}
	test.Tap(f.remember)
	loop.runWhile(t, func() bool {
		return !strings.HasPrefix(f.note.Text, "Remembered") && !strings.HasPrefix(f.note.Text, "Could not")
	}, "the settings stored")
	if !strings.HasPrefix(f.note.Text, "Remembered") {
		t.Fatalf("note = %q", f.note.Text)
	}
	raw, err := os.ReadFile(filepath.Join(d.Dir, "probe-profiles.json"))
	if err != nil || !strings.Contains(string(raw), `"reversed"`) || strings.Contains(string(raw), string(sim.DefaultPassword)) {
		t.Errorf("profile file (%v):\n%s\nwant the settings without the password", err, raw)
	}

	// The form back to automatic: the next detection of the model brings
	// the remembered settings back, and the meter is read with them.
	f.set(probe.Settings{})
	idle = c.Idle()
	test.Tap(c.detect)
	loop.runUntil(t, idle, "the second detection")
	if f.mode.Selected != modeChoices[1] || f.baud.Selected != "4800" || f.security.Selected != secLow || f.sign.Selected != signRev {
		t.Errorf("form after the second detection: %q %q %q %q; want the remembered settings", f.mode.Selected, f.baud.Selected, f.security.Selected, f.sign.Selected)
	}
	if !strings.Contains(f.note.Text, "remembered") {
		t.Errorf("note = %q", f.note.Text)
	}
	test.Tap(c.readThis)
	r := s.readout
	idle = r.Idle()
	test.Tap(r.read)
	loop.runUntil(t, idle, "the readout with low security")
	if !strings.Contains(r.identity.Text, serialNo) {
		t.Errorf("readout with the reader client: identity %q, status %q", r.identity.Text, r.status.Text)
	}
	// Over the optical port the trace has the HDLC frames too, decoded.
	if r.traceKind.Disabled() {
		t.Fatal("no HDLC trace view after a read over HDLC")
	}
	r.traceKind.SetSelected(traceHDLC)
	fs := r.traceFrames()
	if len(fs) < 4 || !strings.HasPrefix(decodeFrame(fs[0], true), "SNRM") {
		t.Errorf("HDLC trace: %d frames, first %q", len(fs), decodeFrame(fs[0], true))
	}
	if !strings.Contains(r.traceNote.Text, "HDLC frames") {
		t.Errorf("trace note = %q", r.traceNote.Text)
	}
}

func TestConnectUSBProbes(t *testing.T) {
	test.NewTempApp(t)
	failing := errString("start libusb: libusb_init failed")
	var usbErr error = failing
	list := []usb.DeviceInfo{{VID: 0x0403, PID: 0xF458, Serial: "AB123", Driver: usb.DriverFTDI},
		// The same chip with its kernel driver shows as a serial port.
		{VID: 0x0403, PID: 0x6001, Serial: "K1", Driver: usb.DriverFTDI}}
	loop := newEventLoop()
	var mu sync.Mutex
	c := newConnectScreen(ConnectOptions{
		List: func() ([]serial.PortInfo, error) {
			return []serial.PortInfo{{Name: "/dev/ttyUSB0", USB: true, VID: 0x0403, PID: 0x6001, SerialNumber: "K1"}}, nil
		},
		ListUSB: func() ([]usb.DeviceInfo, error) {
			mu.Lock()
			defer mu.Unlock()
			if usbErr != nil {
				return nil, usbErr
			}
			return list, nil
		},
	}, loop.do)
	c.usbEvery = 0 // every poll, so the test does not wait
	c.Watch()
	defer c.Close()
	for len(c.found) == 0 {
		loop.runUntil(t, c.Listed(), "the serial port")
	}
	loop.drain()
	if c.usbNote.Hidden || !strings.Contains(c.usbNote.Text, "libusb") || len(c.found) != 1 {
		t.Fatalf("with libusb failing: note %q (hidden %v), %d ports", c.usbNote.Text, c.usbNote.Hidden, len(c.found))
	}
	mu.Lock()
	usbErr = nil
	mu.Unlock()
	for len(c.found) < 2 {
		loop.runUntil(t, c.Listed(), "the USB probe")
	}
	if !c.usbNote.Hidden {
		t.Errorf("USB note still shown: %q", c.usbNote.Text)
	}
	if len(c.found) != 2 || c.found[0].Name != "usb:0403:F458:AB123" || !c.found[0].Optical {
		t.Errorf("ports = %+v; want the driverless optical probe first, the serial port once", c.found)
	}
	if sel, ok := parseUSBName(c.found[0].Name); !ok || sel.VID != 0x0403 || sel.PID != 0xF458 || sel.Serial != "AB123" {
		t.Errorf("parseUSBName(%q) = %+v, %v", c.found[0].Name, sel, ok)
	}
}

func TestParseServerAddress(t *testing.T) {
	tests := []struct {
		in   string
		want probe.Address
		bad  bool
	}{
		{in: "1", want: probe.Address{Logical: 1, Size: 1}},
		{in: "1/17", want: probe.Address{Logical: 1, Physical: 17, Size: 2}},
		{in: "1/1234", want: probe.Address{Logical: 1, Physical: 1234, Size: 4}},
		{in: "1/17/4", want: probe.Address{Logical: 1, Physical: 17, Size: 4}},
		{in: "x", bad: true},
		{in: "1/2/3/4", bad: true},
		{in: "-1", bad: true},
	}
	for _, tt := range tests {
		got, err := parseServerAddress(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("parseServerAddress(%q) = %+v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || *got != tt.want {
			t.Errorf("parseServerAddress(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseUSBName(f *testing.F) {
	f.Add(uint16(0x0403), uint16(0xF458), "AB123")
	f.Add(uint16(0x10C4), uint16(0xEA60), "")
	f.Add(uint16(0), uint16(0), "a:b:c")
	f.Fuzz(func(t *testing.T, vid, pid uint16, serialNo string) {
		if len(serialNo) > 100 {
			return
		}
		name := usbName(usb.DeviceInfo{VID: vid, PID: pid, Serial: serialNo})
		sel, ok := parseUSBName(name)
		if !ok || sel.VID != vid || sel.PID != pid || sel.Serial != serialNo {
			t.Errorf("parseUSBName(%q) = %+v, %v", name, sel, ok)
		}
		parseUSBName(serialNo) // any text: no panic
	})
}

func TestConnectRefusesBadManualSettings(t *testing.T) {
	test.NewTempApp(t)
	opened := false
	c := newConnectScreen(ConnectOptions{
		List:    func() ([]serial.PortInfo, error) { return nil, nil },
		ListUSB: func() ([]usb.DeviceInfo, error) { return nil, nil },
		Open:    func(string) (ProbePort, error) { opened = true; return nil, errString("not here") },
	}, newEventLoop().do)
	c.showPorts([]serial.PortInfo{{Name: "/dev/ttyUSB9"}})
	c.manual.server.SetText("1/x")
	c.Start(false)
	if opened || c.stop != nil || !strings.Contains(c.verdict.Text, "HDLC server") {
		t.Errorf("bad server address: opened %v, running %v, verdict %q", opened, c.stop != nil, c.verdict.Text)
	}
	// A password still to be typed does not stop detection, only reading.
	c.manual.server.SetText("")
	c.manual.security.SetSelected(secLow)
	if _, err := c.manual.Route(); err != nil {
		t.Errorf("Route with low security and no password: %v", err)
	}
	if _, err := c.manual.Settings(); !errors.Is(err, probe.ErrSettings) {
		t.Errorf("Settings with low security and no password: %v", err)
	}
}

// TestConnectAddressSize: the address size choice reaches the settings
// (IEC 62056-46 §6.4.2.2), and remembered settings show it again.
func TestConnectAddressSize(t *testing.T) {
	test.NewTempApp(t)
	f := newManualForm(&ConnectScreen{})
	tests := []struct {
		name   string
		server string
		size   string
		want   *probe.Address
		bad    bool
	}{
		{name: "small physical in 4 bytes", server: "1/17", size: sizeChoices[3], want: &probe.Address{Logical: 1, Physical: 17, Size: 4}},
		{name: "physical 0 in 2 bytes", server: "1/0", size: sizeChoices[2], want: &probe.Address{Logical: 1, Physical: 0, Size: 2}},
		{name: "logical only", server: "1", size: sizeChoices[1], want: &probe.Address{Logical: 1, Size: 1}},
		{name: "from the numbers", server: "1/17", size: sizeAuto, want: &probe.Address{Logical: 1, Physical: 17, Size: 2}},
		{name: "nothing", server: "", size: sizeAuto},
		{name: "size without address", server: "", size: sizeChoices[3], bad: true},
		{name: "physical in 1 byte", server: "1/17", size: sizeChoices[1], bad: true},
		{name: "too big for 2 bytes", server: "1/1007", size: sizeChoices[2], bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.server.SetText(tt.server)
			f.size.SetSelected(tt.size)
			st, err := f.Settings()
			if tt.bad {
				if !errors.Is(err, probe.ErrSettings) {
					t.Errorf("Settings(%q, %q) = %+v, %v; want ErrSettings", tt.server, tt.size, st.Address, err)
				}
				return
			}
			if err != nil || (st.Address == nil) != (tt.want == nil) || (tt.want != nil && *st.Address != *tt.want) {
				t.Fatalf("Settings(%q, %q) = %+v, %v; want %+v", tt.server, tt.size, st.Address, err, tt.want)
			}
			// Shown again as remembered, the form gives the same address.
			f.set(st)
			again, err := f.Settings()
			if err != nil || (again.Address == nil) != (st.Address == nil) || (st.Address != nil && *again.Address != *st.Address) {
				t.Errorf("after set: %+v, %v; want %+v", again.Address, err, st.Address)
			}
		})
	}
}

// FuzzManualAddress: whatever is typed as the HDLC server and whichever
// size is chosen, the form never panics, and settings it accepts come back
// the same after being shown again (as remembered settings are).
func FuzzManualAddress(f *testing.F) {
	for _, s := range []string{"1/17", "1/0", "1", "1/1007", "", "x", "1/2/4", "300/5"} {
		for i := range sizeChoices {
			f.Add(s, i)
		}
	}
	test.NewTempApp(f)
	form := newManualForm(&ConnectScreen{})
	f.Fuzz(func(t *testing.T, server string, size int) {
		if size < 0 || size >= len(sizeChoices) {
			return
		}
		form.server.SetText(server)
		form.size.SetSelected(sizeChoices[size])
		st, err := form.Settings()
		if err != nil {
			return
		}
		form.set(st)
		again, err := form.Settings()
		if err != nil || (again.Address == nil) != (st.Address == nil) || (st.Address != nil && *again.Address != *st.Address) {
			t.Errorf("%q size %q: %+v, then %+v, %v", server, sizeChoices[size], st.Address, again.Address, err)
		}
	})
}
