package app

import (
	"os"
	"regexp"
	"testing"
)

// TestVersionMatchesFyneApp keeps the version the programs print equal to
// the one `fyne package` stamps into installers.
func TestVersionMatchesFyneApp(t *testing.T) {
	b, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatalf("read FyneApp.toml: %v", err)
	}
	for key, want := range map[string]string{"Version": Version, "ID": ID, "Name": Name} {
		m := regexp.MustCompile(`(?m)^\s*` + key + `\s*=\s*"([^"]*)"`).FindSubmatch(b)
		if m == nil {
			t.Errorf("FyneApp.toml has no %s", key)
			continue
		}
		if got := string(m[1]); got != want {
			t.Errorf("FyneApp.toml %s = %q, want %q (app.%s)", key, got, want, key)
		}
	}
	if !regexp.MustCompile(`(?m)^\[Migrations\]\s*\n\s*fyneDo\s*=\s*true`).Match(b) {
		t.Errorf("FyneApp.toml lacks [Migrations] fyneDo = true")
	}
}
