package duis

import (
	"os"
	"testing"
)

// BenchmarkParseValidate measures DUIS parse + validate per request over
// the request templates (conformance folder) or, without it, the package's
// own samples. Allocations are reported; SetBytes gives MB/s.
func BenchmarkParseValidate(b *testing.B) {
	var docs [][]byte
	if _, ok := conformanceDir(); ok {
		for _, f := range requestTemplates(b) {
			d, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			docs = append(docs, d)
		}
	} else {
		for _, s := range buildSamples {
			r, _ := Build(s.variant, s.fields)
			d, _ := r.Marshal()
			docs = append(docs, d)
		}
	}
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	b.SetBytes(int64(total / len(docs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Parse(docs[i%len(docs)])
		if err != nil {
			b.Fatal(err)
		}
		if ps := r.Validate(); !ps.OK() {
			b.Fatal(ps)
		}
	}
}

// BenchmarkMarshal measures writing a typed 8.11 request.
func BenchmarkMarshal(b *testing.B) {
	r := sampleRequest(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := r.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignVerify measures one Sign and one Verify of an 8.11 request.
func BenchmarkSignVerify(b *testing.B) {
	key, cert := testSigner(b, 9)
	r := sampleRequest(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		signed, err := Sign(r, key, cert)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Verify(signed, cert); err != nil {
			b.Fatal(err)
		}
	}
}
