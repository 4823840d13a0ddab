// Package memtest holds the desktop app's memory diagnostics and budget:
// the default runtime memory limit (SetDefaultLimit) and opt-in heap
// profiles (StartHeapProfiles), so the resident memory issue 10 bounds
// (under 200 MB after a 13-month profile read) can be looked into on a
// user's machine without rebuilding.
//
//	limit, from := memtest.SetDefaultLimit() // GOMEMLIMIT wins when set
//	stop := memtest.StartHeapProfiles(os.Getenv(memtest.HeapProfileEnv), log.Printf)
//	defer stop()
//
// With SMETSKIT_HEAPPROFILE=/tmp/heap.pprof the app writes
// /tmp/heap.pprof.1, .2, … each time it gets SIGUSR1 (Unix) and
// /tmp/heap.pprof when it exits; read them with `go tool pprof`.
package memtest
