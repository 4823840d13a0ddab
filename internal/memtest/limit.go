package memtest

import (
	"os"
	"runtime/debug"
)

// DefaultLimit is the Go runtime's memory budget the app runs with unless
// GOMEMLIMIT says otherwise. It is a soft limit
// (runtime/debug.SetMemoryLimit): the collector runs more often as the Go
// runtime's memory nears it, and the scavenger returns freed pages to the
// OS, but nothing fails above it (the collector then takes at most about
// half the CPU and the heap grows past it).
//
// Measured with main_measure_test.go (--demo, a 13-month profile read,
// 19,404 rows): the Go heap is about 20 MB live at the first frame and 55
// MB live after the read, and GOGC's default pacing let it peak at 75-94 MB,
// all of it resident. 72 MiB keeps the collector idle at start-up, holds
// the read's peak near 60-65 MB (resident after the read 209-230 MB
// instead of 235-268 MB, 5 runs each) and leaves ~15 MB above the live
// heap, so the collector does not run back to back; 64 MiB was no smaller
// within the machine's noise and slowed the read more.
const DefaultLimit = 72 << 20

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
