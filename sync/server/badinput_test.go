package server

import (
	"bytes"
	"encoding/json"
	"github.com/smetskit/smetskit/sync/api"
	"strings"
	"testing"
	"time"
)

// Each bad input gets a clear 4xx or a DUIS error code and changes nothing
// in the SMI.
func TestBadInputChangesNothing(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.prenotifySite("job-1", "alice")
		e.job("job-2", "bob")
		hubWAN := func(counter string) []byte {
			f := map[string]string{"DeviceID": chf, "CHFInstallType": "New CHF Install", "MPxN": mpan,
				"AerialInstall": "false", "CHFLocation": "Deep indoors"}
			if counter != "" {
				f["counter"] = counter
			}
			return e.build("8.14.1", f)
		}
		applied := hubWAN("")
		e.mustCode(e.send("alice", "job-1", applied), "I0")
		xmlHdr := map[string]string{"Content-Type": "application/xml", "X-Smetskit-Job": "job-1"}

		tests := []struct {
			name   string
			do     func() reply
			status int    // HTTP status
			code   string // DUIS outcome code when status is 200
		}{
			{"malformed XML", func() reply { return e.do("POST", "/v1/requests", "alice", []byte("<sr:Request><unclosed>"), xmlHdr) }, 400, ""},
			{"not DUIS", func() reply {
				return e.do("POST", "/v1/requests", "alice", []byte(`<?xml version="1.0"?><a/>`), xmlHdr)
			}, 400, ""},
			{"invalid against the XSD", func() reply {
				doc := bytes.Replace(e.build("8.14.1", map[string]string{"DeviceID": chf, "CHFInstallType": "New CHF Install", "MPxN": mpan,
					"AerialInstall": "false", "CHFLocation": "Deep indoors"}), []byte("Deep indoors"), []byte("On the roof"), 1)
				return e.send("alice", "job-1", doc)
			}, 400, ""},
			{"oversized body", func() reply {
				return e.do("POST", "/v1/requests", "alice", bytes.Repeat([]byte(" "), 65<<10), xmlHdr)
			}, 413, ""},
			{"malformed JSON batch", func() reply { return e.do("POST", "/v1/push", "alice", []byte(`{"messages": [`), nil) }, 400, ""},
			{"batch without messages", func() reply {
				return e.do("POST", "/v1/push", "alice", []byte(`{"installerId": "alice", "messages": []}`), nil)
			}, 400, ""},
			{"batch for another installer", func() reply { return e.push("alice", "bob", "job-1", "k-other", applied) }, 403, ""},
			{"no token", func() reply { return e.do("POST", "/v1/requests", "", hubWAN(""), xmlHdr) }, 401, ""},
			{"bad token", func() reply { return e.do("POST", "/v1/requests", "smk_forged", hubWAN(""), xmlHdr) }, 401, ""},
			{"another installer's job", func() reply { return e.send("bob", "job-1", hubWAN("")) }, 403, ""},
			{"device not on the job", func() reply { return e.send("bob", "job-2", hubWAN("")) }, 403, ""},
			{"installer without a job", func() reply { return e.send("alice", "", hubWAN("")) }, 403, ""},
			{"admin sends an SR", func() reply { return e.send("admin", "", hubWAN("")) }, 403, ""},
			{"installer sends 8.4", func() reply {
				return e.send("alice", "job-1", e.build("8.4", map[string]string{"DeviceID": esme, "DeleteDevice": "true"}))
			}, 403, ""},
			{"replayed counter", func() reply { return e.send("alice", "job-1", hubWAN("1001")) }, 409, ""},
			{"request ID reused for another document", func() reply {
				return e.send("alice", "job-1", bytes.Replace(applied, []byte("Deep indoors"), []byte("Basement or Cellar"), 1))
			}, 409, ""},
			{"invalid transition (E5)", func() reply { return e.send("alice", "job-1", hubWAN("")) }, 200, "E5"},
			{"wrong device type (E11)", func() reply {
				return e.send("alice", "job-1", e.build("8.14.3", map[string]string{"DeviceID": esme, "CHFFaultReturnType": "Fault identified post installation",
					"OtherDeviceID": esme, "CHFConnectionMethod": "Hot-shoe", "CHFFaultReason": "LED Fault"}))
			}, 200, "E11"},
			{"commission before whitelisting (E5)", func() reply {
				return e.send("alice", "job-1", e.build("8.1.1", map[string]string{"target": esme, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "60"}))
			}, 200, "E5"},
			{"CHF and GPF IDs identical (E120201)", func() reply {
				return e.send("office", "", e.build("12.2", map[string]string{"DeviceID": "00-DB-12-34-56-78-91-00", "DeviceManufacturer": "AB01",
					"DeviceModel": "M", "DeviceType": "CHF", "AssociatedGPFDeviceID": "00-DB-12-34-56-78-91-00"}))
			}, 200, "E120201"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before, beforeSMI := e.snapshot(), e.smiSnapshot()
				r := tc.do()
				if r.status != tc.status || (tc.code != "" && r.outcome != tc.code) {
					t.Fatalf("status %d code %q, want %d %q: %s", r.status, r.outcome, tc.status, tc.code, r.body)
				}
				if r.status != 200 {
					var p api.Problem
					if err := json.Unmarshal(r.body, &p); err != nil || p.Title == "" || p.Status != r.status {
						t.Errorf("4xx without a JSON problem: %s", r.body)
					}
				}
				if after := e.snapshot(); tc.code == "" && after != before {
					t.Errorf("refused request changed the database:\nbefore %s\nafter %s", before, after)
				}
				if after := e.smiSnapshot(); after != beforeSMI {
					t.Errorf("request answered %d %s changed the SMI", r.status, r.outcome)
				}
			})
		}

		// The unknown-device case needs a device listed on a job but not
		// in the SMI.
		e.job("job-3", "alice", "00-DB-12-34-56-78-99-99")
		r := e.send("alice", "job-3", e.build("8.3", map[string]string{"DeviceID": "00-DB-12-34-56-78-99-99"}))
		if r.status != 403 { // installers may not decommission
			t.Errorf("installer 8.3 = %d", r.status)
		}
		r = e.send("office", "", e.build("8.3", map[string]string{"DeviceID": "00-DB-12-34-56-78-99-99"}))
		e.mustCode(r, "E19")
		e.checkInvariants()
	})
}

