package memtest

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestWriteHeapProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.pprof")
	var logged []string
	stop := StartHeapProfiles(path, func(f string, a ...any) { logged = append(logged, f) })
	stop()
	stop() // a second stop does nothing
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// pprof profiles are gzip-compressed protocol buffers.
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("heap profile is not gzip: % x", b[:min(len(b), 8)])
	}
	if len(logged) != 1 {
		t.Fatalf("logged %d lines, want 1: %q", len(logged), logged)
	}
}

func TestWriteHeapProfileError(t *testing.T) {
	if err := WriteHeapProfile(filepath.Join(t.TempDir(), "no", "such", "dir")); err == nil {
		t.Fatal("no error for a missing folder")
	}
}

func TestStartHeapProfilesEmptyPath(t *testing.T) {
	StartHeapProfiles("", nil)()
}

func TestSetDefaultLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)

	t.Setenv(LimitEnv, "")
	os.Unsetenv(LimitEnv)
	if limit, from := SetDefaultLimit(); limit != DefaultLimit || from != "default" || debug.SetMemoryLimit(-1) != DefaultLimit {
		t.Fatalf("SetDefaultLimit() = %d, %q", limit, from)
	}
	// With GOMEMLIMIT set the runtime's value (applied at start) stays.
	debug.SetMemoryLimit(123 << 20)
	t.Setenv(LimitEnv, "123MiB")
	if limit, from := SetDefaultLimit(); limit != 123<<20 || from != LimitEnv {
		t.Fatalf("with GOMEMLIMIT: SetDefaultLimit() = %d, %q", limit, from)
	}
}
