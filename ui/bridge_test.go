package ui

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/probe"
)

// A long profile read reports every row; the bridge passes on at most
// ~60 a second and always the last, so the event goroutine is never
// flooded (the window stays responsive during a 10-minute read).
func TestReadoutBridgeThrottlesProgress(t *testing.T) {
	applied := 0
	b := &readoutBridge{do: func(func()) { applied++ }}
	const rows = 20000
	for i := 1; i < rows; i++ {
		b.progress(diagnose.Progress{Section: diagnose.SectionProfile, Rows: i, Expected: rows})
	}
	if applied == 0 || applied > rows/4 {
		t.Errorf("%d of %d progress reports reached the event goroutine, want a throttled few", applied, rows)
	}
	// The final report is never dropped: it is the one left on screen.
	before := applied
	b.progress(diagnose.Progress{Section: diagnose.SectionProfile, Rows: rows, Expected: rows})
	if applied != before+1 {
		t.Errorf("the final progress report was dropped")
	}
}

// In virtual time, a read that reports progress every millisecond for five
// seconds reaches the event goroutine at most ~60 times in any second of
// it, and often enough that the bar moves every second.
func TestReadoutBridgeThrottlesPerSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		perSecond := map[int64]int{}
		b := &readoutBridge{do: func(func()) { perSecond[time.Now().Unix()]++ }}
		start := time.Now()
		const rows = 5000
		for i := 1; i <= rows; i++ {
			b.progress(diagnose.Progress{Section: diagnose.SectionProfile, Rows: i, Expected: rows})
			time.Sleep(time.Millisecond)
		}
		if len(perSecond) != 5 {
			t.Fatalf("reports spread over %d seconds since %v, want 5: %v", len(perSecond), start, perSecond)
		}
		for sec, n := range perSecond {
			if n > int(time.Second/refreshInterval)+1 || n < 30 {
				t.Errorf("second %d: %d refreshes, want between 30 and %d", sec-start.Unix(), n, int(time.Second/refreshInterval)+1)
			}
		}
	})
}

// Every method of the bridges in bridge.go makes exactly one do call and
// touches its screen only inside it: the screens here are nil, so a
// method that reached one on the calling (background) goroutine would
// panic.
func TestBridgeMethodsOnlyQueue(t *testing.T) {
	calls := 0
	do := func(func()) { calls++ }
	rb := &readoutBridge{do: do}
	sb := syncBridge{do: do}
	jb := jobsBridge{do: do}
	cb := connectBridge{do: do}
	wb := commissionBridge{do: do}
	methods := map[string]func(){
		"readout.progress":    func() { rb.progress(diagnose.Progress{Rows: 1, Expected: 1}) },
		"readout.connected":   func() { rb.connected("meter") },
		"readout.done":        func() { rb.done(readResult{}) },
		"readout.failed":      func() { rb.failed(errors.New("x")) },
		"readout.exported":    func() { rb.exported("csv", nil) },
		"sync.update":         func() { sb.update(nil, nil, "") },
		"sync.failed":         func() { sb.failed(errors.New("x")) },
		"sync.said":           func() { sb.said("x") },
		"jobs.show":           func() { jb.show(jobView{}) },
		"jobs.failed":         func() { jb.failed(errors.New("x")) },
		"jobs.reload":         jb.reload,
		"jobs.noteSaved":      func() { jb.noteSaved("x") },
		"connect.ports":       func() { cb.ports(nil) },
		"connect.progress":    func() { cb.progress(probe.Progress{}) },
		"connect.detected":    func() { cb.detected(nil, nil, errors.New("x")) },
		"connect.failed":      func() { cb.failed(errors.New("x")) },
		"commission.status":   func() { wb.status(nil) },
		"commission.finished": func() { wb.finished(nil) },
	}
	for name, m := range methods {
		calls = 0
		m()
		if calls != 1 {
			t.Errorf("%s made %d do calls, want 1", name, calls)
		}
	}
}
