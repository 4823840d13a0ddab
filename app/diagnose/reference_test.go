package diagnose

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/sim"
)

// sntpServer answers SNTP requests on a local UDP port with the laptop
// clock plus offset, counting them; silent servers never answer.
func sntpServer(t *testing.T, offset time.Duration, silent bool) (addr string, asked *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no UDP: %v", err)
	}
	asked = new(atomic.Int32)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			asked.Add(1)
			if silent || n < 48 {
				continue
			}
			_, _ = pc.WriteTo(sntpAnswer(buf[:n], time.Now().Add(offset)), from)
		}
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	return pc.LocalAddr().String(), asked
}

func TestNTPClock(t *testing.T) {
	addr, asked := sntpServer(t, 42*time.Second, false)
	shift := time.Duration(0)
	c := &NTPClock{Server: addr, Now: func() time.Time { return time.Now().Add(shift) },
		Online: func() bool { t.Error("online check for a loopback server"); return false }}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		got, err := c.Time(ctx)
		if err != nil {
			t.Fatalf("Time %d: %v", i, err)
		}
		if d := got.Sub(c.now()) - 42*time.Second; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("Time %d is %v from the laptop, want 42 s", i, got.Sub(c.now()))
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("server asked %d times for 3 readings within MaxAge, want 1", n)
	}
	shift = time.Hour // the answer is too old now
	if _, err := c.Time(ctx); err != nil || asked.Load() != 2 {
		t.Errorf("after MaxAge: %v, asked %d times, want 2", err, asked.Load())
	}
	if got := c.Source(); got != "NTP 127.0.0.1" {
		t.Errorf("Source = %q", got)
	}
}

func TestNTPClockWithoutAnswer(t *testing.T) {
	tests := []struct {
		name string
		c    func(t *testing.T) *NTPClock
		want error
	}{
		{"no network", func(*testing.T) *NTPClock {
			return &NTPClock{Server: "pool.ntp.org", Online: func() bool { return false }}
		}, ErrNoNetwork},
		{"silent server", func(t *testing.T) *NTPClock {
			addr, _ := sntpServer(t, 0, true)
			return &NTPClock{Server: addr, Timeout: 100 * time.Millisecond}
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c(t).Time(context.Background())
			if !errors.Is(err, tt.want) {
				t.Errorf("Time = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// fakeReference is a reference clock ahead of the laptop by offset, or
// failing with err, or answering only when ctx ends (block).
type fakeReference struct {
	now    func() time.Time
	offset time.Duration
	err    error
	block  bool
}

func (f fakeReference) Source() string { return "GPS test" }

func (f fakeReference) Time(ctx context.Context) (time.Time, error) {
	if f.block {
		<-ctx.Done()
		return time.Time{}, ctx.Err()
	}
	if f.err != nil {
		return time.Time{}, f.err
	}
	return f.now().Add(f.offset), nil
}

// TestClockAgainstReference reads the simulated meter's clock against a
// reference clock that answers, has no network, or never answers.
func TestClockAgainstReference(t *testing.T) {
	tests := []struct {
		name    string
		ref     fakeReference
		source  string
		drift   time.Duration
		problem string
	}{
		{name: "answers", ref: fakeReference{offset: 30 * time.Second}, source: "GPS test", drift: -30 * time.Second},
		{name: "no network", ref: fakeReference{err: ErrNoNetwork}, problem: "no network"},
		{name: "never answers", ref: fakeReference{block: true}, problem: "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMeter(t, nil)
				cfg := readerConfig(m.Clock)
				tt.ref.now = m.Clock.Now
				cfg.ReferenceClock, cfg.ReferenceWait = tt.ref, 2*time.Second
				ctx, s := open(t, pipeConnector(t, readerServer(m.Model(sim.LevelReader))), cfg)
				c, err := s.Clock(ctx)
				if err != nil {
					t.Fatalf("Clock: %v", err)
				}
				if c.ReferenceSource != tt.source || !strings.Contains(c.ReferenceProblem, tt.problem) || (tt.problem == "") != (c.ReferenceProblem == "") {
					t.Errorf("Clock = source %q problem %q, want %q %q", c.ReferenceSource, c.ReferenceProblem, tt.source, tt.problem)
				}
				if d := c.ReferenceDrift - tt.drift; d < -time.Second || d > time.Second {
					t.Errorf("ReferenceDrift = %v, want %v", c.ReferenceDrift, tt.drift)
				}
				if c.Drift < -time.Second || c.Drift > time.Second {
					t.Errorf("Drift against the laptop = %v, want none", c.Drift)
				}
			})
		})
	}
}

func TestClockCSVSaysReference(t *testing.T) {
	tests := []struct {
		name string
		c    ClockReading
		want string
	}{
		{"reference", ClockReading{Device: testStart, ReferenceSource: "NTP pool.ntp.org", Reference: testStart, ReferenceDrift: 2 * time.Second},
			"reference_source,NTP pool.ntp.org"},
		{"laptop only", ClockReading{Device: testStart, ReferenceProblem: "no network"}, "reference_problem,no network"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteCSV(&b, &Readout{Clock: &tt.c}, SectionClock); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("WriteCSV = %q, want a row %q", b.String(), tt.want)
			}
		})
	}
}
