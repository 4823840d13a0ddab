package sim_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/sim"
)

func TestEmbeddedScenarios(t *testing.T) {
	names := sim.ScenarioNames()
	if len(names) < 3 {
		t.Fatalf("ScenarioNames = %v", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sc, err := sim.LoadScenario(name)
				if err != nil {
					t.Fatalf("LoadScenario(%s): %v", name, err)
				}
				site, err := sim.NewSite(sc, testStart, nil)
				if err != nil {
					t.Fatalf("NewSite(%s): %v", name, err)
				}
				if len(site.Meters) != len(sc.Meters) || (sc.Hub != nil) != (site.Hub != nil) {
					t.Errorf("site has %d meters, hub %v", len(site.Meters), site.Hub != nil)
				}
			})
		})
	}
}

func TestParseScenarioErrors(t *testing.T) {
	tests := []struct {
		name, json string
	}{
		{"not json", `{`},
		{"unknown field", `{"name":"x","meters":[],"colour":"red"}`},
		{"no devices", `{"name":"x","meters":[]}`},
		{"no name", `{"meters":[{"identity":{"flag":"SMK","serial":"1","device_id":"00-00-00-00-00-00-00-01"}}]}`},
		{"bad quirk", `{"name":"x","meters":[{"identity":{"flag":"SMK","serial":"1","device_id":"00-00-00-00-00-00-00-01"},"quirks":["teleport"]}]}`},
		{"bad id", `{"name":"x","meters":[{"identity":{"flag":"SMK","serial":"1","device_id":"00-00"}}]}`},
		{"duplicate id", `{"name":"x","hub":{"identity":{"flag":"SMK","device_id":"00-00-00-00-00-00-00-01"}},"meters":[{"identity":{"flag":"SMK","serial":"1","device_id":"00-00-00-00-00-00-00-01"}}]}`},
		{"bad start", `{"name":"x","start":"yesterday","meters":[{"identity":{"flag":"SMK","serial":"1","device_id":"00-00-00-00-00-00-00-01"}}]}`},
	}
	for _, tt := range tests {
		if _, err := sim.ParseScenario([]byte(tt.json)); !errors.Is(err, sim.ErrScenario) {
			t.Errorf("%s: ParseScenario = %v, want ErrScenario", tt.name, err)
		}
	}
}

// FuzzParseScenario checks that no file can panic the loader and that a
// scenario it accepts survives a JSON round trip.
func FuzzParseScenario(f *testing.F) {
	for _, name := range sim.ScenarioNames() {
		sc, err := sim.LoadScenario(name)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(sc)
		f.Add(b)
	}
	f.Add([]byte(`{"name":"x","meters":[{"identity":{"flag":"SMK","serial":"1","device_id":"00-00-00-00-00-00-00-01"},"quirks":["join-fail-3"]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := sim.ParseScenario(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(sc)
		if err != nil {
			t.Fatalf("marshal accepted scenario: %v", err)
		}
		sc2, err := sim.ParseScenario(again)
		if err != nil {
			t.Fatalf("round trip rejected: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(sc, sc2) {
			t.Fatalf("round trip changed the scenario:\n%+v\n%+v", sc, sc2)
		}
	})
}

// FuzzParseQuirks: any list parses or fails cleanly, and what parses
// round-trips through String.
func FuzzParseQuirks(f *testing.F) {
	f.Add("ir-echo,join-fail-4")
	f.Add("")
	f.Add("reboot, no-wan ,full-device-log")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := sim.ParseQuirks(s)
		if err != nil {
			return
		}
		q2, err := sim.ParseQuirks(q.String())
		if err != nil || !reflect.DeepEqual(q, q2) {
			t.Fatalf("ParseQuirks(%q.String()) = %v, %v; want %v", q.String(), q2, err, q)
		}
	})
}
