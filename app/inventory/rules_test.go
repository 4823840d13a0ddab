package inventory

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/protocol/duis"
)

func TestTransitionTable(t *testing.T) {
	r := DefaultRules()
	tests := []struct {
		name    string
		trigger string
		typ     duis.DeviceType
		from    duis.DeviceStatus
		to      duis.DeviceStatus
		want    duis.DeviceStatus
		code    duis.ResponseCode
	}{
		{"prenotify meter", TriggerPrenotify, duis.DeviceESME, StatusNone, "", duis.StatusPending, ""},
		{"prenotify IHD has no status", TriggerPrenotify, duis.DeviceIHD, StatusNone, "", StatusNone, ""},
		{"prenotify existing", TriggerPrenotify, duis.DeviceESME, duis.StatusPending, "", "", "E5"},
		{"whitelist", TriggerHANAdd, duis.DeviceGSME, duis.StatusPending, "", duis.StatusWhitelisted, ""},
		{"whitelist again changes nothing", TriggerHANAdd, duis.DeviceGSME, duis.StatusWhitelisted, "", duis.StatusWhitelisted, ""},
		{"whitelist commissioned", TriggerHANAdd, duis.DeviceESME, duis.StatusCommissioned, "", "", "E5"},
		{"whitelist a CHF", TriggerHANAdd, duis.DeviceCHF, duis.StatusPending, "", "", "E11"},
		{"remove from the log", TriggerHANRemove, duis.DeviceESME, duis.StatusWhitelisted, "", duis.StatusPending, ""},
		{"remove a device not on the log changes nothing", TriggerHANRemove, duis.DeviceESME, duis.StatusPending, "", duis.StatusPending, ""},
		{"remove commissioned", TriggerHANRemove, duis.DeviceESME, duis.StatusCommissioned, "", "", "E5"},
		{"CH no WAN", TriggerInstallNoWAN, duis.DeviceCHF, duis.StatusPending, "", duis.StatusInstalledNotCommissioned, ""},
		{"CH WAN after no WAN", TriggerInstallWAN, duis.DeviceCHF, duis.StatusInstalledNotCommissioned, "", duis.StatusCommissioned, ""},
		{"CH WAN twice", TriggerInstallWAN, duis.DeviceCHF, duis.StatusCommissioned, "", "", "E5"},
		{"commission meter", TriggerCommission, duis.DeviceESME, duis.StatusWhitelisted, "", duis.StatusCommissioned, ""},
		{"commission pending meter", TriggerCommission, duis.DeviceESME, duis.StatusPending, "", "", "E5"},
		{"commission PPMID", TriggerCommission, duis.DevicePPMID, duis.StatusWhitelisted, "", "", "E11"},
		{"join type 1", TriggerJoinCritical, duis.DevicePPMID, duis.StatusWhitelisted, "", duis.StatusCommissioned, ""},
		{"decommission", TriggerDecommission, duis.DeviceGSME, duis.StatusCommissioned, "", duis.StatusDecommissioned, ""},
		{"8.4 CH withdrawn", TriggerStatusCH, duis.DeviceCHF, duis.StatusCommissioned, duis.StatusWithdrawn, duis.StatusWithdrawn, ""},
		{"8.4 except CH to INC", TriggerStatusExceptCH, duis.DeviceESME, duis.StatusWhitelisted, duis.StatusInstalledNotCommissioned, duis.StatusInstalledNotCommissioned, ""},
		{"8.4 except CH from commissioned", TriggerStatusExceptCH, duis.DeviceESME, duis.StatusCommissioned, duis.StatusPending, "", "E5"},
		{"delete pending", TriggerDelete, duis.DeviceESME, duis.StatusPending, "", StatusDeleted, ""},
		{"fault return", TriggerFaultReturn, duis.DeviceCHF, duis.StatusCommissioned, "", duis.StatusDecommissioned, ""},
		{"unknown trigger", "9.9", duis.DeviceESME, duis.StatusPending, "", "", "E11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			row, err := r.Transition(tc.trigger, tc.typ, tc.from, tc.to)
			if got := ResponseCodeOf(err); got != tc.code {
				t.Fatalf("Transition(%s, %s, %q) error = %v (code %q), want code %q", tc.trigger, tc.typ, tc.from, err, got, tc.code)
			}
			if err == nil && row.To != tc.want {
				t.Errorf("Transition(%s, %s, %q).To = %q, want %q", tc.trigger, tc.typ, tc.from, row.To, tc.want)
			}
			if err != nil && !errors.Is(err, ErrNoTransition) {
				t.Errorf("Transition error %v does not wrap ErrNoTransition", err)
			}
		})
	}
}

