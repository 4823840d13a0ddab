package iec62056_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

// testReadout is a hand-made readout (data-line forms of PROTOCOLS.md §1.3).
func testReadout() *iec62056.Readout {
	return &iec62056.Readout{Records: []iec62056.Record{
		{Address: "F.F", Values: []iec62056.Value{{Value: "00"}}},
		{Address: "C.1.0", Values: []iec62056.Value{{Value: "13647123"}}},
		{Address: "1.8.0", Values: []iec62056.Value{{Value: "061561.289", Unit: "kWh"}}},
		{Address: "0-1:24.2.1", Values: []iec62056.Value{{Value: "161116200000W"}, {Value: "00066.405", Unit: "m3"}}},
	}}
}

// landis is the identification of PROTOCOLS.md §9.1: /LGZ4ZMF100AC.M26 (4800 Bd).
var landis = iec62056.Identification{Manufacturer: "LGZ", Baud: '4', Ident: "ZMF100AC.M26"}

// partialBlocks is how many 16-character blocks testReadout takes.
var partialBlocks = len(iec62056.ReadoutBlocks(testReadout(), 16))

type harness struct {
	port  *recPort
	meter *fakeMeter
	done  chan error
}

// start wires a client port and a fake meter over a sim line; call it
// inside a synctest bubble. echo makes the probe hear itself.
func start(t *testing.T, m *fakeMeter, echo bool) *harness {
	t.Helper()
	return startLine(t, m, sim.LineConfig{Echo: echo})
}

// startLine is start with a line configuration (faults, seed).
func startLine(t *testing.T, m *fakeMeter, cfg sim.LineConfig) *harness {
	t.Helper()
	cfg.Baud, cfg.Format = 300, "7E1"
	a, b := sim.NewLine(cfg)
	m.end = b
	if m.readout == nil {
		m.readout = testReadout()
	}
	h := &harness{port: &recPort{End: a, start: time.Now()}, meter: m, done: make(chan error, 1)}
	go func() { h.done <- m.run() }()
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	return h
}

// stop closes the line and waits for the meter to finish.
func (h *harness) stop(t *testing.T) {
	t.Helper()
	h.port.End.Close()
	h.meter.end.Close()
	if err := <-h.done; err != nil {
		t.Errorf("meter: %v", err)
	}
}

func checkReadout(t *testing.T, ro *iec62056.Readout, baud int) {
	t.Helper()
	want := testReadout()
	if ro == nil || len(ro.Records) != len(want.Records) {
		t.Fatalf("readout = %+v, want %d records", ro, len(want.Records))
	}
	if r := ro.Records[2]; r.Address != "1.8.0" || r.Values[0].Value != "061561.289" || r.Unit != "kWh" || r.OBIS.String() != "1-0:1.8.0*255" {
		t.Errorf("record 2 = %+v", r)
	}
	if r := ro.Records[3]; len(r.Values) != 2 || r.Unit != "m3" {
		t.Errorf("record 3 = %+v", r)
	}
	if ro.Baud != baud {
		t.Errorf("readout at %d Bd, want %d", ro.Baud, baud)
	}
}

