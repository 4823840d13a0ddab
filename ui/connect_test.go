package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/serial"
)

func TestConnectFindsSimulatedMeterOnPTY(t *testing.T) {
	a := test.NewTempApp(t)
	d, err := demo.Start(context.Background(), demo.Options{Dir: t.TempDir(), NoServer: true})
	if err != nil {
		t.Fatalf("demo.Start: %v", err)
	}
	defer d.Close()
	if len(d.PTYs) == 0 {
		t.Skip("no pseudo-terminals on this system")
	}
	opts := DemoOptions(d)
	// Only the simulated devices, so the test does not depend on the
	// computer's ports.
	opts.Connect.List = func() ([]serial.PortInfo, error) { return nil, nil }
	opts.Connect.Probe = probe.Options{Protocols: []probe.Protocol{probe.ModeE}}
	loop := newEventLoop()
	s := newShell(a, opts, loop.do)
	defer s.Close()
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
	if testing.Short() {
		return
	}
	// Read it through the pty with the settings that worked.
	r := s.readout
	idle = r.Idle()
	test.Tap(r.read)
	loop.runUntil(t, idle, "the readout through the pty")
	if !strings.Contains(r.identity.Text, want) {
		t.Errorf("readout through the pty: identity %q, status %q", r.identity.Text, r.status.Text)
	}
}

func findDevice(set *DeviceSet, name string) (Device, bool) {
	for _, d := range set.List() {
		if d.Name == name {
			return d, true
		}
	}
	return Device{}, false
}
