package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/sim"
	"github.com/smetskit/smetskit/usb"
)

func TestProbeList(t *testing.T) {
	listPorts = func() ([]serial.PortInfo, error) {
		return []serial.PortInfo{{Name: "/dev/ttyUSB0", USB: true, VID: 0x0403, PID: 0x6001, SerialNumber: "A10K3ZQ1", Chip: "FTDI FT232R", Optical: true}}, nil
	}
	listUSB = func() ([]usb.DeviceInfo, error) {
		return []usb.DeviceInfo{{VID: 0x10C4, PID: 0xEA60, Driver: usb.DriverCP210x, Serial: "0001"}}, nil
	}
	t.Cleanup(func() { listPorts, listUSB = serial.List, usb.List })

	code, out, errOut := smetsctl(t, "probe", "list", "--json")
	if code != 0 {
		t.Fatalf("probe list --json = %d, %s", code, errOut)
	}
	var l probeList
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("probe list JSON %q: %v", out, err)
	}
	if len(l.Serial) != 1 || len(l.USB) != 1 || l.USB[0].Use != "10c4:ea60:0001" {
		t.Errorf("probe list = %+v", l)
	}
	code, out, _ = smetsctl(t, "probe", "list")
	if code != 0 || !strings.Contains(out, "--port /dev/ttyUSB0") || !strings.Contains(out, "--usb 10c4:ea60:0001") {
		t.Errorf("probe list = %d, %q", code, out)
	}

	listUSB = func() ([]usb.DeviceInfo, error) { return nil, errors.New("libusb: no access") }
	code, out, errOut = smetsctl(t, "probe", "list", "--json")
	if code != 0 || !strings.Contains(out, `"usb_error": "libusb: no access"`) {
		t.Errorf("probe list without USB access = %d, %q, %q", code, out, errOut)
	}
}

func TestParseUSB(t *testing.T) {
	tests := []struct {
		in   string
		want usb.Selector
		ok   bool
	}{
		{in: "0403:6001", want: usb.Selector{VID: 0x0403, PID: 0x6001}, ok: true},
		{in: "0x10c4:EA60:AB:12", want: usb.Selector{VID: 0x10C4, PID: 0xEA60, Serial: "AB:12"}, ok: true},
		{in: "0403"},
		{in: "0403:zzzz"},
		{in: "10403:6001"},
	}
	for _, tt := range tests {
		got, err := parseUSB(tt.in)
		if (err == nil) != tt.ok || (err == nil && *got != tt.want) {
			t.Errorf("parseUSB(%q) = %+v, %v; want %+v (ok %t)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestProbeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"probe"},
		{"probe", "teleport"},
		{"probe", "detect"},
		{"probe", "detect", "--port", "/dev/x", "--usb", "0403:6001"},
		{"probe", "test", "--usb", "nonsense"},
	} {
		if code, _, _ := smetsctl(t, args...); code != 2 {
			t.Errorf("smetsctl %s = %d, want 2", strings.Join(args, " "), code)
		}
	}
	code, _, errOut := smetsctl(t, "probe", "detect", "--port", filepath.Join(t.TempDir(), "nope"))
	if code != 1 || !strings.Contains(errOut, "nope") {
		t.Errorf("probe detect on a missing port = %d, %q", code, errOut)
	}
}

// ptyMeter serves a simulated ESME with quirks on a pseudo-terminal and
// returns the path a client opens, and a function that takes the pty away.
// The meter stops when the test ends.
func ptyMeter(t *testing.T, quirks string) (path string, unplug func()) {
	t.Helper()
	q, err := sim.ParseQuirks(quirks)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sim.OpenPTY(filepath.Join(t.TempDir(), "meter"))
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	// A lower-case third FLAG letter: 20 ms reaction time, so the test
	// runs in about a second of real time.
	m, err := sim.NewESME(sim.ESMEConfig{Identity: sim.Identity{Flag: "SMk", Model: "SIM-E1", Serial: "23110007", DeviceID: "00-DB-12-34-56-78-90-A0"}, Quirks: q})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.ServeOptical(ctx, p) }()
	var once sync.Once // sim.PTY.Close panics when called twice
	unplug = func() { once.Do(func() { p.Close() }) }
	t.Cleanup(func() {
		cancel()
		unplug()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("meter did not stop")
		}
	})
	return p.SlavePath(), unplug
}

