package server

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/smetskit/smetskit/sync/api"
)

func (e *env) pull(who, cursor string) *api.PullResponse {
	e.t.Helper()
	r := e.do("GET", api.PathChanges+"?cursor="+url.QueryEscape(cursor), who, nil, nil)
	if r.status != 200 {
		e.t.Fatalf("pull as %s: %d %s", who, r.status, r.body)
	}
	resp, err := api.DecodePullResponse(bytes.NewReader(r.body))
	if err != nil {
		e.t.Fatalf("pull answer does not validate: %v\n%s", err, r.body)
	}
	return resp
}

func TestPullAndJobStatus(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.prenotifySite("job-1", "alice")
		first := e.pull("alice", "")
		if len(first.Jobs) != 1 || first.Jobs[0].JobID != "job-1" || len(first.Devices) != 6 || first.More {
			t.Fatalf("first pull: %d jobs, %d devices, more %v", len(first.Jobs), len(first.Devices), first.More)
		}
		if p := e.pull("bob", ""); len(p.Jobs)+len(p.Devices) != 0 {
			t.Errorf("bob pulls alice's site: %+v", p)
		}
		if p := e.pull("alice", first.Cursor); len(p.Jobs)+len(p.Devices)+len(p.Removed) != 0 || p.Cursor != first.Cursor {
			t.Errorf("pull with an up-to-date cursor: %+v", p)
		}
		e.mustCode(e.send("alice", "job-1", e.build("8.14.1", map[string]string{"DeviceID": chf, "CHFInstallType": "New CHF Install",
			"MPxN": mpan, "AerialInstall": "false", "CHFLocation": "Deep indoors"})), "I0")
		second := e.pull("alice", first.Cursor)
		if len(second.Devices) != 2 {
			t.Fatalf("after 8.14.1: %d devices changed, want CHF and GPF", len(second.Devices))
		}
		for _, d := range second.Devices {
			if d.DeviceID == chf && (d.DeviceStatus != "Commissioned" || d.ImportMPxN != "*********8111") {
				t.Errorf("CHF in pull: %+v", d)
			}
		}
		// A deleted device is a removal.
		e.mustCode(e.send("office", "", e.build("8.4", map[string]string{"DeviceID": ppmid, "DeleteDevice": "true"})), "I0")
		third := e.pull("alice", second.Cursor)
		if len(third.Removed) != 1 || third.Removed[0].ID != ppmid {
			t.Errorf("removals: %+v", third.Removed)
		}
		if r := e.do("GET", api.PathChanges+"?cursor=bogus", "alice", nil, nil); r.status != 400 {
			t.Errorf("bad cursor: %d", r.status)
		}
		// Job status.
		r := e.do("GET", "/v1/jobs/job-1/status", "alice", nil, nil)
		st, err := api.DecodeJobStatus(bytes.NewReader(r.body))
		if err != nil || !st.AllApplied || st.Applied != 1 {
			t.Errorf("job status: %v %s", err, r.body)
		}
		if r := e.do("GET", "/v1/jobs/job-1/status", "bob", nil, nil); r.status != 404 {
			t.Errorf("bob reads alice's job status: %d", r.status)
		}
	})
}
