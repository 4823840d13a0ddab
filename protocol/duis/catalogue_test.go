package duis

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// TestConformanceCatalogueMatrix checks the catalogue against
// gb/duis/duis-request-matrix.json on every variant and property.
func TestConformanceCatalogueMatrix(t *testing.T) {
	var rows []struct {
		Name        string   `json:"Service Request Name"`
		Ref         string   `json:"Service Reference"`
		Variant     string   `json:"Service Reference Variant"`
		Critical    string   `json:"Critical"`
		OnDemand    string   `json:"On Demand"`
		FutureDated string   `json:"Future Dated Response Pattern"`
		Scheduled   string   `json:"DCC Scheduled"`
		NonDevice   string   `json:"Non-Device Request"`
		Roles       []string `json:"Eligible User Roles"`
	}
	if err := json.Unmarshal(conformance.Read(t, "gb/duis/duis-request-matrix.json"), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(catalogue) {
		t.Errorf("matrix has %d variants, catalogue %d", len(rows), len(catalogue))
	}
	yes := func(s string) bool { return s == "Yes" }
	for _, m := range rows {
		v, ok := LookupVariant(m.Variant)
		if !ok {
			t.Errorf("variant %s missing from the catalogue", m.Variant)
			continue
		}
		if name := strings.Join(strings.Fields(m.Name), " "); v.Name != name {
			t.Errorf("%s name = %q, want %q", m.Variant, v.Name, name)
		}
		// The matrix writes the family of 6.20.x as "6.2" (a number that lost
		// its trailing zero); the XSD enumeration says 6.20.
		if ref := v.ServiceReference(); ref != m.Ref && ref != m.Ref+"0" {
			t.Errorf("%s service reference = %s, want %s", m.Variant, ref, m.Ref)
		}
		if v.Critical != yes(m.Critical) || v.OnDemand != yes(m.OnDemand) || v.Scheduled != yes(m.Scheduled) || v.NonDevice != yes(m.NonDevice) {
			t.Errorf("%s flags = crit %v demand %v sched %v nondev %v, want %s %s %s %s", m.Variant,
				v.Critical, v.OnDemand, v.Scheduled, v.NonDevice, m.Critical, m.OnDemand, m.Scheduled, m.NonDevice)
		}
		if v.FutureDated.String() != m.FutureDated {
			t.Errorf("%s future dated = %s, want %s", m.Variant, v.FutureDated, m.FutureDated)
		}
		if got := v.Roles.Names(); !slices.Equal(got, sortRoles(m.Roles)) {
			t.Errorf("%s roles = %v, want %v", m.Variant, got, m.Roles)
		}
	}
}

func sortRoles(rs []string) []string {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b string) int { return slices.Index(roleNames, a) - slices.Index(roleNames, b) })
	return out
}

var srRef = regexp.MustCompile(`^\d+(\.\d+)+$`)

// TestConformanceUseCaseMapping checks the catalogue's GBCS use cases
// against gb/duis/gbcs-use-case-mapping-table.json wherever the table maps
// a use case to Service References: the use case must appear under that
// reference, and must not appear under references the table does not name.
func TestConformanceUseCaseMapping(t *testing.T) {
	var rows []struct {
		Code string `json:"Code"`
		Ref  any    `json:"Service Reference"`
	}
	if err := json.Unmarshal(conformance.Read(t, "gb/duis/gbcs-use-case-mapping-table.json"), &rows); err != nil {
		t.Fatal(err)
	}
	mapped := 0
	for _, r := range rows {
		s, _ := r.Ref.(string)
		var refs []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); srRef.MatchString(p) {
				refs = append(refs, p)
			}
		}
		if len(refs) == 0 {
			continue
		}
		mapped++
		under := func(v Variant, ref string) bool { return v.ID == ref || v.ServiceReference() == ref }
		for _, ref := range refs {
			found := false
			for _, v := range catalogue {
				if under(v, ref) && slices.Contains(v.UseCases, r.Code) {
					found = true
				}
			}
			if !found {
				t.Errorf("use case %s: table maps it to %s, catalogue does not", r.Code, ref)
			}
		}
		for _, v := range catalogue {
			if !slices.Contains(v.UseCases, r.Code) {
				continue
			}
			if !slices.ContainsFunc(refs, func(ref string) bool { return under(v, ref) }) {
				t.Errorf("use case %s listed under %s, table maps it to %v", r.Code, v.ID, refs)
			}
		}
	}
	t.Logf("%d mapped use cases agree", mapped)
}

func TestCatalogueShape(t *testing.T) {
	if len(catalogue) != 129 {
		t.Fatalf("catalogue has %d variants, want 129", len(catalogue))
	}
	typed := 0
	for _, v := range catalogue {
		if v.BodyElement == "" {
			t.Errorf("%s has no body element", v.ID)
		}
		if v.Typed() {
			typed++
		}
		for _, uc := range v.UseCases {
			if uc == "" {
				t.Errorf("%s has an empty use case", v.ID)
			}
		}
	}
	// 23 variants have typed bodies (8.6 included); SignedPreCommand is typed too.
	if typed != 23 {
		t.Errorf("%d typed variants, want 23", typed)
	}
	v, _ := LookupVariant("8.1.1")
	if !v.Critical || !slices.Equal(v.AllowedCommandVariants(), []int{4, 5, 6, 7}) {
		t.Errorf("8.1.1 = %+v, want critical with CV 4-7", v)
	}
	if c, ok := MessageCode("CCS01"); !ok || c != 1 {
		t.Errorf("MessageCode(CCS01) = %d, %v", c, ok)
	}
}
