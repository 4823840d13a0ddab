package commission

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sim"
)

// bodyPaths lists the element paths under the request body, in document
// order ("UpdateHANDeviceLog/AddDeviceToCHFWhitelist/InstallCode").
func bodyPaths(t *testing.T, doc []byte) (header map[string]string, paths []string) {
	t.Helper()
	root, err := duis.ParseXML(doc)
	if err != nil {
		t.Fatal(err)
	}
	var req *duis.Node
	for _, n := range root.Elements() {
		if n.Local == "Request" {
			req = n
		}
	}
	if req == nil && root.Local == "Request" {
		req = root
	}
	if req == nil {
		t.Fatal("no sr:Request element")
	}
	header = map[string]string{}
	for _, h := range req.Child("Header").Elements() {
		header[h.Local] = strings.TrimSpace(h.Text())
	}
	var walk func(prefix string, n *duis.Node)
	walk = func(prefix string, n *duis.Node) {
		for _, c := range n.Elements() {
			p := prefix + c.Local
			paths = append(paths, p)
			walk(p+"/", c)
		}
	}
	walk("", req.Child("Body"))
	return header, paths
}

// optionalExtras are optional elements (XSD minOccurs 0) the engine fills
// although the templates leave them out: when the hub was fitted is
// evidence the back office wants.
var optionalExtras = map[string]bool{"InstallDateTime": true}

// choiceSiblings: a body element the flows send in place of another branch
// of the same XSD choice that the template happens to show (8.4 is one of
// UpdateDeviceStatusExceptCH | UpdateDeviceStatusCH | DeleteDevice | ...,
// protocol/duis Build; the template deletes a device).
var choiceSiblings = map[string]string{"UpdateInventory/UpdateDeviceStatusExceptCH": "UpdateInventory/DeleteDevice"}

