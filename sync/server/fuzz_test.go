package server

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/smetskit/smetskit/protocol/duis"
)

// FuzzSubmit feeds arbitrary documents to the service as the back office.
// Nothing may panic; a refused document changes nothing; an accepted one
// gets a response that parses as DUIS and whose replay is byte-identical
// (the round-trip property of the request log).
func FuzzSubmit(f *testing.F) {
	seedEnv := newEnv(f, filepath.Join(f.TempDir(), "seed.db"))
	for _, d := range [][]byte{
		seedEnv.build("12.2", map[string]string{"DeviceID": esme, "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "ESME"}),
		seedEnv.build("8.2", map[string]string{"DeviceID": esme}),
		seedEnv.build("8.4", map[string]string{"DeviceID": esme, "UpdateDeviceStatusExceptCH": "InstalledNotCommissioned"}),
		seedEnv.build("8.3", map[string]string{"DeviceID": esme}),
		[]byte("<sr:Request/>"),
		{},
	} {
		f.Add(d)
	}
	e := newEnv(f, filepath.Join(f.TempDir(), "fuzz.db"))
	e.seed(esme, duis.DeviceESME, duis.StatusPending, nil)
	office := Principal{Name: "office", Role: RoleBackOffice}
	f.Fuzz(func(t *testing.T, doc []byte) {
		e.t = t // fuzz inputs run one at a time per process
		ctx := context.Background()
		before := e.snapshot()
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
		again, err := e.srv.Submit(ctx, Submission{Document: doc, Principal: office})
		if err != nil || !again.Duplicate || !bytes.Equal(again.Response, out.Response) {
			t.Fatalf("replay: %v, duplicate %v", err, again != nil && again.Duplicate)
		}
	})
}

// FuzzPushRequest: the push batch decoder never panics, and what decodes
// encodes back to the same value.
func FuzzPushRequest(f *testing.F) {
	f.Add([]byte(`{"entries":[{"idempotencyKey":"k","jobId":"j","kind":"duis-request","actedAt":"2026-11-28T09:00:00Z","payload":"<x/>"}]}`))
	f.Add([]byte(`{"entries":[]}`))
	f.Add([]byte(`{"entries":[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p PushRequest
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if dec.Decode(&p) != nil {
			return
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q PushRequest
		if err := json.Unmarshal(b, &q); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		for i := range p.Entries {
			p.Entries[i].ActedAt, q.Entries[i].ActedAt = p.Entries[i].ActedAt.UTC(), q.Entries[i].ActedAt.UTC()
		}
		if !reflect.DeepEqual(p, q) && !(len(p.Entries) == 0 && len(q.Entries) == 0) {
			t.Fatalf("round trip: %+v != %+v", p, q)
		}
	})
}
