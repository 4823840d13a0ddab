//go:build unix

package memtest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestHeapProfileOnSIGUSR1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.pprof")
	written := make(chan string, 4)
	stop := StartHeapProfiles(path, func(f string, a ...any) { written <- fmt.Sprintf(f, a...) })
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-written:
		if p != "heap profile written to "+path+".1" {
			t.Fatalf("logged %q, want the profile written to %s.1", p, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no profile within 10 s of SIGUSR1")
	}
	if _, err := os.Stat(path + ".1"); err != nil {
		t.Fatal(err)
	}
}