func TestPermit(t *testing.T) {
	r := DefaultRules()
	tests := []struct {
		name    string
		variant string
		party   Party
		typ     duis.DeviceType
		status  duis.DeviceStatus
		code    duis.ResponseCode
	}{
		{"8.14.1 on pending CHF", "8.14.1", PartyDevice, duis.DeviceCHF, duis.StatusPending, ""},
		{"8.14.1 on ESME", "8.14.1", PartyDevice, duis.DeviceESME, duis.StatusPending, "E11"},
		{"8.14.2 on commissioned CHF", "8.14.2", PartyDevice, duis.DeviceCHF, duis.StatusCommissioned, "E5"},
		{"8.11 on pending CHF", "8.11 Add", PartyTarget, duis.DeviceCHF, duis.StatusPending, "E5"},
		{"8.11 targeting a meter", "8.11 Add", PartyTarget, duis.DeviceESME, duis.StatusPending, "E11"},
		{"8.11 add IHD", "8.11 Add", PartyDevice, duis.DeviceIHD, StatusNone, ""},
		{"8.11 add decommissioned", "8.11 Add", PartyDevice, duis.DeviceESME, duis.StatusDecommissioned, "E5"},
		{"8.1.1 on whitelisted GSME", "8.1.1", PartyTarget, duis.DeviceGSME, duis.StatusWhitelisted, ""},
		{"8.1.1 on CHF", "8.1.1", PartyTarget, duis.DeviceCHF, duis.StatusCommissioned, "E11"},
		{"8.7.2 IHD with meter", "8.7.2", PartyOther, duis.DeviceIHD, StatusNone, ""},
		{"8.7.1 IHD with meter", "8.7.1", PartyOther, duis.DeviceIHD, StatusNone, "E11"},
		{"8.3 pending", "8.3", PartyDevice, duis.DeviceESME, duis.StatusPending, "E5"},
		{"8.2 unrestricted", "8.2", PartyDevice, duis.DeviceIHD, StatusNone, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := r.Permit(tc.variant, tc.party, tc.typ, tc.status)
			if got := ResponseCodeOf(err); got != tc.code {
				t.Errorf("Permit(%s, %s, %s, %q) = %v, want code %q", tc.variant, tc.party, tc.typ, tc.status, err, tc.code)
			}
		})
	}
}

// Every row of DOMAIN.md §5 is present and, as the document says, inferred.
func TestDomainRowsPresentAndInferred(t *testing.T) {
	r := DefaultRules()
	inferred := r.Inferred()
	for i := 1; i <= 16; i++ {
		id := fmt.Sprintf("T%d", i)
		if !slices.Contains(inferred, id) {
			t.Errorf("row %s missing or not marked inferred", id)
		}
	}
	for _, row := range r.Transitions {
		if err := row.check(); err != nil {
			t.Errorf("default row %s: %v", row.ID, err)
		}
	}
	for _, p := range r.Permissions {
		if err := p.check(); err != nil {
			t.Errorf("default permission %s: %v", p.ID, err)
		}
	}
}

