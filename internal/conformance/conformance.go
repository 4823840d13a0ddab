// Package conformance locates the shared conformance vectors at test time.
//
// The vectors (DLMS, IEC 62056-21, DUIS, GBCS) are not part of this
// repository: several are GPL-licensed test data. Tests read them from the
// folder named by SMETSKIT_CONFORMANCE, or from ../shared/conformance beside
// the repository root. Where neither exists, conformance tests skip with a
// message that says where the vectors were looked for.
//
//	dir := conformance.Dir(t)             // skips the test when absent
//	data := conformance.Read(t, "dlms/hdlc_frames.json")
package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the environment variable that points at the conformance folder.
const EnvVar = "SMETSKIT_CONFORMANCE"

// Find returns the conformance folder and whether it exists. It looks at
// SMETSKIT_CONFORMANCE first, then at ../shared/conformance relative to the
// module root (the folder holding go.mod, found by walking up from the
// working directory).
func Find() (string, bool) {
	if d := os.Getenv(EnvVar); d != "" {
		return d, isDir(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "conformance")
			return d, isDir(d)
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// Dir returns the conformance folder, or skips the test when it is absent.
func Dir(tb testing.TB) string {
	tb.Helper()
	d, ok := Find()
	if !ok {
		tb.Skipf("conformance vectors not found (set %s or place them at ../shared/conformance): looked at %q", EnvVar, d)
	}
	return d
}

// Path joins rel onto the conformance folder, skipping the test when the
// folder is absent. A missing file inside a present folder fails the test.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("conformance file: %v", err)
	}
	return p
}

// Read returns the bytes of a conformance file (see Path).
func Read(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, rel))
	if err != nil {
		tb.Fatalf("read conformance file: %v", err)
	}
	return b
}

// Vector is one entry of the DLMS vector files (hdlc_frames.json,
// apdu_*.json, axdr_data.json, security.json, iec62056_21.json,
// wrapper.json, interop_captures_local.json). Decode is kept raw: each
// layer's test unmarshals the keys it checks.
type Vector struct {
	ID     string          `json:"id"`
	Hex    string          `json:"hex"`
	Decode json.RawMessage `json:"decode"`
	Notes  string          `json:"notes,omitempty"`
}

// Vectors reads one of the DLMS vector files, for example
// "dlms/hdlc_frames.json".
func Vectors(tb testing.TB, rel string) []Vector {
	tb.Helper()
	var f struct {
		Title   string   `json:"title"`
		Vectors []Vector `json:"vectors"`
	}
	if err := json.Unmarshal(Read(tb, rel), &f); err != nil {
		tb.Fatalf("parse %s: %v", rel, err)
	}
	if len(f.Vectors) == 0 {
		tb.Fatalf("%s holds no vectors", rel)
	}
	return f.Vectors
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
