package probe_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

func TestSettingsValidateAndConfig(t *testing.T) {
	key := strings.Repeat("00112233", 4) // 16 bytes in hex
	tests := []struct {
		name   string
		s      probe.Settings
		ok     bool
		client int
		mech   dlms.Mechanism
		sign   axdr.DeviationSign
	}{
		{name: "zero", ok: true, client: 16, mech: dlms.MechanismNone},
		{name: "low", s: probe.Settings{Security: probe.SecurityLow, Secret: "00000000"}, ok: true, client: 17, mech: dlms.MechanismLLS},
		{name: "low without password", s: probe.Settings{Security: probe.SecurityLow}},
		{name: "high one key", s: probe.Settings{Security: probe.SecurityHigh, Secret: key}, ok: true, client: 1, mech: dlms.MechanismGMAC},
		{name: "high EK:AK", s: probe.Settings{Security: probe.SecurityHigh, Secret: key + ":" + key, ClientSAP: 3}, ok: true, client: 3, mech: dlms.MechanismGMAC},
		{name: "high short key", s: probe.Settings{Security: probe.SecurityHigh, Secret: "0011"}},
		{name: "reversed sign", s: probe.Settings{DeviationSign: "reversed"}, ok: true, client: 16, sign: axdr.DeviationReversed},
		{name: "bad sign", s: probe.Settings{DeviationSign: "sideways"}},
		{name: "bad mode", s: probe.Settings{Protocol: "mode-z"}},
		{name: "bad address", s: probe.Settings{Address: &probe.Address{Logical: 200, Size: 1}}},
		{name: "bad client", s: probe.Settings{ClientSAP: 300}},
		{name: "huge secret", s: probe.Settings{Security: probe.SecurityLow, Secret: strings.Repeat("x", 1000)}},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Validate = %v, want ok %v", tt.name, err, tt.ok)
			continue
		}
		if !tt.ok {
			if !errors.Is(err, probe.ErrSettings) {
				t.Errorf("%s: error %v is not ErrSettings", tt.name, err)
			}
			if tt.s.Secret != "" && strings.Contains(err.Error(), tt.s.Secret) {
				t.Errorf("%s: error shows the secret: %v", tt.name, err)
			}
			continue
		}
		cfg, err := tt.s.ReaderConfig()
		if err != nil {
			t.Errorf("%s: ReaderConfig: %v", tt.name, err)
			continue
		}
		if cfg.Client.Mechanism != tt.mech || cfg.DeviationSign != tt.sign || tt.s.Client() != tt.client {
			t.Errorf("%s: mechanism %v sign %v client %d, want %v %v %d", tt.name, cfg.Client.Mechanism, cfg.DeviationSign, tt.s.Client(), tt.mech, tt.sign, tt.client)
		}
	}
}

func TestRememberSettingsSurvivesDetection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := probe.NewFileStore(filepath.Join(t.TempDir(), "profiles.json"))
		manual := probe.Settings{Protocol: probe.ModeE, Baud: 4800, Security: probe.SecurityLow, Secret: "00000000", DeviationSign: "reversed"}
		if err := probe.RememberSettings(store, "SMk", "SIM-E1", manual); err != nil {
			t.Fatal(err)
		}
		port := optical(t, newMeter(t, nil), sim.LineConfig{Turnaround: 20 * time.Millisecond})
		got, ok, err := probe.LookupSettings(store, "SMK", "SIM-E1")
		if err != nil || !ok {
			t.Fatalf("LookupSettings = %v, %v", ok, err)
		}
		if got.Secret != "" || got.DeviationSign != "reversed" || got.Baud != 4800 {
			t.Fatalf("remembered %+v: want the settings without the secret", got)
		}
		var first string
		res, err := probe.Detect(context.Background(), port, probe.Options{Store: store, Manual: &got,
			Progress: func(p probe.Progress) {
				if first == "" {
					first = p.What
				}
			}})
		if err != nil {
			t.Fatalf("Detect: %v", err)
		}
		if !strings.Contains(first, "4800") || res.Baud != 4800 {
			t.Errorf("first attempt %q, found at %d Bd: want the manual 4800 Bd first", first, res.Baud)
		}
		again, ok, err := probe.LookupSettings(store, "SMk", "SIM-E1")
		if err != nil || !ok || again.DeviationSign != "reversed" || again.Security != probe.SecurityLow {
			t.Errorf("after detection the settings are %+v, %v, %v; want them kept", again, ok, err)
		}
		if err := probe.RememberSettings(store, "", "", manual); !errors.Is(err, probe.ErrSettings) {
			t.Errorf("RememberSettings without a model = %v", err)
		}
	})
}

// keptOpen is a port the connector may close; the line stays for the next
// association.
type keptOpen struct {
	*sim.End
	closes *int
}

func (k keptOpen) Close() error { *k.closes++; return nil }

func TestConnectorReadsDetectedMeter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		port := optical(t, newMeter(t, nil), sim.LineConfig{Turnaround: 20 * time.Millisecond})
		ctx := context.Background()
		res, err := probe.Detect(ctx, port, probe.Options{})
		if err != nil {
			t.Fatalf("Detect: %v", err)
		}
		closes, opens := 0, 0
		open := func(name string) (probe.ClosingPort, error) {
			opens++
			return keptOpen{port, &closes}, nil
		}
		s := probe.Settings{}.WithResult(res)
		cfg, err := s.ReaderConfig()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second) // the meter drops back to 300 Bd after DISC (IEC 62056-21 §6.4)
		sess, err := diagnose.Open(ctx, probe.Connector(open, "sim-probe", s), cfg)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		id, err := sess.Identity(ctx)
		if err != nil || id.Serial != "23110007" {
			t.Errorf("Identity = %+v, %v", id, err)
		}
		if p := sess.Params(); p["port"] != "sim-probe" {
			t.Errorf("params = %v", p)
		}
		if err := sess.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if opens != 1 || closes != 1 {
			t.Errorf("opened %d, closed %d times; want once each", opens, closes)
		}
		if _, _, err := probe.Connector(open, "x", probe.Settings{Protocol: probe.ModeC}).Connect(ctx); !errors.Is(err, probe.ErrModeC) {
			t.Errorf("mode C connector = %v, want ErrModeC", err)
		}
	})
}

func TestRememberSettingsWithoutSecret(t *testing.T) {
	store := probe.NewFileStore(filepath.Join(t.TempDir(), "profiles.json"))
	s := probe.Settings{Security: probe.SecurityHigh, ClientSAP: 1, Address: &probe.Address{Logical: 1, Physical: 17, Size: 2}}
	if err := s.Validate(); !errors.Is(err, probe.ErrSettings) {
		t.Errorf("high security without keys validates: %v", err)
	}
	if err := probe.RememberSettings(store, "LGZ", "E470", s); err != nil {
		t.Fatalf("remember high security without the keys: %v", err)
	}
	got, ok, err := probe.LookupSettings(store, "LGZ", "E470")
	if err != nil || !ok || got.Security != probe.SecurityHigh || got.Address == nil || *got.Address != *s.Address {
		t.Errorf("LookupSettings = %+v, %v, %v", got, ok, err)
	}
	if _, ok, _ := probe.LookupSettings(store, "LGZ", "E450"); ok {
		t.Error("settings found for another model")
	}
}
