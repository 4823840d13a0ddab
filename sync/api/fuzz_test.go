package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// FuzzDecodePushRequest feeds arbitrary bodies to the push decoder with a
// small limit: it must never panic, must refuse anything over the limit
// with ErrTooLarge, and whatever it accepts must validate and survive
// encode → decode unchanged.
func FuzzDecodePushRequest(f *testing.F) {
	const limit = 16 << 10
	f.Add([]byte(goodPush))
	f.Add([]byte(`{"installerId":"E1","messages":[]}`))
	f.Add([]byte(`{"installerId":"E1","messages":[{"idempotencyKey":"a","jobId":"j","kind":"evidence","createdAt":"2026-01-01T00:00:00Z","body":1}]}`))
	f.Add([]byte(`{"installerId":`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add(bytes.Repeat([]byte(" "), limit+1))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := decodePushRequest(bytes.NewReader(data), limit)
		if len(data) > limit {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("decode of %d bytes (limit %d) = %v, want ErrTooLarge", len(data), limit, err)
			}
			return
		}
		if err != nil {
			return
		}
		if err := req.Validate(); err != nil {
			t.Fatalf("accepted a request that does not validate: %v", err)
		}
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("encode accepted request: %v", err)
		}
		again, err := decodePushRequest(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("decode(encode(x)) = %v\n%s", err, b)
		}
		if d := pushDiff(req, again); d != "" {
			t.Fatalf("round trip changed the request: %s", d)
		}
	})
}

// pushDiff describes how b differs from a, or returns "". Bodies are
// compared as JSON values: encoding re-spaces them.
func pushDiff(a, b *PushRequest) string {
	if len(a.Messages) != len(b.Messages) {
		return fmt.Sprintf("%d messages became %d", len(a.Messages), len(b.Messages))
	}
	x, y := *a, *b
	x.Messages = slices.Clone(a.Messages)
	y.Messages = slices.Clone(b.Messages)
	for i := range x.Messages {
		if !jsonEqual(x.Messages[i].Body, y.Messages[i].Body) {
			return fmt.Sprintf("message %d body %s became %s", i, x.Messages[i].Body, y.Messages[i].Body)
		}
		x.Messages[i].Body, y.Messages[i].Body = nil, nil
	}
	if !reflect.DeepEqual(x, y) {
		return fmt.Sprintf("\n%+v\n%+v", x, y)
	}
	return ""
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// FuzzDecodeAnswers feeds arbitrary bodies to the decoders of the server's
// answers (pull response, push response, job status, problem): none may
// panic, and what the pull and job status decoders accept must survive
// encode → decode.
func FuzzDecodeAnswers(f *testing.F) {
	const limit = 32 << 10
	f.Add([]byte(goodPull))
	f.Add([]byte(`{"results":[{"idempotencyKey":"job-7:chf-install:1","status":"applied","responseCode":"I99"},{"idempotencyKey":"job-7:update:2","status":"retry"}]}`))
	f.Add([]byte(`{"jobId":"job-7","allApplied":true,"applied":2,"pending":0,"rejected":0,"messages":[{"idempotencyKey":"a","status":"applied"}]}`))
	f.Add([]byte(`{"jobId":"job-7","allApplied":true,"applied":1,"pending":0,"rejected":0,"readsRequested":1,"messages":[{"idempotencyKey":"b","status":"applied","responseCode":"I99","variant":"8.9","note":"read requested"}]}`))
	f.Add([]byte(`{"jobId":"job-7","allApplied":true,"applied":2,"pending":0,"rejected":0,"readsRequested":1,"restoresRequested":1,"messages":[{"idempotencyKey":"b","status":"applied","responseCode":"I99","variant":"8.12.1","note":"restore requested"}]}`))
	f.Add([]byte(`{"title":"batch does not validate","status":400}`))
	f.Add([]byte(`{"cursor":"c","more":true,"jobs":null,"devices":[{}]}`))
	req, err := DecodePushRequest(bytes.NewReader([]byte(goodPush)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		DecodePushResponse(bytes.NewReader(data), req)
		DecodePushResponse(bytes.NewReader(data), nil)
		if st, err := DecodeJobStatus(bytes.NewReader(data)); err == nil {
			b, err := json.Marshal(st)
			if err != nil {
				t.Fatalf("encode accepted job status: %v", err)
			}
			again, err := DecodeJobStatus(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("decode(encode(job status)) = %v\n%s", err, b)
			}
			if len(st.Messages) == 0 {
				st.Messages = nil
			}
			if len(again.Messages) == 0 {
				again.Messages = nil
			}
			if !reflect.DeepEqual(st, again) {
				t.Fatalf("round trip changed the job status:\n%+v\n%+v", st, again)
			}
		}
		DecodeProblem(bytes.NewReader(data))
		pull, err := decodePullResponse(bytes.NewReader(data), limit)
		if len(data) > limit {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("decode of %d bytes (limit %d) = %v, want ErrTooLarge", len(data), limit, err)
			}
			return
		}
		if err != nil {
			return
		}
		b, err := json.Marshal(pull)
		if err != nil {
			t.Fatalf("encode accepted pull response: %v", err)
		}
		again, err := decodePullResponse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("decode(encode(x)) = %v\n%s", err, b)
		}
		if !reflect.DeepEqual(normalise(pull), normalise(again)) {
			t.Fatalf("round trip changed the pull response:\n%+v\n%+v", pull, again)
		}
	})
}

// normalise maps empty slices to nil (JSON null and [] decode differently)
// and times to UTC instants, so DeepEqual compares values.
func normalise(p *PullResponse) PullResponse {
	x := *p
	if len(x.Jobs) == 0 {
		x.Jobs = nil
	}
	if len(x.Devices) == 0 {
		x.Devices = nil
	}
	if len(x.CPL) == 0 {
		x.CPL = nil
	}
	if len(x.WANCoverage) == 0 {
		x.WANCoverage = nil
	}
	if len(x.Removed) == 0 {
		x.Removed = nil
	}
	x.Jobs = slices.Clone(x.Jobs)
	for i := range x.Jobs {
		if len(x.Jobs[i].MPxN) == 0 {
			x.Jobs[i].MPxN = nil
		}
	}
	return x
}
