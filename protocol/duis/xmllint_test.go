package duis

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// generatedDocuments returns everything the package writes that a test can
// produce: Build output for every sample, the same requests signed, every
// request template re-serialised, and the hand-written responses.
func generatedDocuments(t *testing.T) map[string][]byte {
	t.Helper()
	docs := map[string][]byte{}
	key, cert := testSigner(t, 4242)
	for i, s := range buildSamples {
		r, err := Build(s.variant, s.fields)
		if err != nil {
			t.Fatalf("Build %s: %v", s.name, err)
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		docs[fmt.Sprintf("build-%02d.xml", i)] = out
		signed, err := Sign(r, key, cert)
		if err != nil {
			t.Fatal(err)
		}
		docs[fmt.Sprintf("signed-%02d.xml", i)] = signed
	}
	for _, f := range requestTemplates(t) {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Format(in)
		if err != nil {
			t.Fatalf("Format %s: %v", filepath.Base(f), err)
		}
		docs["format-"+filepath.Base(f)] = out
	}
	for i, s := range responseSamples {
		out, err := s.resp.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		docs[fmt.Sprintf("response-%02d.xml", i)] = out
		signed, err := SignResponse(s.resp, key, cert)
		if err != nil {
			t.Fatal(err)
		}
		docs[fmt.Sprintf("signed-response-%02d.xml", i)] = signed
	}
	return docs
}

// TestXMLLintGenerated validates every generated document against the DUIS
// 5.4 schema with libxml2's xmllint (Debian libxml2-utils).
func TestXMLLintGenerated(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (Debian package libxml2-utils); schema check skipped")
	}
	xsd := conformance.Path(t, "gb/duis/DUIS_Schema_V5.4.xsd")
	dir := t.TempDir()
	docs := generatedDocuments(t)
	var files []string
	for name, data := range docs {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	cmd := exec.Command(xmllint, append([]string{"--noout", "--nonet", "--schema", xsd}, files...)...)
	out, err := cmd.CombinedOutput()
	valid := strings.Count(string(out), " validates")
	if err != nil || valid != len(files) {
		t.Errorf("xmllint: %d of %d documents validate (%v):\n%s", valid, len(files), err, out)
	}
	t.Logf("xmllint: %d generated documents validate against DUIS 5.4", valid)
}
