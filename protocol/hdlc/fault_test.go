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
// of characters and drops 0.5% of them, and expects both APDUs intact
// (16 KiB under the race detector).
func TestLinkFaults(t *testing.T) {
	size := 64 << 10
	if raceEnabled {
		size = 16 << 10
	}
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
				up, down := payload(1, size), payload(2, size)
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
					t.Fatalf("Send %d bytes: %v", size, err)
				}
				resp, err := l.Receive(ctx)
				if err != nil {
					t.Fatalf("Receive %d bytes: %v", size, err)
				}
				if req := <-got; !bytes.Equal(req, up) {
					t.Errorf("server received %d bytes, not the %d sent", len(req), size)
				}
				if !bytes.Equal(resp, down) {
					t.Errorf("client received %d bytes, not the %d sent", len(resp), size)
				}
				st := l.Stats()
				t.Logf("2 × %d bytes over a faulty 115200 Bd line in %v of line time; client sent %d frames, received %d, "+
					"%d silences, framer dropped %d bad HCS, %d bad FCS, %d garbage bytes",
					size, time.Since(start).Round(time.Second), st.FramesSent, st.FramesReceived, st.Silences,
					st.Framer.BadHCS, st.Framer.BadFCS, st.Framer.Garbage)
				if st.FramesSent == 0 || st.Silences == 0 || st.Framer.BadFCS+st.Framer.BadHCS == 0 {
					t.Errorf("Stats() = %+v, want traffic, silences and rejected frames on a faulty line", st)
				}
				select {
				case err := <-errc:
					t.Errorf("server: %v", err)
				default:
				}
			})
		})
	}
}

// TestLinkFaultsExchanges runs request/response exchanges of growing size
// over a line that also inserts garbage and stalls, with the IR echo on:
// stale repeats and polls from one exchange must not upset the next (one
// seed under the race detector).
func TestLinkFaultsExchanges(t *testing.T) {
	seeds := []int64{3, 4, 5}
	if raceEnabled {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		for _, p := range []hdlc.Params{
			{MaxInfoTx: 64, MaxInfoRx: 64, WindowTx: 1, WindowRx: 1},
			{MaxInfoTx: 100, MaxInfoRx: 80, WindowTx: 7, WindowRx: 5},
		} {
			t.Run(fmt.Sprintf("seed%d_window%d", seed, p.WindowTx), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 24*time.Hour)
					defer cancel()
					a, b := sim.NewLine(sim.LineConfig{Baud: 115200, Format: "8N1", Turnaround: 5 * time.Millisecond,
						Echo: true, Seed: seed, Faults: sim.Faults{BitErrorRate: 0.01, DropRate: 0.005, GarbageRate: 0.003,
							Stalls: sim.Stalls{Rate: 0.001, Duration: 100 * time.Millisecond}}})
					defer a.Close()
					cfg := hdlc.Config{ClientSAP: 16, ServerLogical: 1, Params: p, ResponseTimeout: 150 * time.Millisecond, Retries: 200}
					double := func(req []byte) []byte { return append(bytes.Clone(req), req...) }
					_, errc := serve(ctx, b, cfg, double)
					var l *hdlc.Link
					var err error
					for range 10 {
						if l, err = hdlc.Dial(ctx, a, cfg); err == nil {
							break
						}
					}
					if err != nil {
						t.Fatalf("Dial: %v", err)
					}
					for i := range 8 {
						req := payload(uint64(seed*100+int64(i)), 1+i*400)
						if err := l.Send(ctx, req); err != nil {
							t.Fatalf("exchange %d: Send: %v", i, err)
						}
						resp, err := l.Receive(ctx)
						if err != nil {
							t.Fatalf("exchange %d: Receive: %v", i, err)
						}
						if !bytes.Equal(resp, double(req)) {
							t.Fatalf("exchange %d: response of %d bytes differs from the %d expected", i, len(resp), 2*len(req))
						}
					}
					select {
					case err := <-errc:
						t.Errorf("server: %v", err)
					default:
					}
				})
			})
		}
	}
}
