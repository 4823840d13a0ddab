package ui

import (
	"testing"

	"github.com/smetskit/smetskit/app/diagnose"
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
