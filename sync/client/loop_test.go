package client

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sync/outbox"
)

// waitProgress waits for a progress update that satisfies cond.
func waitProgress(t *testing.T, updates <-chan Progress, what string, cond func(Progress) bool) Progress {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case p := <-updates:
			if cond(p) {
				return p
			}
		case <-deadline:
			t.Fatalf("no progress with %s", what)
		}
	}
}

// TestLoopBacksOffAndSyncNow: after a failure the loop waits its backoff
// (an hour here) without sending, but counts what the engineer queues
// meanwhile; SyncNow cuts the wait short.
func TestLoopBacksOffAndSyncNow(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(9, "job-9", "alice")
	tab := newTablet(t, inv, tabletOptions{cfg: func(c *Config) {
		c.Backoff = outbox.Backoff{Base: time.Hour, Max: time.Hour}
		c.Interval = time.Hour
	}})
	inv.fail(faultGarbage) // the first round's pull
	updates, stop := tab.c.Subscribe()
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tab.c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	}()
	p := waitProgress(t, updates, "a server failure", func(p Progress) bool { return p.Kind == KindServer && !p.NextAttempt.IsZero() })
	if p.NextAttempt.Sub(p.LastContact) < 30*time.Minute {
		t.Errorf("next attempt %v after a failure at %v, want the hour's backoff", p.NextAttempt, p.LastContact)
	}
	tab.queue("job-9", 0, inv.siteFlow(9)[:2]...)
	p = waitProgress(t, updates, "2 waiting", func(p Progress) bool { return p.Waiting == 2 })
	if !strings.Contains(p.Summary(), "2 changes waiting") {
		t.Errorf("summary while backing off: %q", p.Summary())
	}
	inv.mu.Lock()
	pushes := len(inv.pushed)
	inv.mu.Unlock()
	if pushes != 0 {
		t.Fatalf("%d pushes during the backoff", pushes)
	}
	tab.c.SyncNow()
	p = waitProgress(t, updates, "all applied", func(p Progress) bool { return p.Applied == 2 && p.Waiting == 0 && !p.Syncing })
	if p.Err != nil || p.Summary() != "All changes sent" {
		t.Errorf("after SyncNow: %v, %q", p.Err, p.Summary())
	}
}

// TestFailureKinds: no route to the service is KindOffline, a bad token
// KindAuth; each has its words, and the messages stay queued with no
// attempt counted while offline.
func TestFailureKinds(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(10, "job-10", "alice")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name  string
		cfg   func(*Config)
		kind  Kind
		words string
	}{
		{"offline", func(c *Config) { c.BaseURL = closed }, KindOffline, "No coverage: 1 change waiting; they will be sent when the connection returns"},
		{"bad token", func(c *Config) { c.Token = "not-a-token" }, KindAuth, "ask the office for a new token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := newTablet(t, inv, tabletOptions{cfg: tc.cfg})
			id := tab.queue("job-10", 0, inv.siteFlow(10)[0])[0]
			err := tab.c.SyncOnce(context.Background())
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.kind {
				t.Fatalf("SyncOnce = %v, want kind %s", err, tc.kind)
			}
			if p := tab.c.Progress(); !strings.Contains(p.Summary(), tc.words) {
				t.Errorf("summary %q, want %q", p.Summary(), tc.words)
			}
			m := tab.msg(id)
			if m.State != outbox.Pending {
				t.Errorf("message after %s: %s", tc.name, m.State)
			}
			if tc.kind == KindOffline && m.Attempts != 0 {
				t.Errorf("offline push counted %d attempts", m.Attempts)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Progress
		want string
	}{
		{"never", Progress{}, "Not synced yet"},
		{"all sent", Progress{LastSuccess: time.Unix(1, 0), Applied: 4}, "All changes sent"},
		{"sending", Progress{Syncing: true, Waiting: 3}, "Sending 3 changes"},
		{"waiting", Progress{Waiting: 1}, "1 change waiting to be sent"},
		{"attention", Progress{NeedsAttention: 2, Waiting: 1}, "2 changes need attention: open the job to retry or discard"},
		{"offline, empty", Progress{Kind: KindOffline}, "No coverage: nothing waiting to be sent"},
		{"offline", Progress{Kind: KindOffline, Waiting: 12}, "No coverage: 12 changes waiting; they will be sent when the connection returns"},
		{"server", Progress{Kind: KindServer, Waiting: 2}, "The inventory service is not answering properly: 2 changes waiting; retrying automatically"},
	} {
		if got := tc.p.Summary(); got != tc.want {
			t.Errorf("%s: Summary() = %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		j    outbox.JobState
		want string
	}{
		{outbox.JobState{Pending: 2, InFlight: 1}, "3 waiting"},
		{outbox.JobState{Applied: 5}, "applied: safe to leave site"},
		{outbox.JobState{Applied: 1, Rejected: 1, LastError: "E5: status forbids"}, "needs attention: E5: status forbids"},
	} {
		jp := JobProgress{JobState: tc.j, Status: tc.j.Status()}
		if got := jp.Summary(); got != tc.want {
			t.Errorf("JobProgress%+v.Summary() = %q, want %q", tc.j, got, tc.want)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{{}, {BaseURL: "ftp://x", Token: "t", Outbox: &outbox.Outbox{}}, {BaseURL: "https://x", Outbox: &outbox.Outbox{}}} {
		if c, err := New(cfg); c != nil || !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) = %v, %v, want ErrConfig", cfg, c, err)
		}
	}
}

// TestRunReleasesLeftoverLeases: a message leased by a process that died
// mid-push goes out as soon as Run starts, not when its lease ends.
func TestRunReleasesLeftoverLeases(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(11, "job-11", "alice")
	tab := newTablet(t, inv, tabletOptions{outbox: outbox.Options{Visibility: time.Hour}})
	id := tab.queue("job-11", 0, inv.siteFlow(11)[0])[0]
	if got, err := tab.ob.Receive(context.Background(), 10); err != nil || len(got) != 1 {
		t.Fatalf("Receive = %v, %v", got, err)
	}
	updates, stop := tab.c.Subscribe()
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tab.c.Run(ctx) }()
	waitProgress(t, updates, "the leased message applied", func(p Progress) bool { return p.Applied == 1 && !p.Syncing })
	cancel()
	<-done
	if m := tab.msg(id); m.State != outbox.Applied {
		t.Errorf("message: %s", m.State)
	}
}
