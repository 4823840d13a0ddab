package client

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// TestConformanceRequestTemplates reads the Service Reference Variant of
// every DUIS request template of the conformance set
// (gb/duis/requests, read at test time) and checks it against the variant
// in the file name, and that each template fits a push message.
func TestConformanceRequestTemplates(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "gb", "duis", "requests")
	files, err := filepath.Glob(filepath.Join(dir, "*.XML"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in %s: %v", dir, err)
	}
	variantInName := regexp.MustCompile(`(?:^|_)(\d+(?:\.\d+)+)_`)
	c := &Client{cfg: Config{InstallerID: "alice"}}
	passed := 0
	for _, f := range files {
		name := filepath.Base(f)
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := variantInName.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("%s: no variant in the name", name)
			continue
		}
		got, err := ServiceReferenceVariant(doc)
		if err != nil || got != m[1] {
			t.Errorf("%s: ServiceReferenceVariant = %q, %v, want %q", name, got, err, m[1])
			continue
		}
		pm, err := c.wire(t.Context(), outbox.Message{JobID: "job-1", Kind: api.KindDUISRequest, IdempotencyKey: outbox.NewKey(), Payload: doc, CreatedAt: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)})
		if err != nil || pm.ServiceRequest == nil || pm.ServiceRequest.ServiceReferenceVariant != m[1] {
			t.Errorf("%s: wire = %+v, %v", name, pm, err)
			continue
		}
		passed++
	}
	t.Logf("conformance request templates: %d of %d read and fit a push message", passed, len(files))
}
