package gbcs

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// TestConformanceDUISPayloads decodes the base64 GBCSPayload elements of
// the DUIS responses and JSON fixtures in gb/duis (DCC Boxed messages):
// the ECS52 responses must report a firmware version, the 8F20 alert its
// alert code, the 8.13 CS06 local-delivery response its outcome.
func TestConformanceDUISPayloads(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "gb", "duis")
	var files []string
	for _, pat := range []string{"responses/*", "requests/8.13_*", "duis-simplified-json-examples.json"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	re := regexp.MustCompile(`(?:GBCSPayload|DeviceGBCSResponse)(?:>|"\s*:\s*")([A-Za-z0-9+/=][A-Za-z0-9+/=\s]*)`)
	n := 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(text, -1) {
			name := filepath.Base(f)
			d, err := DecodeText(string(m[1]))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if d.PayloadError != "" {
				t.Errorf("%s: payload: %s", name, d.PayloadError)
			}
			n++
			switch {
			case d.UseCase == "ECS52" && d.Header.CRA == CRAResponse:
				if d.Facts == nil || d.Facts.FirmwareVersion == "" {
					t.Errorf("%s: ECS52 response without firmware version: %+v", name, d.Facts)
				}
			case d.UseCase == "CS06" && d.Header.CRA == CRAResponse:
				if d.Facts == nil || d.Facts.Outcome != "success" || d.Facts.FirmwareVersion == "" {
					t.Errorf("%s: CS06 local response facts = %+v", name, d.Facts)
				}
			case d.Header.CRA == CRAAlert:
				if d.Facts == nil || d.Facts.AlertCode == nil || *d.Facts.AlertCode != 0x8F20 {
					t.Errorf("%s: alert facts = %+v, want 0x8F20", name, d.Facts)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no GBCSPayload found in gb/duis")
	}
	t.Logf("%d DUIS GBCS payloads decoded", n)
}
