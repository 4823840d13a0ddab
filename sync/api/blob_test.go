package api

import (
	"slices"
	"strings"
	"testing"
)

func TestBlobRefs(t *testing.T) {
	a := strings.Repeat("ab", 32)
	b := strings.Repeat("0f", 32)
	tests := []struct {
		name, body string
		want       []string
	}{
		{"photos and blobs", `{"photos":["` + a + `"],"blobs":["` + b + `","` + a + `"]}`, []string{a, b}},
		{"not hashes", `{"photos":["` + strings.ToUpper(a) + `", 3, {"h":1}, "` + a[:63] + `"]}`, nil},
		{"not an object", `[1,2]`, nil},
		{"photos not an array", `{"photos":"` + a + `"}`, nil},
		{"none", `{"jobId":"J"}`, nil},
	}
	for _, tc := range tests {
		if got := BlobRefs([]byte(tc.body)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if BlobPath(a) != "/v1/blobs/"+a {
		t.Error(BlobPath(a))
	}
}

// FuzzBlobRefs: any body gives at most MaxBlobRefs distinct valid hashes
// and never panics.
func FuzzBlobRefs(f *testing.F) {
	f.Add([]byte(`{"photos":["` + strings.Repeat("ab", 32) + `"]}`))
	f.Add([]byte(`{"blobs":[null]}`))
	f.Add([]byte(`nul`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got := BlobRefs(body)
		if len(got) > MaxBlobRefs {
			t.Fatalf("%d refs", len(got))
		}
		seen := map[string]bool{}
		for _, h := range got {
			if !ValidBlobHash(h) || seen[h] {
				t.Fatalf("ref %q", h)
			}
			seen[h] = true
		}
	})
}
