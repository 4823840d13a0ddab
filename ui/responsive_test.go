package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

// measuring reports whether the full measurements were asked for
// (SMETSKIT_MEASURE=1, make bench); without it the tests below run a small
// version of themselves so they cannot rot.
func measuring() bool { return os.Getenv("SMETSKIT_MEASURE") == "1" }

// doCounter is a do func that counts the bridge's calls per second of
// virtual time before queueing them on the test's event loop.
type doCounter struct {
	loop *eventLoop

	mu        sync.Mutex
	perSecond map[int64]int // virtual Unix second → calls
	total     int
}

func newDoCounter(loop *eventLoop) *doCounter {
	return &doCounter{loop: loop, perSecond: map[int64]int{}}
}

func (c *doCounter) do(f func()) {
	c.mu.Lock()
	c.perSecond[time.Now().Unix()]++
	c.total++
	c.mu.Unlock()
	c.loop.do(f)
}

// counts returns the calls so far and the most made in one second.
func (c *doCounter) counts() (total, busiest int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.perSecond {
		busiest = max(busiest, n)
	}
	return c.total, busiest
}

// reset starts counting afresh.
func (c *doCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.perSecond, c.total = map[int64]int{}, 0
}

// lineFrames counts the messages the meter's optical port sends and
// receives (IEC 62056-21 sign-on, then HDLC frames).
type lineFrames struct {
	mu sync.Mutex
	n  int
}

func (l *lineFrames) trace(string, []byte) { l.mu.Lock(); l.n++; l.mu.Unlock() }
func (l *lineFrames) count() int           { l.mu.Lock(); defer l.mu.Unlock(); return l.n }

// hangUpLink tells when the readout's session has closed its link, the
// last thing a read does after the screen has gone idle.
type hangUpLink struct {
	diagnose.Link
	once   sync.Once
	hungUp chan struct{}
}

func (l *hangUpLink) Close(ctx context.Context) error {
	err := l.Link.Close(ctx)
	l.once.Do(func() { close(l.hungUp) })
	return err
}

// LinkFrames keeps the HDLC frames of the wrapped link in the evidence.
func (l *hangUpLink) LinkFrames() []diagnose.Frame {
	if f, ok := l.Link.(interface{ LinkFrames() []diagnose.Frame }); ok {
		return f.LinkFrames()
	}
	return nil
}

// maxDoPerSecond bounds the bridge's calls in any second of a read: the
// ~60 progress refreshes the throttle lets through plus a handful of other
// updates (connected, done, the device set).
const maxDoPerSecond = 60 + 5

// maxFramesAfterCancel bounds the line traffic after Cancel: the profile
// request in flight (a day's rows, diagnose.Config.ProfileChunk: some 40
// HDLC frames with their acknowledgements at 9600 Bd) and, once it is
// answered, the association's release and the disconnect. A read that
// went on to the next day would pass the bound.
const maxFramesAfterCancel = 64

// longRead is what one read of the responsiveness test saw.
type longRead struct {
	lineTime, profileTime time.Duration
	rows, frames, after   int
	calls, busiest, taps  int
	cancelled             bool
}