func TestOverride(t *testing.T) {
	r := DefaultRules()
	cfg := `{
	  "transitions": [
	    {"id": "T9", "trigger": "8.1.1", "devices": ["ESME"], "from": ["Whitelisted"], "to": "Commissioned"},
	    {"id": "T16", "trigger": "8.4 DeleteDevice", "disabled": true}
	  ],
	  "permissions": [
	    {"id": "P8.11.chf", "variant": "8.11 Add", "party": "target", "devices": ["CHF"], "statuses": ["Pending", "InstalledNotCommissioned", "Commissioned"]}
	  ]
	}`
	if err := r.Override([]byte(cfg)); err != nil {
		t.Fatalf("Override: %v", err)
	}
	if _, err := r.Transition(TriggerCommission, duis.DeviceGSME, duis.StatusWhitelisted, ""); ResponseCodeOf(err) != "E11" {
		t.Errorf("overridden T9 still commissions a GSME: %v", err)
	}
	if _, err := r.Transition(TriggerDelete, duis.DeviceESME, duis.StatusPending, ""); err == nil {
		t.Errorf("disabled T16 still applies")
	}
	if err := r.Permit("8.11 Add", PartyTarget, duis.DeviceCHF, duis.StatusPending); err != nil {
		t.Errorf("overridden permission refuses: %v", err)
	}
	if slices.Contains(r.Inferred(), "T9") {
		t.Errorf("configured T9 still listed as inferred")
	}
	if slices.Contains(DefaultRules().Inferred(), "T9") == false {
		t.Errorf("Override changed the defaults")
	}

	bad := []struct{ name, cfg string }{
		{"unknown field", `{"transitions":[{"id":"T1","trigger":"12.2","devices":["ESME"],"from":[""],"to":"Pending","colour":1}]}`},
		{"unknown type", `{"transitions":[{"id":"T1","trigger":"12.2","devices":["TOASTER"],"from":[""],"to":"Pending"}]}`},
		{"unknown status", `{"transitions":[{"id":"T1","trigger":"12.2","devices":["ESME"],"from":[""],"to":"Happy"}]}`},
		{"no id", `{"permissions":[{"variant":"8.3","party":"device","devices":["ESME"]}]}`},
		{"bad party", `{"permissions":[{"id":"x","variant":"8.3","party":"someone","devices":["ESME"]}]}`},
		{"not json", `{"transitions":`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if err := DefaultRules().Override([]byte(tc.cfg)); !errors.Is(err, ErrBadRules) {
				t.Errorf("Override(%s) = %v, want ErrBadRules", tc.cfg, err)
			}
		})
	}
}

func TestLegal(t *testing.T) {
	r := DefaultRules()
	ok := StatusChange{Type: duis.DeviceCHF, From: duis.StatusPending, To: duis.StatusCommissioned, Trigger: TriggerInstallWAN, Rule: "T5"}
	if !r.Legal(ok) {
		t.Errorf("Legal(%+v) = false", ok)
	}
	bad := ok
	bad.From = duis.StatusDecommissioned
	if r.Legal(bad) {
		t.Errorf("Legal(%+v) = true", bad)
	}
}

