package hdlc_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

// efficiencyCase is one row of TestMeasureLinkEfficiency.
type efficiencyCase struct {
	params hdlc.Params
	up     bool // client to server (SET-like); otherwise server to client (GET-like)
}

// ceiling returns the shortest line time in which n APDU bytes can cross
// the link with these parameters: every I-frame carries 11 bytes of
// framing (two flags, format, 1-byte addresses, control, HCS, FCS) around
// at most MaxInfo bytes of information (LLC included); every window but
// the last is answered by a 9-byte RR; each window and each RR first waits
// one turnaround.
func ceiling(n int, p hdlc.Params, baud, bitsPerChar int, turnaround time.Duration) (time.Duration, int, int) {
	info := n + 3
	frames := (info + p.MaxInfoTx - 1) / p.MaxInfoTx
	windows := (frames + p.WindowTx - 1) / p.WindowTx
	chars := info + 11*frames + 9*(windows-1)
	turns := 1 + 2*(windows-1)
	d := time.Duration(int64(chars)*int64(bitsPerChar)*int64(time.Second)/int64(baud)) + time.Duration(turns)*turnaround
	return d, frames, windows
}

// TestMeasureLinkEfficiency transfers one APDU over a 9600 Bd 8N1 line with
// 20 ms turnaround in virtual time and reports the ratio of the ideal wire
// time (payload × 10 / baud) to the time taken, beside the ceiling the
// framing and turnarounds allow. With SMETSKIT_MEASURE=1 the APDU is 32 KiB
// (about 35 s of line time per row) and a table is printed; otherwise a
// 2 KiB version runs as an ordinary test.
func TestMeasureLinkEfficiency(t *testing.T) {
	const baud, bits = 9600, 10
	const turnaround = 20 * time.Millisecond
	size := 2 << 10
	full := os.Getenv("SMETSKIT_MEASURE") == "1"
	if full {
		size = 32 << 10
	}
	cases := []efficiencyCase{
		{hdlc.Params{MaxInfoTx: 128, MaxInfoRx: 128, WindowTx: 1, WindowRx: 1}, false},
		{hdlc.Params{MaxInfoTx: 128, MaxInfoRx: 128, WindowTx: 1, WindowRx: 1}, true},
		{hdlc.Params{MaxInfoTx: 1024, MaxInfoRx: 1024, WindowTx: 7, WindowRx: 7}, false},
		{hdlc.Params{MaxInfoTx: 1024, MaxInfoRx: 1024, WindowTx: 7, WindowRx: 7}, true},
		{hdlc.Params{MaxInfoTx: 2030, MaxInfoRx: 2030, WindowTx: 7, WindowRx: 7}, false},
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%d-byte APDU, %d Bd 8N1, turnaround %v\n", size, baud, turnaround)
	fmt.Fprintf(&table, "%-22s %-6s %6s %7s %9s %9s %8s %8s %8s\n",
		"params", "dir", "frames", "windows", "ideal", "taken", "eff", "ceiling", "eff/ceil")
	for _, c := range cases {
		taken := measureTransfer(t, c, size, baud, turnaround)
		ideal := time.Duration(int64(size) * bits * int64(time.Second) / baud)
		best, frames, windows := ceiling(size, c.params, baud, bits, turnaround)
		eff, ceil := ideal.Seconds()/taken.Seconds(), ideal.Seconds()/best.Seconds()
		dir := "s->c"
		if c.up {
			dir = "c->s"
		}
		fmt.Fprintf(&table, "%-22s %-6s %6d %7d %9.3fs %8.3fs %8.4f %8.4f %8.4f\n",
			fmt.Sprintf("info %d, window %d", c.params.MaxInfoTx, c.params.WindowTx), dir, frames, windows,
			ideal.Seconds(), taken.Seconds(), eff, ceil, eff/ceil)
		if eff < 0.95*ceil {
			t.Errorf("info %d window %d %s: efficiency %.4f, below 95%% of the ceiling %.4f",
				c.params.MaxInfoTx, c.params.WindowTx, dir, eff, ceil)
		}
	}
	if full {
		t.Log(table.String())
	}
}

// measureTransfer returns the virtual time one APDU of size bytes takes from
// the sender's Send to the receiver's Receive returning.
func measureTransfer(t *testing.T, c efficiencyCase, size, baud int, turnaround time.Duration) time.Duration {
	var taken time.Duration
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a, b := sim.NewLine(sim.LineConfig{Baud: baud, Format: "8N1", Turnaround: turnaround})
		defer a.Close()
		cfg := hdlc.Config{ClientSAP: 16, ServerLogical: 1, Params: c.params, ResponseTimeout: 5 * time.Second}
		big := payload(9, size)
		var start time.Time
		received := make(chan time.Time, 1)
		serve(ctx, b, cfg, func(req []byte) []byte {
			if c.up {
				received <- time.Now()
				return []byte{0xC5, 0x01, 0xC1, 0x00}
			}
			start = time.Now()
			return big
		})
		l, err := hdlc.Dial(ctx, a, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if c.up {
			start = time.Now()
			if err := l.Send(ctx, big); err != nil {
				t.Fatal(err)
			}
			taken = (<-received).Sub(start)
			if _, err := l.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := l.Send(ctx, []byte{0xC0, 0x01, 0xC1, 0x00, 0x07}); err != nil {
			t.Fatal(err)
		}
		resp, err := l.Receive(ctx)
		if err != nil || len(resp) != size {
			t.Fatalf("Receive = %d bytes, %v", len(resp), err)
		}
		taken = time.Since(start)
	})
	return taken
}
