package probe_test

import (
	"context"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

// capturing wraps a connector and keeps the link it opened, so the test
// can look at the HDLC frames that went over the line.
func capturing(c diagnose.Connector, got *diagnose.Link) diagnose.Connector {
	return diagnose.ConnectorFunc(func(ctx context.Context) (diagnose.Link, diagnose.Params, error) {
		l, p, err := c.Connect(ctx)
		*got = l
		return l, p, err
	})
}

// snrmAddress decodes the first frame the link sent (the SNRM) and returns
// its destination address.
func snrmAddress(t *testing.T, l diagnose.Link) hdlc.Address {
	t.Helper()
	lf, ok := l.(interface{ LinkFrames() []diagnose.Frame })
	if !ok {
		t.Fatalf("link %T keeps no HDLC frames", l)
	}
	frames := lf.LinkFrames()
	if len(frames) == 0 {
		t.Fatal("no HDLC frames recorded")
	}
	b, err := hex.DecodeString(frames[0].Hex)
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdlc.DecodeFrame(b)
	if err != nil || f.Control.Kind() != hdlc.KindSNRM {
		t.Fatalf("first frame %s: %v, want an SNRM", frames[0].Hex, err)
	}
	return f.Dst
}

// readIdentity opens a session through c, reads the identity and closes.
func readIdentity(t *testing.T, ctx context.Context, c diagnose.Connector, s probe.Settings) (*diagnose.Identity, diagnose.Params, diagnose.Link) {
	t.Helper()
	cfg, err := s.ReaderConfig()
	if err != nil {
		t.Fatal(err)
	}
	var l diagnose.Link
	sess, err := diagnose.Open(ctx, capturing(c, &l), cfg)
	if err != nil {
		t.Fatalf("Open with %v: %v", s.Address, err)
	}
	id, err := sess.Identity(ctx)
	if err != nil {
		t.Errorf("Identity: %v", err)
	}
	p := sess.Params()
	if err := sess.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	return id, p, l
}

// TestConnectorAddressSizes reaches simulated devices at HDLC server
// addresses whose encoded size cannot be guessed from the numbers (IEC
// 62056-46 §6.4.2.2): the meter's 4-byte address with the physical part
// derived from its serial (PROTOCOLS.md §11.7), the hub's 1/17 in the
// 4-byte form, and 1/0 in the 2-byte upper/lower form.
func TestConnectorAddressSizes(t *testing.T) {
	t.Run("meter 4 bytes", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			port := optical(t, newMeter(t, nil), sim.LineConfig{Turnaround: 20 * time.Millisecond})
			open := func(string) (probe.ClosingPort, error) { return keptOpen{port, new(int)}, nil }
			// Serial 23110007: physical 7 + 1000, which only the 4-byte form carries.
			s := probe.Settings{Protocol: probe.ModeE, Address: &probe.Address{Logical: 1, Physical: 1007, Size: 4}}
			if err := s.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			id, p, l := readIdentity(t, context.Background(), probe.Connector(open, "sim-probe", s), s)
			if id == nil || id.Serial != "23110007" {
				t.Errorf("Identity = %+v, want serial 23110007", id)
			}
			if a := snrmAddress(t, l); a.Size != 4 || a.Upper != 1 || a.Lower != 1007 {
				t.Errorf("SNRM to %+v, want 1/1007 in 4 bytes", a)
			}
			if p["server_address_size"] != "4" {
				t.Errorf("params = %v, want server_address_size 4", p)
			}
		})
	})
	t.Run("hub 4 bytes small physical", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			port := serveHub(t, 9600)
			open := func(string) (probe.ClosingPort, error) { return keptOpen{port, new(int)}, nil }
			s := probe.Settings{Protocol: probe.DirectHDLC, Baud: 9600, Address: &probe.Address{Logical: 1, Physical: 17, Size: 4}}
			id, _, l := readIdentity(t, context.Background(), probe.Connector(open, "sim-hub", s), s)
			if id == nil || id.Kind != "hub" {
				t.Errorf("Identity = %+v, want the hub", id)
			}
			if a := snrmAddress(t, l); a.Size != 4 || a.Lower != 17 {
				t.Errorf("SNRM to %+v, want 1/17 in 4 bytes", a)
			}
		})
	})
	t.Run("2 bytes physical 0", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			seen := make(chan hdlc.Address, 1)
			port := serveHDLCMeter(t, hdlc.Config{ServerLogical: 1, ServerPhysical: 0, ServerAddressSize: 2}, seen)
			open := func(string) (probe.ClosingPort, error) { return keptOpen{port, new(int)}, nil }
			s := probe.Settings{Protocol: probe.DirectHDLC, Baud: 9600, Address: &probe.Address{Logical: 1, Physical: 0, Size: 2}}
			id, _, _ := readIdentity(t, context.Background(), probe.Connector(open, "sim-meter", s), s)
			if id == nil || id.Serial != "23110007" {
				t.Errorf("Identity = %+v, want serial 23110007", id)
			}
			select {
			case a := <-seen:
				if a.Size != 2 || a.Upper != 1 || a.Lower != 0 {
					t.Errorf("server got an SNRM to %+v, want 1/0 in 2 bytes", a)
				}
			default:
				t.Error("server saw no SNRM in the 2-byte form")
			}
		})
	})
	t.Run("does not fit", func(t *testing.T) {
		s := probe.Settings{Protocol: probe.ModeE, Address: &probe.Address{Logical: 1, Physical: 1007, Size: 2}}
		if err := s.Validate(); !errors.Is(err, probe.ErrSettings) {
			t.Errorf("Validate(1/1007 in 2 bytes) = %v, want ErrSettings", err)
		}
	})
}

