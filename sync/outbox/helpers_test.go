package outbox_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/outbox"
)

// fakeClock is a hand-set clock (STYLE.md §19).
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// open returns a store in a fresh file, its outbox driven by clock, with no
// jitter so that backoff times are exact.
func open(t testing.TB, clock *fakeClock, tune func(*outbox.Options)) (*store.DB, *outbox.Outbox) {
	t.Helper()
	opt := outbox.Options{
		Clock:       clock,
		Visibility:  time.Minute,
		Backoff:     outbox.Backoff{Base: time.Second, Max: time.Minute, Jitter: 0.5},
		MaxAttempts: 5,
		Rand:        func() float64 { return 0 },
	}
	if tune != nil {
		tune(&opt)
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "app.db"), store.Options{Outbox: opt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, db.Outbox()
}

func send(t testing.TB, ob *outbox.Outbox, m outbox.Message) int64 {
	t.Helper()
	id, err := ob.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send(%+v): %v", m, err)
	}
	return id
}

func receiveIDs(t testing.TB, ob *outbox.Outbox, n int) []int64 {
	t.Helper()
	ms, err := ob.Receive(context.Background(), n)
	if err != nil {
		t.Fatalf("Receive(%d): %v", n, err)
	}
	ids := []int64{}
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

func state(t testing.TB, ob *outbox.Outbox, id int64) outbox.State {
	t.Helper()
	m, err := ob.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return m.State
}
