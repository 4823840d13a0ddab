package sim_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

// action invokes a class 104 method on obj and decodes its return value.
func action(t *testing.T, ctx context.Context, c *dlms.Client, obj cosem.OBIS, method int8, p axdr.Value) (axdr.Value, error) {
	t.Helper()
	d, err := c.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: obj, Method: method}, mustEncode(t, p))
	if err != nil || len(d) == 0 {
		return axdr.Null(), err
	}
	v, _, err := axdr.Decode(d)
	return v, err
}

func register(t *testing.T, ctx context.Context, c *dlms.Client, id string) {
	t.Helper()
	reg := axdr.Structure(axdr.OctetString(eui(t, id)), axdr.Enum(1), axdr.OctetString([]byte("0123456789ABCDEF")), axdr.Enum(0))
	if _, err := action(t, ctx, c, sim.NetworkControlOBIS, 1, reg); err != nil {
		t.Fatalf("register_device %s: %v", id, err)
	}
}

func enableJoining(t *testing.T, ctx context.Context, c *dlms.Client) {
	t.Helper()
	if err := c.Set(ctx, dlms.AttributeDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: sim.NetworkControlOBIS, Attribute: 2}, nil, mustEncode(t, axdr.Bool(true))); err != nil {
		t.Fatalf("enable joining: %v", err)
	}
}

// hubEvents reads the CHF event log over DLMS: {clock, code, device, detail} rows.
func hubEvents(t *testing.T, ctx context.Context, c *dlms.Client) []axdr.Value {
	t.Helper()
	cols := get(t, ctx, c, cosem.ClassProfileGeneric, sim.HubEventLogOBIS, 3)
	if cols.Len() != 4 {
		t.Fatalf("capture objects = %v, want 4 columns", cols)
	}
	return get(t, ctx, c, cosem.ClassProfileGeneric, sim.HubEventLogOBIS, 2).Elems()
}

func TestHubRecordsJoinFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil, sim.HubConfig{})
		m := newMeter(t, sim.Quirks{sim.QuirkJoinFail(7): true})
		id, _ := sim.ParseEUI64(m.Identity().DeviceID)
		ctx, c := hubSession(t, h)
		if rc := h.Join(newMeter(t, nil)); rc != 3 { // the same meter, before its radio fault
			t.Errorf("Join before registering = %d, want 3", rc)
		}
		if got := h.JoinFailure(id); got != 3 {
			t.Errorf("JoinFailure = %d, want 3 (not in the log)", got)
		}
		register(t, ctx, c, m.Identity().DeviceID)
		if err := h.AttachMeter(m); err != nil {
			t.Fatal(err)
		}
		enableJoining(t, ctx, c) // the waiting meter tries at once and fails with its quirk
		if got := h.JoinFailure(id); got != 7 {
			t.Errorf("JoinFailure after enabling joining = %d, want 7", got)
		}
		if l := h.DeviceLog(); len(l) != 1 || l[0].JoinFailure != 7 {
			t.Errorf("device log = %+v, want one entry with JoinFailure 7", l)
		}
		var codes []uint16
		var fails []int
		for _, r := range hubEvents(t, ctx, c) {
			code := uint16(r.Index(1).Uint())
			codes = append(codes, code)
			if code == sim.EventJoinFailed {
				if !bytes.Equal(r.Index(2).Bytes(), id[:]) {
					t.Errorf("join failure entry device = % X, want %s", r.Index(2).Bytes(), id)
				}
				fails = append(fails, int(r.Index(3).Uint()))
			}
		}
		if len(fails) != 2 || fails[0] != 3 || fails[1] != 7 {
			t.Errorf("join failure codes in the CHF event log = %v, want [3 7] (events %04X)", fails, codes)
		}
		if !containsCode(codes, sim.EventDeviceLogChanged) {
			t.Errorf("no device log changed (0x8F12) after register_device: %04X", codes)
		}
		if ev := h.Events(); len(ev) != len(codes) || ev[len(ev)-1].Code != sim.EventJoinFailed || ev[len(ev)-1].Detail != 7 {
			t.Errorf("Events() = %+v", ev)
		}
	})
}

func TestHubJoinAndRemovalChangeTheLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil, sim.HubConfig{})
		m := newMeter(t, nil)
		ctx, c := hubSession(t, h)
		register(t, ctx, c, m.Identity().DeviceID)
		enableJoining(t, ctx, c)
		if rc := h.Join(m); rc != 0 {
			t.Fatalf("Join = %d", rc)
		}
		id, _ := sim.ParseEUI64(m.Identity().DeviceID)
		if _, err := action(t, ctx, c, sim.NetworkControlOBIS, 2, axdr.OctetString(id[:])); err != nil {
			t.Fatalf("unregister_device: %v", err)
		}
		var changed, joined int
		for _, e := range h.Events() {
			switch e.Code {
			case sim.EventDeviceLogChanged:
				changed++
			case sim.EventJoinSucceeded:
				joined++
			}
		}
		// added, link key recorded, removed: three CS14s (DOMAIN.md §9).
		if changed != 3 || joined != 1 || h.JoinFailure(id) != 0 {
			t.Errorf("%d device-log-changed and %d joined events, join failure %d; want 3, 1, 0", changed, joined, h.JoinFailure(id))
		}
	})
}

func containsCode(codes []uint16, c uint16) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}

// TestHubRestore moves a device log from a hub to its replacement with
// backup_PAN and restore_PAN (CCS07 then CCS03, 8.12.1).
func TestHubRestore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := newHub(t, nil, sim.HubConfig{})
		m := newMeter(t, nil)
		ctx, c := hubSession(t, old)
		register(t, ctx, c, m.Identity().DeviceID)
		register(t, ctx, c, "00-DB-12-34-56-78-90-B7") // registered, never joined: no link key
		enableJoining(t, ctx, c)
		if rc := old.Join(m); rc != 0 {
			t.Fatalf("Join = %d", rc)
		}
		backup, err := action(t, ctx, c, sim.NetworkControlOBIS, 4, axdr.Null())
		// The GPF's entry first, without a link key (DOMAIN.md §9), then the two devices.
		if err != nil || backup.Len() != 3 || backup.Index(2).Len() != 3 || !bytes.Equal(backup.Index(2).Index(0).Index(0).Bytes(), gpf(old)) ||
			len(backup.Index(2).Index(0).Index(1).Bytes()) != 0 {
			t.Fatalf("backup_PAN = %v, %v", backup, err)
		}

		cfg := sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: "00-DB-12-34-56-78-90-C4"}, Start: testStart, Capacity: 2}
		repl, err := sim.NewHub(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := repl.AttachMeter(m); err != nil {
			t.Fatal(err)
		}
		ctx2, c2 := hubSession(t, repl)
		restore := axdr.Structure(backup.Index(1), backup.Index(2))
		if _, err := action(t, ctx2, c2, sim.NetworkControlOBIS, 5, restore); err != nil {
			t.Fatalf("restore_PAN: %v", err)
		}
		again, err := action(t, ctx2, c2, sim.NetworkControlOBIS, 4, axdr.Null())
		if err != nil {
			t.Fatalf("backup_PAN after restore: %v", err)
		}
		if !bytes.Equal(again.Index(1).Bytes(), backup.Index(1).Bytes()) {
			t.Errorf("extended PAN ID after restore = % X, want % X", again.Index(1).Bytes(), backup.Index(1).Bytes())
		}
		// The replacement's own GPF, then the old log (the old GPF's
		// entry restored like any device without a link key).
		if again.Index(2).Len() != 4 || !bytes.Equal(again.Index(2).Index(0).Index(0).Bytes(), gpf(repl)) {
			t.Fatalf("backup_PAN after restore = %v", again)
		}
		for i := range 3 {
			a, b := again.Index(2).Index(i+1), backup.Index(2).Index(i)
			if !bytes.Equal(a.Index(0).Bytes(), b.Index(0).Bytes()) || !bytes.Equal(a.Index(1).Bytes(), b.Index(1).Bytes()) {
				t.Errorf("restored entry %d = %v, want %v", i, a, b)
			}
		}
		devs := get(t, ctx2, c2, cosem.ClassZigBeeNetworkControl, sim.NetworkControlOBIS, 4)
		if devs.Len() != 3 || devs.Index(1).Index(8).Bytes()[0] == 0xFF {
			t.Errorf("active_devices after restore = %v, want the meter back with a last-seen time", devs)
		}
		if ev := repl.Events(); len(ev) == 0 || ev[len(ev)-1].Code != sim.EventDeviceLogChanged {
			t.Errorf("no device log changed event after restore: %+v", ev)
		}

		bad := []struct {
			name string
			p    axdr.Value
		}{
			{"not a structure", axdr.OctetString(make([]byte, 8))},
			{"short PAN ID", axdr.Structure(axdr.OctetString(make([]byte, 7)), axdr.Array())},
			{"short key", axdr.Structure(backup.Index(1), axdr.Array(axdr.Structure(axdr.OctetString(make([]byte, 8)), axdr.OctetString(make([]byte, 15)))))},
			{"duplicate", axdr.Structure(backup.Index(1), axdr.Array(backup.Index(2).Index(0), backup.Index(2).Index(0)))},
			{"over capacity", axdr.Structure(backup.Index(1), axdr.Array(append(backup.Index(2).Elems(),
				axdr.Structure(axdr.OctetString(make([]byte, 8)), axdr.OctetString(nil)))...))},
		}
		for _, tc := range bad {
			if _, err := action(t, ctx2, c2, sim.NetworkControlOBIS, 5, tc.p); err == nil {
				t.Errorf("restore_PAN with %s succeeded", tc.name)
			}
		}
		if l := repl.DeviceLog(); len(l) != 3 {
			t.Errorf("a refused restore changed the log: %+v", l)
		}
	})
}