// TestProbeDetectOverPTY runs `smetsctl probe detect` against the
// simulated meter on a pseudo-terminal through the serial package, with
// the simulator's quirks alone and together. The slow-reaction quirk
// (1.5 s per answer in real time here) runs once, with all the others;
// package probe covers each quirk in virtual time. A pty has no speed, so
// ignore-baud changes nothing here.
func TestProbeDetectOverPTY(t *testing.T) {
	t.Parallel()
	for _, quirks := range []string{"", "ir-echo", "ignore-baud", "trailing-bytes,aare-no-user-info", "inverted-deviation,corrupt-event-log", "reboot",
		"ir-echo,ignore-baud,trailing-bytes,aare-no-user-info,inverted-deviation,corrupt-event-log,reboot,slow-reaction"} {
		t.Run(quirks, func(t *testing.T) {
			if testing.Short() && strings.Contains(quirks, "slow-reaction") {
				t.Skip("slow-reaction takes seconds of real time")
			}
			t.Parallel()
			path, _ := ptyMeter(t, quirks)
			profiles := filepath.Join(t.TempDir(), "profiles.json")
			code, out, errOut := smetsctl(t, "probe", "detect", "--port", path, "--json", "--profiles", profiles, "--timeout", "60s")
			if code != 0 {
				t.Fatalf("probe detect = %d\n%s\n%s", code, out, errOut)
			}
			var res probe.Result
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("probe detect JSON %q: %v", out, err)
			}
			if res.Protocol != probe.ModeE || res.Manufacturer != "SMk" || res.Model != "SIM-E1" || res.LogicalDeviceName != "SMk0000023110007" || res.Address == nil {
				t.Errorf("probe detect = %+v", res)
			}
			if want := strings.Contains(quirks, "ir-echo"); res.Echo != want {
				t.Errorf("echo = %t, want %t", res.Echo, want)
			}
			if !strings.Contains(errOut, "attempt 1 of ") {
				t.Errorf("no progress on stderr: %q", errOut)
			}
			if p, ok, err := probe.NewFileStore(profiles).Get("SMK", "SIM-E1"); !ok || err != nil || p.Protocol != probe.ModeE {
				t.Errorf("profile not remembered: %+v, %v, %v", p, ok, err)
			}
		})
	}
}

// TestProbeDetectModeCOverPTY limits detection to the mode C readout,
// which the simulated meter gives as well.
func TestProbeDetectModeCOverPTY(t *testing.T) {
	t.Parallel()
	path, _ := ptyMeter(t, "trailing-bytes")
	code, out, errOut := smetsctl(t, "probe", "detect", "--port", path, "--json", "--profiles", "", "--protocols", "mode-c", "--timeout", "60s")
	if code != 0 {
		t.Fatalf("probe detect --protocols mode-c = %d\n%s\n%s", code, out, errOut)
	}
	var res probe.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("probe detect JSON %q: %v", out, err)
	}
	if res.Protocol != probe.ModeC || res.Manufacturer != "SMk" || res.Serial != "23110007" || len(res.Attempts) != 1 {
		t.Errorf("probe detect --protocols mode-c = %+v", res)
	}
	if code, _, _ := smetsctl(t, "probe", "detect", "--port", path, "--protocols", "mode-x"); code != 2 {
		t.Errorf("probe detect --protocols mode-x = %d, want 2", code)
	}
}

