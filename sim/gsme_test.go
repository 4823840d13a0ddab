package sim_test

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/sim"
)

const gasID = "00-DB-12-34-56-78-90-B0"

func newGas(t *testing.T, q sim.Quirks) *sim.GSME {
	t.Helper()
	g, err := sim.NewGSME(sim.GSMEConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: gasID, InstallCode: "30313233343536373839414243444546"},
		Start: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), DailyDm3: 2400, Quirks: q})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGSMEJoinsThroughTheDeviceLog: a gas meter in range of the hub joins
// once register_device (CCS01) lists it and joining opens, like a meter;
// the hub lists it in the GPF device log too, and the GPF serves its gas
// volume register once it has joined.
func TestGSMEJoinsThroughTheDeviceLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil, sim.HubConfig{})
		g := newGas(t, nil)
		h.AttachGSME(g)
		ctx, c := hubSession(t, h)
		if v := get(t, ctx, c, cosem.ClassRegister, sim.GPFGasVolumeOBIS, 2); v.Uint() != 0 {
			t.Errorf("gas volume before a gas meter joined = %d, want 0", v.Uint())
		}
		register(t, ctx, c, gasID)
		gl, err := action(t, ctx, c, sim.GPFDeviceLogOBIS, 4, axdr.Null())
		if err != nil || gl.Index(2).Len() != 1 || !bytes.Equal(gl.Index(2).Index(0).Index(0).Bytes(), eui(t, gasID)) {
			t.Fatalf("GPF device log after register_device = %v, %v; want the gas meter", gl, err)
		}
		if g.Joined(h.ID()) {
			t.Fatal("joined before joining opened")
		}
		enableJoining(t, ctx, c)
		if !g.Joined(h.ID()) {
			t.Fatal("gas meter did not join when joining opened")
		}
		if l := h.DeviceLog(); len(l) != 1 || len(l[0].LinkKeyHash) == 0 || l[0].LastSeen.IsZero() {
			t.Errorf("device log = %+v, want the gas meter with a link key", l)
		}
		g.Clock.Shift(12 * time.Hour) // half a day later
		v := get(t, ctx, c, cosem.ClassRegister, sim.GPFGasVolumeOBIS, 2)
		if v.Uint() != 1200 { // half a day of 2400 dm³
			t.Errorf("gas volume = %d dm³, want 1200", v.Uint())
		}
		su := get(t, ctx, c, cosem.ClassRegister, sim.GPFGasVolumeOBIS, 3)
		if su.Index(0).Int() != -3 || cosem.Unit(su.Index(1).Uint()) != cosem.UnitCubicMetre {
			t.Errorf("scaler/unit = %v, want 10^-3 m³", su)
		}
	})
}

// A gas meter with a radio fault fails to join with its code, recorded in
// the CHF event log like a meter's.
func TestGSMEJoinFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil, sim.HubConfig{})
		g := newGas(t, sim.Quirks{sim.QuirkJoinFail(12): true})
		if rc := h.JoinGSME(g); rc != 12 {
			t.Errorf("JoinGSME = %d, want 12", rc)
		}
		id, _ := sim.ParseEUI64(gasID)
		if rc := h.JoinFailure(id); rc != 12 {
			t.Errorf("JoinFailure = %d, want 12", rc)
		}
		if _, err := sim.NewGSME(sim.GSMEConfig{Identity: sim.Identity{DeviceID: gasID, InstallCode: "0102"}}); err == nil {
			t.Error("NewGSME accepted a 2-byte install code")
		}
		if _, err := sim.NewGSME(sim.GSMEConfig{Identity: sim.Identity{DeviceID: "nope"}}); err == nil {
			t.Error("NewGSME accepted a bad device ID")
		}
	})
}

// The demo scenario has a gas meter in the hub's range; a scenario with
// gas meters and no hub, or a gas meter with a bad install code, is
// refused; whitelisted and joined gas meters start in both device logs.
func TestScenarioGasMeters(t *testing.T) {
	sc, err := sim.LoadScenario("demo")
	if err != nil {
		t.Fatal(err)
	}
	site, err := sim.NewSite(sc, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(site.GasMeters) != 1 || site.GasMeters[0].Identity().DeviceID != gasID || len(site.Hub.GPFDeviceLog()) != 0 {
		t.Errorf("demo gas meters = %d, GPF log %v", len(site.GasMeters), site.Hub.GPFDeviceLog())
	}
	for _, bad := range []string{
		`{"name": "x", "meters": [], "gas_meters": [{"identity": {"flag": "SMK", "device_id": "` + gasID + `"}}]}`,
		`{"name": "x", "hub": {"identity": {"flag": "SMK", "device_id": "00-DB-12-34-56-78-90-A2"}}, "meters": [],
		  "gas_meters": [{"identity": {"flag": "SMK", "device_id": "` + gasID + `", "install_code": "01"}}]}`,
	} {
		if _, err := sim.ParseScenario([]byte(bad)); err == nil {
			t.Errorf("ParseScenario accepted %s", bad)
		}
	}
	sc, err = sim.ParseScenario([]byte(`{"name": "x", "hub": {"identity": {"flag": "SMK", "device_id": "00-DB-12-34-56-78-90-A2"}}, "meters": [],
		"gas_meters": [{"identity": {"flag": "SMK", "device_id": "` + gasID + `"}, "joined": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	site, err = sim.NewSite(sc, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l := site.Hub.DeviceLog(); len(l) != 1 || len(l[0].LinkKeyHash) == 0 || len(site.Hub.GPFDeviceLog()) != 1 || !site.GasMeters[0].Joined(site.Hub.ID()) {
		t.Errorf("joined gas meter: device log %+v, GPF log %v", l, site.Hub.GPFDeviceLog())
	}
}
