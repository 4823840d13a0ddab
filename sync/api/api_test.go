package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/internal/conformance"
)

// A push batch as the app would send it: a CH install request (DUIS 8.14.2,
// header layout from DOMAIN.md §11.1, body elided) and a job update that
// waits for it.
const goodPush = `{
  "installerId": "E1234",
  "messages": [
    {"idempotencyKey": "job-7:chf-install:1", "jobId": "job-7", "kind": "duis-request",
     "createdAt": "2026-03-01T09:00:00Z",
     "serviceRequest": {"serviceReferenceVariant": "8.14.2",
       "xml": "<sr:Request xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\" schemaVersion=\"5.4\"><sr:Header><sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1002</sr:RequestID><sr:CommandVariant>1</sr:CommandVariant><sr:ServiceReference>8.14</sr:ServiceReference><sr:ServiceReferenceVariant>8.14.2</sr:ServiceReferenceVariant></sr:Header><sr:Body/></sr:Request>"}},
    {"idempotencyKey": "job-7:update:2", "jobId": "job-7", "parentKey": "job-7:chf-install:1", "kind": "job-update",
     "createdAt": "2026-03-01T09:05:00Z", "body": {"step": "install-and-leave", "note": "no WAN"}}
  ]
}`

func edit(t *testing.T, f func(r *PushRequest)) string {
	t.Helper()
	var r PushRequest
	if err := json.Unmarshal([]byte(goodPush), &r); err != nil {
		t.Fatal(err)
	}
	f(&r)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodePushRequest(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantField string // "" for success
		wantErr   error
	}{
		{name: "good", in: goodPush},
		{name: "no installer", in: edit(t, func(r *PushRequest) { r.InstallerID = "" }), wantField: "installerId"},
		{name: "no messages", in: `{"installerId":"E1","messages":[]}`, wantField: "messages"},
		{name: "too many messages", in: edit(t, func(r *PushRequest) {
			for i := 0; len(r.Messages) <= MaxBatch; i++ {
				m := r.Messages[1]
				m.IdempotencyKey = "k" + strings.Repeat("x", i)
				m.ParentKey = ""
				r.Messages = append(r.Messages, m)
			}
		}), wantField: "messages"},
		{name: "no key", in: edit(t, func(r *PushRequest) { r.Messages[0].IdempotencyKey = "" }), wantField: "messages[0].idempotencyKey"},
		{name: "key with a space", in: edit(t, func(r *PushRequest) { r.Messages[0].IdempotencyKey = "a b" }), wantField: "messages[0].idempotencyKey"},
		{name: "key too long", in: edit(t, func(r *PushRequest) { r.Messages[1].IdempotencyKey = strings.Repeat("k", MaxKeyLen+1) }), wantField: "messages[1].idempotencyKey"},
		{name: "repeated key", in: edit(t, func(r *PushRequest) {
			r.Messages[1].IdempotencyKey = r.Messages[0].IdempotencyKey
			r.Messages[1].ParentKey = ""
		}), wantField: "messages[1].idempotencyKey"},
		{name: "parent after child", in: edit(t, func(r *PushRequest) {
			r.Messages[0].ParentKey = r.Messages[1].IdempotencyKey
			r.Messages[1].ParentKey = ""
		}), wantField: "messages[0].parentKey"},
		{name: "own parent", in: edit(t, func(r *PushRequest) { r.Messages[1].ParentKey = r.Messages[1].IdempotencyKey }), wantField: "messages[1].parentKey"},
		{name: "no job", in: edit(t, func(r *PushRequest) { r.Messages[1].JobID = "" }), wantField: "messages[1].jobId"},
		{name: "upper-case kind", in: edit(t, func(r *PushRequest) { r.Messages[1].Kind = "Job" }), wantField: "messages[1].kind"},
		{name: "no time", in: edit(t, func(r *PushRequest) { r.Messages[1].CreatedAt = time.Time{} }), wantField: "messages[1].createdAt"},
		{name: "DUIS without request", in: edit(t, func(r *PushRequest) { r.Messages[0].ServiceRequest = nil }), wantField: "messages[0].serviceRequest"},
		{name: "DUIS with body", in: edit(t, func(r *PushRequest) { r.Messages[0].Body = json.RawMessage(`{}`) }), wantField: "messages[0].body"},
		{name: "bad variant", in: edit(t, func(r *PushRequest) { r.Messages[0].ServiceRequest.ServiceReferenceVariant = "8.x" }), wantField: "messages[0].serviceRequest.serviceReferenceVariant"},
		{name: "empty XML", in: edit(t, func(r *PushRequest) { r.Messages[0].ServiceRequest.XML = "" }), wantField: "messages[0].serviceRequest.xml"},
		{name: "not XML", in: edit(t, func(r *PushRequest) { r.Messages[0].ServiceRequest.XML = "hello" }), wantField: "messages[0].serviceRequest.xml"},
		{name: "XML too large", in: edit(t, func(r *PushRequest) { r.Messages[0].ServiceRequest.XML = "<" + strings.Repeat("a", MaxDUISBytes) }), wantField: "messages[0].serviceRequest.xml"},
		{name: "update without body", in: edit(t, func(r *PushRequest) { r.Messages[1].Body = nil }), wantField: "messages[1].body"},
		{name: "update with null body", in: strings.Replace(goodPush, `"body": {"step": "install-and-leave", "note": "no WAN"}`, `"body": null`, 1), wantField: "messages[1].body"},
		{name: "update with a service request", in: edit(t, func(r *PushRequest) { r.Messages[1].ServiceRequest = r.Messages[0].ServiceRequest }), wantField: "messages[1].serviceRequest"},
		{name: "not JSON", in: `{"installerId":`, wantErr: &DecodeError{}},
		{name: "two values", in: goodPush + ` {}`, wantErr: &DecodeError{}},
		{name: "wrong type", in: `{"installerId": 7}`, wantErr: &DecodeError{}},
		{name: "bad time", in: strings.Replace(goodPush, "2026-03-01T09:00:00Z", "yesterday", 1), wantErr: &DecodeError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePushRequest(strings.NewReader(tt.in))
			var fe *FieldError
			var de *DecodeError
			switch {
			case tt.wantField == "" && tt.wantErr == nil:
				if err != nil {
					t.Fatalf("DecodePushRequest = %v, want success", err)
				}
				if len(got.Messages) != 2 || got.Messages[0].ServiceRequest == nil {
					t.Fatalf("decoded %+v", got)
				}
			case tt.wantField != "":
				if !errors.As(err, &fe) || fe.Field != tt.wantField || !errors.Is(err, ErrInvalid) {
					t.Fatalf("DecodePushRequest = %v, want a FieldError on %s", err, tt.wantField)
				}
			default:
				if !errors.As(err, &de) {
					t.Fatalf("DecodePushRequest = %v, want a *DecodeError", err)
				}
			}
		})
	}
}

