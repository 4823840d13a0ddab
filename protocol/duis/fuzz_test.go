package duis

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// fuzzSeeds adds the package's own documents and, when the conformance
// folder is present, the DUIS templates and responses (read at test time,
// never stored in the repository).
func fuzzSeeds(f *testing.F) {
	for _, s := range buildSamples {
		r, err := Build(s.variant, s.fields)
		if err != nil {
			f.Fatal(err)
		}
		out, _ := r.Marshal()
		f.Add(out)
	}
	for _, s := range responseSamples {
		out, _ := s.resp.Marshal()
		f.Add(out)
	}
	f.Add([]byte(`<sr:Request xmlns:sr="` + NamespaceSR + `"><sr:Header/><sr:Body/></sr:Request>`))
	f.Add([]byte(`<a xmlns:p="u"><p:b p:c="1">x<!--c--><?pi d?></p:b></a>`))
	if dir, ok := conformance.Find(); ok {
		for _, sub := range []string{"requests", "responses"} {
			files, _ := filepath.Glob(filepath.Join(dir, "gb", "duis", sub, "*"))
			for _, p := range files {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
}

// FuzzParseDocument: nothing read from the wire panics, and whatever
// parses re-serialises to a fixed point: Format(Format(x)) == Format(x).
func FuzzParseDocument(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Validate(data)
		d, err := ParseDocument(data)
		if err != nil {
			return
		}
		_ = d.Validate()
		once, err := d.Marshal()
		if err != nil {
			return // a document without a body cannot be written
		}
		d2, err := ParseDocument(once)
		if err != nil {
			t.Fatalf("re-read own output: %v\n%s", err, once)
		}
		twice, err := d2.Marshal()
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("not a fixed point:\n%s\n---\n%s", once, twice)
		}
	})
}

// FuzzVerify: signature checking never panics on hostile input.
func FuzzVerify(f *testing.F) {
	key, cert := testSigner(f, 77)
	signed, err := Sign(sampleRequest(f), key, cert)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Verify(data, cert)
		_, _ = Signer(data)
	})
}

// FuzzRequestID: parsing never panics and accepted IDs round-trip.
func FuzzRequestID(f *testing.F) {
	f.Add("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1002")
	f.Add("90-b3-d5-1f-30-01-00-00:88-73-84-57-00-2f-96-1e:18446744073709551615")
	f.Add("00DB1234567890A0")
	f.Fuzz(func(t *testing.T, s string) {
		if e, err := ParseEUI64(s); err == nil {
			if back, err := ParseEUI64(e.String()); err != nil || back != e {
				t.Fatalf("EUI64 round trip %q: %v %v", s, back, err)
			}
		}
		r, err := ParseRequestID(s)
		if err != nil {
			return
		}
		back, err := ParseRequestID(r.String())
		if err != nil || back != r {
			t.Fatalf("RequestID round trip %q -> %s: %v", s, r, err)
		}
	})
}
