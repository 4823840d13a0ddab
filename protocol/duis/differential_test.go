package duis

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// TestXMLLintDifferential mutates valid documents at the XSD's facet
// boundaries and checks that Validate and xmllint agree on each: both
// accept the values just inside a limit and both reject the values just
// outside it.
func TestXMLLintDifferential(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (Debian package libxml2-utils); differential check skipped")
	}
	xsd := conformance.Path(t, "gb/duis/DUIS_Schema_V5.4.xsd")
	marshal := func(name string) []byte {
		out, err := sample(t, name).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	add, nowan, fault, clock, wan := marshal("8.11 add"), marshal("8.14.2"), marshal("8.14.3"), marshal("6.11 GSME"), marshal("12.1 UPRN")
	ic := "30313233343536373839414243444546"
	cases := []struct {
		name     string
		doc      []byte
		from, to string
		valid    bool
	}{
		{"join period 1", add, ">90<", ">1<", true},
		{"join period 3600", add, ">90<", ">3600<", true},
		{"join period 0", add, ">90<", ">0<", false},
		{"join period 3601", add, ">90<", ">3601<", false},
		{"install code 6 bytes", add, ic, ic[:12], true},
		{"install code 5 bytes", add, ic, ic[:10], false},
		{"install code 17 bytes", add, ic, ic + "47", false},
		{"install code odd digits", add, ic, ic[:11], false},
		{"MPxN 13", add, "1312345678111", "1312345678111", true},
		{"MPxN 14", add, "1312345678111", "13123456781110", false},
		{"MPAN 12", add, "1312345678222", "131234567822", false},
		{"unknown request type", add, ">Add<", ">Replace<", false},
		{"EUI lower case", add, "00-DB-12-34-56-78-90-A0", "00-db-12-34-56-78-90-a0", true},
		{"EUI short", add, "00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90", false},
		{"counter max", add, ":1000<", ":18446744073709551615<", true},
		{"counter overflow", add, ":1000<", ":18446744073709551616<", false},
		{"premise type", nowan, "Low Rise Apartment (MDU &lt;= 5 floors)", "High Rise Apartment (MDU &gt; 5 floors)", true},
		{"premise type unknown", nowan, "Low Rise Apartment (MDU &lt;= 5 floors)", "Bungalow", false},
		{"bool 1", nowan, "<sr:AerialInstall>true<", "<sr:AerialInstall>1<", true},
		{"bool yes", nowan, "<sr:AerialInstall>true<", "<sr:AerialInstall>yes<", false},
		{"info 200", nowan, "steel door", "steel door" + strings.Repeat("x", 200-len("meter cupboard under stairs & steel door")), true},
		{"info 201", nowan, "steel door", "steel door" + strings.Repeat("x", 201-len("meter cupboard under stairs & steel door")), false},
		{"missing location", nowan, "<sr:CHFLocation>Basement or Cellar</sr:CHFLocation>", "", false},
		{"incident 15", fault, "INC0001", "INC000100000000", true},
		{"incident 16", fault, "INC0001", "INC0001000000000", false},
		{"connection cradle", fault, "Hot-shoe", "Cradle", true},
		{"connection wire", fault, "Hot-shoe", "Wire", false},
		{"tolerance 86400", clock, ">3600<", ">86400<", true},
		{"tolerance 86401", clock, ">3600<", ">86401<", false},
		{"tolerance -1", clock, ">3600<", ">-1<", false},
		{"date-time with offset", clock, "2014-12-31T23:30:00Z", "2014-12-31T23:30:00+01:00", true},
		{"date-time no zone", clock, "2014-12-31T23:30:00Z", "2014-12-31T23:30:00", true},
		{"date only", clock, "2014-12-31T23:30:00Z", "2014-12-31", false},
		{"UPRN 12 digits", wan, "123456789012", "999999999999", true},
		{"UPRN 13 digits", wan, "123456789012", "1234567890123", false},
		{"UPRN 0", wan, "123456789012", "0", false},
		{"extra element", wan, "</sr:UPRN>", "</sr:UPRN><sr:UPRN>1</sr:UPRN>", false},
		{"schema version", wan, `schemaVersion="5.4"`, `schemaVersion="five"`, false},
	}
	dir := t.TempDir()
	var files []string
	for i, c := range cases {
		if !bytes.Contains(c.doc, []byte(c.from)) {
			t.Fatalf("%s: document lacks %q", c.name, c.from)
		}
		p := filepath.Join(dir, fmt.Sprintf("case-%02d.xml", i))
		if err := os.WriteFile(p, bytes.Replace(c.doc, []byte(c.from), []byte(c.to), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	out, _ := exec.Command(xmllint, append([]string{"--noout", "--nonet", "--schema", xsd}, files...)...).CombinedOutput()
	for i, c := range cases {
		lintOK := bytes.Contains(out, []byte(files[i]+" validates"))
		data, _ := os.ReadFile(files[i])
		ps := Validate(data)
		if lintOK != c.valid {
			t.Errorf("%s: xmllint valid = %v, case says %v", c.name, lintOK, c.valid)
		}
		if ps.OK() != lintOK {
			t.Errorf("%s: Validate OK = %v, xmllint %v:\n%s", c.name, ps.OK(), lintOK, ps)
		}
	}
}