func gpf(h *sim.Hub) []byte {
	id := h.GPFID()
	return id[:]
}

// TestHubGPF: the GPF is in the CHF device log without a link key and
// does not take a device's place; a whitelisted GSME shows in both logs.
func TestHubGPF(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil, sim.HubConfig{Capacity: 1})
		ctx, c := hubSession(t, h)
		gas, _ := sim.ParseEUI64("00-DB-12-34-56-78-90-B1")
		if err := h.WhitelistGSME(gas, []byte("0123456789ABCDEF")); err != nil {
			t.Fatalf("WhitelistGSME: %v", err)
		}
		if err := h.WhitelistGSME(gas, []byte("0123456789ABCDEF")); err != nil {
			t.Errorf("WhitelistGSME again: %v", err)
		}
		other, _ := sim.ParseEUI64("00-DB-12-34-56-78-90-B2")
		if err := h.WhitelistGSME(other, []byte("0123456789ABCDEF")); !errors.Is(err, sim.ErrDeviceLogFull) {
			t.Errorf("WhitelistGSME on a full log = %v, want ErrDeviceLogFull", err)
		}
		if l := h.GPFDeviceLog(); len(l) != 1 || l[0] != gas {
			t.Errorf("GPFDeviceLog = %v", l)
		}
		if l := h.DeviceLog(); len(l) != 1 || l[0].DeviceID != gas {
			t.Errorf("DeviceLog = %+v", l)
		}
		chf, err := action(t, ctx, c, sim.NetworkControlOBIS, 4, axdr.Null())
		if err != nil || chf.Index(2).Len() != 2 || !bytes.Equal(chf.Index(2).Index(0).Index(0).Bytes(), gpf(h)) ||
			!bytes.Equal(chf.Index(2).Index(1).Index(0).Bytes(), gas[:]) {
			t.Errorf("CHF backup_PAN = %v, %v; want the GPF then the GSME", chf, err)
		}
		gl, err := action(t, ctx, c, sim.GPFDeviceLogOBIS, 4, axdr.Null())
		if err != nil || gl.Index(2).Len() != 1 || !bytes.Equal(gl.Index(2).Index(0).Index(0).Bytes(), gas[:]) {
			t.Errorf("GPF device log backup = %v, %v", gl, err)
		}
		// unregister_all keeps the GPF; unregistering the GPF is refused.
		if _, err := action(t, ctx, c, sim.NetworkControlOBIS, 3, axdr.Null()); err != nil {
			t.Fatalf("unregister_all: %v", err)
		}
		if _, err := action(t, ctx, c, sim.NetworkControlOBIS, 2, axdr.OctetString(gpf(h))); err == nil {
			t.Errorf("unregister_device of the GPF succeeded")
		}
		chf, _ = action(t, ctx, c, sim.NetworkControlOBIS, 4, axdr.Null())
		if chf.Index(2).Len() != 1 || !bytes.Equal(chf.Index(2).Index(0).Index(0).Bytes(), gpf(h)) {
			t.Errorf("CHF log after unregister_all = %v, want the GPF alone", chf)
		}
		var gpfEvents int
		for _, e := range h.Events() {
			if e.Code == sim.EventGPFDeviceLogChanged {
				gpfEvents++
			}
		}
		if gpfEvents != 1 {
			t.Errorf("%d GPF device log changed events, want 1", gpfEvents)
		}
	})
}

