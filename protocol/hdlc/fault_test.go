package hdlc_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

// TestLinkFaults moves 64 KiB each way over a line that flips a bit in 1%
// of characters and drops 0.5% of them, and expects both APDUs intact.
func TestLinkFaults(t *testing.T) {
	for _, tc := range []struct {
		params hdlc.Params
		seed   int64
	}{
		{hdlc.Params{MaxInfoTx: 64, MaxInfoRx: 64, WindowTx: 1, WindowRx: 1}, 1},
		{hdlc.Params{MaxInfoTx: 48, MaxInfoRx: 48, WindowTx: 4, WindowRx: 4}, 2},
	} {
		t.Run(fmt.Sprintf("info%d_window%d", tc.params.MaxInfoTx, tc.params.WindowTx), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 24*time.Hour)
				defer cancel()
				a, b := sim.NewLine(sim.LineConfig{Baud: 115200, Format: "8N1", Turnaround: 5 * time.Millisecond,
					Echo: true, Seed: tc.seed, Faults: sim.Faults{BitErrorRate: 0.01, DropRate: 0.005}})
				defer a.Close()
				cfg := hdlc.Config{ClientSAP: 16, ServerLogical: 1, ServerPhysical: 17, Params: tc.params,
					ResponseTimeout: 150 * time.Millisecond, Retries: 40}
				up, down := payload(1, 64<<10), payload(2, 64<<10)
				got := make(chan []byte, 1)
				_, errc := serve(ctx, b, cfg, func(req []byte) []byte {
					got <- req
					return down
				})
				var l *hdlc.Link
				var err error
				for range 5 { // the SNRM itself may be hit
					if l, err = hdlc.Dial(ctx, a, cfg); err == nil {
						break
					}
				}
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				start := time.Now()
				if err := l.Send(ctx, up); err != nil {
					t.Fatalf("Send 64 KiB: %v", err)
				}
				resp, err := l.Receive(ctx)
				if err != nil {
					t.Fatalf("Receive 64 KiB: %v", err)
				}
				if req := <-got; !bytes.Equal(req, up) {
					t.Errorf("server received %d bytes, not the 64 KiB sent", len(req))
				}
				if !bytes.Equal(resp, down) {
					t.Errorf("client received %d bytes, not the 64 KiB sent", len(resp))
				}
				t.Logf("128 KiB over a faulty 115200 Bd line in %v of line time", time.Since(start).Round(time.Second))
				select {
				case err := <-errc:
					t.Errorf("server: %v", err)
				default:
				}
			})
		})
	}
}