func TestDecodeRejectsOversize(t *testing.T) {
	// A valid JSON prefix padded with spaces past the limit: refused before
	// parsing.
	big := goodPush + strings.Repeat(" ", MaxPushBytes-len(goodPush)+1)
	if _, err := DecodePushRequest(strings.NewReader(big)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("DecodePushRequest(%d bytes) = %v, want ErrTooLarge", len(big), err)
	}
	ok := goodPush + strings.Repeat(" ", MaxPushBytes-len(goodPush))
	if _, err := DecodePushRequest(strings.NewReader(ok)); err != nil {
		t.Fatalf("DecodePushRequest(exactly %d bytes) = %v", len(ok), err)
	}
}

func TestPushRoundTrip(t *testing.T) {
	req, err := DecodePushRequest(strings.NewReader(goodPush))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := DecodePushRequest(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode of re-encoded request: %v\n%s", err, b)
	}
	if d := pushDiff(req, again); d != "" {
		t.Errorf("round trip changed the request: %s", d)
	}
}

func TestPushResponse(t *testing.T) {
	req, _ := DecodePushRequest(strings.NewReader(goodPush))
	tests := []struct {
		name, in  string
		wantField string
	}{
		{"good", `{"results":[{"idempotencyKey":"job-7:chf-install:1","status":"applied","responseCode":"I99"},
			{"idempotencyKey":"job-7:update:2","status":"retry","retryAfterSeconds":30}]}`, ""},
		{"one short", `{"results":[{"idempotencyKey":"job-7:chf-install:1","status":"applied"}]}`, "results"},
		{"keys swapped", `{"results":[{"idempotencyKey":"job-7:update:2","status":"applied"},
			{"idempotencyKey":"job-7:chf-install:1","status":"applied"}]}`, "results[0].idempotencyKey"},
		{"unknown status", `{"results":[{"idempotencyKey":"job-7:chf-install:1","status":"done"},
			{"idempotencyKey":"job-7:update:2","status":"applied"}]}`, "results[0].status"},
		{"bad code", `{"results":[{"idempotencyKey":"job-7:chf-install:1","status":"rejected","responseCode":"oops"},
			{"idempotencyKey":"job-7:update:2","status":"applied"}]}`, "results[0].responseCode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePushResponse(strings.NewReader(tt.in), req)
			var fe *FieldError
			if tt.wantField == "" && err != nil || tt.wantField != "" && (!errors.As(err, &fe) || fe.Field != tt.wantField) {
				t.Fatalf("DecodePushResponse = %v, want field %q", err, tt.wantField)
			}
		})
	}
}

