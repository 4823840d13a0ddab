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

// The live Sync screen against a real queue and a real in-process service:
// a message the service refuses shows under Needs attention with its
// reason and what to do; Discard clears it.
func TestSyncScreenNeedsAttentionAndSyncNow(t *testing.T) {
	a := test.NewTempApp(t)
	inv := startInventory(t)
	inv.job(t, "J-1", "AB1 2CD")
	f := openField(t, inv)
	ctx := context.Background()
	q := f.Store.Outbox()
	// J-9 is not this installer's job: the service refuses it for good.
	refused, err := q.Send(ctx, outbox.Message{JobID: "J-9", Kind: "job-update", Payload: []byte(`{"note":"wrong job"}`)})
	if err != nil {
		t.Fatal(err)
	}
	loop := newEventLoop()
	s := newShell(a, LiveOptions(f, liveInstaller), loop.do)
	defer s.Close()
	sy := s.sync
	test.Tap(s.NavButton(ScreenSync))
	if sy.syncNow.Disabled() {
		t.Fatal("Sync now disabled with a server set")
	}
	test.Tap(sy.syncNow)
	for i := 0; len(sy.stuck) == 0 || !strings.Contains(sy.server.Text, "last contact"); i++ {
		if i == 40 {
			t.Fatalf("no refusal shown: summary %q, server %q, stuck %v", sy.summary.Text, sy.server.Text, sy.stuck)
		}
		q.Notify() // the screen rereads the queue on a commit or every 5 s
		loop.runUntil(t, sy.Updated(), "the queue after Sync now")
	}
	m := sy.stuck[0]
	if m.ID != refused || m.State != outbox.Rejected {
		t.Fatalf("stuck = %+v", sy.stuck)
	}
	if got := stuckLine(m); !strings.Contains(got, "J-9 — Refused job update") || !strings.Contains(got, "not assigned") {
		t.Errorf("stuck line = %q", got)
	}
	sy.attention.Select(0)
	if !strings.Contains(sy.detail.Text, "refused this job update of job J-9 for good") || !strings.Contains(sy.detail.Text, "Discard") {
		t.Errorf("detail = %q", sy.detail.Text)
	}
	if !sy.retry.Disabled() || sy.discard.Disabled() {
		t.Errorf("a refused message: retry disabled %v (want true), discard disabled %v (want false)", sy.retry.Disabled(), sy.discard.Disabled())
	}
	test.Tap(sy.discard)
	for i := 0; len(sy.stuck) != 0; i++ {
		if i == 20 {
			t.Fatalf("after discard, stuck = %v", sy.stuck)
		}
		loop.runUntil(t, sy.Updated(), "the queue after discard")
	}
	if got, err := q.Get(ctx, refused); err != nil || got.State == outbox.Rejected {
		t.Errorf("refused message after discard = %+v, %v", got, err)
	}
}

func TestStuckAdviceWords(t *testing.T) {
	tests := []struct {
		name string
		m    outbox.Message
		want []string
	}{
		{"dead", outbox.Message{JobID: "J-1", Kind: "duis-request", State: outbox.Dead, Attempts: 8, LastError: "E19"},
			[]string{"service request of job J-1 was given up after 8 attempt(s)", "device does not exist (E19)", "Retry sends it again"}},
		{"refused", outbox.Message{JobID: "J-2", Kind: "evidence", State: outbox.Rejected, LastError: "E5: commissioned"},
			[]string{"refused this evidence of job J-2 for good", "(E5)", "then Discard it"}},
		{"pending", outbox.Message{JobID: "J-3", Kind: "job-update", State: outbox.Pending}, []string{"goes by itself"}},
	}
	for _, tt := range tests {
		got := stuckAdvice(tt.m)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: stuckAdvice = %q, want %q", tt.name, got, w)
			}
		}
	}
}
