package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// TestPostCheckReads: the reads the wizard queues after an install with SM
// WAN (DOMAIN.md §7 step 9: 8.9 on the CHF and the meters, 11.2 per meter)
// are accepted from the installer of the job, answered I99 (DUIS
// acknowledgement), recorded in the request log and the audit, change
// nothing in the SMI, keep the counter rules, and show in the job's status
// as "read requested".
func TestPostCheckReads(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		commissioned := func(id string, typ duis.DeviceType, link func(*deviceRow)) { e.seed(id, typ, "Commissioned", link) }
		commissioned(chf, "CHF", func(d *deviceRow) { d.GPF = eui(gpf) })
		commissioned(gpf, "GPF", func(d *deviceRow) { d.CHF = eui(chf) })
		commissioned(esme, "ESME", func(d *deviceRow) { d.CHF = eui(chf) })
		commissioned(gsme, "GSME", func(d *deviceRow) { d.CHF, d.GPF = eui(chf), eui(gpf) })
		commissioned(ppmid, "PPMID", func(d *deviceRow) { d.CHF, d.Meter = eui(chf), eui(esme) })
		e.seed(ihd, "IHD", "", nil)
		e.job("job-1", "alice", chf, gpf, esme, gsme, ppmid, ihd)
		e.job("job-x", "alice", esme) // a meter exchange: the hub is not on the job
		e.job("job-b", "bob", esme, chf)
		smi := e.dump("SELECT "+deviceColumns+" FROM devices ORDER BY device_id", "SELECT count(*) FROM status_history")

		for _, tc := range []struct {
			name, who, job, variant, target string
			extra                           map[string]string
			status                          int    // HTTP status
			outcome                         string // X-Smetskit-Outcome-Code when 200
		}{
			{"device log of the CH", "alice", "job-1", "8.9", chf, nil, 200, "I99"},
			{"security details of the CH", "alice", "job-1", "8.9", chf, map[string]string{"ReadSecurityDetails": "true"}, 200, "I99"},
			{"device log of the ESME", "alice", "job-1", "8.9", esme, nil, 200, "I99"},
			{"firmware of the ESME", "alice", "job-1", "11.2", esme, nil, 200, "I99"},
			{"firmware of the GSME", "alice", "job-1", "11.2", gsme, nil, 200, "I99"},
			{"firmware of the PPMID", "alice", "job-1", "11.2", ppmid, nil, 200, "I99"},
			{"device log of the job's CH, not on the job", "alice", "job-x", "8.9", chf, nil, 200, "I99"},
			{"firmware of the job's CH, not on the job", "alice", "job-x", "11.2", chf, nil, 200, "I99"},
			{"back office", "office", "", "11.2", esme, nil, 200, "I99"},
			{"security details of a meter", "alice", "job-1", "8.9", esme, map[string]string{"ReadSecurityDetails": "true"}, 200, "E11"},
			{"firmware of an IHD", "alice", "job-1", "11.2", ihd, nil, 200, "E11"},
			{"device log of the GPF", "alice", "job-1", "8.9", gpf, nil, 200, "E11"},
			{"a device neither on the job nor its CH", "alice", "job-x", "11.2", gsme, nil, http.StatusForbidden, ""},
			{"another installer's job", "alice", "job-b", "8.9", chf, nil, http.StatusForbidden, ""},
			{"no job", "alice", "", "8.9", chf, nil, http.StatusForbidden, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.t = t
				f := map[string]string{"target": tc.target}
				for k, v := range tc.extra {
					f[k] = v
				}
				before := e.snapshot()
				r := e.send(tc.who, tc.job, e.build(tc.variant, f))
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				if r.status != 200 {
					if e.snapshot() != before {
						t.Errorf("a refused read changed the database")
					}
					return
				}
				if r.outcome != tc.outcome {
					t.Fatalf("outcome %s, want %s: %s", r.outcome, tc.outcome, r.body)
				}
				if tc.outcome == "I99" {
					if r.code != "I99" || r.response == nil || r.response.Header.ResponseCode != "I99" {
						t.Errorf("read answered %q, want the I99 acknowledgement", r.code)
					}
					if ps := r.response.Validate().Errors(); len(ps) > 0 {
						t.Errorf("response invalid: %v", ps)
					}
				}
			})
		}
		e.t = t
		if got := e.dump("SELECT "+deviceColumns+" FROM devices ORDER BY device_id", "SELECT count(*) FROM status_history"); got != smi {
			t.Errorf("the reads changed the SMI")
		}
		var audited int
		if err := e.srv.db.row(context.Background(), "SELECT count(*) FROM audit WHERE action IN ('8.9', '11.2') AND detail LIKE 'read requested%'").Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 9 {
			t.Errorf("%d reads audited, want 9", audited)
		}

		// Counters: a replay of an accepted read gets the stored answer, a
		// lower counter is refused like any request.
		doc := e.build("8.9", map[string]string{"target": chf, "counter": "5000"})
		e.mustCode(e.send("alice", "job-1", doc), "I99")
		if r := e.send("alice", "job-1", doc); !r.dup || r.outcome != "I99" {
			t.Errorf("replay: dup %v, outcome %s", r.dup, r.outcome)
		}
		if r := e.send("alice", "job-1", e.build("11.2", map[string]string{"target": esme, "counter": "4999"})); r.status != http.StatusConflict {
			t.Errorf("lower counter: status %d, want 409: %s", r.status, r.body)
		}

		// The push path (the tablet's outbox): applied, so acknowledged.
		r := e.push("alice", "alice", "job-1", "post-check-11.2", e.build("11.2", map[string]string{"target": gsme, "counter": "5001"}))
		var pr api.PushResponse
		if err := json.Unmarshal(r.body, &pr); err != nil || len(pr.Results) != 1 {
			t.Fatalf("push: %d %s", r.status, r.body)
		}
		if res := pr.Results[0]; res.Status != api.StatusApplied || res.ResponseCode != "I99" {
			t.Errorf("pushed read: %+v", res)
		}

		// The back office sees the reads requested in the job's status.
		r = e.do("GET", "/v1/jobs/job-x/status", "office", nil, nil)
		st, err := api.DecodeJobStatus(strings.NewReader(string(r.body)))
		if err != nil {
			t.Fatalf("job status: %d %v %s", r.status, err, r.body)
		}
		if !st.AllApplied || st.Applied != 2 || st.ReadsRequested != 2 || len(st.Messages) != 2 {
			t.Errorf("job-x status %+v", st)
		}
		for _, m := range st.Messages {
			if m.Note != api.NoteReadRequested || m.ResponseCode != "I99" || (m.Variant != "8.9" && m.Variant != "11.2") {
				t.Errorf("job-x message %+v", m)
			}
		}
		st, err = e.srv.JobStatus(context.Background(), Principal{Name: "alice", Role: RoleInstaller}, "job-1")
		if err != nil {
			t.Fatal(err)
		}
		if st.ReadsRequested != 8 || st.Rejected != 3 {
			t.Errorf("job-1 status: %d reads requested, %d rejected; want 8 and 3", st.ReadsRequested, st.Rejected)
		}
		rep, err := e.srv.Report(context.Background(), e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range rep.Variants {
			if v.Variant == "11.2" && (v.Requested != 6 || v.Rejected != 1 || v.ByCode["I99"] != 6) {
				t.Errorf("report 11.2 line %+v", v)
			}
		}
		e.checkInvariants()
	})
}