// A pull response with one of everything; device values from DOMAIN.md §3.2
// (the DCC Boxed test model and firmware).
const goodPull = `{
  "cursor": "c-0042", "more": false,
  "jobs": [{"jobId": "job-7", "siteId": "site-3", "kind": "install", "status": "assigned", "postcode": "SW1A 1AA",
            "mpxn": ["1312345678111", "1234567"], "scheduledFor": "2026-03-01T08:00:00Z", "updatedAt": "2026-02-27T10:00:00Z"}],
  "devices": [{"deviceId": "00-DB-12-34-56-78-90-A0", "deviceType": "ESME", "deviceStatus": "InstalledNotCommissioned",
               "manufacturer": "AB01", "model": "010A030B", "firmwareVersion": "0002012F", "siteId": "site-3",
               "associatedChf": "00-db-12-34-56-78-90-a2", "updatedAt": "2026-02-27T10:00:00Z"}],
  "cpl": [{"deviceType": "ESME", "manufacturer": "AB01", "model": "010A030B", "firmwareVersion": "0002012F", "status": "Active", "updatedAt": "2026-02-01T00:00:00Z"}],
  "wanCoverage": [{"postcode": "SW1A", "cspRegion": "South", "coverage": "partial", "updatedAt": "2026-02-01T00:00:00Z"}],
  "removed": [{"kind": "job", "id": "job-5"}]
}`

func TestDecodePullResponse(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*PullResponse)
		wantField string
	}{
		{"good", func(*PullResponse) {}, ""},
		{"no cursor", func(r *PullResponse) { r.Cursor = "" }, "cursor"},
		{"bad device ID", func(r *PullResponse) { r.Devices[0].DeviceID = "00DB1234567890A0" }, "devices[0].deviceId"},
		{"unknown device type", func(r *PullResponse) { r.Devices[0].DeviceType = "XYZ" }, "devices[0].deviceType"},
		{"unknown status", func(r *PullResponse) { r.Devices[0].DeviceStatus = "Installed" }, "devices[0].deviceStatus"},
		{"long firmware", func(r *PullResponse) { r.Devices[0].FirmwareVersion = "123456789" }, "devices[0].firmwareVersion"},
		{"MPAN too long", func(r *PullResponse) { r.Jobs[0].MPxN[0] = "13123456781110" }, "jobs[0].mpxn[0]"},
		{"CPL status", func(r *PullResponse) { r.CPL[0].Status = "Gone" }, "cpl[0].status"},
		{"coverage word", func(r *PullResponse) { r.WANCoverage[0].Coverage = "maybe" }, "wanCoverage[0].coverage"},
		{"removed kind", func(r *PullResponse) { r.Removed[0].Kind = "site" }, "removed[0].kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r PullResponse
			if err := json.Unmarshal([]byte(goodPull), &r); err != nil {
				t.Fatal(err)
			}
			tt.edit(&r)
			b, _ := json.Marshal(r)
			got, err := DecodePullResponse(bytes.NewReader(b))
			var fe *FieldError
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("DecodePullResponse = %v", err)
				}
				if !reflect.DeepEqual(*got, r) {
					t.Errorf("round trip changed the response")
				}
			} else if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Fatalf("DecodePullResponse = %v, want field %s", err, tt.wantField)
			}
		})
	}
}

