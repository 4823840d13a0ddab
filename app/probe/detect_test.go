package probe_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/sim"
)

var testStart = time.Date(2026, 7, 14, 9, 41, 0, 0, time.UTC)

func newMeter(t *testing.T, quirks sim.Quirks) *sim.ESME {
	t.Helper()
	m, err := sim.NewESME(sim.ESMEConfig{
		Identity: sim.Identity{Flag: "SMk", Model: "SIM-E1", Serial: "23110007", DeviceID: "00-DB-12-34-56-78-90-A0"},
		Start:    testStart, Quirks: quirks,
	})
	if err != nil {
		t.Fatalf("NewESME: %v", err)
	}
	return m
}

// optical serves m's optical port on an emulated line and returns the
// probe's end; the meter stops when the test ends.
func optical(t *testing.T, m *sim.ESME, lc sim.LineConfig) *sim.End {
	t.Helper()
	if lc.Baud == 0 {
		lc.Baud, lc.Format = 300, "7E1"
	}
	end, meter := sim.NewLine(lc)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.ServeOptical(ctx, meter) }()
	t.Cleanup(func() {
		cancel()
		end.Close()
		if err := <-done; err != nil {
			t.Errorf("ServeOptical: %v", err)
		}
	})
	return end
}

func TestDetectModeE(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		port := optical(t, newMeter(t, nil), sim.LineConfig{Turnaround: 20 * time.Millisecond})
		var steps []probe.Progress
		res, err := probe.Detect(context.Background(), port, probe.Options{Progress: func(p probe.Progress) { steps = append(steps, p) }, Logf: t.Logf})
		if err != nil {
			t.Fatalf("Detect: %v", err)
		}
		t.Logf("%+v", res)
		if res.Protocol != probe.ModeE || res.Baud != 9600 || res.Manufacturer != "SMk" || res.Model != "SIM-E1" {
			t.Errorf("Detect = %+v", res)
		}
	})
}

func TestDetectQuirks(t *testing.T) {
	tests := []struct {
		name   string
		quirks string
		line   sim.LineConfig
		baud   int
		stayed bool
		echo   bool
	}{
		{name: "plain", baud: 9600},
		{name: "ignore baud", quirks: "ignore-baud", baud: 300, stayed: true},
		{name: "IR echo", quirks: "ir-echo", baud: 9600, echo: true},
		{name: "line echo", line: sim.LineConfig{Echo: true}, baud: 9600, echo: true},
		{name: "slow reaction", quirks: "slow-reaction", baud: 9600},
		{name: "AARE without user-information", quirks: "aare-no-user-info", baud: 9600},
		{name: "trailing bytes", quirks: "trailing-bytes", baud: 9600},
		{name: "reboot", quirks: "reboot", baud: 9600},
		{name: "ignore baud, echo, slow", quirks: "ignore-baud,ir-echo,slow-reaction", baud: 300, stayed: true, echo: true},
		{name: "everything", quirks: "ignore-baud,ir-echo,slow-reaction,trailing-bytes,aare-no-user-info,inverted-deviation,corrupt-event-log,reboot", baud: 300, stayed: true, echo: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				q, err := sim.ParseQuirks(tt.quirks)
				if err != nil {
					t.Fatal(err)
				}
				lc := tt.line
				lc.Turnaround = 20 * time.Millisecond
				port := optical(t, newMeter(t, q), lc)
				res, err := probe.Detect(context.Background(), port, probe.Options{})
				if err != nil {
					t.Fatalf("Detect with %s: %v", tt.quirks, err)
				}
				if res.Protocol != probe.ModeE || res.Baud != tt.baud || res.StayedAtOldSpeed != tt.stayed || res.Echo != tt.echo {
					t.Errorf("Detect with %s = %s at %d Bd, stayed %t, echo %t; want mode-e at %d, stayed %t, echo %t",
						tt.quirks, res.Protocol, res.Baud, res.StayedAtOldSpeed, res.Echo, tt.baud, tt.stayed, tt.echo)
				}
				if res.Manufacturer != "SMk" || res.Model != "SIM-E1" || res.LogicalDeviceName != "SMk0000023110007" || res.Serial != "23110007" {
					t.Errorf("identity = %q %q %q %q", res.Manufacturer, res.Model, res.LogicalDeviceName, res.Serial)
				}
				// The meter answers 03 and 1/17 (PROTOCOLS.md §11.7); the
				// second is found when the first SNRM came before the meter
				// switched (slow reaction).
				if a := res.Address; a == nil || *a != (probe.Address{Logical: 1, Size: 1}) && *a != (probe.Address{Logical: 1, Physical: 17, Size: 2}) {
					t.Errorf("address = %v, want 1 (1 byte) or 1/17", a)
				}
				for _, a := range res.Attempts {
					t.Logf("%d %s: %s %s", a.N, a.What, a.Kind, a.Err)
				}
			})
		})
	}
}
