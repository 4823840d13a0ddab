package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestConfidentialityAndAudit(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.prenotifySite("job-1", "alice")
		e.job("job-2", "bob")
		rd, _ := json.Marshal(Reading{JobID: "job-1", DeviceID: esme, Register: "1.8.0", Value: "000123.4"})
		if r := e.do("POST", "/v1/readings", "alice", rd, nil); r.status != http.StatusNoContent {
			t.Fatalf("alice adds a reading: %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/v1/readings", "bob", rd, nil); r.status != http.StatusForbidden {
			t.Errorf("bob adds a reading to alice's device: %d", r.status)
		}
		for who, want := range map[string]int{"alice": 200, "office": 200, "bob": 403, "admin": 403} {
			r := e.do("GET", "/v1/devices/"+esme+"/readings", who, nil, nil)
			if r.status != want {
				t.Errorf("%s reads consumption: %d, want %d", who, r.status, want)
			}
			if r.status == 200 && !strings.Contains(string(r.body), "000123.4") {
				t.Errorf("%s reading body %s", who, r.body)
			}
		}
		// Jobs: installers see only their own.
		var js []Job
		r := e.do("GET", "/v1/jobs", "bob", nil, nil)
		json.Unmarshal(r.body, &js)
		if len(js) != 1 || js[0].ID != "job-2" {
			t.Errorf("bob's jobs: %s", r.body)
		}
		// Roles on management routes.
		for _, c := range []struct {
			method, path, who string
			want              int
		}{
			{"POST", "/v1/jobs", "alice", 403},
			{"POST", "/v1/tokens", "office", 403},
			{"GET", "/v1/audit", "office", 403},
			{"GET", "/v1/report", "alice", 403},
			{"GET", "/v1/report", "admin", 200},
			{"GET", "/v1/audit", "admin", 200},
		} {
			if r := e.do(c.method, c.path, c.who, []byte("{}"), nil); r.status != c.want {
				t.Errorf("%s %s as %s = %d, want %d", c.method, c.path, c.who, r.status, c.want)
			}
		}
		// A token created through the API works once revoked no more.
		r = e.do("POST", "/v1/tokens", "admin", []byte(`{"name":"carol","role":"installer"}`), nil)
		var tr map[string]string
		json.Unmarshal(r.body, &tr)
		e.tokens["carol"] = tr["token"]
		if r := e.do("GET", "/v1/jobs", "carol", nil, nil); r.status != 200 {
			t.Fatalf("new token: %d", r.status)
		}
		if err := e.srv.RevokeToken(context.Background(), "admin", "carol"); err != nil {
			t.Fatal(err)
		}
		if r := e.do("GET", "/v1/jobs", "carol", nil, nil); r.status != 401 {
			t.Errorf("revoked token: %d", r.status)
		}
		// The audit log has every change, and no secret.
		audit, err := e.srv.Audit(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, a := range audit {
			actions[a.Action]++
			if strings.Contains(a.Detail, mpan) || strings.Contains(a.Detail, code) || strings.Contains(a.Detail, "smk_") {
				t.Errorf("audit entry holds a secret: %+v", a)
			}
		}
		for _, want := range []string{"token.create", "token.revoke", "job.put", "12.2", "reading.add"} {
			if actions[want] == 0 {
				t.Errorf("audit lacks %s: %v", want, actions)
			}
		}
	})
}

func TestReportAndMetrics(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/inv.db")
	e.prenotifySite("job-1", "alice")
	// Five 8.2 reads acted on site 1..5 minutes before they reach the
	// service, one refused 8.3.
	for i := 1; i <= 5; i++ {
		doc := e.build("8.2", map[string]string{"DeviceID": esme})
		if r := e.pushAt("alice", "alice", "job-1", "k"+string(rune('0'+i)), doc, e.clock.Now().Add(-time.Duration(i)*time.Minute)); r.status != 200 {
			t.Fatal(r.status)
		}
	}
	e.mustCode(e.send("office", "", e.build("8.3", map[string]string{"DeviceID": esme})), "E5")
	rep, err := e.srv.Report(context.Background(), e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var v82, v83 *VariantReport
	for i := range rep.Variants {
		switch rep.Variants[i].Variant {
		case "8.2":
			v82 = &rep.Variants[i]
		case "8.3":
			v83 = &rep.Variants[i]
		}
	}
	if v82 == nil || v82.Total != 5 || v82.Applied != 5 || v82.P50MS != 3*60000 || v82.P90MS != 5*60000 || v82.MaxMS != 5*60000 {
		t.Errorf("8.2 line: %+v", v82)
	}
	if v83 == nil || v83.Rejected != 1 || v83.ByCode["E5"] != 1 {
		t.Errorf("8.3 line: %+v", v83)
	}
	var sb strings.Builder
	rep.WriteText(&sb)
	if !strings.Contains(sb.String(), "8.2") || !strings.Contains(sb.String(), "3m0s") {
		t.Errorf("report text:\n%s", sb.String())
	}
	r := e.do("GET", "/metrics", "", nil, nil)
	for _, want := range []string{`inventoryd_service_requests_total{variant="8.2",code="I0"} 5`, `inventoryd_service_requests_total{variant="8.3",code="E5"} 1`,
		"# TYPE inventoryd_apply_seconds histogram", `inventoryd_http_requests_total{route="POST /v1/push",status="200"} 5`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %q:\n%s", want, r.body)
		}
	}
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name string
		xs   []int64
		p    float64
		want int64
	}{
		{"empty", nil, 50, 0},
		{"one", []int64{7}, 99, 7},
		{"median of four", []int64{1, 2, 3, 4}, 50, 2},
		{"p90 of ten", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
		{"p99 of ten", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99, 10},
	}
	for _, tc := range tests {
		if got := percentile(tc.xs, tc.p); got != tc.want {
			t.Errorf("%s: percentile(%v, %v) = %d, want %d", tc.name, tc.xs, tc.p, got, tc.want)
		}
	}
}

func TestSelfSignedCertificate(t *testing.T) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	c, err := SelfSignedCertificate([]string{"localhost", "127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Leaf.NotAfter.Before(now.AddDate(0, 11, 0)) || len(c.Leaf.IPAddresses) != 1 || c.Leaf.DNSNames[0] != "localhost" {
		t.Errorf("certificate: %v %v %v", c.Leaf.NotAfter, c.Leaf.IPAddresses, c.Leaf.DNSNames)
	}
	if len(Fingerprint(c)) != 64 {
		t.Errorf("fingerprint %q", Fingerprint(c))
	}
}