func TestDecodeJobStatus(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"applied", `{"jobId":"job-7","allApplied":true,"applied":2,"pending":0,"rejected":0,
			"messages":[{"idempotencyKey":"a","status":"applied","responseCode":"I0"}]}`, true},
		{"contradiction", `{"jobId":"job-7","allApplied":true,"applied":1,"pending":1,"rejected":0,"messages":[]}`, false},
		{"negative", `{"jobId":"job-7","allApplied":false,"applied":-1,"pending":0,"rejected":0,"messages":[]}`, false},
		{"no job", `{"allApplied":false,"applied":0,"pending":0,"rejected":0,"messages":[]}`, false},
		{"reads requested", `{"jobId":"job-7","allApplied":true,"applied":2,"pending":0,"rejected":0,"readsRequested":1,
			"messages":[{"idempotencyKey":"a","status":"applied","responseCode":"I0","variant":"8.11"},
			{"idempotencyKey":"b","status":"applied","responseCode":"I99","variant":"8.9","note":"read requested"}]}`, true},
		{"more reads than applied", `{"jobId":"job-7","allApplied":false,"applied":1,"pending":0,"rejected":0,"readsRequested":2,"messages":[]}`, false},
		{"restore requested", `{"jobId":"job-7","allApplied":true,"applied":3,"pending":0,"rejected":0,"readsRequested":1,"restoresRequested":1,
			"messages":[{"idempotencyKey":"a","status":"applied","responseCode":"I0","variant":"8.14.1"},
			{"idempotencyKey":"b","status":"applied","responseCode":"I99","variant":"8.12.1","note":"restore requested"},
			{"idempotencyKey":"c","status":"applied","responseCode":"I99","variant":"8.9","note":"read requested"}]}`, true},
		{"more restores and reads than applied", `{"jobId":"job-7","allApplied":true,"applied":2,"pending":0,"rejected":0,"readsRequested":1,"restoresRequested":2,"messages":[]}`, false},
		{"negative restores", `{"jobId":"job-7","allApplied":false,"applied":1,"pending":0,"rejected":0,"restoresRequested":-1,"messages":[]}`, false},
		{"long variant", `{"jobId":"job-7","allApplied":false,"applied":1,"pending":0,"rejected":0,
			"messages":[{"idempotencyKey":"a","status":"applied","variant":"` + strings.Repeat("8", MaxKindLen+1) + `"}]}`, false},
		{"long note", `{"jobId":"job-7","allApplied":false,"applied":1,"pending":0,"rejected":0,
			"messages":[{"idempotencyKey":"a","status":"applied","note":"` + strings.Repeat("x", MaxTextLen+1) + `"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeJobStatus(strings.NewReader(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("DecodeJobStatus = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	p, err := DecodeProblem(strings.NewReader(`{"title":"batch does not validate","status":400,"field":"messages[0].kind"}`))
	if err != nil || p.Status != 400 || p.Error() != "api: batch does not validate" {
		t.Fatalf("DecodeProblem = %+v, %v", p, err)
	}
}

var variantRE = regexp.MustCompile(`<(?:sr:)?ServiceReferenceVariant>([^<]+)<`)

// TestConformanceDUISRequestsPush wraps every DUIS request of the shared
// conformance set in a push batch: each must fit the size limits, carry a
// service reference variant the protocol accepts, and survive the round
// trip byte for byte.
func TestConformanceDUISRequestsPush(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "gb", "duis", "requests")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Skipf("no DUIS requests in %s", dir)
	}
	passed := 0
	for _, f := range files {
		xml, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := variantRE.FindSubmatch(xml)
		if m == nil {
			t.Errorf("%s: no ServiceReferenceVariant", filepath.Base(f))
			continue
		}
		req := PushRequest{InstallerID: "E1", Messages: []PushMessage{{
			IdempotencyKey: "k-" + strings.ReplaceAll(strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)), " ", "_"),
			JobID:          "job-1", Kind: KindDUISRequest, CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
			ServiceRequest: &ServiceRequest{ServiceReferenceVariant: string(m[1]), XML: string(xml)},
		}}}
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodePushRequest(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if got.Messages[0].ServiceRequest.XML != string(xml) {
			t.Errorf("%s: XML changed in the round trip", filepath.Base(f))
			continue
		}
		passed++
	}
	t.Logf("%d/%d DUIS requests pushed and decoded", passed, len(files))
}