// The requests the engine queues have the shape of the DCC's DUIS request
// templates (conformance/gb/duis/requests, read at test time): same Service
// Reference Variant and command variant, same body element, and no element
// the template does not have.
func TestRequestsMatchDUISTemplates(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "gb", "duis", "requests")
	// What the flows queue, by variant (8.11 by request type).
	db := tempDB(t)
	got := map[string][]byte{}
	collect := func(job string) {
		for _, q := range outboxOf(t, db, job) {
			if q.Variant == "" {
				continue
			}
			k := q.Variant
			if k == "8.11" && strings.Contains(string(q.Payload), ">Remove<") {
				k = "8.11 Remove"
			} else if k == "8.11" {
				k = "8.11 Add"
			}
			if (k == "8.1.1" || k == "11.2") && strings.Contains(q.Key, gsmeID) {
				k += " GSME"
			}
			if k == "8.9" && strings.Contains(q.Key, "/meter-log-read/") {
				k += " meter"
			}
			if _, ok := got[k]; !ok {
				got[k] = q.Payload
			}
		}
	}
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEngine(t, db)
		site := newSimSite(t, nil, nil)
		p := dualFuelPlan("J-CONF-WAN")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatal(err)
		}
		noWAN := newSimSite(t, sim.Quirks{sim.QuirkNoWAN: true}, nil)
		p = noWANPlanWithCommands(t, "J-CONF-NOWAN")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: noWAN.c}); err != nil {
			t.Fatal(err)
		}
		const oldESME = "00-DB-12-34-56-78-90-8F"
		hub := &DLMSHub{C: site.c}
		if err := hub.WhitelistAdd(ctx, oldESME, []byte("0123456789ABCDEF")); err != nil {
			t.Fatal(err)
		}
		p = Plan{JobID: "J-CONF-XM", Flow: "exchange-meter", Originator: supplier, CHF: chfID, MPxN: "1312345678111",
			Devices: []Device{
				{ID: oldESME, Type: "ESME", Role: "old", Status: "Commissioned", CPLStatus: "Active"},
				{ID: esmeID, Type: "ESME", Status: "Whitelisted", CPLStatus: "Active", InstallCode: code},
			},
			Reads: []Read{{DeviceID: oldESME, Kind: "final", Register: "1-0:1.8.0", Value: "1"}, {DeviceID: esmeID, Kind: "initial", Register: "1-0:1.8.0", Value: "0"}},
		}
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, hub); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"fault", "no-fault"} {
			p = dualFuelPlan("J-CONF-X" + kind)
			p.Flow, p.OldCHF = "exchange-ch", oldCHF
			p.Answers["ReturnKind"] = kind
			p.Answers["CHFFaultReturnType"], p.Answers["CHFFaultReason"] = "Fault identified post installation", "SM WAN Fault"
			p.Answers["CHFNoFaultReturnType"] = "No Fault Return (general)"
			if err := e.Start(ctx, p); err != nil {
				t.Fatal(err)
			}
			_ = e.Run(ctx, p.JobID, &DLMSHub{C: site.c})
		}
	})
	for _, j := range []string{"J-CONF-WAN", "J-CONF-NOWAN", "J-CONF-XM", "J-CONF-Xfault", "J-CONF-Xno-fault"} {
		collect(j)
	}
	templates := map[string]string{
		"8.14.1":      "8.14.1_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_SUCCESS_REQUEST_DUIS.XML",
		"8.14.2":      "8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN_REQUEST_DUIS.XML",
		"8.14.3":      "8.14.3_COMMUNICATIONS_HUB_STATUS_UPDATE_FAULT_RETURN_REQUEST_DUIS.XML",
		"8.14.4":      "8.14.4_COMMUNICATIONS_HUB_STATUS_UPDATE_NO_FAULT_RETURN_REQUEST_DUIS.XML",
		"8.11 Add":    "CCS01_8.11_SUCCESS_REQUEST_DUIS.XML",
		"8.11 Remove": "CCS02_8.11_SUCCESS_REQUEST_DUIS.XML",
		"8.12.1":      "CCS03_8.12.1_SUCCESS_REQUEST_DUIS.XML",
		"8.1.1":       "ECS70Commission_8.1.1_SUCCESS_REQUEST_DUIS.XML",
		"8.1.1 GSME":  "GCS28Commission_8.1.1_SUCCESS_REQUEST_DUIS.XML",
		"8.7.1":       "CS03A1_8.7.1_SUCCESS_REQUEST_DUIS.XML",
		"8.7.2":       "CS03B_8.7.2_SUCCESS_REQUEST_DUIS.XML",
		"8.13":        "8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML",
		"8.4":         "8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML",
		"8.9":         "CCS06_8.9_SUCCESS_REQUEST_DUIS.XML",
		"8.9 meter":   "CS07_8.9_SUCCESS_REQUEST_DUIS.XML",
		"11.2":        "ECS52_11.2_SUCCESS_REQUEST_DUIS.XML",
		"11.2 GSME":   "GCS38_11.2_SUCCESS_REQUEST_DUIS.XML",
	}
	pass := 0
	for k, file := range templates {
		t.Run(k, func(t *testing.T) {
			tpl, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Skipf("template %s: %v", file, err)
			}
			doc, ok := got[k]
			if !ok {
				t.Fatalf("no %s queued by the flows", k)
			}
			th, tp := bodyPaths(t, tpl)
			gh, gp := bodyPaths(t, doc)
			for _, h := range []string{"ServiceReference", "ServiceReferenceVariant", "CommandVariant"} {
				if gh[h] != th[h] {
					t.Errorf("header %s = %q, template %q", h, gh[h], th[h])
				}
			}
			have := map[string]bool{}
			for _, p := range tp {
				have[p] = true
			}
			for _, p := range gp {
				if !have[p] && !optionalExtras[p[strings.LastIndex(p, "/")+1:]] && !have[choiceSiblings[p]] {
					t.Errorf("element %s is not in the template %s", p, file)
				}
			}
			if len(gp) == 0 || len(tp) == 0 || gp[0] != tp[0] {
				t.Errorf("body element %v, template %v", gp, tp)
			}
			if !t.Failed() {
				pass++
			}
		})
	}
	t.Logf("%d of %d DUIS request templates matched", pass, len(templates))
}
