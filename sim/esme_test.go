package sim_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

// testStart is a summer instant, so the DST fields are exercised.
var testStart = time.Date(2026, 7, 14, 9, 41, 0, 0, time.UTC)

func newMeter(t *testing.T, quirks sim.Quirks) *sim.ESME {
	t.Helper()
	m, err := sim.NewESME(sim.ESMEConfig{
		Identity: sim.Identity{Flag: "SMk", Model: "SIM-E1", Serial: "23110007", DeviceID: "00-DB-12-34-56-78-90-A0"},
		Start:    testStart, SolarWh: 6000, Quirks: quirks,
	})
	if err != nil {
		t.Fatalf("NewESME: %v", err)
	}
	return m
}

// optical starts the meter on one end of an emulated optical line and
// returns the probe's end; the meter stops when the test ends.
func optical(t *testing.T, m *sim.ESME, lc sim.LineConfig) *sim.End {
	t.Helper()
	if lc.Baud == 0 {
		lc.Baud, lc.Format = 300, "7E1"
	}
	probe, meter := sim.NewLine(lc)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.ServeOptical(ctx, meter) }()
	t.Cleanup(func() {
		cancel()
		probe.Close()
		if err := <-done; err != nil {
			t.Errorf("ServeOptical: %v", err)
		}
	})
	return probe
}

func TestModeCReadout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		probe := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		cl, err := iec62056.SignOn(ctx, probe, iec62056.Options{})
		if err != nil {
			t.Fatalf("SignOn: %v", err)
		}
		if id := cl.Identification(); id.Manufacturer != "SMk" || !id.ModeE() || id.BaudRate() != 9600 {
			t.Errorf("identification = %+v", id)
		}
		ro, err := cl.ReadOut(ctx)
		if err != nil {
			t.Fatalf("ReadOut: %v", err)
		}
		if ro.Baud != 9600 {
			t.Errorf("readout at %d Bd, want 9600", ro.Baud)
		}
		rec, ok := ro.Lookup("1.8.0")
		if !ok || rec.Unit != "kWh" {
			t.Fatalf("1.8.0 = %+v, %v", rec, ok)
		}
		want := m.Totals().Import
		if got := rec.Values[0].Value; len(got) < 10 || want < 1000 {
			t.Errorf("1.8.0 = %q (register %d Wh)", got, want)
		}
		if r, _ := ro.Lookup("0.0.0"); r.Values[0].Value != "23110007" {
			t.Errorf("0.0.0 = %+v", r)
		}
	})
}

// dial hands over to mode E and associates as the given client.
func dial(t *testing.T, ctx context.Context, probe *sim.End, sap int, cc dlms.ClientConfig, opt iec62056.Options) (*dlms.Client, *hdlc.Link) {
	t.Helper()
	cl, err := iec62056.SignOn(ctx, probe, opt)
	if err != nil {
		t.Fatalf("SignOn: %v", err)
	}
	port, err := cl.EnterModeE(ctx)
	if err != nil {
		t.Fatalf("EnterModeE: %v", err)
	}
	link, err := hdlc.Dial(ctx, port, hdlc.Config{ClientSAP: sap, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical,
		Params: hdlc.Params{MaxInfoTx: 1024, MaxInfoRx: 1024, WindowTx: 7, WindowRx: 7}})
	if err != nil {
		t.Fatalf("hdlc.Dial: %v", err)
	}
	c, err := dlms.Associate(ctx, link, cc)
	if err != nil {
		t.Fatalf("Associate SAP %d: %v", sap, err)
	}
	return c, link
}

func get(t *testing.T, ctx context.Context, c *dlms.Client, class cosem.ClassID, ln cosem.OBIS, attr int8) axdr.Value {
	t.Helper()
	d, err := c.Get(ctx, dlms.AttributeDescriptor{Class: class, Instance: ln, Attribute: attr}, nil)
	if err != nil {
		t.Fatalf("Get %d %s %d: %v", class, ln, attr, err)
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		t.Fatalf("decode %d %s %d: %v", class, ln, attr, err)
	}
	return v
}

func TestModeEPublicAndReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		probe := optical(t, m, sim.LineConfig{Turnaround: 20 * time.Millisecond})
		ctx := context.Background()
		c, link := dial(t, ctx, probe, sim.SAPPublic, dlms.ClientConfig{}, iec62056.Options{})
		ldn := get(t, ctx, c, cosem.ClassData, cosem.OBIS{0, 0, 42, 0, 0, 255}, 2)
		if string(ldn.Bytes()) != m.Identity().LogicalDeviceName {
			t.Errorf("LDN = %q", ldn.Bytes())
		}
		clk := get(t, ctx, c, cosem.ClassClock, sim.ClockOBIS, 2)
		dt, err := axdr.ParseDateTime(clk.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if dt.Deviation != -60 || dt.Status&axdr.StatusDST == 0 {
			t.Errorf("clock = %v, want BST (deviation -60, DST)", dt)
		}
		list, err := c.ReadObjectList(ctx)
		if err != nil || len(list) < 25 {
			t.Fatalf("ReadObjectList = %d objects, %v", len(list), err)
		}
		// The public client may not read energy.
		if _, err := c.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassRegister, Instance: sim.ImportOBIS, Attribute: 2}, nil); err == nil {
			t.Errorf("public client read the import register")
		}
		if err := c.Release(ctx); err != nil {
			t.Errorf("Release: %v", err)
		}
		if err := link.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}

		// After DISC the meter is back at 300 Bd: sign on again as reader.
		c, link = dial(t, ctx, probe, sim.SAPReader, dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword}, iec62056.Options{})
		for _, ln := range []cosem.OBIS{{1, 0, 32, 7, 0, 255}, {1, 0, 31, 7, 0, 255}, {1, 0, 16, 7, 0, 255}, {1, 0, 14, 7, 0, 255}} {
			v := get(t, ctx, c, cosem.ClassRegister, ln, 2)
			su, err := cosem.ParseScalerUnit(get(t, ctx, c, cosem.ClassRegister, ln, 3))
			if err != nil {
				t.Fatalf("%s scaler_unit: %v", ln, err)
			}
			if f, _ := v.Number(); ln[2] == 32 && (f*math.Pow10(int(su.Scaler)) < 220 || f*math.Pow10(int(su.Scaler)) > 255) {
				t.Errorf("voltage = %v × 10^%d", f, su.Scaler)
			}
		}
		imp := get(t, ctx, c, cosem.ClassRegister, sim.ImportOBIS, 2)
		if want := m.Totals().Import; imp.Uint() == 0 || imp.Uint() > uint64(want) {
			t.Errorf("import = %d, register now %d", imp.Uint(), want)
		}
		p, err := c.ReadProfile(ctx, sim.LoadProfileOBIS, testStart.Add(-24*time.Hour), testStart)
		if err != nil {
			t.Fatalf("ReadProfile: %v", err)
		}
		if len(p.Rows) != 48 && len(p.Rows) != 49 {
			t.Errorf("one day of load profile = %d rows", len(p.Rows))
		}
		for i := 1; i < len(p.Rows); i++ {
			if d := p.Rows[i].Time.Sub(p.Rows[i-1].Time); d != 30*time.Minute {
				t.Fatalf("row %d: step %v", i, d)
			}
			if p.Rows[i].Cells[2].Uint() < p.Rows[i-1].Cells[2].Uint() {
				t.Fatalf("row %d: import went down", i)
			}
		}
		b, err := c.ReadProfileEntries(ctx, sim.BillingOBIS, 1, 0)
		if err != nil || len(b.Rows) < 390 {
			t.Fatalf("billing profile = %d rows, %v", len(b.Rows), err)
		}
		_ = c.Release(ctx)
		_ = link.Close(ctx)
	})
}

func TestManagementGMAC(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		probe := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		c, link := dial(t, ctx, probe, sim.SAPManagement, dlms.ClientConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
			Keys: dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK}, SystemTitle: []byte("SMKCLNT1"), InvocationCounter: 1},
			iec62056.Options{})
		disc := cosem.OBIS{0, 0, 96, 3, 10, 255}
		if _, err := c.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassDisconnectControl, Instance: disc, Method: 1}, dlms.Data{0x0F, 0x00}); err != nil {
			t.Fatalf("remote_disconnect: %v", err)
		}
		if m.Connected() {
			t.Errorf("meter still connected after remote_disconnect")
		}
		newTime := time.Date(2026, 7, 14, 12, 0, 0, 0, time.UTC)
		if err := c.Set(ctx, dlms.AttributeDescriptor{Class: cosem.ClassClock, Instance: sim.ClockOBIS, Attribute: 2}, nil,
			mustEncode(t, cosem.TimeValue(newTime))); err != nil {
			t.Fatalf("set clock: %v", err)
		}
		if d := m.Clock.Now().Sub(newTime); d < 0 || d > time.Minute {
			t.Errorf("clock after set = %v", m.Clock.Now())
		}
		_ = c.Release(ctx)
		_ = link.Close(ctx)
		// The public client reads the counter the management client used,
		// to start above it next time (PROTOCOLS.md §8.2).
		pc, plink := dial(t, ctx, probe, sim.SAPPublic, dlms.ClientConfig{}, iec62056.Options{})
		ic := get(t, ctx, pc, cosem.ClassData, cosem.OBIS{0, 0, 43, 1, 0, 255}, 2)
		if ic.Uint() < 2 || ic.Uint() >= uint64(c.InvocationCounter()) {
			t.Errorf("invocation counter object = %d, client's next counter %d", ic.Uint(), c.InvocationCounter())
		}
		_ = pc.Release(ctx)
		_ = plink.Close(ctx)
	})
}

