package duis

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// equivalent reports the first difference between two element trees:
// element names and namespaces, attribute values, trimmed text and the
// order of child elements. Comments and whitespace between elements are
// ignored.
func equivalent(a, b *Node, path string) error {
	path += "/" + a.Local
	if a.Local != b.Local || a.Space != b.Space {
		return fmt.Errorf("%s: element {%s}%s vs {%s}%s", path, a.Space, a.Local, b.Space, b.Local)
	}
	if len(a.Attrs) != len(b.Attrs) {
		return fmt.Errorf("%s: %d attributes vs %d", path, len(a.Attrs), len(b.Attrs))
	}
	for i := range a.Attrs {
		if a.Attrs[i].Local != b.Attrs[i].Local || a.Attrs[i].Value != b.Attrs[i].Value {
			return fmt.Errorf("%s: attribute %v vs %v", path, a.Attrs[i], b.Attrs[i])
		}
	}
	ak, bk := a.Elements(), b.Elements()
	if len(ak) != len(bk) {
		return fmt.Errorf("%s: %d child elements vs %d", path, len(ak), len(bk))
	}
	if len(ak) == 0 {
		if at, bt := strings.TrimSpace(a.Text()), strings.TrimSpace(b.Text()); at != bt {
			return fmt.Errorf("%s: text %q vs %q", path, at, bt)
		}
	}
	for i := range ak {
		if err := equivalent(ak[i], bk[i], path); err != nil {
			return err
		}
	}
	return nil
}

func requestTemplates(t testing.TB) []string {
	dir := filepath.Join(conformance.Dir(t), "gb", "duis", "requests")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no request templates in %s: %v", dir, err)
	}
	return files
}

func TestConformanceRequestTemplates(t *testing.T) {
	files := requestTemplates(t)
	typed := 0
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, ok := r.Body.(*GenericBody); ok {
				t.Errorf("body %s did not bind to a typed form: %v", r.Body.BodyElement(), r.bodyErr)
			} else {
				typed++
			}
			if ps := r.Validate(); !ps.OK() {
				t.Errorf("Validate:\n%s", ps)
			}
			out, err := r.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			a, _ := ParseXML(in)
			b, err := ParseXML(out)
			if err != nil {
				t.Fatalf("re-read marshalled output: %v\n%s", err, out)
			}
			if err := equivalent(a, b, ""); err != nil {
				t.Errorf("round trip differs: %v\n%s", err, out)
			}
		})
	}
	t.Logf("%d/%d request templates bound to typed bodies", typed, len(files))
}

func TestConformanceResponses(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "gb", "duis", "responses")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Fatalf("no responses in %s", dir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseResponse(in)
			if err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			if r.ResponseMessage == nil {
				t.Fatalf("no typed ResponseMessage: %v", r.bodyErr)
			}
			if ps := r.Validate(); !ps.OK() {
				t.Errorf("Validate:\n%s", ps)
			}
			if r.Header.ResponseCode == CodeSuccess && (r.ResponseMessage.GBCSPayload == nil || len(*r.ResponseMessage.GBCSPayload) == 0) {
				t.Errorf("I0 response without GBCS payload")
			}
			if r.Header.ResponseID != nil && *r.Header.ResponseID != r.Header.RequestID.ResponseID() {
				t.Errorf("ResponseID %v is not the swapped RequestID %v", r.Header.ResponseID, r.Header.RequestID)
			}
			out, err := r.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			a, _ := ParseXML(in)
			b, err := ParseXML(out)
			if err != nil {
				t.Fatalf("re-read: %v\n%s", err, out)
			}
			if err := equivalent(a, b, ""); err != nil {
				t.Errorf("round trip differs: %v", err)
			}
		})
	}
}

func conformanceDir() (string, bool) { return conformance.Find() }
