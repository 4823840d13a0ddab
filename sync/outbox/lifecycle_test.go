package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sync/outbox"
)

func TestVisibilityTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	_, ob := open(t, clock, nil)
	id := send(t, ob, outbox.Message{JobID: "A", Kind: "k"})
	ms, err := ob.Receive(ctx, 1)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Receive = %v, %v", ms, err)
	}
	if want := clock.Now().Add(time.Minute); !ms[0].LeaseUntil.Equal(want) || ms[0].Attempts != 1 {
		t.Errorf("leased message = %+v, want lease until %v and 1 attempt", ms[0], want)
	}
	clock.Advance(59 * time.Second)
	if got := receiveIDs(t, ob, 1); len(got) != 0 {
		t.Fatalf("Receive inside the lease = %v, want none", got)
	}
	clock.Advance(time.Second)
	ms, err = ob.Receive(ctx, 1)
	if err != nil || len(ms) != 1 || ms[0].ID != id || ms[0].Attempts != 2 {
		t.Fatalf("Receive after the lease = %+v, %v; want message %d on attempt 2", ms, err, id)
	}
	// A lease that keeps expiring ends as a dead letter.
	for i := 0; i < 3; i++ {
		clock.Advance(time.Minute)
		receiveIDs(t, ob, 1)
	}
	clock.Advance(time.Minute)
	if got := receiveIDs(t, ob, 1); len(got) != 0 {
		t.Fatalf("Receive after 5 expired leases = %v, want none", got)
	}
	m, _ := ob.Get(ctx, id)
	if m.State != outbox.Dead || m.LastError == "" {
		t.Errorf("after 5 expired leases: %s %q, want dead with a reason", m.State, m.LastError)
	}
}

func TestReleaseInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ob := open(t, newClock(), nil)
	id := send(t, ob, outbox.Message{JobID: "A", Kind: "k"})
	receiveIDs(t, ob, 1)
	n, err := ob.ReleaseInFlight(ctx)
	if err != nil || n != 1 {
		t.Fatalf("ReleaseInFlight = %d, %v; want 1", n, err)
	}
	if got := receiveIDs(t, ob, 1); !slices.Equal(got, []int64{id}) {
		t.Fatalf("Receive after release = %v, want [%d]", got, id)
	}
}

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	b := outbox.Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: 0.5}
	tests := []struct {
		name    string
		attempt int
		r       float64
		want    time.Duration
	}{
		{"first", 1, 0, time.Second},
		{"second", 2, 0, 2 * time.Second},
		{"fourth", 4, 0, 8 * time.Second},
		{"capped", 5, 0, 10 * time.Second},
		{"far beyond the cap", 200, 0, 10 * time.Second},
		{"full jitter draw", 4, 1, 4 * time.Second},
		{"half jitter draw", 2, 0.5, 1500 * time.Millisecond},
		{"attempt 0 as 1", 0, 0, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Delay(tt.attempt, tt.r); got != tt.want {
				t.Errorf("Delay(%d, %v) = %v, want %v", tt.attempt, tt.r, got, tt.want)
			}
		})
	}
	d := outbox.Backoff{}
	if got := d.Delay(1, 0); got != 2*time.Second {
		t.Errorf("default Delay(1, 0) = %v, want 2s", got)
	}
	if got := d.Delay(64, 0); got != 15*time.Minute {
		t.Errorf("default Delay(64, 0) = %v, want the 15 min cap", got)
	}
}

func TestNackSchedulesBackoff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	draw := 0.0
	_, ob := open(t, clock, func(o *outbox.Options) { o.Rand = func() float64 { return draw } })
	id := send(t, ob, outbox.Message{JobID: "A", Kind: "k"})
	for attempt, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if got := receiveIDs(t, ob, 1); !slices.Equal(got, []int64{id}) {
			t.Fatalf("attempt %d: Receive = %v", attempt+1, got)
		}
		start := clock.Now()
		if err := ob.Nack(ctx, id, fmt.Errorf("no coverage"), true); err != nil {
			t.Fatal(err)
		}
		m, _ := ob.Get(ctx, id)
		if got := m.NextAttemptAt.Sub(start); got != want || m.State != outbox.Pending || m.LastError != "no coverage" {
			t.Fatalf("after failure %d: wait %v state %s error %q; want %v pending", attempt+1, got, m.State, m.LastError, want)
		}
		clock.Advance(want - time.Millisecond)
		if got := receiveIDs(t, ob, 1); len(got) != 0 {
			t.Fatalf("failure %d: received %v before the backoff ended", attempt+1, got)
		}
		clock.Advance(time.Millisecond)
	}
	// The fifth failure reaches MaxAttempts: dead, with the reason.
	receiveIDs(t, ob, 1)
	if err := ob.Nack(ctx, id, errors.New("no coverage"), true); err != nil {
		t.Fatal(err)
	}
	m, _ := ob.Get(ctx, id)
	if m.State != outbox.Dead || m.LastError != "gave up after 5 attempts: no coverage" {
		t.Fatalf("after 5 failures: %s %q", m.State, m.LastError)
	}
	// Jitter shortens the wait by up to half.
	draw = 0.999
	id2 := send(t, ob, outbox.Message{JobID: "B", Kind: "k"})
	receiveIDs(t, ob, 1)
	start := clock.Now()
	ob.Nack(ctx, id2, errors.New("x"), true)
	m, _ = ob.Get(ctx, id2)
	if got := m.NextAttemptAt.Sub(start); got < 500*time.Millisecond || got > 501*time.Millisecond {
		t.Errorf("jittered wait = %v, want about 500ms", got)
	}
}

