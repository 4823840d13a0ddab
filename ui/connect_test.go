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
}
