package demo

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/diagnose"
)

// TestMeasureDemoHeap measures what the demo site holds in the Go heap
// (issue 10: the desktop app's resident memory): at start (simulated
// devices, the store, the in-process inventory service and their SQLite
// databases), and after a profile read through the meter's connector,
// when the simulator must hold nothing more (profile rows are computed as
// they are asked for, not kept). With SMETSKIT_MEASURE=1 it reads 13
// months and prints a table; otherwise a week, as an ordinary test.
func TestMeasureDemoHeap(t *testing.T) {
	full := os.Getenv("SMETSKIT_MEASURE") == "1"
	span := 7 * 24 * time.Hour
	if full {
		span = 396 * 24 * time.Hour
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	before, anon0 := liveHeap(), rssAnon()
	d, err := Start(ctx, Options{Dir: t.TempDir(), NoPTY: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer d.Close()
	started, anon1 := liveHeap(), rssAnon()

	s, err := diagnose.Open(ctx, d.Meter(0), d.ReaderConfig())
	if err != nil {
		t.Fatalf("Open meter: %v", err)
	}
	now := time.Now()
	r, err := s.Read(ctx, diagnose.Request{Sections: []diagnose.Section{diagnose.SectionProfile}, From: now.Add(-span), To: now})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	_ = s.Close(ctx)
	rows := 0
	for _, p := range r.Profiles {
		rows += len(p.Rows)
	}
	if rows == 0 {
		t.Fatalf("no profile rows read: %+v", r.Problems)
	}
	withReadout := liveHeap()
	runtime.KeepAlive(r)
	afterRead, anon2 := liveHeap(), rssAnon()

	const mb = 1e6
	t.Logf("\ndemo site: Go heap live after a GC; RssAnon (all anonymous memory: the Go heap, SQLite's\n"+
		"allocations, stacks), where /proc has it (MB = 10^6 bytes)\n"+
		"%-44s %8s %8s\n%-44s %8.1f %8.1f\n%-44s %8.1f %8.1f\n%-44s %8.1f %8s (%d profile rows)\n%-44s %8.1f %8.1f\n",
		"", "Go heap", "RssAnon",
		"before Start", float64(before)/mb, float64(anon0)/mb,
		"grown by Start (devices, store, inventory)", float64(started-before)/mb, float64(anon1-anon0)/mb,
		"readout held by the caller", float64(withReadout-afterRead)/mb, "", rows,
		"demo's growth after the read, readout freed", float64(int64(afterRead)-int64(started))/mb, float64(anon2-anon1)/mb)
	// The simulator computes profile rows on demand: a read must not
	// leave megabytes behind in the site (allow for caches and the
	// sessions' goroutines winding down).
	if grown := int64(afterRead) - int64(started); grown > 2<<20 {
		t.Errorf("the demo holds %d bytes more after a %d-row profile read", grown, rows)
	}
}

// rssAnon returns the process's anonymous resident memory in bytes from
// /proc/self/status, or 0 where there is none.
func rssAnon() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssAnon:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// liveHeap returns the Go heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
