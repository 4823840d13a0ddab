// Package archtest checks the import rules of ARCHITECTURE.md: the core never
// links Fyne, and the protocol stack imports only the standard library and
// itself.
package archtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/smetskit/smetskit"

// root returns the module root (two levels up from this package).
func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(r, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s", r)
	}
	return r
}

// deps lists the packages pattern depends on (including itself), with test
// dependencies left out, as `go list -deps` reports them.
func deps(t *testing.T, pattern string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", pattern)
	cmd.Dir = root(t)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", pattern, err, msg)
	}
	return strings.Fields(string(out))
}

// present reports whether the folder a pattern names exists yet: packages are
// created only when they have real code.
func present(t *testing.T, pattern string) bool {
	dir := strings.TrimSuffix(strings.TrimPrefix(pattern, "./"), "/...")
	_, err := os.Stat(filepath.Join(root(t), dir))
	return err == nil
}

// TestCoreDoesNotImportFyne keeps Fyne (and with it cgo GL) out of everything
// but ui and main: the inventory server must build on a headless host.
func TestCoreDoesNotImportFyne(t *testing.T) {
	core := []string{"./protocol/...", "./app/...", "./sync/...", "./serial/...", "./usb/...", "./sim/...", "./cmd/inventoryd", "./cmd/smetsctl"}
	checked := 0
	for _, p := range core {
		if !present(t, p) {
			t.Logf("%s: not created yet", p)
			continue
		}
		checked++
		for _, d := range deps(t, p) {
			if strings.HasPrefix(d, "fyne.io/") {
				t.Errorf("%s depends on %s; only ui/ and main may import Fyne", p, d)
				break
			}
		}
	}
	if checked == 0 {
		t.Fatal("no core package found to check")
	}
}

// TestBoundaryCheckSeesFyne proves the check above can fail: the ui package
// must show up as depending on Fyne.
func TestBoundaryCheckSeesFyne(t *testing.T) {
	for _, d := range deps(t, "./ui") {
		if strings.HasPrefix(d, "fyne.io/") {
			return
		}
	}
	t.Fatal("go list -deps ./ui shows no fyne.io package: the boundary check cannot see Fyne")
}

// protocolAllowed lists the non-standard imports the protocol stack may have,
// each agreed in an issue.
var protocolAllowed = []string{
	"github.com/russellhaering/goxmldsig", // DUIS XML signatures (issue 5)
	"github.com/beevik/etree",             // goxmldsig's XML tree
	"github.com/jonboulle/clockwork",      // goxmldsig's clock
}

// TestProtocolImportsOnlyStdlib keeps protocol/ free of serial, SQL and GUI
// libraries: codecs take bytes, sessions take a byte transport.
func TestProtocolImportsOnlyStdlib(t *testing.T) {
	if !present(t, "./protocol/...") {
		t.Skip("protocol/ not created yet")
	}
	for _, d := range deps(t, "./protocol/...") {
		first := strings.SplitN(d, "/", 2)[0]
		if !strings.Contains(first, ".") || strings.HasPrefix(d, module+"/protocol/") {
			continue // standard library or the protocol stack itself
		}
		ok := false
		for _, a := range protocolAllowed {
			if d == a || strings.HasPrefix(d, a+"/") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("protocol/ depends on %s; protocol packages import only the standard library and each other", d)
		}
	}
}