// TestReadOutBaudSwitchTiming runs a mode C readout and checks the port
// calls the session driver promises, at their virtual times: 300 Bd 7E1,
// the request after the line silence, the option select no sooner than
// the reaction time after the identification's last byte, the switch to
// 4800 exactly BaudSwitchDelay after the option select began, and the
// return to 300 Bd after the readout.
func TestReadOutBaudSwitchTiming(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration
		react time.Duration
	}{
		{"defaults", 0, 0},
		{"slow adapter", 350 * time.Millisecond, 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, &fakeMeter{id: landis}, false)
				opt := iec62056.Options{BaudSwitchDelay: tc.delay, ReactionTime: tc.react}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cl, err := iec62056.SignOn(ctx, h.port, opt)
				if err != nil {
					t.Fatalf("SignOn: %v", err)
				}
				if got := *cl.Identification(); got != landis {
					t.Errorf("identification = %+v", got)
				}
				ro, err := cl.ReadOut(ctx)
				if err != nil {
					t.Fatalf("ReadOut: %v", err)
				}
				checkReadout(t, ro, 4800)
				if ro.StayedAtOldSpeed {
					t.Errorf("StayedAtOldSpeed set")
				}
				p := h.port
				wantDelay := tc.delay
				if wantDelay == 0 {
					wantDelay = 250 * time.Millisecond
				}
				wantReact := tc.react
				if wantReact == 0 {
					wantReact = 200 * time.Millisecond
				}
				i, first, ok := p.find(0, "line", "300 7E1")
				if !ok || first.at != 0 {
					t.Fatalf("first line call = %+v, want 300 7E1 at 0", first)
				}
				i, req, ok := p.find(i, "write", "/?!")
				if !ok || req.at != 200*time.Millisecond {
					t.Errorf("request at %v, want 200ms (line silence)", req.at)
				}
				i, ack, ok := p.find(i, "write", `\x06040`)
				if !ok {
					t.Fatalf("no option select in %+v", p.calls)
				}
				var idEnd portCall // the read that completed the identification
				for _, c := range p.calls[:i] {
					if c.op == "read" {
						idEnd = c
					}
				}
				if gap := ack.at - idEnd.at; gap != wantReact {
					t.Errorf("option select %v after the identification, want the reaction time %v", gap, wantReact)
				}
				i, sw, ok := p.find(i, "line", "4800 7E1")
				if !ok {
					t.Fatalf("no switch to 4800 in %+v", p.calls)
				}
				if gap := sw.at - ack.at; gap != wantDelay {
					t.Errorf("switch %v after the option select began, want %v", gap, wantDelay)
				}
				if _, back, ok := p.find(i, "line", "300 7E1"); !ok || back.at <= sw.at {
					t.Errorf("port not returned to 300 Bd after the readout: %+v", p.calls)
				}
				for _, c := range p.calls {
					t.Logf("%8v %-5s %s", c.at, c.op, c.arg)
				}
				h.stop(t)
			})
		})
	}
}

func TestReadOut(t *testing.T) {
	tests := []struct {
		name    string
		meter   *fakeMeter
		echo    bool
		opt     iec62056.Options
		baud    int
		blocks  int
		stayed  bool
		errKind iec62056.Kind
	}{
		{name: "plain", meter: &fakeMeter{id: landis}, baud: 4800, blocks: 1},
		{name: "IR echo", meter: &fakeMeter{id: landis}, echo: true, opt: iec62056.Options{Echo: true}, baud: 4800, blocks: 1},
		{name: "fast reaction", meter: &fakeMeter{id: iec62056.Identification{Manufacturer: "Els", Baud: '6', Enhanced: "2", Ident: "EK280"}, tr: 20 * time.Millisecond}, baud: 19200, blocks: 1},
		{name: "max baud", meter: &fakeMeter{id: landis}, opt: iec62056.Options{MaxBaud: 2400}, baud: 2400, blocks: 1},
		{name: "partial blocks", meter: &fakeMeter{id: landis, blockSize: 16}, baud: 4800, blocks: partialBlocks},
		{name: "partial blocks with echo", meter: &fakeMeter{id: landis, blockSize: 16}, echo: true, opt: iec62056.Options{Echo: true}, baud: 4800, blocks: partialBlocks},
		{name: "bad BCC repeated after NAK", meter: &fakeMeter{id: landis, blockSize: 16, badBCC: 1}, baud: 4800, blocks: partialBlocks},
		{name: "address", meter: &fakeMeter{id: landis, address: "45678903"}, opt: iec62056.Options{Address: "45678903"}, baud: 4800, blocks: 1},
		{name: "stays at 300, fallback", meter: &fakeMeter{id: landis, stayAt300: true}, baud: 300, blocks: 1, stayed: true},
		{name: "stays at 300, no fallback", meter: &fakeMeter{id: landis, stayAt300: true}, opt: iec62056.Options{NoFallback: true}, errKind: iec62056.KindOldSpeed},
		{name: "bad BCC three times", meter: &fakeMeter{id: landis, badBCC: 3}, baud: 4800, blocks: 1, errKind: iec62056.KindGarbled},
		{name: "bad BCC, no repeats", meter: &fakeMeter{id: landis, badBCC: 1}, opt: iec62056.Options{Repeats: -1}, baud: 4800, blocks: 1, errKind: iec62056.KindGarbled},
		{name: "soft parity", meter: &fakeMeter{id: landis}, opt: iec62056.Options{SoftParity: true}, baud: 4800, blocks: 1},
		{name: "soft parity with echo", meter: &fakeMeter{id: landis, blockSize: 16}, echo: true, opt: iec62056.Options{SoftParity: true, Echo: true}, baud: 4800, blocks: partialBlocks},
		{name: "mode A", meter: &fakeMeter{id: iec62056.Identification{Manufacturer: "ABC", Baud: ':', Ident: "A"}, modeA: true}, baud: 300, blocks: 1},
		{name: "mode B", meter: &fakeMeter{id: iec62056.Identification{Manufacturer: "ABC", Baud: 'E', Ident: "B"}, modeB: true}, baud: 9600, blocks: 1},
		{name: "wrong address", meter: &fakeMeter{id: landis, address: "1"}, opt: iec62056.Options{Address: "2"}, errKind: iec62056.KindNoAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, tt.meter, tt.echo)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				defer cancel()
				cl, err := iec62056.SignOn(ctx, h.port, tt.opt)
				var ro *iec62056.Readout
				if err == nil {
					ro, err = cl.ReadOut(ctx)
				}
				if tt.errKind != iec62056.KindOther {
					if k := iec62056.KindOf(err); k != tt.errKind {
						t.Fatalf("error = %v (kind %v), want kind %v", err, k, tt.errKind)
					}
					if tt.errKind == iec62056.KindGarbled {
						if !errors.Is(err, iec62056.ErrBCC) || ro == nil || len(ro.Records) == 0 {
							t.Errorf("garbled readout: err %v, readout %+v; want ErrBCC and the records", err, ro)
						}
					}
					if tt.errKind == iec62056.KindOldSpeed && !errors.Is(err, iec62056.ErrOldSpeed) {
						t.Errorf("error %v does not wrap ErrOldSpeed", err)
					}
					h.stop(t)
					return
				}
				if err != nil {
					t.Fatalf("readout: %v", err)
				}
				checkReadout(t, ro, tt.baud)
				if ro.Blocks != tt.blocks || ro.StayedAtOldSpeed != tt.stayed {
					t.Errorf("blocks %d stayed %v, want %d %v", ro.Blocks, ro.StayedAtOldSpeed, tt.blocks, tt.stayed)
				}
				h.stop(t)
			})
		})
	}
}

