package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/sync/api"
)

// exchangeJob creates an exchange job (sync/api Job.Kind "exchange") for
// installer with the devices given.
func (e *env) exchangeJob(id, installer string, devices ...string) {
	e.t.Helper()
	b, _ := json.Marshal(Job{ID: id, Installer: installer, Site: "site " + id, Postcode: "AB1 2CD", Kind: "exchange", Devices: devices})
	if r := e.do("POST", "/v1/jobs", "office", b, nil); r.status != http.StatusNoContent {
		e.t.Fatalf("create job: %d %s", r.status, r.body)
	}
}

// TestRestoreHANDeviceLog: on a CH exchange the wizard queues 8.12.1
// Restore HAN Device Log to the replacement hub, naming the old one
// (DOMAIN.md §6.1, §9 CCS03). The installer of an exchange job that lists
// both hubs may send it (grant G8.12.1); the rows P8.12.1.t and
// P8.12.1.old decide the hubs' types and statuses (E11, E5, E19). An
// accepted restore is answered I99, recorded with an audit line, relayed
// toward the DCC and changes nothing in the SMI; the job's status notes it
// "restore requested" and the report counts it as requested.
func TestRestoreHANDeviceLog(t *testing.T) {
	const (
		oldCHF = "00-DB-12-34-56-78-90-9F" // the hub coming out
		newCHF = "00-DB-12-34-56-78-90-9D" // a hub not installed yet
	)
	backends(t, func(t *testing.T, e *env) {
		e.seed(oldCHF, "CHF", "Commissioned", nil)
		e.seed(chf, "CHF", "Commissioned", func(d *deviceRow) { d.GPF = eui(gpf) })
		e.seed(gpf, "GPF", "Commissioned", func(d *deviceRow) { d.CHF = eui(chf) })
		e.seed(newCHF, "CHF", "Pending", nil)
		e.seed(esme, "ESME", "Commissioned", func(d *deviceRow) { d.CHF = eui(oldCHF) })
		e.seed(gsme, "GSME", "Commissioned", func(d *deviceRow) { d.CHF = eui(oldCHF) })
		e.exchangeJob("xch-1", "alice", chf, gpf, oldCHF, esme, gsme, newCHF)
		e.exchangeJob("xch-2", "alice", chf, esme) // the old hub is not on it
		e.exchangeJob("xch-b", "bob", chf, oldCHF)
		e.job("ins-1", "alice", chf, oldCHF) // an install job
		smi := e.dump("SELECT "+deviceColumns+" FROM devices ORDER BY device_id", "SELECT count(*) FROM status_history")

		for _, tc := range []struct {
			name, who, job, target, old string
			status                      int    // HTTP status
			outcome                     string // X-Smetskit-Outcome-Code when 200; a word of the refusal when 403
		}{
			{"replacement hub of an exchange job", "alice", "xch-1", chf, oldCHF, 200, "I99"},
			{"back office", "office", "", chf, oldCHF, 200, "I99"},
			{"onto a hub not installed", "alice", "xch-1", newCHF, oldCHF, 200, "E5"},
			{"onto the old hub itself", "alice", "xch-1", oldCHF, oldCHF, 200, "E11"},
			{"back office onto a meter", "office", "", esme, oldCHF, 200, "E11"},
			{"back office from an unknown hub", "office", "", chf, "00-DB-12-34-56-78-90-FF", 200, "E19"},
			{"onto a meter", "alice", "xch-1", esme, oldCHF, http.StatusForbidden, "on a ESME"},
			{"old hub not on the job", "alice", "xch-2", chf, oldCHF, http.StatusForbidden, "not on job xch-2"},
			{"an install job", "alice", "ins-1", chf, oldCHF, http.StatusForbidden, "exchange job"},
			{"another installer's job", "alice", "xch-b", chf, oldCHF, http.StatusForbidden, "not assigned"},
			{"no job", "alice", "", chf, oldCHF, http.StatusForbidden, "must name their job"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.t = t
				before := e.snapshot()
				r := e.send(tc.who, tc.job, e.build("8.12.1", map[string]string{"target": tc.target, "OldCHFID": tc.old}))
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				if r.status != 200 {
					if !strings.Contains(string(r.body), tc.outcome) {
						t.Errorf("refusal %s does not say %q", r.body, tc.outcome)
					}
					if e.snapshot() != before {
						t.Errorf("a refused restore changed the database")
					}
					return
				}
				if r.outcome != tc.outcome {
					t.Fatalf("outcome %s, want %s: %s", r.outcome, tc.outcome, r.body)
				}
				if r.code != "I99" && tc.outcome == "I99" {
					t.Errorf("restore answered %q, want the I99 acknowledgement", r.code)
				}
				if ps := r.response.Validate().Errors(); len(ps) > 0 {
					t.Errorf("response invalid: %v", ps)
				}
			})
		}
		e.t = t
		if got := e.dump("SELECT "+deviceColumns+" FROM devices ORDER BY device_id", "SELECT count(*) FROM status_history"); got != smi {
			t.Errorf("the restores changed the SMI")
		}
		var audited int
		if err := e.srv.db.row(context.Background(), "SELECT count(*) FROM audit WHERE action = '8.12.1' AND subject = ? AND detail LIKE ?",
			chf, "restore of the device log of "+oldCHF+" requested by request %, relayed toward the DCC").Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 2 {
			t.Errorf("%d restores audited, want 2", audited)
		}

		// The push path (the tablet's outbox), and a replay.
		doc := e.build("8.12.1", map[string]string{"target": chf, "OldCHFID": oldCHF})
		r := e.push("alice", "alice", "xch-1", "xch-1:restore-log:1", doc)
		var pr api.PushResponse
		if err := json.Unmarshal(r.body, &pr); err != nil || len(pr.Results) != 1 {
			t.Fatalf("push: %d %s", r.status, r.body)
		}
		if res := pr.Results[0]; res.Status != api.StatusApplied || res.ResponseCode != "I99" {
			t.Errorf("pushed restore: %+v", res)
		}
		if r := e.send("alice", "xch-1", doc); !r.dup || r.outcome != "I99" {
			t.Errorf("replay: dup %v, outcome %s", r.dup, r.outcome)
		}

		// The job's status notes the restores requested apart from reads.
		st, err := e.srv.JobStatus(context.Background(), Principal{Name: "alice", Role: RoleInstaller}, "xch-1")
		if err != nil {
			t.Fatal(err)
		}
		if st.RestoresRequested != 2 || st.ReadsRequested != 0 || st.Applied != 2 || st.Rejected != 2 || st.AllApplied {
			t.Errorf("xch-1 status %+v", st)
		}
		for _, m := range st.Messages {
			if m.Status == api.StatusApplied && (m.Note != api.NoteRestoreRequested || m.Variant != "8.12.1" || m.ResponseCode != "I99") {
				t.Errorf("xch-1 message %+v", m)
			}
		}
		if err := st.Validate(); err != nil {
			t.Errorf("job status does not validate: %v", err)
		}
		rep, err := e.srv.Report(context.Background(), e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, v := range rep.Variants {
			if v.Variant == "8.12.1" {
				found = true
				if v.Requested != 3 || v.Applied != 3 || v.Rejected != 4 {
					t.Errorf("report 8.12.1 line %+v", v)
				}
			}
		}
		if !found {
			t.Errorf("report has no 8.12.1 line: %+v", rep.Variants)
		}
		e.checkInvariants()

		// The grant is data: disabled, installers may not send 8.12.1.
		rules := inventory.DefaultRules()
		if err := rules.Override([]byte(`{"installer_grants":[{"id":"G8.12.1","variant":"8.12.1","disabled":true}]}`)); err != nil {
			t.Fatal(err)
		}
		e.srv.rules = rules
		if r := e.send("alice", "xch-1", e.build("8.12.1", map[string]string{"target": chf, "OldCHFID": oldCHF})); r.status != 403 ||
			!strings.Contains(string(r.body), "installers may not send 8.12.1") {
			t.Errorf("disabled grant: %d %s", r.status, r.body)
		}
	})
}
