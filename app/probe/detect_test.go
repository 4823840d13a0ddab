package probe_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
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

func TestDetectModeCOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		port := fakeMeter(t, modeCOnly, sim.LineConfig{})
		res, err := probe.Detect(context.Background(), port, probe.Options{})
		if err != nil {
			t.Fatalf("Detect: %v", err)
		}
		if res.Protocol != probe.ModeC || res.Baud != 9600 || res.Manufacturer != "FAK" || res.Model != "MODEC-1" || res.Serial != "99887766" {
			t.Errorf("Detect = %+v, want mode C at 9600 from FAK MODEC-1 99887766", res)
		}
		// Mode E once (the meter answers with a readout), then mode C.
		if len(res.Attempts) != 2 || res.Attempts[0].Kind != probe.KindStopped {
			t.Errorf("attempts = %+v", res.Attempts)
		}
	})
}

func TestDetectDirectHDLC(t *testing.T) {
	for _, baud := range []int{9600, 2400} {
		t.Run(strconv.Itoa(baud), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				port := serveHub(t, baud)
				res, err := probe.Detect(context.Background(), port, probe.Options{})
				if err != nil {
					t.Fatalf("Detect: %v", err)
				}
				if res.Protocol != probe.DirectHDLC || res.Baud != baud || res.Manufacturer != "SMK" || !strings.HasPrefix(res.LogicalDeviceName, "SMKCH") {
					t.Errorf("Detect = %+v, want direct HDLC at %d from SMK", res, baud)
				}
				if res.Attempts[0].Kind != probe.KindNoAnswer {
					t.Errorf("first attempt %+v, want no answer to the sign-on", res.Attempts[0])
				}
			})
		})
	}
}

func TestDetectFailures(t *testing.T) {
	tests := []struct {
		name string
		port func(t *testing.T) *sim.End
		want probe.Kind
	}{
		{name: "nothing there", port: func(t *testing.T) *sim.End {
			end, far := sim.NewLine(sim.LineConfig{})
			t.Cleanup(func() { end.Close(); far.Close() })
			return end
		}, want: probe.KindNoAnswer},
		{name: "echo only", port: func(t *testing.T) *sim.End {
			end, far := sim.NewLine(sim.LineConfig{Echo: true})
			t.Cleanup(func() { end.Close(); far.Close() })
			return end
		}, want: probe.KindEchoOnly},
		{name: "garbled", port: func(t *testing.T) *sim.End { return fakeMeter(t, garbles, sim.LineConfig{}) }, want: probe.KindGarbled},
		{name: "stops after identification", port: func(t *testing.T) *sim.End { return fakeMeter(t, stopsAfterID, sim.LineConfig{}) }, want: probe.KindStopped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				port := tt.port(t)
				var last probe.Progress
				res, err := probe.Detect(context.Background(), port, probe.Options{Progress: func(p probe.Progress) { last = p }})
				if err == nil {
					t.Fatalf("Detect = %+v, want an error", res)
				}
				var pe *probe.Error
				if !errors.As(err, &pe) || pe.Kind != tt.want || !errors.Is(err, probe.ErrNotDetected) {
					t.Fatalf("Detect error = %v (kind %v), want kind %v wrapping ErrNotDetected", err, probe.KindOf(err), tt.want)
				}
				if last.Attempt != last.Of || last.Attempt != pe.Attempts {
					t.Errorf("last progress %+v after %d attempts", last, pe.Attempts)
				}
				if title, action := probe.Advice(err); title == "" || action == "" {
					t.Errorf("Advice(%v) = %q, %q", err, title, action)
				}
			})
		})
	}
}

func TestDetectProtocolsLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		port := optical(t, newMeter(t, nil), sim.LineConfig{})
		res, err := probe.Detect(context.Background(), port, probe.Options{Protocols: []probe.Protocol{probe.ModeC}})
		if err != nil {
			t.Fatalf("Detect: %v", err)
		}
		if res.Protocol != probe.ModeC || len(res.Attempts) != 1 || res.Serial != "23110007" {
			t.Errorf("Detect limited to mode C = %+v", res)
		}
	})
	if p, err := probe.ParseProtocols(" mode-e,hdlc,"); err != nil || len(p) != 2 || p[1] != probe.DirectHDLC {
		t.Errorf("ParseProtocols = %v, %v", p, err)
	}
	if _, err := probe.ParseProtocols("mode-e,zmodem"); !errors.Is(err, probe.ErrProtocol) {
		t.Errorf("ParseProtocols(zmodem) = %v, want ErrProtocol", err)
	}
}

// TestDetectNoisyLine detects the meter through a line that flips a bit in
// 1 % of the characters and drops 0.5 % of them, for several seeds of the
// fault generators: an unanswered sign-on is tried again before anything
// is concluded, and the association runs with HDLC retries.
func TestDetectNoisyLine(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		t.Run(strconv.FormatInt(seed, 10), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				port := optical(t, newMeter(t, nil), sim.LineConfig{Seed: seed, Faults: sim.Faults{BitErrorRate: 0.01, DropRate: 0.005}})
				res, err := probe.Detect(context.Background(), port, probe.Options{})
				if err != nil {
					t.Fatalf("Detect: %v", err)
				}
				if res.Protocol != probe.ModeE || res.Manufacturer != "SMk" {
					t.Errorf("Detect = %+v", res)
				}
			})
		})
	}
}
