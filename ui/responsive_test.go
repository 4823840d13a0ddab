package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
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

// responsiveRig is the demo meter behind an emulated optical line and a
// shell reading it, inside a synctest bubble.
type responsiveRig struct {
	s      *Shell
	r      *ReadoutScreen
	loop   *eventLoop
	calls  *doCounter
	frames *lineFrames
	hungUp chan struct{} // replaced for each read
}

// withResponsiveRig runs f in a synctest bubble whose clock reads
// goldenStart, with the demo site's first meter serving its optical port
// on an emulated line (300 Bd 7E1 for the IEC 62056-21 sign-on, then mode
// E at 9600 Bd 8N1) and a shell with Readout, Jobs and Sync over it.
func withResponsiveRig(t *testing.T, f func(t *testing.T, rig *responsiveRig)) {
	t.Helper()
	inDemoBubble(t, func(t *testing.T, a fyne.App, d *demo.Demo) {
		rig := &responsiveRig{loop: newEventLoop(), frames: &lineFrames{}}
		rig.calls = newDoCounter(rig.loop)
		meter := d.Site.Meters[0]
		probe, port := sim.NewLine(sim.LineConfig{Baud: 300, Format: "7E1"})
		ctx, stop := context.WithCancel(context.Background())
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = meter.ServeOpticalTrace(ctx, port, rig.frames.trace)
		}()
		defer func() {
			stop()
			probe.Close()
			<-served
		}()
		optical := diagnose.Optical(probe, diagnose.OpticalConfig{Name: "sim line", SignOn: iec62056.Options{MaxBaud: 9600},
			ClientSAP: sim.SAPReader, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical})
		dev := Device{Name: "Meter " + meter.Identity().Serial + " (optical, 9600 Bd)", Kind: KindMeter, Config: d.ReaderConfig(),
			Connector: diagnose.ConnectorFunc(func(ctx context.Context) (diagnose.Link, diagnose.Params, error) {
				l, p, err := optical.Connect(ctx)
				if err != nil {
					close(rig.hungUp)
					return nil, nil, err
				}
				return &hangUpLink{Link: l, hungUp: rig.hungUp}, p, nil
			})}
		q := d.Store.Outbox()
		rig.s = newShell(a, Options{Devices: []Device{dev}, Jobs: JobsOptions{Jobs: d.WorkOrders, Queue: q},
			Sync: SyncOptions{Queue: q}}, rig.calls.do)
		defer rig.s.Close()
		rig.r = rig.s.readout
		settle(t, rig.loop, nil, "")
		f(t, rig)
	})
}

// apply runs f as the event goroutine would and fails if it waited on
// anything: in the bubble, time moves only when every goroutine is
// blocked, so a wait on the line would move it.
func (rig *responsiveRig) apply(t *testing.T, what string, f func()) {
	t.Helper()
	before := time.Now()
	f()
	if waited := time.Since(before); waited != 0 {
		t.Errorf("%s held the event goroutine for %v of line time", what, waited)
	}
}

