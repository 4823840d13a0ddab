package memtest

import (
	"os"
	"runtime/debug"
)

// DefaultLimit is the Go heap budget the app runs with unless GOMEMLIMIT
// says otherwise. It is a soft limit (runtime/debug.SetMemoryLimit): the
// garbage collector works harder as the Go runtime's memory nears it and
// the scavenger returns freed pages to the OS, but nothing fails above it.
// Measured (main_measure_test.go) the demo's Go heap peaks near 90 MB
// during a 13-month profile read with GOGC's default pacing, and about
// 50 MB of it is live; 96 MiB keeps the collector idle at start-up and
// bounds the read's peak.
const DefaultLimit = 96 << 20

// LimitEnv is the Go runtime's own variable; when set it wins over
// DefaultLimit.
const LimitEnv = "GOMEMLIMIT"

// SetDefaultLimit sets the runtime memory limit to DefaultLimit unless
// GOMEMLIMIT is set (the runtime has then applied it already). It returns
// the limit in force and where it came from ("GOMEMLIMIT" or "default").
func SetDefaultLimit() (limit int64, from string) {
	if os.Getenv(LimitEnv) != "" {
		return debug.SetMemoryLimit(-1), LimitEnv
	}
	debug.SetMemoryLimit(DefaultLimit)
	return DefaultLimit, "default"
}
