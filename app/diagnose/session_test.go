package diagnose

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

// testStart is a summer instant (the DST fields are exercised).
var testStart = time.Date(2026, 7, 14, 9, 41, 0, 0, time.UTC)

// pipeConnector serves a DLMS server on the far end of a net.Pipe through
// the IEC 62056-47 wrapper, one association per Connect.
func pipeConnector(t *testing.T, srv *dlms.Server) Connector {
	t.Helper()
	return ConnectorFunc(func(ctx context.Context) (Link, Params, error) {
		client, server := net.Pipe()
		sctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = srv.Serve(sctx, dlms.NewWrapperConn(server, 1, 17))
			server.Close()
		}()
		t.Cleanup(func() {
			cancel()
			client.Close()
			<-done
		})
		return ConnLink(client, 17, 1), Params{"transport": "pipe-wrapper"}, nil
	})
}

func newMeter(t *testing.T, q sim.Quirks) *sim.ESME {
	t.Helper()
	m, err := sim.NewESME(sim.ESMEConfig{
		Identity: sim.Identity{Flag: "SMK", Model: "SIM-E1", Serial: "23110201", DeviceID: "00-DB-12-34-56-78-92-A0"},
		Start:    testStart, Quirks: q,
	})
	if err != nil {
		t.Fatalf("NewESME: %v", err)
	}
	return m
}

func newHub(t *testing.T, q sim.Quirks) *sim.Hub {
	t.Helper()
	h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: "00-DB-12-34-56-78-92-A2", Serial: "CH0000003"},
		Start: testStart, Quirks: q})
	if err != nil {
		t.Fatalf("NewHub: %v", err)
	}
	return h
}

// readerServer is the LLS reader association of a simulated device.
func readerServer(model dlms.ObjectModel) *dlms.Server {
	return dlms.NewServer(model, dlms.ServerConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword})
}

// readerConfig is the LLS reader association with the laptop clock set to
// the device's (clock is the sim device's clock).
func readerConfig(clock *sim.Clock) Config {
	return Config{Client: dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword}, Now: clock.Now}
}

func open(t *testing.T, c Connector, cfg Config) (context.Context, *Session) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, c, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	return ctx, s
}

func TestMeterReadout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		cfg := readerConfig(m.Clock)
		var progress []Progress
		cfg.Progress = func(p Progress) { progress = append(progress, p) }
		cfg.ProfileChunk = 6 * time.Hour
		ctx, s := open(t, pipeConnector(t, readerServer(m.Model(sim.LevelReader))), cfg)
		now := m.Clock.Now()
		r, err := s.Read(ctx, Request{From: now.Add(-24 * time.Hour), To: now})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if r.Device == nil || r.Device.Serial != "23110201" || r.Device.Kind != "meter" || r.Device.DeviceID != "00-DB-12-34-56-78-92-A0" {
			t.Errorf("Device = %+v", r.Device)
		}
		if r.Clock == nil || r.Clock.Drift < -time.Second || r.Clock.Drift > time.Second {
			t.Errorf("Clock = %+v, want no drift", r.Clock)
		}
		var imp *RegisterValue
		for i := range r.Registers {
			if r.Registers[i].OBIS == sim.ImportOBIS {
				imp = &r.Registers[i]
			}
		}
		if imp == nil || imp.Unit != "Wh" || imp.Value <= 0 || imp.Instantaneous {
			t.Errorf("import register = %+v", imp)
		}
		if r.Disconnect == nil || !r.Disconnect.OutputState {
			t.Errorf("Disconnect = %+v, want connected", r.Disconnect)
		}
		if len(r.Profiles) == 0 {
			t.Fatalf("no profiles read")
		}
		lp := r.Profiles[0]
		if lp.OBIS != sim.LoadProfileOBIS || len(lp.Rows) < 40 {
			t.Errorf("load profile %s: %d rows, want about 48", lp.OBIS, len(lp.Rows))
		}
		if len(progress) < 4 || progress[len(progress)-1].Rows != len(lp.Rows) {
			t.Errorf("progress = %+v", progress)
		}
		if len(r.Events) != 4 {
			t.Errorf("%d event logs, want 4", len(r.Events))
		}
		for _, p := range r.Problems {
			t.Errorf("problem: %+v", p)
		}
		if len(r.Objects) < 20 {
			t.Errorf("%d objects", len(r.Objects))
		}
		frames, _, bytes := s.Trace()
		if len(frames) < 10 || bytes == 0 {
			t.Errorf("trace: %d frames, %d bytes", len(frames), bytes)
		}
	})
}

func TestCorruptedEventLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, sim.Quirks{sim.QuirkCorruptEventLog: true})
		ctx, s := open(t, pipeConnector(t, readerServer(m.Model(sim.LevelReader))), readerConfig(m.Clock))
		logs, err := s.Events(ctx, time.Time{}, time.Time{})
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		std := logs[0]
		if std.Corrupted == 0 || std.Corrupted >= len(std.Entries) {
			t.Fatalf("standard log: %d corrupted of %d", std.Corrupted, len(std.Entries))
		}
		for _, e := range std.Entries {
			if e.Corrupt && (e.Code != 0xFFFF || !strings.Contains(e.Problem, "date")) {
				t.Errorf("corrupt entry %+v", e)
			}
			if !e.Corrupt && e.Time.IsZero() {
				t.Errorf("good entry without time: %+v", e)
			}
		}
		f := Findings(&Readout{Events: logs})
		if len(f) != 1 || !strings.Contains(f[0].Text, "corrupted") {
			t.Errorf("Findings = %+v", f)
		}
	})
}

func TestHubFullDeviceLogNoWAN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, sim.Quirks{sim.QuirkFullDeviceLog: true, sim.QuirkNoWAN: true})
		ctx, s := open(t, pipeConnector(t, readerServer(h.Model(sim.LevelReader))), readerConfig(h.Clock))
		r, err := s.Read(ctx, Request{Sections: []Section{SectionIdentity, SectionHubLog, SectionWAN, SectionClock}})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if r.Device.Kind != "hub" || r.Device.GPFID == "" {
			t.Errorf("Device = %+v", r.Device)
		}
		if r.HubLog == nil || !r.HubLog.Full || len(r.HubLog.Entries) != 16 {
			t.Fatalf("HubLog = %+v", r.HubLog)
		}
		if e := r.HubLog.Entries[0]; e.DeviceID != "00-DB-12-FF-EE-00-00-00" || e.RSSI != -60 {
			t.Errorf("entry 0 = %+v", e)
		}
		if r.WAN == nil || r.WAN.Registration != "not registered" || r.WAN.SignalKnown {
			t.Errorf("WAN = %+v", r.WAN)
		}
		var full, wan bool
		for _, p := range r.Problems {
			full = full || p.Section == SectionHubLog
			wan = wan || p.Section == SectionWAN
		}
		if !full || !wan {
			t.Errorf("Problems = %+v, want device log full and no WAN", r.Problems)
		}
	})
}

func TestProfileCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		cfg := readerConfig(m.Clock)
		cfg.ProfileChunk = time.Hour
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		cfg.Progress = func(p Progress) {
			calls++
			if calls == 2 {
				cancel()
			}
		}
		s, err := Open(ctx, pipeConnector(t, readerServer(m.Model(sim.LevelReader))), cfg)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close(context.Background())
		now := m.Clock.Now()
		p, err := s.Profile(ctx, sim.LoadProfileOBIS, now.Add(-7*24*time.Hour), now)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Profile after cancel: err = %v, want context.Canceled", err)
		}
		if calls != 2 || p == nil || len(p.Rows) != 4 {
			t.Errorf("after cancel: %d progress calls, %d rows; want 2 calls, 4 rows", calls, len(p.Rows))
		}
	})
}

func TestNotOffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		ctx, s := open(t, pipeConnector(t, readerServer(m.Model(sim.LevelReader))), readerConfig(m.Clock))
		if _, err := s.HubLog(ctx); !errors.Is(err, ErrNotOffered) {
			t.Errorf("HubLog on a meter: %v, want ErrNotOffered", err)
		}
		if _, err := s.WAN(ctx); !errors.Is(err, ErrNotOffered) {
			t.Errorf("WAN on a meter: %v, want ErrNotOffered", err)
		}
	})
}
