package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/duis"
)

// seed puts a device straight into the SMI (test set-up only).
func (e *env) seed(id string, typ duis.DeviceType, status duis.DeviceStatus, link func(*deviceRow)) {
	e.t.Helper()
	eui, err := duis.ParseEUI64(id)
	if err != nil {
		e.t.Fatal(err)
	}
	d := &deviceRow{Device: inventory.Device{ID: eui, Type: typ, Status: status, StatusSince: e.clock.Now(), Manufacturer: "AB01", Model: "M"}}
	if link != nil {
		link(d)
	}
	err = e.srv.db.InTx(context.Background(), func(tx *Tx) error { return tx.putDevice(context.Background(), d, e.clock.Now()) })
	if err != nil {
		e.t.Fatal(err)
	}
}

func eui(s string) duis.EUI64 { e, _ := duis.ParseEUI64(s); return e }

// TestConformanceRequests runs the DUIS request templates of
// conformance/gb/duis/requests through the service. For each template of
// a served variant the SMI is seeded with the precondition the install
// flow gives it (DOMAIN.md §5, §7) and the template must be applied with
// its success code and the expected status (the post-check reads 8.9 and
// 11.2, and the CH exchange's 8.12.1, with I99 and the SMI unchanged);
// templates of variants the service does not serve must be refused with a
// 400 and change nothing.
func TestConformanceRequests(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "gb", "duis", "requests")
	const (
		a0, a1, a2, a3, a4, a5 = "00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A1", "00-DB-12-34-56-78-90-A2",
			"00-DB-12-34-56-78-90-A3", "00-DB-12-34-56-78-90-A4", "00-DB-12-34-56-78-90-A5"
		old95 = "00-DB-12-34-56-78-90-95" // the OldCHFID of the 8.12.1 template
	)
	hub := func(e *env, s duis.DeviceStatus) {
		e.seed(a2, duis.DeviceCHF, s, func(d *deviceRow) { d.GPF = eui(a3) })
		e.seed(a3, duis.DeviceGPF, s, func(d *deviceRow) { d.CHF = eui(a2) })
	}
	type check struct {
		id   string
		want duis.DeviceStatus // "(absent)" for deleted
	}
	cases := map[string]struct {
		setup func(e *env)
		code  duis.ResponseCode
		after []check
	}{
		"12.2_DEVICE_PRE_NOTIFICATION":                              {func(e *env) {}, "I0", []check{{a0, "Pending"}}},
		"8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06":                   {func(e *env) {}, "I0", nil},
		"8.14.1_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_SUCCESS":   {func(e *env) { hub(e, "Pending") }, "I0", []check{{a2, "Commissioned"}, {a3, "Commissioned"}}},
		"8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN": {func(e *env) { hub(e, "Pending") }, "I0", []check{{a2, "InstalledNotCommissioned"}}},
		"8.14.3_COMMUNICATIONS_HUB_STATUS_UPDATE_FAULT_RETURN":      {func(e *env) { hub(e, "Commissioned") }, "I0", []check{{a2, "Decommissioned"}, {a3, "Decommissioned"}}},
		"8.14.4_COMMUNICATIONS_HUB_STATUS_UPDATE_NO_FAULT_RETURN":   {func(e *env) { hub(e, "Commissioned") }, "I0", []check{{a2, "Decommissioned"}}},
		"8.2_READ_INVENTORY":                                        {func(e *env) { hub(e, "Pending") }, "I0", nil},
		"8.3_DECOMMISSION_DEVICE":                                   {func(e *env) { e.seed(a0, "ESME", "Commissioned", nil) }, "I0", []check{{a0, "Decommissioned"}}},
		"8.4_UPDATE_INVENTORY":                                      {func(e *env) { e.seed(a0, "ESME", "Pending", nil) }, "I0", []check{{a0, "(absent)"}}},
		"CCS01_8.11_SUCCESS":                                        {func(e *env) { hub(e, "Commissioned"); e.seed(a0, "ESME", "Pending", nil) }, "I0", []check{{a0, "Whitelisted"}}},
		"CCS02_8.11_SUCCESS":                                        {func(e *env) { hub(e, "Commissioned"); e.seed(a0, "ESME", "Whitelisted", nil) }, "I0", []check{{a0, "Pending"}}},
		"CS03A1_8.7.1_SUCCESS": {func(e *env) {
			e.seed(a0, "ESME", "Commissioned", nil)
			e.seed("00-DB-12-34-56-78-90-9A", "PPMID", "Whitelisted", nil)
		}, "I0", []check{{"00-DB-12-34-56-78-90-9A", "Commissioned"}}},
		"CS03A2Critical_8.7.1_SUCCESS": {func(e *env) {
			e.seed(a5, "PPMID", "Whitelisted", nil)
			e.seed("00-DB-12-34-56-78-90-93", "ESME", "Commissioned", nil)
		}, "I0", []check{{a5, "Commissioned"}}},
		"CS03A2NonCritical_8.7.2_SUCCESS": {func(e *env) {
			e.seed(a4, "HCALCS", "Whitelisted", nil)
			e.seed("00-DB-12-34-56-78-90-93", "ESME", "Commissioned", nil)
		}, "I0", []check{{a4, "Commissioned"}}},
		"CS03B_8.7.2_SUCCESS": {func(e *env) {
			e.seed(a1, "GSME", "Commissioned", nil)
			e.seed("00-DB-12-34-56-78-90-9C", "IHD", "", nil)
		}, "I0", nil},
		"CS03CCritical_8.7.1_SUCCESS": {func(e *env) {
			e.seed(a1, "GSME", "Commissioned", nil)
			e.seed("00-DB-12-34-56-78-90-98", "PPMID", "Whitelisted", nil)
		}, "I0", []check{{"00-DB-12-34-56-78-90-98", "Commissioned"}}},
		"CS03CNonCritical_8.7.2_SUCCESS": {func(e *env) {
			e.seed(a4, "PPMID", "Whitelisted", nil)
			e.seed("00-DB-12-34-56-78-90-94", "GSME", "Commissioned", nil)
		}, "I0", []check{{a4, "Commissioned"}}},
		"CS04ACCritical_8.8.1_SUCCESS": {func(e *env) {
			e.seed(a0, "ESME", "Commissioned", nil)
			e.seed("00-DB-12-34-56-78-90-99", "PPMID", "Commissioned", nil)
		}, "I0", nil},
		"CS04ACNonCritical_8.8.2_SUCCESS": {func(e *env) {
			e.seed(a4, "PPMID", "Commissioned", nil)
			e.seed("01-02-03-04-05-06-07-08", "ESME", "Commissioned", nil)
		}, "I0", nil},
		"CS04B_8.8.2_SUCCESS": {func(e *env) {
			e.seed(a1, "GSME", "Commissioned", nil)
			e.seed("01-02-03-04-05-06-07-08", "IHD", "", nil)
		}, "I0", nil},
		"ECS70Commission_8.1.1_SUCCESS": {func(e *env) { e.seed(a0, "ESME", "Whitelisted", nil) }, "I0", []check{{a0, "Commissioned"}}},
		"GCS28Commission_8.1.1_SUCCESS": {func(e *env) { e.seed(a1, "GSME", "Whitelisted", nil) }, "I0", []check{{a1, "Commissioned"}}},
		// Post-check reads (DOMAIN.md §7 step 9): accepted with I99 and
		// relayed; the SMI does not change (checked for every I99 case).
		"CCS05CCS04_8.9_SUCCESS": {func(e *env) { hub(e, "Commissioned") }, "I99", []check{{a2, "Commissioned"}}},
		"CCS06_8.9_SUCCESS":      {func(e *env) { hub(e, "Commissioned") }, "I99", []check{{a2, "Commissioned"}}},
		"CCS07_8.9_SUCCESS":      {func(e *env) { hub(e, "Commissioned") }, "I99", []check{{a2, "Commissioned"}}},
		"CS07_8.9_SUCCESS":       {func(e *env) { e.seed(a1, "GSME", "Commissioned", nil) }, "I99", []check{{a1, "Commissioned"}}},
		"CS08_11.2_SUCCESS":      {func(e *env) { e.seed(a4, "PPMID", "Commissioned", nil) }, "I99", []check{{a4, "Commissioned"}}},
		"ECS52_11.2_SUCCESS":     {func(e *env) { e.seed(a0, "ESME", "Commissioned", nil) }, "I99", []check{{a0, "Commissioned"}}},
		"GCS38_11.2_SUCCESS":     {func(e *env) { e.seed(a1, "GSME", "Commissioned", nil) }, "I99", []check{{a1, "Commissioned"}}},
		// CH exchange (DOMAIN.md §6.1, §9 CCS03): the template restores the
		// log of the old hub (…-95) onto the replacement (A2), installed;
		// the old one has been returned (8.14.3 leaves it Decommissioned).
		// Accepted with I99 and relayed; the SMI does not change.
		"CCS03_8.12.1_SUCCESS": {func(e *env) {
			hub(e, "Commissioned")
			e.seed(old95, duis.DeviceCHF, duis.StatusDecommissioned, nil)
			e.seed(a0, "ESME", "Commissioned", func(d *deviceRow) { d.CHF = eui(old95) })
		}, "I99", []check{{a2, "Commissioned"}, {old95, "Decommissioned"}, {a0, "Commissioned"}}},
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.XML"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in %s: %v", dir, err)
	}
	applied, refused, relayed := 0, 0, 0
	shared := newEnv(t, filepath.Join(t.TempDir(), "inv.db"))
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), "_DUIS.XML"), "_REQUEST")
		t.Run(name, func(t *testing.T) {
			doc, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			e := shared
			e.t = t
			e.reset()
			office := Principal{Name: "office", Role: RoleBackOffice}
			tc, served := cases[name]
			if !served {
				before := e.snapshot()
				_, err := e.srv.Submit(context.Background(), Submission{Document: doc, Principal: office})
				if httpStatus(err) != 400 {
					t.Fatalf("template of an unserved variant: %v, want a 400 refusal", err)
				}
				if e.snapshot() != before {
					t.Errorf("refused template changed the database")
				}
				refused++
				return
			}
			tc.setup(e)
			e.clock.Add(time.Minute)
			devices := e.dump("SELECT "+deviceColumns+" FROM devices ORDER BY device_id", "SELECT count(*) FROM status_history")
			out, err := e.srv.Submit(context.Background(), Submission{Document: doc, Principal: office})
			if err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if out.OutcomeCode != tc.code {
				t.Fatalf("outcome %s, want %s", out.OutcomeCode, tc.code)
			}
			if tc.code == duis.CodeAcknowledgement {
				if out.ResponseCode != tc.code {
					t.Errorf("relayed request answered %s, want %s", out.ResponseCode, tc.code)
				}
				if e.dump("SELECT "+deviceColumns+" FROM devices ORDER BY device_id", "SELECT count(*) FROM status_history") != devices {
					t.Errorf("a relayed request changed the SMI")
				}
				relayed++
			}
			resp, err := duis.ParseResponse(out.Response)
			if err != nil {
				t.Fatalf("response does not parse: %v", err)
			}
			if ps := resp.Validate().Errors(); len(ps) > 0 {
				t.Errorf("response invalid: %v", ps)
			}
			for _, c := range tc.after {
				if got := e.status(c.id); got != c.want {
					t.Errorf("%s is %q, want %q", c.id, got, c.want)
				}
			}
			e.checkInvariants()
			applied++
		})
	}
	t.Logf("conformance templates: %d applied with their success code (%d of them reads or restores accepted with I99 and relayed), %d of unserved variants refused, of %d",
		applied, relayed, refused, len(files))
}
