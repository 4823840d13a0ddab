//go:build !unix

package axdr

import "time"

// processCPU is not measured on this platform; the CPU metric is skipped.
func processCPU() time.Duration { return 0 }