// read reads the profile over span, tapping other screens between the
// read's updates, and cancels once cancelAt rows are shown (0: never). It
// checks what holds for any read: nothing on the event goroutine waits,
// the bridge stays under maxDoPerSecond, an estimate of the time left is
// shown, and the buttons are ready for the next read at the end.
func (rig *responsiveRig) read(t *testing.T, span string, cancelAt int) longRead {
	t.Helper()
	s, r := rig.s, rig.r
	var lr longRead
	rig.calls.reset()
	rig.hungUp = make(chan struct{})
	test.Tap(s.NavButton(ScreenReadout))
	r.SetSpan(span)
	started, framesBefore, before := time.Now(), rig.frames.count(), r.result
	var profileAt time.Time
	framesAtCancel := -1
	sawETA := false
	others := []string{ScreenJobs, ScreenSync, ScreenReadout}
	idle := r.Idle()
	rig.apply(t, "tap Read", func() { test.Tap(r.read) })
	deadline := time.After(2 * time.Hour) // of line time
reading:
	for {
		select {
		case f := <-rig.loop.ch:
			rig.apply(t, "a bridge update", f)
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
		rig.apply(t, "tap "+name, func() { test.Tap(s.NavButton(name)) })
		if s.Current() != name {
			t.Errorf("tap on %s during the read left the shell on %s", name, s.Current())
		}
		if name == ScreenJobs {
			rig.apply(t, "typing a note", func() { test.Type(s.jobs.note, "x") })
		}
		rig.apply(t, "tap Read again", func() { test.Tap(r.read) }) // ignored while reading
		lr.taps++
		if cancelAt > 0 && framesAtCancel < 0 && lr.rows >= cancelAt {
			framesAtCancel = rig.frames.count()
			rig.apply(t, "tap Cancel", func() { test.Tap(r.cancel) })
		}
	}
	// The read goroutine releases the association after the screen has
	// gone idle; wait for it to hang up.
	select {
	case <-rig.hungUp:
	case <-time.After(time.Hour):
		t.Fatal("the read never hung up")
	}
	settle(t, rig.loop, nil, "")
	lr.lineTime = time.Since(started)
	if !profileAt.IsZero() {
		lr.profileTime = time.Since(profileAt)
	}
	lr.frames = rig.frames.count() - framesBefore
	lr.calls, lr.busiest = rig.calls.counts()
	lr.cancelled = framesAtCancel >= 0
	if lr.cancelled {
		lr.after = rig.frames.count() - framesAtCancel
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
	if lr.cancelled {
		if r.result != before || !strings.Contains(r.status.Text, "cancelled") {
			t.Errorf("after Cancel: status %q, the cancelled read's result kept %v", r.status.Text, r.result != before)
		}
	} else if r.result == nil || r.result == before {
		t.Errorf("the read ended with %q", r.status.Text)
	}
	if r.read.Disabled() || !r.cancel.Disabled() {
		t.Errorf("after the read: read disabled %v, cancel disabled %v", r.read.Disabled(), r.cancel.Disabled())
	}
	return lr
}

// logReads prints the reads as a table.
func logReads(t *testing.T, span string, runs ...longRead) {
	t.Helper()
	t.Logf("profile reads (%s) at 9600 Bd, in virtual time:", span)
	t.Logf("%-10s %10s %10s %7s %7s %7s %14s %8s %6s", "read", "line time", "profile", "rows", "frames", "after", "fyne.Do", "busiest", "taps")
	for _, lr := range runs {
		how, after := "to the end", "-"
		if lr.cancelled {
			how, after = "cancelled", fmt.Sprint(lr.after)
		}
		t.Logf("%-10s %10v %10v %7d %7d %7s %14s %8d %6d", how, lr.lineTime.Round(time.Second), lr.profileTime.Round(time.Second),
			lr.rows, lr.frames, after, fmt.Sprintf("%d (%.1f/s)", lr.calls, float64(lr.calls)/lr.lineTime.Seconds()), lr.busiest, lr.taps)
	}
}

// A 13-month profile read of the demo meter through an optical probe at
// 9600 Bd (about twelve minutes of line time, in virtual time): while it
// runs the event goroutine keeps working (taps on Jobs and Sync are
// handled between the read's updates, and neither an update nor a tap
// ever waits: no virtual time passes while one runs, so nothing on the
// event goroutine touches the line), the bridge's calls stay under
// maxDoPerSecond in every second of line time, and Cancel, tapped once ten
// days of rows are shown, stops the read within maxFramesAfterCancel
// frames and keeps nothing of it.
func TestResponsiveDuringLongProfileRead(t *testing.T) {
	withResponsiveRig(t, func(t *testing.T, rig *responsiveRig) {
		lr := rig.read(t, SpanYear, 10*48) // ten days of half-hourly rows
		if !lr.cancelled {
			t.Fatalf("the read ended before ten days of rows were shown (%d)", lr.rows)
		}
		if lr.after > maxFramesAfterCancel {
			t.Errorf("%d frames crossed the line after Cancel, want at most %d", lr.after, maxFramesAfterCancel)
		}
		logReads(t, SpanYear, lr)
	})
}

// The 13-month read to the end (SMETSKIT_MEASURE=1, make bench), with
// the figures of issue 10's "responsive during a 10-minute profile read":
// line time, frames, the bridge's calls per second and the taps handled.
// Without the variable it reads a week, so it cannot rot.
func TestMeasureResponsiveProfileRead(t *testing.T) {
	span, want := SpanWeek, 7*48
	if measuring() {
		span, want = SpanYear, 390*48
	}
	withResponsiveRig(t, func(t *testing.T, rig *responsiveRig) {
		lr := rig.read(t, span, 0)
		if got := profileRows(rig.r.result.readout); got < want {
			t.Errorf("the %s read kept %d profile rows, want at least %d", span, got, want)
		}
		logReads(t, span, lr)
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

// During the demo install none of the wizard's updates waits on the
// event goroutine and taps on other screens are handled between them. The
// demo's hub answers at once (no line pacing), so the install takes less
// than a second of virtual time; the bridge's calls are logged, not
// bounded per second.
func TestResponsiveDuringInstall(t *testing.T) {
	var calls *doCounter
	wrap := func(l *eventLoop) doFunc {
		calls = newDoCounter(l)
		return calls.do
	}
	goldenDemoDo(t, wrap, func(t *testing.T, s *Shell, d *demo.Demo, loop *eventLoop) {
		rig := &responsiveRig{s: s, loop: loop}
		w := s.wizard
		test.Tap(s.NavButton(ScreenCommission))
		settle(t, loop, w.Seen(), "stored run (none yet)")
		calls.reset()
		idle := w.Idle()
		rig.apply(t, "tap Start install", func() { test.Tap(w.run) })
		others := []string{ScreenJobs, ScreenSync, ScreenReadout, ScreenCommission}
		updates, taps := 0, 0
		deadline := time.After(time.Hour)
	installing:
		for {
			select {
			case f := <-loop.ch:
				rig.apply(t, "a bridge update", f)
				updates++
			case <-idle:
				break installing
			case <-deadline:
				t.Fatalf("the install did not end within an hour of virtual time: %s", w.state.Text)
			}
			name := others[taps%len(others)]
			rig.apply(t, "tap "+name, func() { test.Tap(s.NavButton(name)) })
			if s.Current() != name {
				t.Errorf("tap on %s during the install left the shell on %s", name, s.Current())
			}
			taps++
		}
		settle(t, loop, nil, "")
		if w.status == nil || w.status.Status != "done" {
			t.Fatalf("install ended as %+v: %s", w.status, w.state.Text)
		}
		if taps == 0 {
			t.Errorf("the install left no room for taps")
		}
		total, busiest := calls.counts()
		t.Logf("demo install: %d bridge calls (%d in the busiest second), %d updates applied, %d taps handled", total, busiest, updates, taps)
	})
}
