package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJobErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"jobs": [{"jobId": ""}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{name: "no sub-command", args: []string{"job", "--data", data}, code: 2},
		{name: "show without a job", args: []string{"job", "show", "--data", data}, code: 2},
		{name: "list with an operand", args: []string{"job", "list", "x", "--data", data}, code: 2},
		{name: "import a file that is not there", args: []string{"job", "import", filepath.Join(dir, "none.json"), "--data", data}, code: 1, msg: "no such file"},
		{name: "import a broken file", args: []string{"job", "import", bad, "--data", data}, code: 1, msg: "import " + bad},
		{name: "show an unknown job", args: []string{"job", "show", "J-NONE", "--data", data}, code: 1, msg: "no such job"},
		{name: "start an unknown job", args: []string{"job", "start", "J-NONE", "--data", data}, code: 1, msg: "no such job"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := smetsctl(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("smetsctl %s = %d, %q; want %d and %q", strings.Join(tt.args, " "), code, errOut, tt.code, tt.msg)
			}
		})
	}
}

// TestJobShowBeforeCommissioning shows an imported job with no run yet.
func TestJobShowBeforeCommissioning(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	out := mustRun(t, "job", "import", writeDemoPull(t, dir), "--data", data)
	if !strings.Contains(out, "imported 1 jobs") {
		t.Errorf("job import = %q", out)
	}
	out = mustRun(t, "job", "show", "--data", data, "J-DEMO-1")
	for _, s := range []string{"Job J-DEMO-1 (install), assigned", "CHF    " + demoCHF, "[ ] Site safety check done", "Commissioning: not started"} {
		if !strings.Contains(out, s) {
			t.Errorf("job show lacks %q:\n%s", s, out)
		}
	}
}