// A 13-month profile read of the demo meter through an optical probe at
// 9600 Bd (IEC 62056-21 sign-on at 300 Bd, mode E, HDLC), in virtual time
// (about twelve minutes of line time): while it runs the event goroutine
// keeps working (taps on Jobs and Sync are handled between the read's
// updates, and neither an update nor a tap ever waits: no virtual time
// passes while one runs, so nothing on the event goroutine touches the
// line), the bridge's calls stay under maxDoPerSecond in every second of
// line time, and Cancel stops the read within maxFramesAfterCancel frames.
// With SMETSKIT_MEASURE=1 a read runs to the end first and the figures
// are logged as a table; otherwise only the read cancelled after ten days
// of rows runs.
func TestResponsiveDuringLongProfileRead(t *testing.T) {
	if _, off := goldenStart.In(time.Local).Zone(); off != 0 {
		t.Skip("local time is not UTC at goldenStart; the test reads the profile up to the laptop's clock")
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

		// The meter's optical port on an emulated line, as a probe meets it.
		meter := d.Site.Meters[0]
		probe, port := sim.NewLine(sim.LineConfig{Baud: 300, Format: "7E1"})
		var frames lineFrames
		ctx, stop := context.WithCancel(context.Background())
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = meter.ServeOpticalTrace(ctx, port, frames.trace)
		}()
		defer func() {
			stop()
			probe.Close()
			<-served
		}()
		optical := diagnose.Optical(probe, diagnose.OpticalConfig{Name: "sim line", SignOn: iec62056.Options{MaxBaud: 9600},
			ClientSAP: sim.SAPReader, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical})
		var hungUp chan struct{}
		dev := Device{Name: "Meter " + meter.Identity().Serial + " (optical, 9600 Bd)", Kind: KindMeter, Config: d.ReaderConfig(),
			Connector: diagnose.ConnectorFunc(func(ctx context.Context) (diagnose.Link, diagnose.Params, error) {
				l, p, err := optical.Connect(ctx)
				if err != nil {
					close(hungUp)
					return nil, nil, err
				}
				return &hangUpLink{Link: l, hungUp: hungUp}, p, nil
			})}

		loop := newEventLoop()
		calls := newDoCounter(loop)
		q := d.Store.Outbox()
		s := newShell(a, Options{Devices: []Device{dev}, Jobs: JobsOptions{Jobs: d.WorkOrders, Queue: q},
			Sync: SyncOptions{Queue: q}}, calls.do)
		defer s.Close()
		r := s.readout
		settle(t, loop, nil, "")

		// apply runs f as the event goroutine would and fails if it
		// waited on anything: in the bubble, time moves only when every
		// goroutine is blocked, so a wait on the line would move it.
		apply := func(what string, f func()) {
			t.Helper()
			before := time.Now()
			f()
			if waited := time.Since(before); waited != 0 {
				t.Errorf("%s held the event goroutine for %v of line time", what, waited)
			}
		}
		others := []string{ScreenJobs, ScreenSync, ScreenReadout}

		// read reads 13 months, cancelling once cancelAt rows are shown
		// (0: never).
		read := func(cancelAt int) longRead {
			var lr longRead
			calls.reset()
			hungUp = make(chan struct{})
			test.Tap(s.NavButton(ScreenReadout))
			r.SetSpan(SpanYear)
			started, framesBefore, before := time.Now(), frames.count(), r.result
			var profileAt time.Time
			framesAtCancel := -1
			sawETA := false
			idle := r.Idle()
			apply("tap Read", func() { test.Tap(r.read) })
			deadline := time.After(2 * time.Hour) // of line time
		reading:
			for {
				select {
				case f := <-loop.ch:
					apply("a bridge update", f)
				case <-idle:
					break reading
				case <-deadline:
					t.Fatalf("the read did not end within two hours of line time: %s", r.status.Text)
				}
				n := profileRowsShown(r.status.Text)
				if n == 0 {
					continue
				}
				if profileAt.IsZero() {
					profileAt = time.Now()
				}
				lr.rows = max(lr.rows, n)
				sawETA = sawETA || strings.Contains(r.status.Text, "left")
				// Between the read's updates the engineer works elsewhere.
				name := others[lr.taps%len(others)]
				apply("tap "+name, func() { test.Tap(s.NavButton(name)) })
				if s.Current() != name {
					t.Errorf("tap on %s during the read left the shell on %s", name, s.Current())
				}
				if name == ScreenJobs {
					apply("typing a note", func() { test.Type(s.jobs.note, "x") })
				}
				apply("tap Read again", func() { test.Tap(r.read) }) // ignored while reading
				lr.taps++
				if cancelAt > 0 && framesAtCancel < 0 && lr.rows >= cancelAt {
					framesAtCancel = frames.count()
					apply("tap Cancel", func() { test.Tap(r.cancel) })
				}
			}
			// The read goroutine releases the association after the
			// screen has gone idle; wait for it to hang up.
			select {
			case <-hungUp:
			case <-time.After(time.Hour):
				t.Fatal("the read never hung up")
			}
			settle(t, loop, nil, "")
			lr.lineTime = time.Since(started)
			if !profileAt.IsZero() {
				lr.profileTime = time.Since(profileAt)
			}
			lr.frames = frames.count() - framesBefore
			lr.calls, lr.busiest = calls.counts()
			lr.cancelled = framesAtCancel >= 0
			if lr.cancelled {
				lr.after = frames.count() - framesAtCancel
			}

			if lr.taps == 0 {
				t.Errorf("the read left no room for taps: %s", r.status.Text)
			}
			if !sawETA {
				t.Errorf("no estimate of the time left was shown during the profile read")
			}
			if lr.busiest > maxDoPerSecond {
				t.Errorf("the bridge made %d calls in one second of line time, want at most %d", lr.busiest, maxDoPerSecond)
			}
			switch {
			case lr.cancelled:
				if r.result != before || !strings.Contains(r.status.Text, "cancelled") {
					t.Errorf("after Cancel: status %q, the cancelled read's result kept %v", r.status.Text, r.result != before)
				}
				if lr.after > maxFramesAfterCancel {
					t.Errorf("%d frames crossed the line after Cancel, want at most %d", lr.after, maxFramesAfterCancel)
				}
			case r.result == nil:
				t.Errorf("the full read ended with %q", r.status.Text)
			case profileRows(r.result.readout) < 390*48:
				t.Errorf("the full read kept %d profile rows, want 13 months' worth", profileRows(r.result.readout))
			}
			if r.read.Disabled() || !r.cancel.Disabled() {
				t.Errorf("after the read: read disabled %v, cancel disabled %v", r.read.Disabled(), r.cancel.Disabled())
			}
			return lr
		}

		var runs []longRead
		if measuring() {
			runs = append(runs, read(0))
		}
		runs = append(runs, read(10*48)) // ten days of half-hourly rows
		t.Logf("13-month profile reads at 9600 Bd, virtual time:")
		t.Logf("%-10s %10s %10s %7s %7s %7s %9s %8s %6s", "read", "line time", "profile", "rows", "frames", "after", "fyne.Do", "busiest", "taps")
		for _, lr := range runs {
			how, after := "to the end", "-"
			if lr.cancelled {
				how, after = "cancelled", fmt.Sprint(lr.after)
			}
			t.Logf("%-10s %10v %10v %7d %7d %7s %9s %8d %6d", how, lr.lineTime.Round(time.Second), lr.profileTime.Round(time.Second),
				lr.rows, lr.frames, after, fmt.Sprintf("%d (%.1f/s)", lr.calls, float64(lr.calls)/lr.lineTime.Seconds()), lr.busiest, lr.taps)
		}
	})
}

// profileRowsShown reads n from "Reading load profile: n of m rows…".
func profileRowsShown(status string) int {
	var n, m int
	if _, err := fmt.Sscanf(status, "Reading load profile: %d of %d rows", &n, &m); err != nil {
		return 0
	}
	return n
}
