package memtest

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
)

// HeapProfileEnv names the file the app writes heap profiles to.
const HeapProfileEnv = "SMETSKIT_HEAPPROFILE"

// WriteHeapProfile runs a garbage collection, so the profile's in-use
// figures are current, and writes the heap profile (pprof format) to path.
func WriteHeapProfile(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write heap profile: %w", err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("write heap profile %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write heap profile: %w", err)
	}
	return nil
}

// StartHeapProfiles writes a heap profile to path.N (N = 1, 2, …) each
// time the process gets SIGUSR1 (on Unix; elsewhere only at stop), and to
// path itself when stop is called. An empty path does nothing. Errors go
// to logf; stop waits for a profile being written and may be called more
// than once.
func StartHeapProfiles(path string, logf func(string, ...any)) (stop func()) {
	if path == "" {
		return func() {}
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	write := func(p string) {
		if err := WriteHeapProfile(p); err != nil {
			logf("%v", err)
			return
		}
		logf("heap profile written to %s", p)
	}
	n := 0
	stopSignals := onSignal(func() {
		n++
		write(fmt.Sprintf("%s.%d", path, n))
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			stopSignals()
			write(path)
		})
	}
}
