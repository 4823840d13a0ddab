package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/smetskit/smetskit/sync/outbox"
)

func TestSyncScreenReflectsQueue(t *testing.T) {
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	s := newShell(a, DemoOptions(d), loop.do)
	defer s.sync.Close()
	test.Tap(s.NavButton(ScreenSync))
	sy := s.sync
	loop.runUntil(t, sy.Updated(), "the first view of the queue")
	if got := sy.summary.Text; !strings.Contains(got, "3 waiting") {
		t.Errorf("summary = %q, want 3 waiting", got)
	}
	if len(sy.jobStates) != 1 || !strings.Contains(jobLine(sy.jobStates[0]), "3 waiting") {
		t.Fatalf("jobs = %+v", sy.jobStates)
	}

	// The server refuses the first message for good: the job needs
	// attention and says why.
	ctx := context.Background()
	q := d.Store.Outbox()
	first := sy.msgs[0].ID
	if err := q.DeadLetter(ctx, first, "E5: the device's status forbids this request"); err != nil {
		t.Fatalf("DeadLetter: %v", err)
	}
	q.Notify()
	loop.runUntil(t, sy.Updated(), "the queue after a dead letter")
	if got := jobLine(sy.jobStates[0]); !strings.Contains(got, "needs attention") || !strings.Contains(got, "E5") {
		t.Errorf("job line = %q, want needs attention with the server's reason", got)
	}
	if !strings.Contains(sy.summary.Text, "need attention") {
		t.Errorf("summary = %q", sy.summary.Text)
	}

	// Retry puts it back in the queue.
	for i, m := range sy.msgs {
		if m.ID == first {
			sy.messages.Select(i)
		}
	}
	if sy.retry.Disabled() || sy.discard.Disabled() {
		t.Fatalf("a dead message selected: retry disabled %v, discard disabled %v", sy.retry.Disabled(), sy.discard.Disabled())
	}
	test.Tap(sy.retry)
	for i := 0; ; i++ {
		if i == 10 {
			t.Fatalf("after retry, summary = %q", sy.summary.Text)
		}
		loop.runUntil(t, sy.Updated(), "the queue after retry")
		m, err := q.Get(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if m.State == outbox.Pending && strings.Contains(sy.summary.Text, "3 waiting") {
			break
		}
	}
	if !sy.retry.Disabled() {
		t.Errorf("retry still enabled for a pending message")
	}
}

func TestJobLineWords(t *testing.T) {
	tests := []struct {
		name string
		j    outbox.JobState
		want string
	}{
		{"waiting", outbox.JobState{JobID: "J-1", Pending: 2, InFlight: 1}, "J-1 — 3 waiting"},
		{"applied", outbox.JobState{JobID: "J-2", Applied: 4}, "applied: safe to leave site"},
		{"dead", outbox.JobState{JobID: "J-3", Dead: 1, LastError: "E19 unknown device"}, "needs attention: Authorisation failed: device does not exist (E19). The service said: unknown device"},
		{"refused by words", outbox.JobState{JobID: "J-4", Rejected: 1, LastError: "job J-4 is not assigned to this installer"}, "J-4 — needs attention: Job J-4 is not assigned to this installer"},
	}
	for _, tt := range tests {
		if got := jobLine(tt.j); !strings.Contains(got, tt.want) {
			t.Errorf("%s: jobLine(%+v) = %q, want %q", tt.name, tt.j, got, tt.want)
		}
	}
}