func mustEncode(t *testing.T, v axdr.Value) dlms.Data {
	t.Helper()
	b, err := axdr.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProgrammingMode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		probe := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		cl, err := iec62056.SignOn(ctx, probe, iec62056.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := cl.Program(ctx, iec62056.Auth{Password: string(sim.DefaultPassword)})
		if err != nil {
			t.Fatalf("Program: %v", err)
		}
		if s.Operand() != "23110007" {
			t.Errorf("operand = %q", s.Operand())
		}
		recs, err := s.Read(ctx, "1.8.0")
		if err != nil || len(recs) != 1 || recs[0].Unit != "kWh" {
			t.Fatalf("R1 1.8.0 = %+v, %v", recs, err)
		}
		if _, err := s.Read(ctx, "9.9.9"); err == nil {
			t.Errorf("R1 of an unknown address succeeded")
		}
		if err := s.Write(ctx, "0.9.1", "120000"); err != nil {
			t.Fatalf("W1 0.9.1: %v", err)
		}
		if lt := m.Clock.Now(); lt.Hour() != 11 || lt.Minute() != 0 { // 12:00 BST
			t.Errorf("clock after W1 = %v, want 11:00 UTC", lt)
		}
		if err := s.Break(ctx); err != nil {
			t.Errorf("B0: %v", err)
		}
		// Back at 300 Bd: a readout works.
		ro, err := cl.ReadOut(ctx)
		if err != nil || len(ro.Records) == 0 {
			t.Fatalf("ReadOut after B0: %v", err)
		}
	})
}

func TestProfileSelectors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		probe := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		c, link := dial(t, ctx, probe, sim.SAPReader, dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword}, iec62056.Options{})
		n := get(t, ctx, c, cosem.ClassProfileGeneric, sim.LoadProfileOBIS, 7).Uint()
		if n != 396*48 {
			t.Errorf("entries_in_use = %d, want %d (13 months full)", n, 396*48)
		}
		last, err := c.ReadProfileEntries(ctx, sim.LoadProfileOBIS, uint32(n)-1, uint32(n))
		if err != nil || len(last.Rows) != 2 {
			t.Fatalf("last two entries = %v, %v", last, err)
		}
		newest := last.Rows[1].Time
		if d := testStart.Sub(newest); d < 0 || d >= 30*time.Minute {
			t.Errorf("newest entry at %v, clock %v", newest, testStart)
		}
		// The register and the newest profile entry agree within a slot.
		for _, ln := range []cosem.OBIS{{1, 0, 32, 7, 0, 255}, {1, 0, 31, 7, 0, 255}, {1, 0, 16, 7, 0, 255}, {1, 0, 14, 7, 0, 255}} {
			v := get(t, ctx, c, cosem.ClassRegister, ln, 2)
			su, err := cosem.ParseScalerUnit(get(t, ctx, c, cosem.ClassRegister, ln, 3))
			if err != nil {
				t.Fatalf("%s scaler_unit: %v", ln, err)
			}
			if f, _ := v.Number(); ln[2] == 32 && (f*math.Pow10(int(su.Scaler)) < 220 || f*math.Pow10(int(su.Scaler)) > 255) {
				t.Errorf("voltage = %v × 10^%d", f, su.Scaler)
			}
		}
		imp := get(t, ctx, c, cosem.ClassRegister, sim.ImportOBIS, 2).Uint()
		if p := last.Rows[1].Cells[2].Uint(); p > imp || imp-p > 2000 {
			t.Errorf("profile import %d, register %d", p, imp)
		}
		empty, err := c.ReadProfile(ctx, sim.LoadProfileOBIS, testStart.Add(time.Hour), testStart.Add(2*time.Hour))
		if err != nil || len(empty.Rows) != 0 {
			t.Errorf("future range = %d rows, %v", len(empty.Rows), err)
		}
		_ = c.Release(ctx)
		_ = link.Close(ctx)
	})
}