func TestIdempotentReplay(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.prenotifySite("job-1", "alice")
		doc := e.build("8.14.2", map[string]string{"DeviceID": chf, "CHFInstallType": "CHF Install - no SM WAN", "MPxN": mpan,
			"AerialInstall": "true", "CHFLocation": "Outside Premises", "PremiseType": "Terraced",
			"MetalObstructionCheck": "false", "ConnectivityObstructionCheck": "false", "SharedObstructionCheck": "false"})
		first := e.send("alice", "job-1", doc)
		e.mustCode(first, "I0")
		before := e.snapshot()
		e.clock.Add(time.Minute)
		again := e.send("alice", "job-1", doc)
		if !again.dup || again.outcome != "I0" || !bytes.Equal(again.body, first.body) {
			t.Fatalf("replay: dup %v outcome %q; body equal %v", again.dup, again.outcome, bytes.Equal(again.body, first.body))
		}
		if e.snapshot() != before {
			t.Errorf("replay changed the database")
		}
		// Through the push API with the same outbox key: same answer.
		r := e.push("alice", "alice", "job-1", "k1", doc)
		var pr api.PushResponse
		if err := json.Unmarshal(r.body, &pr); err != nil || len(pr.Results) != 1 || !pr.Results[0].Duplicate || pr.Results[0].Status != api.StatusApplied {
			t.Fatalf("push replay: %d %s", r.status, r.body)
		}
		// The stored outcome is readable by the sender, not by another installer.
		id := strings.SplitN(string(first.response.Header.RequestID.String()), "\n", 2)[0]
		if r := e.do("GET", "/v1/requests/"+id, "alice", nil, nil); r.status != 200 {
			t.Errorf("GET own request = %d", r.status)
		}
		if r := e.do("GET", "/v1/requests/"+id, "bob", nil, nil); r.status != 404 {
			t.Errorf("GET other's request = %d", r.status)
		}
	})
}