// FuzzOverride: configuration is outside input; it must never panic, and a
// configuration that loads leaves every row well formed.
func FuzzOverride(f *testing.F) {
	f.Add([]byte(`{"transitions":[{"id":"T9","trigger":"8.1.1","devices":["ESME"],"from":["Whitelisted"],"to":"Commissioned"}]}`))
	f.Add([]byte(`{"permissions":[{"id":"x","variant":"8.3","party":"device","devices":["ESME"],"statuses":["Commissioned"]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := DefaultRules()
		if err := r.Override(data); err != nil {
			return
		}
		for _, row := range r.Transitions {
			if err := row.check(); err != nil {
				t.Fatalf("loaded row %s is malformed: %v", row.ID, err)
			}
		}
		_, _ = r.Transition(TriggerCommission, duis.DeviceESME, duis.StatusWhitelisted, "")
		_ = r.Permit("8.11 Add", PartyDevice, duis.DeviceESME, duis.StatusPending)
	})
}

func TestInstallerGrants(t *testing.T) {
	r := DefaultRules()
	req := func(f map[string]string) *duis.Request {
		t.Helper()
		f["originator"], f["counter"] = "90-B3-D5-1F-30-01-00-00", "1000"
		q, err := duis.Build("8.4", f)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	dev := "00-DB-12-34-56-78-90-A0"
	inc := req(map[string]string{"DeviceID": dev, "UpdateDeviceStatusExceptCH": "InstalledNotCommissioned"})
	for _, tc := range []struct {
		name string
		req  *duis.Request
		typ  duis.DeviceType
		ok   bool
	}{
		{"ESME to INC", inc, duis.DeviceESME, true},
		{"HCALCS to INC", inc, duis.DeviceHCALCS, true},
		{"CHF", inc, duis.DeviceCHF, false},
		{"unknown device", inc, "", false},
		{"to Pending", req(map[string]string{"DeviceID": dev, "UpdateDeviceStatusExceptCH": "Pending"}), duis.DeviceESME, false},
		{"delete", req(map[string]string{"DeviceID": dev, "DeleteDevice": "true"}), duis.DeviceESME, false},
	} {
		err := r.InstallerMay(tc.req, tc.typ, "install")
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNotGranted)) {
			t.Errorf("%s: InstallerMay = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	if !r.Grants("8.4") || !r.Grants("8.12.1") || r.Grants("8.3") {
		t.Error("Grants: want 8.4 and 8.12.1 only")
	}
	// 8.12.1 is granted on the replacement hub of an exchange job only.
	restore, err := duis.Build("8.12.1", map[string]string{"originator": "90-B3-D5-1F-30-01-00-00", "counter": "1001",
		"target": "00-DB-12-34-56-78-90-A2", "OldCHFID": "00-DB-12-34-56-78-90-9F"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, kind string
		typ        duis.DeviceType
		ok         bool
	}{
		{"restore on an exchange job", "exchange", duis.DeviceCHF, true},
		{"restore on an install job", "install", duis.DeviceCHF, false},
		{"restore onto a meter", "exchange", duis.DeviceESME, false},
		{"restore onto a device not in the SMI", "exchange", "", false},
	} {
		err := r.InstallerMay(restore, tc.typ, tc.kind)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNotGranted)) {
			t.Errorf("%s: InstallerMay = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "8.12.1 on CHF of the installer's own exchange job") {
			t.Errorf("%s: %v does not say what is allowed", tc.name, err)
		}
	}
	if err := r.Override([]byte(`{"installer_grants":[{"id":"G8.4.inc","variant":"8.4","disabled":true}]}`)); err != nil {
		t.Fatal(err)
	}
	if r.Grants("8.4") || r.InstallerMay(inc, duis.DeviceESME, "install") == nil {
		t.Error("a disabled grant still grants")
	}
	if err := r.Override([]byte(`{"installer_grants":[{"id":"G","variant":"8.4","devices":["Toaster"]}]}`)); !errors.Is(err, ErrBadRules) {
		t.Errorf("unknown device type in a grant: %v", err)
	}
	if err := r.Override([]byte(`{"installer_grants":[{"id":"G","variant":"8.12.1","devices":["CHF"],"job_kinds":[""]}]}`)); !errors.Is(err, ErrBadRules) {
		t.Errorf("empty job kind in a grant: %v", err)
	}
	// A deployment widens the restore to install jobs too.
	if err := r.Override([]byte(`{"installer_grants":[{"id":"G8.12.1","variant":"8.12.1","devices":["CHF"],"job_kinds":["exchange","install"]}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := r.InstallerMay(restore, duis.DeviceCHF, "install"); err != nil {
		t.Errorf("widened grant: InstallerMay on an install job = %v", err)
	}
}

// TestHANLogPermissionsHaveTransitions: every status in which the 8.11
// permission rows let a request act on a device with a status has a
// transition row for it, so no 8.11 that passes access control is then
// refused E5 for want of a row (the gap issue #9 found: an 8.11 Remove of
// a Pending device, withdrawing an Add that never reached the DCC).
func TestHANLogPermissionsHaveTransitions(t *testing.T) {
	r := DefaultRules()
	triggers := map[string]string{"8.11 Add": TriggerHANAdd, "8.11 Remove": TriggerHANRemove}
	for _, p := range r.Permissions {
		trigger, ok := triggers[p.Variant]
		if !ok || p.Disabled || p.Party != PartyDevice {
			continue
		}
		for _, typ := range p.Devices {
			if !typ.HasStatus() {
				continue
			}
			for _, from := range p.Statuses {
				if _, err := r.Transition(trigger, typ, from, ""); err != nil {
					t.Errorf("%s admits %s %s, but Transition(%s) = %v", p.ID, typ, from, trigger, err)
				}
			}
		}
	}
}