// serveHDLCMeter serves the simulated meter's public DLMS server over
// HDLC at 9600 Bd 8N1 with cfg's server address (the simulator's own
// serial server answers 1/17 only); the address of the SNRM that arrives
// is sent on seen, so the test sees the form on the wire.
func serveHDLCMeter(t *testing.T, cfg hdlc.Config, seen chan<- hdlc.Address) *sim.End {
	t.Helper()
	m := newMeter(t, nil)
	end, meter := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Trace = func(dir hdlc.Direction, b []byte) {
		if f, err := hdlc.DecodeFrame(b); err == nil && dir == hdlc.Rx && f.Control.Kind() == hdlc.KindSNRM {
			select {
			case seen <- f.Dst:
			default:
			}
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		link, err := hdlc.Accept(ctx, meter, cfg)
		if err != nil {
			return
		}
		_ = m.Server(sim.SAPPublic).Serve(ctx, link)
	}()
	t.Cleanup(func() {
		cancel()
		end.Close()
		meter.Close()
		<-done
	})
	return end
}

// TestRememberedAddressSizeReachesReading: the 4-byte address remembered
// for a model is tried first by the next detection, comes back in its
// result with its size, and the reading goes to it.
func TestRememberedAddressSizeReachesReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := probe.NewFileStore(filepath.Join(t.TempDir(), "profiles.json"))
		four := probe.Address{Logical: 1, Physical: 1007, Size: 4}
		if err := store.Put(probe.Profile{Manufacturer: "SMk", Model: "SIM-E1", Protocol: probe.ModeE, Baud: 9600, Address: &four}); err != nil {
			t.Fatal(err)
		}
		port := optical(t, newMeter(t, nil), sim.LineConfig{Turnaround: 20 * time.Millisecond})
		ctx := context.Background()
		res, err := probe.Detect(ctx, port, probe.Options{Store: store})
		if err != nil {
			t.Fatalf("Detect: %v", err)
		}
		if res.Address == nil || *res.Address != four {
			t.Fatalf("Detect found %v, want the remembered %v", res.Address, four)
		}
		p, ok, err := store.Get("SMk", "SIM-E1")
		if err != nil || !ok || p.Address == nil || *p.Address != four {
			t.Errorf("profile after detection = %+v, %v, %v; want the 4-byte address kept", p, ok, err)
		}
		time.Sleep(5 * time.Second) // the meter drops back to 300 Bd after DISC (IEC 62056-21 §6.4)
		s := probe.Settings{}.WithResult(res)
		open := func(string) (probe.ClosingPort, error) { return keptOpen{port, new(int)}, nil }
		_, params, l := readIdentity(t, ctx, probe.Connector(open, "sim-probe", s), s)
		if a := snrmAddress(t, l); a.Size != 4 || a.Lower != 1007 {
			t.Errorf("reading's SNRM to %+v, want 1/1007 in 4 bytes", a)
		}
		if params["server_address_size"] != "4" {
			t.Errorf("params = %v", params)
		}
	})
}