func TestManagementECDSA(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		meterKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		clientKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		m, err := sim.NewESME(sim.ESMEConfig{
			Identity: sim.Identity{Flag: "SMK", Serial: "23110009", DeviceID: "00-DB-12-34-56-78-90-B0"},
			Start:    testStart,
			Secrets:  sim.Secrets{SigningKey: meterKey, ClientKey: &clientKey.PublicKey},
		})
		if err != nil {
			t.Fatal(err)
		}
		probe := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		c, link := dial(t, ctx, probe, sim.SAPECDSA, dlms.ClientConfig{Mechanism: dlms.MechanismECDSA, Ciphered: true, SecurityControl: 0x31,
			Keys: dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK}, SystemTitle: []byte("SMKCLNT2"), InvocationCounter: 1,
			SigningKey: clientKey, ServerKey: &meterKey.PublicKey}, iec62056.Options{})
		if v := get(t, ctx, c, cosem.ClassRegister, sim.ImportOBIS, 2); v.Uint() == 0 {
			t.Errorf("import register = 0")
		}
		_ = c.Release(ctx)
		_ = link.Close(ctx)
	})
}

// TestEveryAttribute reads every attribute the object list names, at
// every access level, from the meter and the hub: readable ones decode as
// one A-XDR value, the others are refused, nothing blocks.
func TestEveryAttribute(t *testing.T) {
	m := newMeter(t, nil)
	h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: "00-DB-12-34-56-78-90-A2"}, Start: testStart})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, dev := range []struct {
		name  string
		model func(sim.Level) dlms.ObjectModel
	}{{"meter", m.Model}, {"hub", h.Model}} {
		for _, level := range []sim.Level{sim.LevelPublic, sim.LevelReader, sim.LevelManagement} {
			model := dev.model(level)
			d, res := model.GetAttribute(ctx, dlms.ObjectListAttr, nil)
			if res != dlms.Success {
				t.Fatalf("%s level %d: object list: %v", dev.name, level, res)
			}
			v, _, err := axdr.Decode(d)
			if err != nil {
				t.Fatal(err)
			}
			list, err := cosem.ParseObjectList(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range list {
				for _, a := range o.Attributes {
					d, res := model.GetAttribute(ctx, dlms.AttributeDescriptor{Class: o.Class, Instance: o.LogicalName, Attribute: a.Index}, nil)
					if a.Access.CanRead() != (res == dlms.Success) {
						t.Errorf("%s level %d: %s attr %d (%s): %v", dev.name, level, o, a.Index, a.Access, res)
						continue
					}
					if res == dlms.Success {
						if _, n, err := axdr.Decode(d); err != nil || n != len(d) && o.LogicalName != sim.ClockOBIS {
							t.Errorf("%s: %s attr %d = %x: %v", dev.name, o, a.Index, d, err)
						}
					}
				}
			}
		}
	}
}

// TestHDLCAddresses: the meter answers logical 1 alone, 1/17 and the
// 4-byte form with the physical address from its serial number
// (23110007 → 1007); another address gets silence (PROTOCOLS.md §11.7).
func TestHDLCAddresses(t *testing.T) {
	tests := []struct {
		name           string
		physical, size int
		ok             bool
	}{
		{"1-byte", 0, 1, true},
		{"2-byte 1/17", 17, 2, true},
		{"4-byte from serial", 1007, 4, true},
		{"2-byte 1/16", 16, 2, false},
		{"4-byte other", 1008, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMeter(t, nil)
				probe := optical(t, m, sim.LineConfig{})
				ctx := context.Background()
				cl, err := iec62056.SignOn(ctx, probe, iec62056.Options{})
				if err != nil {
					t.Fatal(err)
				}
				port, err := cl.EnterModeE(ctx)
				if err != nil {
					t.Fatal(err)
				}
				link, err := hdlc.Dial(ctx, port, hdlc.Config{ClientSAP: sim.SAPPublic, ServerLogical: 1,
					ServerPhysical: tt.physical, ServerAddressSize: tt.size, ResponseTimeout: time.Second, Retries: 1})
				if (err == nil) != tt.ok {
					t.Fatalf("Dial to %d/%d (%d bytes) = %v, want ok %v", 1, tt.physical, tt.size, err, tt.ok)
				}
				if err == nil {
					_ = link.Close(ctx)
				}
			})
		})
	}
}