func TestDeadLetterRetryDiscard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ob := open(t, newClock(), nil)
	a1 := send(t, ob, outbox.Message{JobID: "A", Kind: "duis-request"})
	a2 := send(t, ob, outbox.Message{JobID: "A", Kind: "evidence"})
	receiveIDs(t, ob, 10)
	if err := ob.Nack(ctx, a1, errors.New("HTTP 400: DUIS XML does not validate"), false); err != nil {
		t.Fatal(err)
	}
	dead, err := ob.Messages(ctx, outbox.Filter{States: []outbox.State{outbox.Dead}})
	if err != nil || len(dead) != 1 || dead[0].ID != a1 || dead[0].LastError != "HTTP 400: DUIS XML does not validate" {
		t.Fatalf("dead letters = %+v, %v", dead, err)
	}
	if got := receiveIDs(t, ob, 10); len(got) != 0 {
		t.Fatalf("Receive behind a dead letter = %v, want none", got)
	}
	// Retry only applies to dead letters.
	if err := ob.Retry(ctx, a2); !errors.Is(err, outbox.ErrState) {
		t.Errorf("Retry(pending) = %v, want ErrState", err)
	}
	var se *outbox.StateError
	if err := ob.Retry(ctx, a2); !errors.As(err, &se) || se.State != outbox.Pending || se.Op != "retry" {
		t.Errorf("Retry(pending) = %#v, want a *StateError", err)
	}
	if err := ob.Retry(ctx, 999); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("Retry(999) = %v, want ErrNotFound", err)
	}
	if err := ob.Retry(ctx, a1); err != nil {
		t.Fatal(err)
	}
	ms, _ := ob.Receive(ctx, 10)
	if len(ms) != 1 || ms[0].ID != a1 || ms[0].Attempts != 1 {
		t.Fatalf("Receive after Retry = %+v, want a1 on a fresh attempt 1", ms)
	}
	if err := ob.DeadLetter(ctx, a1, "engineer gave up"); err != nil {
		t.Fatal(err)
	}
	if n, err := ob.Discard(ctx, a1, "not needed"); err != nil || n != 1 {
		t.Fatalf("Discard = %d, %v", n, err)
	}
	if got := receiveIDs(t, ob, 10); !slices.Equal(got, []int64{a2}) {
		t.Fatalf("Receive after discarding the head = %v, want [%d]", got, a2)
	}
	if _, err := ob.Discard(ctx, a2, "in flight"); !errors.Is(err, outbox.ErrState) {
		t.Errorf("Discard(in flight) = %v, want ErrState", err)
	}
	if err := ob.Nack(ctx, a1, errors.New("late"), true); !errors.Is(err, outbox.ErrState) {
		t.Errorf("Nack(discarded) = %v, want ErrState", err)
	}
}

func TestAckIsIdempotentAndKeepsOutcome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ob := open(t, newClock(), nil)
	id := send(t, ob, outbox.Message{JobID: "A", Kind: "duis-request"})
	receiveIDs(t, ob, 1)
	out := json.RawMessage(`{"responseCode":"I0","duis":"<sr:Response/>"}`)
	for i := 0; i < 2; i++ {
		if err := ob.Ack(ctx, id, out); err != nil {
			t.Fatalf("Ack #%d: %v", i+1, err)
		}
	}
	m, _ := ob.Get(ctx, id)
	if m.State != outbox.Applied || string(m.Outcome) != string(out) {
		t.Errorf("after Ack: %s %s", m.State, m.Outcome)
	}
	if err := ob.Ack(ctx, id, json.RawMessage(`{not json`)); !errors.Is(err, outbox.ErrInvalid) {
		t.Errorf("Ack with bad JSON = %v, want ErrInvalid", err)
	}
	if err := ob.Reject(ctx, id, nil, "x"); !errors.Is(err, outbox.ErrState) {
		t.Errorf("Reject(applied) = %v, want ErrState", err)
	}
}

func TestAckAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ob := open(t, newClock(), nil)
	a := send(t, ob, outbox.Message{JobID: "A", Kind: "k"})
	b := send(t, ob, outbox.Message{JobID: "B", Kind: "k"})
	c := send(t, ob, outbox.Message{JobID: "C", Kind: "k"})
	receiveIDs(t, ob, 10)
	ob.Discard(ctx, c, "x") // in flight: refused
	if err := ob.AckAll(ctx, []int64{a, b}, []json.RawMessage{json.RawMessage(`{"status":"applied"}`), nil}); err != nil {
		t.Fatal(err)
	}
	if state(t, ob, a) != outbox.Applied || state(t, ob, b) != outbox.Applied {
		t.Fatal("AckAll did not apply both")
	}
	// All or none: an unknown id rolls the batch back.
	if err := ob.AckAll(ctx, []int64{c, 999}, nil); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("AckAll with an unknown id = %v, want ErrNotFound", err)
	}
	if s := state(t, ob, c); s != outbox.InFlight {
		t.Fatalf("message c is %s after a failed AckAll, want inflight", s)
	}
	if err := ob.AckAll(ctx, []int64{c}, []json.RawMessage{nil, nil}); !errors.Is(err, outbox.ErrInvalid) {
		t.Fatalf("AckAll with mismatched outcomes = %v, want ErrInvalid", err)
	}
}

func TestPurge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	_, ob := open(t, clock, nil)
	parent := send(t, ob, outbox.Message{JobID: "A", Kind: "k"})
	gone := send(t, ob, outbox.Message{JobID: "B", Kind: "k"})
	receiveIDs(t, ob, 10)
	ob.Ack(ctx, parent, nil)
	ob.Nack(ctx, gone, errors.New("x"), false)
	ob.Discard(ctx, gone, "not needed")
	child := send(t, ob, outbox.Message{JobID: "C", Kind: "k", ParentID: parent})
	if _, err := ob.Send(ctx, outbox.Message{JobID: "C", Kind: "k", ParentID: gone}); !errors.Is(err, outbox.ErrState) {
		t.Fatalf("Send with a discarded parent = %v, want ErrState", err)
	}
	clock.Advance(time.Hour)
	n, err := ob.Purge(ctx, clock.Now())
	if err != nil || n != 2 {
		t.Fatalf("Purge = %d, %v; want 2", n, err)
	}
	if _, err := ob.Get(ctx, parent); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("Get(purged) = %v", err)
	}
	// The child of the purged (applied) parent is free to go.
	if got := receiveIDs(t, ob, 10); !slices.Equal(got, []int64{child}) {
		t.Fatalf("Receive after purge = %v, want [%d]", got, child)
	}
}

func TestExtend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	_, ob := open(t, clock, nil)
	id := send(t, ob, outbox.Message{JobID: "A", Kind: "evidence"})
	receiveIDs(t, ob, 1)
	clock.Advance(50 * time.Second)
	if err := ob.Extend(ctx, id, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Advance(4 * time.Minute)
	if got := receiveIDs(t, ob, 1); len(got) != 0 {
		t.Fatalf("Receive inside the extended lease = %v", got)
	}
	clock.Advance(time.Minute)
	if got := receiveIDs(t, ob, 1); !slices.Equal(got, []int64{id}) {
		t.Fatalf("Receive after the extended lease = %v", got)
	}
	ob.Ack(ctx, id, nil)
	if err := ob.Extend(ctx, id, time.Minute); !errors.Is(err, outbox.ErrState) {
		t.Errorf("Extend(applied) = %v, want ErrState", err)
	}
}

func TestPostponeDoesNotCountAttempts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	_, ob := open(t, clock, nil) // MaxAttempts 5
	a := send(t, ob, outbox.Message{JobID: "A", Kind: "k"})
	b := send(t, ob, outbox.Message{JobID: "B", Kind: "k"})
	// A long day without coverage: far more pushes than MaxAttempts.
	for i := 0; i < 20; i++ {
		got := receiveIDs(t, ob, 10)
		if len(got) != 2 {
			t.Fatalf("round %d: Receive = %v, want both", i, got)
		}
		n, err := ob.Postpone(ctx, clock.Now().Add(time.Minute), got...)
		if err != nil || n != 2 {
			t.Fatalf("Postpone = %d, %v", n, err)
		}
		if got := receiveIDs(t, ob, 10); len(got) != 0 {
			t.Fatalf("Receive before the postponed time = %v", got)
		}
		clock.Advance(time.Minute)
	}
	m, _ := ob.Get(ctx, a)
	if m.State != outbox.Pending || m.Attempts != 0 {
		t.Fatalf("after 20 postponed pushes: %s with %d attempts, want pending with 0", m.State, m.Attempts)
	}
	ob.Ack(ctx, b, nil)
	if n, _ := ob.Postpone(ctx, clock.Now(), b); n != 0 {
		t.Errorf("Postpone(applied) postponed %d", n)
	}
}