func TestProbeTestOverPTY(t *testing.T) {
	t.Parallel()
	path, _ := ptyMeter(t, "ir-echo")
	code, out, errOut := smetsctl(t, "probe", "test", "--port", path, "--json")
	if code != 0 {
		t.Fatalf("probe test = %d\n%s\n%s", code, out, errOut)
	}
	var rep probe.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("probe test JSON %q: %v", out, err)
	}
	if !rep.Passed || !rep.Echo || rep.Identification == nil {
		t.Errorf("probe test = %+v", rep)
	}
	code, out, _ = smetsctl(t, "probe", "test", "--port", path)
	if code != 0 || !strings.Contains(out, "Probe and optical port work.") {
		t.Errorf("probe test = %d, %q", code, out)
	}
}

// unplugged wraps the opened port: a moment after the line switches to
// 8N1 (the mode E hand-over) the simulated meter's pty goes away, as a
// probe pulled off mid-read.
type unplugged struct {
	probePort
	unplug func()
}

func (u *unplugged) SetLine(baud int, format string) error {
	if format == "8N1" {
		u.unplug()
	}
	return u.probePort.SetLine(baud, format)
}

// TestProbeDetectUnpluggedOverPTY replaces openProbe, so it must not run
// in parallel with the other probe tests.
func TestProbeDetectUnpluggedOverPTY(t *testing.T) {
	path, unplug := ptyMeter(t, "")
	openProbe = func(target probeTarget) (probePort, error) {
		p, err := openProbePort(target)
		if err != nil {
			return nil, err
		}
		return &unplugged{probePort: p, unplug: unplug}, nil
	}
	t.Cleanup(func() { openProbe = openProbePort })
	code, out, errOut := smetsctl(t, "probe", "detect", "--port", path, "--json", "--profiles", "", "--timeout", "60s")
	if code != 1 {
		t.Fatalf("probe detect with the meter gone = %d\n%s\n%s", code, out, errOut)
	}
	var f probeFailure
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("failure JSON %q: %v", out, err)
	}
	// A port error, not the 60 s deadline: the typed error came first.
	if f.Kind != probe.KindPort.String() || f.Title == "" || f.Action == "" {
		t.Errorf("probe detect with the meter gone = %+v", f)
	}
}

// TestProbeDetectHubOverPTY finds a simulated communications hub, which
// speaks HDLC from the first byte, on a pseudo-terminal: the sign-on gets
// no answer and direct HDLC does.
func TestProbeDetectHubOverPTY(t *testing.T) {
	t.Parallel()
	p, err := sim.OpenPTY(filepath.Join(t.TempDir(), "hub"))
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: "00-DB-12-34-56-78-90-B0"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeSerial(ctx, p) }()
	defer func() {
		cancel()
		p.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("hub did not stop")
		}
	}()
	profiles := filepath.Join(t.TempDir(), "profiles.json")
	code, out, errOut := smetsctl(t, "probe", "detect", "--port", p.SlavePath(), "--json", "--profiles", profiles, "--timeout", "60s")
	if code != 0 {
		t.Fatalf("probe detect = %d\n%s\n%s", code, out, errOut)
	}
	var res probe.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("probe detect JSON %q: %v", out, err)
	}
	if res.Protocol != probe.DirectHDLC || res.Baud != 9600 || res.Manufacturer != "SMK" || !strings.HasPrefix(res.LogicalDeviceName, "SMKCH") {
		t.Errorf("probe detect = %+v", res)
	}
	// Remembered under the FLAG id, and found first when expected.
	code, out, errOut = smetsctl(t, "probe", "detect", "--port", p.SlavePath(), "--json", "--profiles", profiles, "--expect", "SMK/", "--timeout", "60s")
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || !res.FromProfile || len(res.Attempts) != 1 {
		t.Errorf("probe detect --expect SMK/ = %d, %+v\n%s", code, res, errOut)
	}
}
