package ui

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/smetskit/smetskit/app/demo"
)

// goldenStart is the clock of every golden with content: the demo site's
// devices start at it and the laptop reads it (synctest's fake clock is
// moved there before anything starts). A winter date, so that UK local
// time is UTC and the profile's axis labels read the same in London.
var goldenStart = time.Date(2026, time.January, 14, 12, 0, 0, 0, time.UTC)

// goldenDemo runs f in a synctest bubble whose clock reads goldenStart,
// with the demo site (no inventory service, no ptys) started at that time
// and the shell over it in a 1024×700 window. Everything time-dependent
// the screens print (the read's "at 12:00", the laptop's clock, the job's
// schedule, the install's timestamps) then comes out the same on every
// run. The bubble also makes the background goroutines' waits (join
// polls, queue tickers) take no real time.
func goldenDemo(t *testing.T, f func(t *testing.T, s *Shell, d *demo.Demo, loop *eventLoop)) {
	t.Helper()
	goldenDemoDo(t, nil, f)
}

// goldenDemoDo is goldenDemo with the bridges' do func made by wrap from
// the loop's (nil: the loop's own).
func goldenDemoDo(t *testing.T, wrap func(*eventLoop) doFunc, f func(t *testing.T, s *Shell, d *demo.Demo, loop *eventLoop)) {
	t.Helper()
	inDemoBubble(t, func(t *testing.T, a fyne.App, d *demo.Demo) {
		loop := newEventLoop()
		do := doFunc(loop.do)
		if wrap != nil {
			do = wrap(loop)
		}
		s := newShell(a, DemoOptions(d), do)
		defer s.Close()
		s.Window.Resize(fyne.NewSize(1024, 700))
		f(t, s, d, loop)
	})
}

// inDemoBubble runs f in a synctest bubble whose clock reads goldenStart,
// with a test app and the demo site started at that time. It skips where
// local time is not UTC then: the screens print local times.
func inDemoBubble(t *testing.T, f func(t *testing.T, a fyne.App, d *demo.Demo)) {
	t.Helper()
	if _, off := goldenStart.In(time.Local).Zone(); off != 0 {
		// The screens print local times; the goldens hold UTC ones.
		t.Skipf("local time is UTC%+d h on %s; the goldens are recorded where it is UTC (run with TZ=UTC)", off/3600, goldenStart.Format(time.DateOnly))
	}
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(time.Until(goldenStart))
		a := test.NewTempApp(t)
		d, err := demo.Start(context.Background(), demo.Options{Dir: t.TempDir(), NoServer: true, NoPTY: true, Start: time.Now()})
		if err != nil {
			t.Fatalf("demo.Start: %v", err)
		}
		defer func() {
			if err := d.Close(); err != nil {
				t.Errorf("demo Close: %v", err)
			}
		}()
		f(t, a, d)
	})
}

// settle applies the bridges' updates until done is closed, then until
// every goroutine of the bubble is idle and nothing is left queued, so
// the screen is in its final state (a nil done skips the first part). A
// virtual deadline (no real time passes) reports a screen that never gets
// there.
func settle(t *testing.T, loop *eventLoop, done <-chan struct{}, what string) {
	t.Helper()
	deadline := time.After(time.Hour)
	for waiting := done != nil; waiting; {
		select {
		case f := <-loop.ch:
			f()
		case <-done:
			waiting = false
		case <-deadline:
			t.Fatalf("no %s within an hour of virtual time", what)
		}
	}
	for {
		synctest.Wait()
		if len(loop.ch) == 0 {
			return
		}
		loop.drain()
	}
}

// The Jobs screen with the demo job chosen: its site, devices, checklist
// and the three notes queued at start-up.
func TestGoldenJobsDemoJob(t *testing.T) {
	goldenDemo(t, func(t *testing.T, s *Shell, d *demo.Demo, loop *eventLoop) {
		settle(t, loop, s.jobs.Loaded(), "job list")
		if s.jobs.job == nil || s.jobs.job.ID != "J-DEMO-1" {
			t.Fatalf("job on show = %+v, want J-DEMO-1", s.jobs.job)
		}
		test.AssertRendersToMarkup(t, "shell_jobs-demo.xml", s.Window.Canvas())
	})
}

// Readout after a day's read of the demo meter, on its Summary tab:
// identity, clock against the laptop, findings, instantaneous values and
// the profile chart.
func TestGoldenReadoutSummary(t *testing.T) {
	goldenDemo(t, func(t *testing.T, s *Shell, d *demo.Demo, loop *eventLoop) {
		test.Tap(s.NavButton(ScreenReadout))
		r := s.readout
		idle := r.Idle()
		test.Tap(r.read)
		settle(t, loop, idle, "readout of the demo meter")
		if r.result == nil {
			t.Fatalf("no readout: %s", r.status.Text)
		}
		r.tabs.SelectIndex(0)
		test.AssertRendersToMarkup(t, "shell_readout-demo.xml", s.Window.Canvas())
	})
}

// The Commission wizard once the demo install is complete: every step
// done, with what was done.
func TestGoldenCommissionDone(t *testing.T) {
	goldenDemo(t, func(t *testing.T, s *Shell, d *demo.Demo, loop *eventLoop) {
		test.Tap(s.NavButton(ScreenCommission))
		w := s.wizard
		settle(t, loop, w.Seen(), "stored run (none yet)")
		idle := w.Idle()
		test.Tap(w.run)
		settle(t, loop, idle, "demo install")
		if w.status == nil || w.status.Status != "done" {
			t.Fatalf("install ended as %+v: %s", w.status, w.state.Text)
		}
		test.AssertRendersToMarkup(t, "shell_commission-done.xml", s.Window.Canvas())
	})
}

// The Sync screen with the demo's three queued notes, offline.
func TestGoldenSyncQueue(t *testing.T) {
	goldenDemo(t, func(t *testing.T, s *Shell, d *demo.Demo, loop *eventLoop) {
		test.Tap(s.NavButton(ScreenSync))
		settle(t, loop, s.sync.Updated(), "first view of the queue")
		if len(s.sync.msgs) != 3 {
			t.Fatalf("queue shows %d messages, want the demo's 3", len(s.sync.msgs))
		}
		test.AssertRendersToMarkup(t, "shell_sync-queue.xml", s.Window.Canvas())
	})
}

// The profile chart of a day's read as the software painter draws it.
func TestGoldenProfileChartImage(t *testing.T) {
	goldenDemo(t, func(t *testing.T, s *Shell, d *demo.Demo, loop *eventLoop) {
		r := s.readout
		idle := r.Idle()
		test.Tap(r.read)
		settle(t, loop, idle, "readout of the demo meter")
		if r.chart.Points() < 40 {
			t.Fatalf("chart has %d points, want a day's 48", r.chart.Points())
		}
		r.chart.Resize(fyne.NewSize(640, 240))
		test.AssertObjectRendersToImage(t, "chart_profile-day.png", r.chart)
	})
}