// FuzzRestorePAN feeds restore_PAN (class 104 method 5) arbitrary
// parameters: nothing panics, and a restore that is accepted round-trips:
// backup_PAN then reports the same extended PAN ID and the same entries
// after the hub's own GPF.
func FuzzRestorePAN(f *testing.F) {
	entry := func(id byte, key []byte) axdr.Value {
		return axdr.Structure(axdr.OctetString([]byte{0, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, id}), axdr.OctetString(key))
	}
	pan := axdr.OctetString([]byte{0, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0xA2})
	for _, v := range []axdr.Value{
		axdr.Structure(pan, axdr.Array()),
		axdr.Structure(pan, axdr.Array(entry(0xA0, make([]byte, 16)), entry(0xB7, nil))),
		axdr.Structure(pan, axdr.Array(entry(0xA0, nil), entry(0xA0, nil))),
		axdr.Structure(pan, axdr.Array(entry(0xA0, make([]byte, 15)))),
		axdr.Structure(axdr.OctetString(make([]byte, 7)), axdr.Array()),
		axdr.OctetString(make([]byte, 8)),
	} {
		b, _ := axdr.Encode(v)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, params []byte) {
		h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: hubID}, Start: testStart, Capacity: 4})
		if err != nil {
			t.Fatal(err)
		}
		ctx, model := context.Background(), h.Model(sim.LevelManagement)
		md := dlms.MethodDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: sim.NetworkControlOBIS, Method: 5}
		if _, res := model.Invoke(ctx, md, params); res != 0 {
			return
		}
		in, _, err := axdr.Decode(params)
		if err != nil {
			t.Fatalf("restore accepted %x, which does not decode: %v", params, err)
		}
		md.Method = 4
		d, res := model.Invoke(ctx, md, mustEncode(t, axdr.Null()))
		if res != 0 {
			t.Fatalf("backup_PAN after restore: result %d", res)
		}
		out, _, err := axdr.Decode(d)
		if err != nil {
			t.Fatalf("backup_PAN after restore: %v", err)
		}
		if !bytes.Equal(out.Index(1).Bytes(), in.Index(0).Bytes()) {
			t.Errorf("extended PAN ID % X, restored % X", out.Index(1).Bytes(), in.Index(0).Bytes())
		}
		var want []axdr.Value
		own := h.GPFID()
		for _, e := range in.Index(1).Elems() {
			if !bytes.Equal(e.Index(0).Bytes(), own[:]) {
				want = append(want, e)
			}
		}
		got := out.Index(2).Elems()
		if len(got) != len(want)+1 {
			t.Fatalf("backup has %d entries after restoring %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i+1]
			if !bytes.Equal(g.Index(0).Bytes(), w.Index(0).Bytes()) || !bytes.Equal(g.Index(1).Bytes(), w.Index(1).Bytes()) {
				t.Errorf("entry %d = %v, restored %v", i, g, w)
			}
		}
	})
}
