package dlms_test

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Green Book keys and titles (PROTOCOLS.md §8.2, §8.3).
var (
	gbKeys   = dlms.Keys{EK: unhex("000102030405060708090A0B0C0D0E0F"), AK: unhex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")}
	clientST = unhex("4D4D4D0000000001")
	serverST = unhex("4D4D4D0000BC614E")
)

// serveHDLC accepts one HDLC link on conn and serves DLMS on it until the
// link fails.
func serveHDLC(ctx context.Context, conn hdlc.Conn, cfg hdlc.Config, model dlms.ObjectModel, scfg dlms.ServerConfig) <-chan error {
	done := make(chan error, 1)
	go func() {
		l, err := hdlc.Accept(ctx, conn, cfg)
		if err != nil {
			done <- err
			return
		}
		done <- dlms.NewServer(model, scfg).Serve(ctx, l)
	}()
	return done
}

func TestClientServerOverHDLC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := net.Pipe()
	defer a.Close()
	cfg := hdlc.Config{ClientSAP: 16, ServerLogical: 1, ServerPhysical: 17,
		Params: hdlc.Params{MaxInfoTx: 128, MaxInfoRx: 128, WindowTx: 1, WindowRx: 1}}
	done := serveHDLC(ctx, b, cfg, dlms.NewTestMeter(t, 1), dlms.ServerConfig{})
	l, err := hdlc.Dial(ctx, a, cfg)
	if err != nil {
		t.Fatalf("hdlc.Dial: %v", err)
	}
	c, err := dlms.Associate(ctx, l, dlms.ClientConfig{MaxReceivePDU: 512})
	if err != nil {
		t.Fatalf("Associate over HDLC: %v", err)
	}
	p, err := c.ReadProfileEntries(ctx, dlms.TestProfileObis, 1, 0)
	if err != nil || len(p.Rows) != 31*48 {
		t.Fatalf("ReadProfileEntries = %v rows, %v", len(p.Rows), err)
	}
	if err := c.Release(ctx); err != nil {
		t.Errorf("Release: %v", err)
	}
	_ = l.Close(ctx)
	_ = a.Close()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("server did not stop")
	}
}

// TestClientServerOverFaultyLine runs a ciphered HLS-GMAC session over HDLC
// on an emulated 9600 Bd optical line with echo, bit errors and drops, in
// virtual time.
func TestClientServerOverFaultyLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1", Turnaround: 5 * time.Millisecond, Echo: true,
			Seed: 7, Faults: sim.Faults{BitErrorRate: 0.002, DropRate: 0.001}})
		defer a.Close()
		cfg := hdlc.Config{ClientSAP: 1, ServerLogical: 1, ServerPhysical: 17,
			Params:          hdlc.Params{MaxInfoTx: 128, MaxInfoRx: 128, WindowTx: 1, WindowRx: 1},
			ResponseTimeout: 500 * time.Millisecond, Retries: 20}
		done := serveHDLC(ctx, b, cfg, dlms.NewTestMeter(t, 1), dlms.ServerConfig{Ciphered: true,
			Mechanism: dlms.MechanismGMAC, Keys: gbKeys, SystemTitle: serverST, InvocationCounter: 1000})
		var l *hdlc.Link
		var err error
		for range 5 {
			if l, err = hdlc.Dial(ctx, a, cfg); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("hdlc.Dial: %v", err)
		}
		c, err := dlms.Associate(ctx, l, dlms.ClientConfig{Ciphered: true, Mechanism: dlms.MechanismGMAC,
			Keys: gbKeys, SystemTitle: clientST, InvocationCounter: 1, MaxReceivePDU: 1024})
		if err != nil {
			t.Fatalf("Associate: %v", err)
		}
		start := time.Now()
		p, err := c.ReadProfileEntries(ctx, dlms.TestProfileObis, 1, 96)
		if err != nil || len(p.Rows) != 96 {
			t.Fatalf("ReadProfileEntries = %d rows, %v", len(p.Rows), err)
		}
		t.Logf("two days of half-hourly rows over 9600 Bd with faults: %v of line time", time.Since(start))
		if err := c.Release(ctx); err != nil {
			t.Errorf("Release: %v", err)
		}
		_ = l.Close(ctx)
		_ = a.Close()
		<-done
	})
}

// TestMeterRestartOverHDLC: the meter drops its link state mid-session and
// waits for a new SNRM; the client's next request gets a clear error, not a
// hang.
func TestMeterRestartOverHDLC(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		a, b := net.Pipe()
		defer a.Close()
		cfg := hdlc.Config{ClientSAP: 16, ServerLogical: 1, ResponseTimeout: time.Second, Retries: 2}
		sctx, stop := context.WithCancel(ctx)
		first := serveHDLC(sctx, b, cfg, dlms.NewTestMeter(t, 1), dlms.ServerConfig{})
		l, err := hdlc.Dial(ctx, a, cfg)
		if err != nil {
			t.Fatalf("hdlc.Dial: %v", err)
		}
		c, err := dlms.Associate(ctx, l, dlms.ClientConfig{})
		if err != nil {
			t.Fatalf("Associate: %v", err)
		}
		stop() // the meter restarts: its link and association are gone
		<-first
		second := serveHDLC(ctx, b, cfg, dlms.NewTestMeter(t, 1), dlms.ServerConfig{})
		if _, err = c.Get(ctx, dlms.ClockTimeAttr, nil); !errors.Is(err, dlms.ErrPeerRestarted) {
			t.Errorf("Get after the meter restarted = %v, want ErrPeerRestarted", err)
		}
		_ = a.Close()
		_ = b.Close()
		<-second
	})
}
