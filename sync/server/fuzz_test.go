package server

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// FuzzSubmit feeds arbitrary documents to the service as the back office.
// Nothing may panic; a refused document changes nothing; an accepted one
// gets a response that parses as DUIS and whose replay is byte-identical
// (the round-trip property of the request log); a request relayed with
// I99 (the reads 8.9, 11.2; the restore 8.12.1) leaves the SMI as it was.
func FuzzSubmit(f *testing.F) {
	const oldHub = "00-DB-12-34-56-78-90-9F" // a returned hub whose log 8.12.1 restores
	seedEnv := newEnv(f, filepath.Join(f.TempDir(), "seed.db"))
	for _, d := range [][]byte{
		seedEnv.build("12.2", map[string]string{"DeviceID": esme, "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "ESME"}),
		seedEnv.build("8.2", map[string]string{"DeviceID": esme}),
		seedEnv.build("8.4", map[string]string{"DeviceID": esme, "UpdateDeviceStatusExceptCH": "InstalledNotCommissioned"}),
		seedEnv.build("8.3", map[string]string{"DeviceID": esme}),
		seedEnv.build("8.9", map[string]string{"target": esme}),
		seedEnv.build("8.9", map[string]string{"target": chf, "ReadSecurityDetails": "true"}),
		seedEnv.build("11.2", map[string]string{"target": esme}),
		seedEnv.build("8.12.1", map[string]string{"target": chf, "OldCHFID": oldHub}),
		seedEnv.build("8.12.1", map[string]string{"target": chf, "OldCHFID": chf}),
		[]byte("<sr:Request/>"),
		{},
	} {
		f.Add(d)
	}
	e := newEnv(f, fuzzDB(f))
	e.seed(esme, duis.DeviceESME, duis.StatusPending, nil)
	e.seed(chf, duis.DeviceCHF, duis.StatusCommissioned, nil)
	e.seed(oldHub, duis.DeviceCHF, duis.StatusDecommissioned, nil)
	office := Principal{Name: "office", Role: RoleBackOffice}
	devices := func() string { return e.dump("SELECT " + deviceColumns + " FROM devices ORDER BY device_id") }
	f.Fuzz(func(t *testing.T, doc []byte) {
		e.t = t // fuzz inputs run one at a time per process
		ctx := context.Background()
		before, smi := e.snapshot(), devices()
		out, err := e.srv.Submit(ctx, Submission{Document: doc, Principal: office})
		if err != nil {
			if httpStatus(err) >= 500 {
				t.Fatalf("server error on input: %v", err)
			}
			if e.snapshot() != before {
				t.Fatalf("refused input changed the database: %v", err)
			}
			return
		}
		if _, err := duis.ParseResponse(out.Response); err != nil {
			t.Fatalf("response does not parse: %v", err)
		}
		if out.OutcomeCode == duis.CodeAcknowledgement && devices() != smi {
			t.Fatalf("a relayed request (%s) changed the SMI", out.Variant)
		}
		again, err := e.srv.Submit(ctx, Submission{Document: doc, Principal: office})
		if err != nil || !again.Duplicate || !bytes.Equal(again.Response, out.Response) {
			t.Fatalf("replay: %v, duplicate %v", err, again != nil && again.Duplicate)
		}
	})
}

// FuzzPush feeds arbitrary bodies to POST /v1/push as an installer: no
// panic and no server error; a body refused as a whole changes nothing;
// an accepted one answers every message in order (the round trip the
// client checks with api.DecodePushResponse).
func FuzzPush(f *testing.F) {
	f.Add([]byte(`{"installerId":"alice","messages":[{"idempotencyKey":"k","jobId":"job-1","kind":"duis-request","createdAt":"2026-11-28T09:00:00Z","serviceRequest":{"serviceReferenceVariant":"8.2","xml":"<x/>"}}]}`))
	f.Add([]byte(`{"installerId":"alice","messages":[{"idempotencyKey":"e1","jobId":"job-1","kind":"evidence","createdAt":"2026-11-28T09:00:00Z","body":{"photo":"x"}}]}`))
	f.Add([]byte(`{"installerId":"alice","messages":[{"idempotencyKey":"e2","jobId":"job-1","kind":"evidence","createdAt":"2026-11-28T09:00:00Z","body":{"devices":[{"id":"00-DB-12-34-56-78-90-A0","installCode":"30313233343536373839414243444546"}],"photos":["` + strings.Repeat("ab", 32) + `"]}}]}`))
	f.Add([]byte(`{"installerId":"alice","messages":[{"idempotencyKey":"e3","jobId":"job-1","kind":"evidence","createdAt":"2026-11-28T09:00:00Z","body":{"devices":[{"id":"00-DB-12-34-56-78-90-A0","sealedInstallCode":"AQID"}]}}]}`))
	f.Add([]byte(`{"messages":[]}`))
	f.Add([]byte(`{"messages":[`))
	e := newEnv(f, fuzzDB(f))
	e.job("job-1", "alice", esme)
	h := e.srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		before := e.snapshot()
		req := httptest.NewRequest("POST", "/v1/push", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens["alice"])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if rec.Code != 200 {
			if e.snapshot() != before {
				t.Fatalf("refused push changed the database")
			}
			return
		}
		pr, err := api.DecodePushRequest(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("accepted a body api refuses: %v", err)
		}
		if _, err := api.DecodePushResponse(rec.Body, pr); err != nil {
			t.Fatalf("answer does not match the request: %v", err)
		}
	})
}

// fuzzDB returns a database file private to this process: the fuzzing
// coordinator and each worker run the target's set-up.
func fuzzDB(f *testing.F) string {
	dir, err := os.MkdirTemp("", "smetskit-fuzz-")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "fuzz.db")
}