// TestWakeUp checks the battery wake-up sequence on the virtual clock:
// NULs for 2.2 s, the 1.6 s pause, the 200 ms line silence, then the
// request; the meter skips the NULs and answers.
func TestWakeUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &fakeMeter{id: landis}
		h := start(t, m, false)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cl, err := iec62056.SignOn(ctx, h.port, iec62056.Options{WakeUp: &iec62056.WakeUp{}})
		if err != nil {
			t.Fatalf("SignOn: %v", err)
		}
		if cl.Identification().Manufacturer != "LGZ" {
			t.Errorf("identification = %+v", cl.Identification())
		}
		_, req, ok := h.port.find(0, "write", "/?!")
		if want := 2200*time.Millisecond + 1600*time.Millisecond + 200*time.Millisecond; !ok || req.at != want {
			t.Errorf("request at %v, want %v", req.at, want)
		}
		h.stop(t)
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.wakeNULs != 66 { // 2.2 s at 300 Bd, 10 bits per character
			t.Errorf("meter saw %d NULs, want 66", m.wakeNULs)
		}
	})
}

// TestReadOutFaults runs readouts over a line with seeded bit errors,
// drops, garbage and stalls: every run must end, with the readout or with
// a typed error of a kind the self-test can explain.
func TestReadOutFaults(t *testing.T) {
	kinds := map[iec62056.Kind]int{}
	for seed := int64(1); seed <= 40; seed++ {
		synctest.Test(t, func(t *testing.T) {
			h := startLine(t, &fakeMeter{id: landis, blockSize: 24}, sim.LineConfig{Echo: true, Seed: seed, Faults: sim.Faults{
				BitErrorRate: 0.004, DropRate: 0.002, GarbageRate: 0.002,
				Stalls: sim.Stalls{Rate: 0.002, Duration: 2 * time.Second},
			}})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			var ro *iec62056.Readout
			cl, err := iec62056.SignOn(ctx, h.port, iec62056.Options{Echo: true})
			if err == nil {
				ro, err = cl.ReadOut(ctx)
			}
			k := iec62056.KindOf(err)
			kinds[k]++
			if err != nil {
				t.Logf("seed %d: %v", seed, err)
			}
			switch k {
			case iec62056.KindOther:
				if err != nil {
					t.Errorf("seed %d: unclassified error %v", seed, err)
				} else if len(ro.Records) != len(testReadout().Records) {
					t.Errorf("seed %d: %d records", seed, len(ro.Records))
				}
			case iec62056.KindGarbled, iec62056.KindNoAnswer, iec62056.KindProtocol, iec62056.KindRefused:
			default:
				t.Errorf("seed %d: error %v of kind %v", seed, err, k)
			}
			h.stop(t)
		})
	}
	t.Logf("outcomes by kind: %v", kinds)
}
