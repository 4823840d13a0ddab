package server

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// pushBatch posts msgs as one batch from the back office and decodes the
// answer.
func (e *env) pushBatch(msgs ...api.PushMessage) []api.PushResult {
	e.t.Helper()
	for i := range msgs {
		if msgs[i].Kind == "" {
			msgs[i].Kind = api.KindDUISRequest
		}
		msgs[i].CreatedAt = e.clock.Now()
	}
	b, _ := json.Marshal(api.PushRequest{InstallerID: "office", Messages: msgs})
	r := e.do("POST", "/v1/push", "office", b, nil)
	var pr api.PushResponse
	if err := json.Unmarshal(r.body, &pr); err != nil || r.status != 200 || len(pr.Results) != len(msgs) {
		e.t.Fatalf("push: %d %s (%v)", r.status, r.body, err)
	}
	return pr.Results
}

func sr(key, parent string, doc []byte) api.PushMessage {
	return api.PushMessage{IdempotencyKey: key, ParentKey: parent, JobID: "job-office",
		ServiceRequest: &api.ServiceRequest{ServiceReferenceVariant: "12.2", XML: string(doc)}}
}

// prenotify is a 12.2 for one new ESME with the given counter.
func (e *env) prenotify(n int, counter uint64) []byte {
	return e.build("12.2", map[string]string{"DeviceID": fmt.Sprintf("00-DB-12-34-58-00-00-%02X", n), "DeviceManufacturer": "AB01",
		"DeviceModel": "010A030B", "DeviceType": "ESME", "counter": fmt.Sprint(counter)})
}

// One batch is one transaction, but each message is still all or nothing:
// a refused message in the middle changes nothing and the others apply; a
// child whose parent applied earlier in the same batch applies.
func TestPushBatchMessagesAllOrNothing(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		res := e.pushBatch(
			sr("a", "", e.prenotify(1, 5000)),
			sr("b", "", e.prenotify(2, 4000)), // counter below 5000: refused, nothing kept
			sr("c", "a", e.prenotify(3, 5001)),
			sr("d", "b", e.prenotify(4, 5002)), // parent refused: retry
			sr("e", "", e.prenotify(1, 5003)),  // a second 12.2 of a known device: a DUIS error, recorded
		)
		want := []struct {
			status api.ResultStatus
			code   string
		}{{api.StatusApplied, "I0"}, {api.StatusRejected, ""},
			{api.StatusApplied, "I0"}, {api.StatusRetry, ""}, {api.StatusRejected, "?"}}
		for i, w := range want {
			if res[i].Status != w.status || (w.code != "?" && res[i].ResponseCode != w.code) {
				t.Errorf("message %s: %s %q (%s), want %s %q", res[i].IdempotencyKey, res[i].Status, res[i].ResponseCode, res[i].Reason, w.status, w.code)
			}
		}
		if res[4].ResponseCode == "" || res[4].ResponseCode[0] != 'E' {
			t.Errorf("refused 12.2 answered %q, want an E code", res[4].ResponseCode)
		}
		if e.device("00-DB-12-34-58-00-00-02") != nil {
			t.Errorf("the refused message's device was kept")
		}
		for _, id := range []string{"00-DB-12-34-58-00-00-01", "00-DB-12-34-58-00-00-03"} {
			if e.status(id) != "Pending" {
				t.Errorf("%s is %q, want Pending", id, e.status(id))
			}
		}
		// The whole batch again: the same answers, as duplicates where applied.
		again := e.pushBatch(sr("a", "", e.prenotify(1, 5000)), sr("c", "a", e.prenotify(3, 5001)))
		for _, r := range again {
			if r.Status != api.StatusApplied || !r.Duplicate || r.ResponseCode != "I0" {
				t.Errorf("replay of %s: %+v", r.IdempotencyKey, r)
			}
		}
		e.checkInvariants()
	})
}

// A device SR acknowledged with I99 whose outcome is an error reaches the
// tablet as rejected with the outcome's code; an applied one keeps I99.
func TestPushedCarriesOutcomeCode(t *testing.T) {
	for _, tc := range []struct {
		sync, outcome duis.ResponseCode
		status        api.ResultStatus
		code          string
	}{
		{duis.CodeAcknowledgement, "E5", api.StatusRejected, "E5"},
		{duis.CodeAcknowledgement, duis.CodeSuccess, api.StatusApplied, "I99"},
		{"E11", "E11", api.StatusRejected, "E11"},
		{duis.CodeSuccess, duis.CodeSuccess, api.StatusApplied, "I0"},
	} {
		r := pushed(api.PushResult{}, &Outcome{ResponseCode: tc.sync, OutcomeCode: tc.outcome})
		if r.Status != tc.status || r.ResponseCode != tc.code || (tc.status == api.StatusRejected && r.Reason == "") {
			t.Errorf("%s then %s: %+v, want %s %s", tc.sync, tc.outcome, r, tc.status, tc.code)
		}
	}
}

// A device SR the rules refuse (commissioning an ESME before it is
// whitelisted) comes back through push with its DUIS error code.
func TestPushRefusedDeviceRequest(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.prenotifySite("job-1", "alice")
		r := e.push("alice", "alice", "job-1", "k-commission", e.build("8.1.1",
			map[string]string{"target": esme, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "60"}))
		var pr api.PushResponse
		if err := json.Unmarshal(r.body, &pr); err != nil || len(pr.Results) != 1 {
			t.Fatalf("push: %d %s", r.status, r.body)
		}
		if got := pr.Results[0]; got.Status != api.StatusRejected || got.ResponseCode != "E5" || got.Reason == "" {
			t.Fatalf("refused 8.1.1: %+v, want rejected E5 with a reason", got)
		}
	})
}

// Counters: strictly increasing by default; with Config.CounterWindow a
// never-used counter a little below the high-water mark is accepted, a
// used one never is.
func TestCounterWindow(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		code := func(r reply) string {
			if r.status != 200 {
				return fmt.Sprint(r.status)
			}
			return r.outcome
		}
		send := func(n int, c uint64) string { return code(e.send("office", "", e.prenotify(n, c))) }
		steps := []struct {
			window uint64
			n      int
			c      uint64
			want   string
		}{
			{0, 1, 7100, "I0"},
			{0, 2, 7090, "409"},  // overtaken: refused by default
			{0, 2, 7100, "409"},  // the same counter again
			{50, 2, 7090, "I0"},  // in the window, never used
			{50, 3, 7090, "409"}, // used now
			{50, 3, 7100, "409"}, // the high-water mark itself
			{50, 3, 7050, "409"}, // below the window
			{50, 3, 7051, "I0"},
			{50, 4, 7120, "I0"},
			{50, 5, 7095, "I0"}, // the mark is 7120 now, not lowered by 7051
			{50, 6, 7070, "409"},
			{0, 6, 7110, "409"}, // window off again: strict
			{0, 6, 7121, "I0"},
		}
		for i, s := range steps {
			e.srv.cfg.CounterWindow = s.window
			if got := send(s.n, s.c); got != s.want {
				t.Fatalf("step %d (window %d, counter %d): %s, want %s", i, s.window, s.c, got, s.want)
			}
		}
		e.checkInvariants()
	})
}
