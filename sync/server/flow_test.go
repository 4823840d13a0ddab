package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
)

// prenotifySite loads one site's devices as the back office would before
// the visit (DOMAIN.md §7 step 1) and assigns the job to installer.
func (e *env) prenotifySite(job, installer string) {
	e.t.Helper()
	e.mustCode(e.send("office", "", e.build("12.2", map[string]string{"DeviceID": chf, "DeviceManufacturer": "AB01",
		"DeviceModel": "010A030B", "DeviceType": "CHF", "AssociatedGPFDeviceID": gpf})), "I0")
	for _, d := range []struct{ id, typ string }{{esme, "ESME"}, {gsme, "GSME"}, {ppmid, "PPMID"}, {ihd, "IHD"}} {
		e.mustCode(e.send("office", "", e.build("12.2", map[string]string{"DeviceID": d.id, "DeviceManufacturer": "AB01",
			"DeviceModel": "010A030B", "DeviceType": d.typ, "FirmwareVersion": "0002012F"})), "I0")
	}
	e.job(job, installer, chf, gpf, esme, gsme, ppmid, ihd)
}

func TestInstallFlow(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.prenotifySite("job-1", "alice")
		for id, want := range map[string]duis.DeviceStatus{chf: "Pending", gpf: "Pending", esme: "Pending", ihd: ""} {
			if got := e.status(id); got != want {
				t.Fatalf("after 12.2 %s is %q, want %q", id, got, want)
			}
		}
		alice := func(variant string, f map[string]string) reply { return e.send("alice", "job-1", e.build(variant, f)) }
		hub := map[string]string{"DeviceID": chf, "CHFInstallType": "CHF Install - no SM WAN", "MPxN": mpan,
			"AerialInstall": "false", "CHFLocation": "Deep indoors", "PremiseType": "Terraced",
			"MetalObstructionCheck": "false", "ConnectivityObstructionCheck": "true", "SharedObstructionCheck": "false"}
		e.mustCode(alice("8.14.2", hub), "I0")
		if e.status(chf) != "InstalledNotCommissioned" || e.status(gpf) != "InstalledNotCommissioned" {
			t.Fatalf("8.14.2: CHF %s, GPF %s", e.status(chf), e.status(gpf))
		}
		e.clock.Add(time.Hour)
		delete(hub, "PremiseType")
		delete(hub, "MetalObstructionCheck")
		delete(hub, "ConnectivityObstructionCheck")
		delete(hub, "SharedObstructionCheck")
		hub["CHFInstallType"] = "New CHF Install"
		e.mustCode(alice("8.14.1", hub), "I0")
		if e.status(chf) != "Commissioned" || e.status(gpf) != "Commissioned" {
			t.Fatalf("8.14.1: CHF %s, GPF %s", e.status(chf), e.status(gpf))
		}
		for _, d := range []string{esme, gsme, ppmid, ihd} {
			r := alice("8.11", map[string]string{"target": chf, "DeviceID": d, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": code})
			if r.code != "I99" {
				t.Fatalf("8.11 for %s answered %q, want I99 (device SR acknowledgement)", d, r.code)
			}
			e.mustCode(r, "I0")
		}
		// The outcome of an 8.11 is an N24 DCC alert naming it. (A second
		// Add of a listed device succeeds and changes nothing, DOMAIN.md §9.)
		last := alice("8.11", map[string]string{"target": chf, "DeviceID": esme, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": code})
		rid := last.response.Header.RequestID.String()
		var rec RequestRecord
		json.Unmarshal(e.do("GET", "/v1/requests/"+rid, "alice", nil, nil).body, &rec)
		alert, err := duis.ParseResponse([]byte(rec.OutcomeAlert))
		if err != nil || alert.DCCAlertMessage == nil || alert.DCCAlertMessage.DCCAlertCode != "N24" ||
			alert.DCCAlertMessage.DCCAlert.UpdateHANDeviceLogResult.UpdateHANDeviceLogServiceRequestID.String() != rid {
			t.Fatalf("8.11 outcome alert: %v %s", err, rec.OutcomeAlert)
		}
		if ps := alert.Validate().Errors(); len(ps) > 0 {
			t.Errorf("N24 alert invalid: %v", ps)
		}
		if e.status(esme) != "Whitelisted" || e.device(esme).CHF.String() != chf || e.status(ihd) != "" {
			t.Fatalf("8.11: ESME %s on %s, IHD %q", e.status(esme), e.device(esme).CHF, e.status(ihd))
		}
		e.mustCode(alice("8.1.1", map[string]string{"target": esme, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "60"}), "I0")
		e.mustCode(alice("8.1.1", map[string]string{"target": gsme, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "3600"}), "I0")
		if e.status(esme) != "Commissioned" || e.device(esme).DateCommissioned.IsZero() {
			t.Fatalf("8.1.1: ESME %s", e.status(esme))
		}
		e.mustCode(alice("8.7.1", map[string]string{"target": esme, "OtherDeviceID": ppmid}), "I0")
		e.mustCode(alice("8.7.2", map[string]string{"target": esme, "OtherDeviceID": ihd}), "I0")
		if e.status(ppmid) != "Commissioned" || e.device(ppmid).Meter.String() != esme || e.device(ihd).Meter.String() != esme {
			t.Fatalf("8.7.x: PPMID %s meter %s, IHD meter %s", e.status(ppmid), e.device(ppmid).Meter, e.device(ihd).Meter)
		}
		r := alice("8.2", map[string]string{"DeviceID": esme})
		e.mustCode(r, "I0")
		inv := r.response.ResponseMessage.DSPInventory
		if inv == nil || len(inv.Device) != 1 || inv.Device[0].DeviceStatus == nil || *inv.Device[0].DeviceStatus != "Commissioned" {
			t.Fatalf("8.2 answer: %s", r.body)
		}
		// The back office decommissions the GSME; an unjoin clears the IHD.
		e.mustCode(e.send("office", "", e.build("8.3", map[string]string{"DeviceID": gsme})), "I0")
		e.mustCode(alice("8.8.2", map[string]string{"target": esme, "OtherDeviceID": ppmid}), "I0")
		if e.device(ppmid).Meter != (duis.EUI64{}) {
			t.Errorf("8.8.2 left the PPMID joined")
		}
		e.checkInvariants()

		// What the installer sees: their device with the MPxN masked and no
		// install code; the back office sees the MPxN.
		r = e.do("GET", "/v1/devices/"+chf, "alice", nil, nil)
		var v DeviceView
		json.Unmarshal(r.body, &v)
		if r.status != 200 || v.ImportMPxN != "*********8111" {
			t.Errorf("installer view: %d %s", r.status, r.body)
		}
		r = e.do("GET", "/v1/devices/"+esme, "alice", nil, nil)
		if strings.Contains(string(r.body), code) || !strings.Contains(string(r.body), `"hasInstallCode":true`) {
			t.Errorf("device view leaks or lacks the install code: %s", r.body)
		}
		r = e.do("GET", "/v1/devices/"+chf, "office", nil, nil)
		if !strings.Contains(string(r.body), mpan) {
			t.Errorf("back office view lacks the MPxN: %s", r.body)
		}
		var hist []HistoryEntry
		r = e.do("GET", "/v1/devices/"+chf+"/history", "alice", nil, nil)
		json.Unmarshal(r.body, &hist)
		if len(hist) != 3 || hist[0].Rule != "T2b" || hist[1].To != "InstalledNotCommissioned" || hist[2].To != "Commissioned" || hist[2].At.Sub(hist[1].At) != time.Hour {
			t.Errorf("CHF history: %s", r.body)
		}
		if r := e.do("GET", "/v1/devices/"+chf+"/history", "bob", nil, nil); r.status != http.StatusNotFound {
			t.Errorf("bob reads alice's device history: %d", r.status)
		}
		if r := e.do("GET", "/v1/devices/"+chf, "bob", nil, nil); r.status != http.StatusNotFound {
			t.Errorf("bob sees alice's device: %d", r.status)
		}
		if logs := e.logs.String(); strings.Contains(logs, code) || strings.Contains(logs, mpan) || strings.Contains(logs, e.tokens["alice"]) {
			t.Errorf("logs hold a secret or an unmasked MPxN:\n%s", logs)
		}
	})
}
