package server

import (
	"strings"
	"testing"

	"github.com/smetskit/smetskit/app/inventory"
)

// TestInstallerGrant84: an installer may mark a non-CH device of their own
// job InstalledNotCommissioned with 8.4 (grant G8.4.inc); every other 8.4
// from an installer is refused with 403, a reason and no change.
func TestInstallerGrant84(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.prenotifySite("job-1", "alice")
		other := "00-DB-12-34-56-78-91-A0"
		e.seed(other, "ESME", "Pending", nil)
		e.job("job-2", "bob", other)
		inc := func(dev string) []byte {
			return e.build("8.4", map[string]string{"DeviceID": dev, "UpdateDeviceStatusExceptCH": "InstalledNotCommissioned"})
		}
		refused := []struct {
			name, who, job string
			doc            []byte
			reason         string
		}{
			{"to Pending", "alice", "job-1", e.build("8.4", map[string]string{"DeviceID": gsme, "UpdateDeviceStatusExceptCH": "Pending"}), "UpdateDeviceStatusExceptCH=Pending on a GSME"},
			{"delete", "alice", "job-1", e.build("8.4", map[string]string{"DeviceID": esme, "DeleteDevice": "true"}), "DeleteDevice"},
			{"CH status", "alice", "job-1", e.build("8.4", map[string]string{"DeviceID": chf, "UpdateDeviceStatusCH": "InstalledNotCommissioned"}), "UpdateDeviceStatusCH"},
			{"except-CH on a CHF", "alice", "job-1", inc(chf), "on a CHF"},
			{"except-CH on an IHD", "alice", "job-1", inc(ihd), "on a IHD"},
			{"device of another job", "alice", "job-1", inc(other), "not on job job-1"},
			{"another installer's job", "alice", "job-2", inc(other), "not assigned"},
			{"no job", "alice", "", inc(esme), "must name their job"},
		}
		for _, tc := range refused {
			before := e.snapshot()
			r := e.send(tc.who, tc.job, tc.doc)
			if r.status != 403 || !strings.Contains(string(r.body), tc.reason) {
				t.Errorf("%s: %d %s, want 403 saying %q", tc.name, r.status, r.body, tc.reason)
			}
			if after := e.snapshot(); after != before {
				t.Errorf("%s: refused request changed the database", tc.name)
			}
		}
		if r := e.send("alice", "job-1", e.build("8.4", map[string]string{"DeviceID": gsme, "UpdateDeviceStatusExceptCH": "Pending"})); !strings.Contains(string(r.body), "allowed: 8.4 UpdateDeviceStatusExceptCH=InstalledNotCommissioned") {
			t.Errorf("refusal does not say what is allowed: %s", r.body)
		}

		// The granted form, by POST /v1/requests and by push.
		e.mustCode(e.send("alice", "job-1", inc(esme)), "I0")
		if got := e.status(esme); got != "InstalledNotCommissioned" {
			t.Fatalf("ESME after granted 8.4: %s", got)
		}
		r := e.push("alice", "alice", "job-1", "k-ppmid-inc", inc(ppmid))
		if r.status != 200 || !strings.Contains(string(r.body), `"I0"`) {
			t.Fatalf("pushed 8.4 for the PPMID: %d %s", r.status, r.body)
		}
		if got := e.status(ppmid); got != "InstalledNotCommissioned" {
			t.Fatalf("PPMID after pushed 8.4: %s", got)
		}
		// The rules still decide the transition: the back office's rows
		// answer E5 where the status forbids it.
		e.mustCode(e.send("alice", "job-1", inc(esme)), "E5")
		e.checkInvariants()

		// Disabled by configuration: refused like any other 8.4.
		rules := inventory.DefaultRules()
		if err := rules.Override([]byte(`{"installer_grants":[{"id":"G8.4.inc","variant":"8.4","disabled":true}]}`)); err != nil {
			t.Fatal(err)
		}
		e.srv.rules = rules
		if r := e.send("alice", "job-1", inc(gsme)); r.status != 403 || !strings.Contains(string(r.body), "installers may not send 8.4") {
			t.Errorf("disabled grant: %d %s", r.status, r.body)
		}
	})
}
