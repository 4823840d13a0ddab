package inventory

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
)

// memSMI is an in-memory SMI, as the app keeps for offline warnings.
type memSMI map[duis.EUI64]Device

func (m memSMI) Device(id duis.EUI64) (*Device, error) {
	d, ok := m[id]
	if !ok {
		return nil, nil
	}
	return &d, nil
}

func (m memSMI) DevicesByMPxN(mpxn string, max int) ([]duis.EUI64, error) {
	var ids []duis.EUI64
	for id, d := range m {
		if d.ImportMPxN == mpxn && len(ids) < max {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// store applies an Effect the way the server does.
func (m memSMI) store(e *Effect) {
	for _, d := range e.Changed {
		m[d.ID] = *d
	}
	for _, id := range e.Deleted {
		delete(m, id)
	}
}

func TestApplyInstallFlow(t *testing.T) {
	// Identities re-typed from DOMAIN.md §2 and §6.2 (test supplier, test
	// devices, the 8.11 template install code).
	const (
		sup, dcc                = "90-B3-D5-1F-30-01-00-00", "90-B3-D5-1F-30-00-00-02"
		esmeID, chfID, gpfID, x = "00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A2", "00-DB-12-34-56-78-90-A3", "00-DB-12-34-56-78-90-FF"
	)
	r := DefaultRules()
	smi := memSMI{}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	counter := 1000
	build := func(variant string, f map[string]string) *duis.Request {
		t.Helper()
		counter++
		f["originator"], f["counter"] = sup, strconv.Itoa(counter)
		if _, ok := f["target"]; !ok {
			f["target"] = dcc
		}
		req, err := duis.Build(variant, f)
		if err != nil {
			t.Fatalf("Build(%s): %v", variant, err)
		}
		return req
	}
	steps := []struct {
		name    string
		variant string
		fields  map[string]string
		code    duis.ResponseCode
		check   string
		want    duis.DeviceStatus
	}{
		{"pre-notify CH", "12.2", map[string]string{"DeviceID": chfID, "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "CHF", "AssociatedGPFDeviceID": gpfID}, "I0", gpfID, "Pending"},
		{"pre-notify ESME", "12.2", map[string]string{"DeviceID": esmeID, "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "ESME"}, "I0", esmeID, "Pending"},
		{"pre-notify ESME again", "12.2", map[string]string{"DeviceID": esmeID, "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "ESME"}, "E5", esmeID, "Pending"},
		{"whitelist before the CH is installed", "8.11", map[string]string{"target": chfID, "DeviceID": esmeID, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": "30313233343536373839414243444546"}, "E5", esmeID, "Pending"},
		{"CH installed, no WAN", "8.14.2", map[string]string{"DeviceID": chfID, "CHFInstallType": "CHF Install - no SM WAN", "MPxN": "1312345678111", "AerialInstall": "false", "CHFLocation": "Deep indoors", "PremiseType": "Terraced", "MetalObstructionCheck": "false", "ConnectivityObstructionCheck": "false", "SharedObstructionCheck": "false"}, "I0", gpfID, "InstalledNotCommissioned"},
		{"whitelist", "8.11", map[string]string{"target": chfID, "DeviceID": esmeID, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": "30313233343536373839414243444546"}, "I0", esmeID, "Whitelisted"},
		{"commission", "8.1.1", map[string]string{"target": esmeID, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "60"}, "I0", esmeID, "Commissioned"},
		{"unknown device", "8.3", map[string]string{"DeviceID": x}, "E19", esmeID, "Commissioned"},
		{"8.14.1 on a meter", "8.14.1", map[string]string{"DeviceID": esmeID, "CHFInstallType": "New CHF Install", "MPxN": "1312345678111", "AerialInstall": "false", "CHFLocation": "Deep indoors"}, "E11", esmeID, "Commissioned"},
		{"decommission", "8.3", map[string]string{"DeviceID": esmeID}, "I0", esmeID, "Decommissioned"},
	}
	for _, s := range steps {
		req := build(s.variant, s.fields)
		eff, err := r.Apply(req, smi, nil, now)
		if err != nil {
			t.Fatalf("%s: Apply: %v", s.name, err)
		}
		if eff.Code != s.code {
			t.Fatalf("%s: Apply code %s, want %s", s.name, eff.Code, s.code)
		}
		if eff.Code.IsError() && (len(eff.Changed)+len(eff.History)+len(eff.Deleted)) != 0 {
			t.Fatalf("%s: refused request has effects %+v", s.name, eff)
		}
		for _, c := range eff.History {
			if !r.Legal(c) {
				t.Errorf("%s: illegal change %+v", s.name, c)
			}
		}
		smi.store(eff)
		if got := smi[mustEUI(t, s.check)].Status; got != s.want {
			t.Fatalf("%s: %s is %q, want %q", s.name, s.check, got, s.want)
		}
	}
	if e := smi[mustEUI(t, esmeID)]; e.CHF != mustEUI(t, chfID) || e.DateCommissioned.IsZero() {
		t.Errorf("ESME record after the flow: %+v", e)
	}
}

func mustEUI(t *testing.T, s string) duis.EUI64 {
	t.Helper()
	e, err := duis.ParseEUI64(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// FuzzApply: whatever DUIS document parses, Apply never panics, a refusal
// has no effects, and every change it proposes is a legal row.
func FuzzApply(f *testing.F) {
	for _, v := range []struct {
		variant string
		fields  map[string]string
	}{
		{"12.2", map[string]string{"DeviceID": "00-DB-12-34-56-78-90-A0", "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "ESME"}},
		{"8.3", map[string]string{"DeviceID": "00-DB-12-34-56-78-90-A0"}},
		{"8.7.2", map[string]string{"target": "00-DB-12-34-56-78-90-A0", "OtherDeviceID": "00-DB-12-34-56-78-90-A5"}},
		{"8.9", map[string]string{"target": "00-DB-12-34-56-78-90-A0"}},
		{"8.9", map[string]string{"target": "00-DB-12-34-56-78-90-A0", "ReadSecurityDetails": "true"}},
		{"11.2", map[string]string{"target": "00-DB-12-34-56-78-90-A0"}},
		{"8.12.1", map[string]string{"target": "00-DB-12-34-56-78-90-A2", "OldCHFID": "00-DB-12-34-56-78-90-9F"}},
	} {
		v.fields["originator"], v.fields["counter"] = "90-B3-D5-1F-30-01-00-00", "1000"
		req, err := duis.Build(v.variant, v.fields)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := req.Marshal()
		f.Add(b)
	}
	r := DefaultRules()
	f.Fuzz(func(t *testing.T, doc []byte) {
		req, err := duis.Parse(doc)
		if err != nil {
			return
		}
		smi := memSMI{
			mustEUI(t, "00-DB-12-34-56-78-90-A0"): {ID: mustEUI(t, "00-DB-12-34-56-78-90-A0"), Type: duis.DeviceESME, Status: duis.StatusCommissioned},
			mustEUI(t, "00-DB-12-34-56-78-90-A5"): {ID: mustEUI(t, "00-DB-12-34-56-78-90-A5"), Type: duis.DeviceIHD},
		}
		eff, err := r.Apply(req, smi, nil, time.Unix(0, 0))
		if err != nil {
			t.Fatalf("Apply with an infallible SMI: %v", err)
		}
		if eff.Code.IsError() && len(eff.Changed)+len(eff.History)+len(eff.Deleted) > 0 {
			t.Fatalf("refusal with effects")
		}
		if eff.Relayed && (eff.Code != duis.CodeAcknowledgement || len(eff.Changed)+len(eff.History)+len(eff.Deleted) > 0 || !Relayed(req)) {
			t.Fatalf("relayed read with code %s and effects %+v", eff.Code, eff)
		}
		for _, c := range eff.History {
			if !r.Legal(c) {
				t.Fatalf("illegal change %+v", c)
			}
		}
	})
}

// TestApplyReads: the post-check reads (DOMAIN.md §6.1, §7 step 9) change
// nothing and are acknowledged with I99 on the devices their GBCS use
// cases target; another type is E11, a status the rows do not list E5, a
// device not in the SMI E19.
func TestApplyReads(t *testing.T) {
	// Test identities re-typed from DOMAIN.md §2.
	const (
		sup                          = "90-B3-D5-1F-30-01-00-00"
		esmeID, gsmeID, chfID, gpfID = "00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A1", "00-DB-12-34-56-78-90-A2", "00-DB-12-34-56-78-90-A3"
		ppmidID, ihdID, newID, x     = "00-DB-12-34-56-78-90-A4", "00-DB-12-34-56-78-90-A5", "00-DB-12-34-56-78-90-A6", "00-DB-12-34-56-78-90-FF"
	)
	dev := func(id string, typ duis.DeviceType, st duis.DeviceStatus) Device {
		return Device{ID: mustEUI(t, id), Type: typ, Status: st}
	}
	smi := memSMI{}
	for _, d := range []Device{dev(esmeID, duis.DeviceESME, duis.StatusCommissioned), dev(gsmeID, duis.DeviceGSME, duis.StatusInstalledNotCommissioned),
		dev(chfID, duis.DeviceCHF, duis.StatusCommissioned), dev(gpfID, duis.DeviceGPF, duis.StatusCommissioned),
		dev(ppmidID, duis.DevicePPMID, duis.StatusCommissioned), dev(ihdID, duis.DeviceIHD, StatusNone),
		dev(newID, duis.DeviceESME, duis.StatusPending)} {
		smi[d.ID] = d
	}
	r := DefaultRules()
	for i, tc := range []struct {
		name    string
		variant string
		target  string
		extra   map[string]string
		want    duis.ResponseCode
	}{
		{"device log of the CH", "8.9", chfID, nil, "I99"},
		{"security details of the CH", "8.9", chfID, map[string]string{"ReadSecurityDetails": "true"}, "I99"},
		{"device log of an ESME", "8.9", esmeID, nil, "I99"},
		{"device log of a GSME left installed", "8.9", gsmeID, nil, "I99"},
		{"security details of a meter", "8.9", esmeID, map[string]string{"ReadSecurityDetails": "true"}, "E11"},
		{"device log of an IHD", "8.9", ihdID, nil, "E11"},
		{"device log of a GPF", "8.9", gpfID, nil, "E11"},
		{"device log of a Pending meter", "8.9", newID, nil, "E5"},
		{"device log of an unknown device", "8.9", x, nil, "E19"},
		{"firmware of an ESME", "11.2", esmeID, nil, "I99"},
		{"firmware of a GSME", "11.2", gsmeID, nil, "I99"},
		{"firmware of the CH", "11.2", chfID, nil, "I99"},
		{"firmware of a PPMID", "11.2", ppmidID, nil, "I99"},
		{"firmware of an IHD", "11.2", ihdID, nil, "E11"},
		{"firmware of a Pending meter", "11.2", newID, nil, "E5"},
		{"firmware of an unknown device", "11.2", x, nil, "E19"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := map[string]string{"originator": sup, "counter": strconv.Itoa(1000 + i), "target": tc.target}
			for k, v := range tc.extra {
				f[k] = v
			}
			req, err := duis.Build(tc.variant, f)
			if err != nil {
				t.Fatal(err)
			}
			if !Relayed(req) {
				t.Fatalf("Relayed(%s) = false", tc.variant)
			}
			eff, err := r.Apply(req, smi, nil, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if eff.Code != tc.want {
				t.Fatalf("code %s, want %s", eff.Code, tc.want)
			}
			if eff.Relayed != (tc.want == "I99") {
				t.Errorf("Relayed = %v with code %s", eff.Relayed, eff.Code)
			}
			if len(eff.Changed)+len(eff.Created)+len(eff.Deleted)+len(eff.History)+len(eff.InstallCodes) > 0 {
				t.Errorf("a read changes the SMI: %+v", eff)
			}
		})
	}
	// The rows are data: a deployment that disables the meter row refuses
	// the meter's device log as a wrong type.
	if err := r.Override([]byte(`{"permissions":[{"id":"P8.9.m","variant":"8.9","party":"target","devices":["ESME"],"disabled":true}]}`)); err != nil {
		t.Fatal(err)
	}
	req, err := duis.Build("8.9", map[string]string{"originator": sup, "counter": "2000", "target": esmeID})
	if err != nil {
		t.Fatal(err)
	}
	if eff, err := r.Apply(req, smi, nil, time.Unix(0, 0)); err != nil || eff.Code != "E11" {
		t.Errorf("8.9 on an ESME with P8.9.m disabled: %+v, %v; want E11", eff, err)
	}
}

// TestApplyRestore: 8.12.1 Restore HAN Device Log (DOMAIN.md §6.1, §9
// CCS03) is acknowledged with I99 and relayed when the target is an
// installed hub and OldCHFID another hub that has been installed (returned
// or not yet); it changes nothing in the SMI.
func TestApplyRestore(t *testing.T) {
	// Test identities re-typed from DOMAIN.md §2; 9F stands for the old hub.
	const (
		sup                 = "90-B3-D5-1F-30-01-00-00"
		esmeID, chfID, x    = "00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A2", "00-DB-12-34-56-78-90-FF"
		oldID, incID, newID = "00-DB-12-34-56-78-90-9F", "00-DB-12-34-56-78-90-9E", "00-DB-12-34-56-78-90-9D"
		withdrawnID         = "00-DB-12-34-56-78-90-9C"
	)
	smi := memSMI{}
	for _, d := range []struct {
		id  string
		typ duis.DeviceType
		st  duis.DeviceStatus
	}{
		{esmeID, duis.DeviceESME, duis.StatusCommissioned}, {chfID, duis.DeviceCHF, duis.StatusCommissioned},
		{oldID, duis.DeviceCHF, duis.StatusDecommissioned}, {incID, duis.DeviceCHF, duis.StatusInstalledNotCommissioned},
		{newID, duis.DeviceCHF, duis.StatusPending}, {withdrawnID, duis.DeviceCHF, duis.StatusWithdrawn},
	} {
		smi[mustEUI(t, d.id)] = Device{ID: mustEUI(t, d.id), Type: d.typ, Status: d.st}
	}
	r := DefaultRules()
	for i, tc := range []struct {
		name        string
		target, old string
		want        duis.ResponseCode
	}{
		{"onto a commissioned hub from a returned one", chfID, oldID, "I99"},
		{"onto a hub installed without WAN", incID, oldID, "I99"},
		{"from a hub not returned yet", chfID, incID, "I99"},
		{"from a withdrawn hub", chfID, withdrawnID, "I99"},
		{"onto a hub not installed", newID, oldID, "E5"},
		{"from a hub never installed", chfID, newID, "E5"},
		{"onto a meter", esmeID, oldID, "E11"},
		{"from a meter", chfID, esmeID, "E11"},
		{"onto itself", chfID, chfID, "E11"},
		{"onto an unknown hub", x, oldID, "E19"},
		{"from an unknown hub", chfID, x, "E19"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := duis.Build("8.12.1", map[string]string{"originator": sup, "counter": strconv.Itoa(1000 + i), "target": tc.target, "OldCHFID": tc.old})
			if err != nil {
				t.Fatal(err)
			}
			if !Relayed(req) || PostCheckRead(req) {
				t.Fatalf("Relayed = %v, PostCheckRead = %v; want a relayed request that is no read", Relayed(req), PostCheckRead(req))
			}
			if ids := Referenced(req); len(ids) != 2 || ids[0] != mustEUI(t, tc.target) || ids[1] != mustEUI(t, tc.old) {
				t.Errorf("Referenced = %v, want the target then OldCHFID", ids)
			}
			eff, err := r.Apply(req, smi, nil, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if eff.Code != tc.want {
				t.Fatalf("code %s, want %s", eff.Code, tc.want)
			}
			if eff.Relayed != (tc.want == "I99") {
				t.Errorf("Relayed = %v with code %s", eff.Relayed, eff.Code)
			}
			if len(eff.Changed)+len(eff.Created)+len(eff.Deleted)+len(eff.History)+len(eff.InstallCodes) > 0 {
				t.Errorf("a restore changes the SMI: %+v", eff)
			}
		})
	}
	// The rows are data: a deployment that disables P8.12.1.old (say, to
	// let any hub's log be restored) no longer checks the old hub's status.
	if err := r.Override([]byte(`{"permissions":[{"id":"P8.12.1.old","variant":"8.12.1","party":"old","devices":["CHF"],"disabled":true}]}`)); err != nil {
		t.Fatal(err)
	}
	req, err := duis.Build("8.12.1", map[string]string{"originator": sup, "counter": "2000", "target": chfID, "OldCHFID": newID})
	if err != nil {
		t.Fatal(err)
	}
	if eff, err := r.Apply(req, smi, nil, time.Unix(0, 0)); err != nil || eff.Code != "I99" {
		t.Errorf("8.12.1 from a Pending hub with P8.12.1.old disabled: %+v, %v; want I99", eff, err)
	}
}

// TestApplyInstallCodeCorrection: the 8.11 messages an installer's app
// sends when a mistyped install code is corrected (issue #9) all succeed:
// an Add the DCC got is removed (L2) and added again with the new code,
// which the SMI then holds; an Add given up on the device may never have
// arrived, and the Remove that withdraws it changes nothing (L3). A Remove
// of a commissioned meter is still refused.
func TestApplyInstallCodeCorrection(t *testing.T) {
	// Identities re-typed from DOMAIN.md §2 and §6.2; the new code is
	// ZigBee's worked example (DOMAIN.md §10.1).
	const (
		sup, esmeID, chfID = "90-B3-D5-1F-30-01-00-00", "00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A2"
		oldCode, newCode   = "30313233343536373839414243444547", "83FED3407A939723A5C639B26916D505"
	)
	r := DefaultRules()
	counter := 1000
	hanLog := func(smi memSMI, typ, code string) *Effect {
		t.Helper()
		counter++
		f := map[string]string{"originator": sup, "counter": strconv.Itoa(counter), "target": chfID, "DeviceID": esmeID, "RequestType": typ}
		if typ == "Add" {
			f["JoinTimePeriod"], f["InstallCode"] = "90", code
		}
		req, err := duis.Build("8.11", f)
		if err != nil {
			t.Fatal(err)
		}
		eff, err := r.Apply(req, smi, nil, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range eff.History {
			if !r.Legal(c) {
				t.Errorf("illegal change %+v", c)
			}
		}
		smi.store(eff)
		return eff
	}
	newSMI := func(st duis.DeviceStatus) memSMI {
		return memSMI{
			mustEUI(t, chfID):  {ID: mustEUI(t, chfID), Type: duis.DeviceCHF, Status: duis.StatusCommissioned},
			mustEUI(t, esmeID): {ID: mustEUI(t, esmeID), Type: duis.DeviceESME, Status: st},
		}
	}
	type step struct {
		typ, code string
		want      duis.ResponseCode
		rule      string // the transition row applied, "" when refused
		status    duis.DeviceStatus
	}
	for _, tc := range []struct {
		name  string
		from  duis.DeviceStatus
		steps []step
	}{
		{"the old add reached the DCC", duis.StatusPending, []step{
			{"Add", oldCode, "I0", "T3", duis.StatusWhitelisted},
			{"Remove", "", "I0", "L2", duis.StatusPending},
			{"Add", newCode, "I0", "T3", duis.StatusWhitelisted},
		}},
		{"the old add never arrived", duis.StatusPending, []step{
			{"Remove", "", "I0", "L3", duis.StatusPending},
			{"Add", newCode, "I0", "T3", duis.StatusWhitelisted},
		}},
		{"a commissioned meter", duis.StatusCommissioned, []step{
			{"Remove", "", "E5", "", duis.StatusCommissioned},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			smi := newSMI(tc.from)
			for i, s := range tc.steps {
				eff := hanLog(smi, s.typ, s.code)
				if eff.Code != s.want {
					t.Fatalf("step %d: 8.11 %s = %s, want %s", i, s.typ, eff.Code, s.want)
				}
				var rule string
				if len(eff.History) == 1 {
					rule = eff.History[0].Rule
				}
				if rule != s.rule || len(eff.History) > 1 {
					t.Errorf("step %d: 8.11 %s history %+v, want rule %q", i, s.typ, eff.History, s.rule)
				}
				if got := smi[mustEUI(t, esmeID)].Status; got != s.status {
					t.Errorf("step %d: 8.11 %s leaves the meter %s, want %s", i, s.typ, got, s.status)
				}
				if s.typ == "Add" && fmt.Sprintf("%X", []byte(eff.InstallCodes[mustEUI(t, esmeID)])) != s.code {
					t.Errorf("step %d: install code to store %X, want %s", i, []byte(eff.InstallCodes[mustEUI(t, esmeID)]), s.code)
				}
			}
		})
	}
}
