//go:build unix

package axdr

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time of the process so far, all
// threads included (GC workers too). Benchmarks report throughput per CPU
// second beside wall-clock MB/s, which a loaded shared machine distorts.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
