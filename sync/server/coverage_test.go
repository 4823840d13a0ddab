package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/sync/api"
)

func (e *env) jobAt(id, installer, postcode string) {
	e.t.Helper()
	b, _ := json.Marshal(Job{ID: id, Installer: installer, Postcode: postcode})
	if r := e.do("POST", "/v1/jobs", "office", b, nil); r.status != http.StatusNoContent {
		e.t.Fatalf("create job: %d %s", r.status, r.body)
	}
}

func (e *env) coverage(who, body string) reply {
	e.t.Helper()
	return e.do("POST", "/v1/coverage", who, []byte(body), nil)
}

func coverageOf(p *api.PullResponse) map[string]string {
	m := map[string]string{}
	for _, c := range p.WANCoverage {
		m[c.Postcode] = c.CSPRegion + "/" + c.Coverage
	}
	return m
}

func TestWANCoveragePull(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.jobAt("job-a", "alice", "ab1 2cd") // matched without case or spaces
		e.jobAt("job-b", "bob", "ZZ9 9ZZ")
		if r := e.coverage("office", `[{"postcode":"AB1 2CD","cspRegion":"North","coverage":"yes"},
			{"postcode":"ZZ99ZZ","cspRegion":"South","coverage":"no"},
			{"postcode":"CD3 4EF","cspRegion":"Central","coverage":"partial"}]`); r.status != 200 || !strings.Contains(string(r.body), `"changed":3`) {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		if d := e.dump("SELECT count(DISTINCT change_seq) FROM wan_coverage"); strings.TrimSpace(d) != "3" {
			t.Errorf("rows of one import share sequence numbers: %s", d)
		}
		first := e.pull("alice", "")
		if got := coverageOf(first); !reflect.DeepEqual(got, map[string]string{"AB1 2CD": "North/yes"}) {
			t.Fatalf("alice's first pull coverage: %v", got)
		}
		if got := coverageOf(e.pull("bob", "")); !reflect.DeepEqual(got, map[string]string{"ZZ99ZZ": "South/no"}) {
			t.Fatalf("bob's first pull coverage: %v", got)
		}
		if p := e.pull("alice", first.Cursor); len(p.WANCoverage) != 0 {
			t.Errorf("up-to-date cursor still carries coverage: %+v", p.WANCoverage)
		}
		// An update reaches the next pull of the installer at that postcode only.
		if r := e.coverage("admin", `[{"postcode":"AB1 2CD","cspRegion":"North","coverage":"partial"},
			{"postcode":"ZZ99ZZ","cspRegion":"South","coverage":"no"}]`); r.status != 200 || !strings.Contains(string(r.body), `"changed":1`) {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		second := e.pull("alice", first.Cursor)
		if got := coverageOf(second); !reflect.DeepEqual(got, map[string]string{"AB1 2CD": "North/partial"}) {
			t.Fatalf("pull after update: %v", got)
		}
		if !second.WANCoverage[0].UpdatedAt.Equal(e.clock.Now()) {
			t.Errorf("updatedAt %v", second.WANCoverage[0].UpdatedAt)
		}
		// A job newly assigned brings its postcode's coverage, imported earlier.
		e.jobAt("job-c", "alice", "CD3 4EF")
		third := e.pull("alice", second.Cursor)
		if got := coverageOf(third); !reflect.DeepEqual(got, map[string]string{"CD3 4EF": "Central/partial"}) {
			t.Fatalf("pull after a new job: %v", got)
		}
		// Re-importing the same rows changes nothing.
		if r := e.coverage("office", `[{"postcode":"CD3 4EF","cspRegion":"Central","coverage":"partial"}]`); r.status != 200 ||
			!strings.Contains(string(r.body), `"changed":0`) {
			t.Fatalf("re-import: %d %s", r.status, r.body)
		}
		if p := e.pull("alice", third.Cursor); len(p.WANCoverage) != 0 {
			t.Errorf("unchanged re-import pulled again: %+v", p.WANCoverage)
		}
		audit, err := e.srv.Audit(t.Context(), 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range audit {
			if a.Action == "coverage.import" {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d coverage.import audit entries, want 3", n)
		}
	})
}

func TestWANCoverageBadImport(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.jobAt("job-a", "alice", "AB1 2CD")
		if r := e.coverage("office", `[{"postcode":"AB1 2CD","cspRegion":"North","coverage":"yes"}]`); r.status != 200 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		before := e.dump("SELECT pc_key, postcode, csp_region, coverage, updated_at, change_seq FROM wan_coverage ORDER BY pc_key",
			"SELECT seq FROM change_seq", "SELECT count(*) FROM audit")
		for name, body := range map[string]string{
			"not json":      `{"postcode":`,
			"object":        `{"postcode":"AB1 2CD","coverage":"no"}`,
			"unknown field": `[{"postcode":"AB1 2CD","coverage":"no","colour":"red"}]`,
			"bad coverage":  `[{"postcode":"AB1 2CD","coverage":"no"},{"postcode":"EF5 6GH","coverage":"maybe"}]`,
			"duplicate":     `[{"postcode":"AB1 2CD","coverage":"no"},{"postcode":"ab12cd","coverage":"yes"}]`,
			"long postcode": `[{"postcode":"AB1 2CD","coverage":"no"},{"postcode":"ABCDEFGHIJ","coverage":"yes"}]`,
			"no postcode":   `[{"postcode":" ","coverage":"yes"}]`,
			"trailing data": `[{"postcode":"AB1 2CD","coverage":"no"}] []`,
		} {
			if r := e.coverage("office", body); r.status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
		if r := e.coverage("alice", `[{"postcode":"AB1 2CD","coverage":"no"}]`); r.status != http.StatusForbidden {
			t.Errorf("installer import: %d", r.status)
		}
		if after := e.dump("SELECT pc_key, postcode, csp_region, coverage, updated_at, change_seq FROM wan_coverage ORDER BY pc_key",
			"SELECT seq FROM change_seq", "SELECT count(*) FROM audit"); after != before {
			t.Errorf("a refused import changed the database:\n%s\n---\n%s", before, after)
		}
		if got := coverageOf(e.pull("alice", "")); !reflect.DeepEqual(got, map[string]string{"AB1 2CD": "North/yes"}) {
			t.Errorf("coverage after refused imports: %v", got)
		}
	})
}

func FuzzParseCoverage(f *testing.F) {
	for _, s := range []string{
		`[{"postcode":"AB1 2CD","cspRegion":"North","coverage":"yes"}]`,
		`[{"postcode":"AB1 2CD","coverage":"no"},{"postcode":"ab12cd","coverage":"yes"}]`,
		`[{"postcode":"AB1 2CD","coverage":"maybe"}]`, `[]`, `{`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ParseCoverage(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Round trip: what was accepted encodes and parses to the same rows.
		out, err := json.Marshal(rows)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseCoverage(bytes.NewReader(out))
		if err != nil || len(again) != len(rows) {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		for i := range rows {
			if again[i].Postcode != rows[i].Postcode || again[i].Coverage != rows[i].Coverage || again[i].CSPRegion != rows[i].CSPRegion {
				t.Fatalf("row %d: %+v != %+v", i, again[i], rows[i])
			}
		}
	})
}
