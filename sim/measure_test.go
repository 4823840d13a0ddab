package sim_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

// profileRead is one measured read of the load profile buffer.
type profileRead struct {
	maxInfo, window int
	days            int
	rows            int
	bytes           int           // encoded buffer (A-XDR Data)
	total           time.Duration // sign-on to last byte, virtual
	transfer        time.Duration // the buffer GET alone
}

// lowerBound is the time the buffer's bytes need on the wire alone:
// 10 bits per character at 9600 Bd.
func (r profileRead) lowerBound() time.Duration {
	return time.Duration(r.bytes) * 10 * time.Second / 9600
}

// ceiling is the best transfer time the link parameters allow, modelled
// frame by frame: each window of I-frames (info + 12 bytes of framing with
// a 2-byte server address) is followed by the client's RR (9 bytes) and two
// turnarounds of 20 ms. Block-transfer requests are one frame per block
// and add little with a large client PDU, so they are left out.
func (r profileRead) ceiling() time.Duration {
	const char = 10 * time.Second / 9600
	apdu := r.bytes + 16 // GET response header with block number and length
	frames := (apdu + r.maxInfo - 1) / r.maxInfo
	windows := (frames + r.window - 1) / r.window
	wire := time.Duration(apdu+frames*12)*char + time.Duration(windows)*(9*char+40*time.Millisecond)
	return wire
}

func measureProfileRead(t *testing.T, maxInfo, window, days int) profileRead {
	r := profileRead{maxInfo: maxInfo, window: window, days: days}
	synctest.Test(t, func(t *testing.T) {
		m, err := sim.NewESME(sim.ESMEConfig{
			Identity: sim.Identity{Flag: "SMk", Serial: "23110007", DeviceID: "00-DB-12-34-56-78-90-A0"},
			Start:    testStart, MaxInfo: maxInfo, Window: window, ReactionTime: 20 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		probe := optical(t, m, sim.LineConfig{Turnaround: 20 * time.Millisecond})
		ctx := context.Background()
		start := time.Now()
		cl, err := iec62056.SignOn(ctx, probe, iec62056.Options{})
		if err != nil {
			t.Fatal(err)
		}
		port, err := cl.EnterModeE(ctx)
		if err != nil {
			t.Fatal(err)
		}
		link, err := hdlc.Dial(ctx, port, hdlc.Config{ClientSAP: sim.SAPReader, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical,
			Params: hdlc.Params{MaxInfoTx: 2030, MaxInfoRx: 2030, WindowTx: 7, WindowRx: 7}, ResponseTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c, err := dlms.Associate(ctx, link, dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword})
		if err != nil {
			t.Fatal(err)
		}
		sel, err := dlms.RangeAccess(cosem.RangeDescriptor{Restricting: cosem.ClockRestriction,
			From: axdr.FromTime(testStart.Add(-time.Duration(days) * 24 * time.Hour)), To: axdr.FromTime(testStart)})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		buf, err := c.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassProfileGeneric, Instance: sim.LoadProfileOBIS, Attribute: 2}, sel)
		if err != nil {
			t.Fatalf("read buffer: %v", err)
		}
		r.transfer = time.Since(t0)
		r.total = time.Since(start)
		r.bytes = len(buf)
		v, _, err := axdr.Decode(buf)
		if err != nil {
			t.Fatal(err)
		}
		r.rows = v.Len()
		_ = c.Release(ctx)
		_ = link.Close(ctx)
	})
	return r
}

// TestMeasureProfileRead measures reading the load profile through mode
// E, HDLC and DLMS block transfer over the emulated 9600 Bd line with
// 20 ms turnaround, in virtual time. With SMETSKIT_MEASURE=1 it reads
// 7 days (the full 13 months with SMETSKIT_MEASURE_FULL=1) with the meter
// offering 1024/7 and 128/1 and checks the targets: ratio (lower bound /
// elapsed) ≥ 0.85 at 1024/7, within 5 % of the modelled ceiling at 128/1.
// Without the variable it reads one day at 1024/7 so it cannot rot.
func TestMeasureProfileRead(t *testing.T) {
	days := 1
	configs := [][2]int{{1024, 7}}
	measure := os.Getenv("SMETSKIT_MEASURE") == "1"
	if measure {
		days = 7
		if os.Getenv("SMETSKIT_MEASURE_FULL") == "1" {
			days = 396
		}
		configs = [][2]int{{1024, 7}, {2030, 7}, {128, 1}}
	}
	t.Logf("%-9s %5s %6s %8s %10s %10s %10s %6s %8s", "info/win", "days", "rows", "bytes", "total", "transfer", "bound", "ratio", "ceil.rat")
	for _, cfg := range configs {
		r := measureProfileRead(t, cfg[0], cfg[1], days)
		ratio := float64(r.lowerBound()) / float64(r.transfer)
		ceilRatio := float64(r.lowerBound()) / float64(r.ceiling())
		t.Logf("%-9s %5d %6d %8d %10v %10v %10v %6.3f %8.3f", fmt.Sprintf("%d/%d", cfg[0], cfg[1]), days, r.rows, r.bytes,
			r.total.Round(time.Millisecond), r.transfer.Round(time.Millisecond), r.lowerBound().Round(time.Millisecond), ratio, ceilRatio)
		if r.rows < days*48 {
			t.Errorf("%d/%d: %d rows for %d days", cfg[0], cfg[1], r.rows, days)
		}
		if !measure {
			continue
		}
		switch {
		case cfg[0] >= 1024 && ratio < 0.85:
			t.Errorf("%d/%d: ratio %.3f, target ≥ 0.85", cfg[0], cfg[1], ratio)
		case cfg[0] == 128 && ratio < 0.95*ceilRatio:
			t.Errorf("%d/%d: ratio %.3f, more than 5%% below the ceiling %.3f", cfg[0], cfg[1], ratio, ceilRatio)
		}
	}
}
