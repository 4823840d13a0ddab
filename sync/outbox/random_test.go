package outbox_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sync/outbox"
)

// TestRandomOperations drives the queue with random but client-shaped
// operations (send with and without parents, receive, ack, reject, nack,
// extend, dead-letter, retry, discard, time passing, stale acks of old
// receipts) and checks after every step what must always hold:
//   - a received message is the oldest open message of its job and its
//     parent is applied;
//   - no applied message comes after an open one in its job;
//   - a job has at most one message in flight;
//   - an applied or in-flight message has an applied parent.
func TestRandomOperations(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			steps := 300
			if raceEnabled { // SQLite runs about 15 times slower under -race
				steps = 60
			}
			randomOperations(t, seed, steps)
		})
	}
}

func randomOperations(t *testing.T, seed uint64, steps int) {
	ctx := context.Background()
	clock := newClock()
	rng := rand.New(rand.NewPCG(seed, 99))
	// Durability is not the point here and fsyncs would dominate: the
	// outbox runs on a plain connection with synchronous=OFF.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "random.db")+
		"?_pragma=journal_mode(wal)&_pragma=foreign_keys(1)&_pragma=synchronous(off)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := outbox.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.New(db, outbox.Options{Clock: clock, Visibility: time.Minute, MaxAttempts: 3,
		Backoff: outbox.Backoff{Base: time.Second, Max: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	var ids, received []int64
	pick := func(from []int64) int64 {
		if len(from) == 0 {
			return 0
		}
		return from[rng.IntN(len(from))]
	}
	for step := 0; step < steps; step++ {
		var op string
		var err error
		switch r := rng.IntN(100); {
		case r < 25:
			op = "send"
			m := outbox.Message{JobID: fmt.Sprint("job-", rng.IntN(4)), Kind: "k"}
			if rng.IntN(4) == 0 {
				m.ParentID = pick(ids)
			}
			var id int64
			id, err = ob.Send(ctx, m)
			if err == nil {
				ids = append(ids, id)
			}
		case r < 45:
			op = "receive"
			var ms []outbox.Message
			ms, err = ob.Receive(ctx, 1+rng.IntN(5))
			if err == nil {
				checkReceived(t, ob, ms)
				for _, m := range ms {
					received = append(received, m.ID)
				}
			}
		case r < 60:
			op = "ack"
			err = ob.Ack(ctx, pick(received), nil)
		case r < 65:
			op = "reject"
			err = ob.Reject(ctx, pick(received), nil, "E5")
		case r < 75:
			op = "nack"
			err = ob.Nack(ctx, pick(received), errors.New("offline"), rng.IntN(5) > 0)
		case r < 78:
			op = "extend"
			err = ob.Extend(ctx, pick(received), time.Minute)
		case r < 81:
			op = "dead-letter"
			err = ob.DeadLetter(ctx, pick(ids), "gave up")
		case r < 86:
			op = "retry"
			err = ob.Retry(ctx, pick(ids))
		case r < 90:
			op = "discard"
			_, err = ob.Discard(ctx, pick(ids), "not needed")
		default:
			op = "time"
			clock.Advance(time.Duration(rng.IntN(90)) * time.Second)
		}
		// Refusals are part of the game; anything else is a failure.
		if err != nil && !errors.Is(err, outbox.ErrState) && !errors.Is(err, outbox.ErrNotFound) {
			t.Fatalf("step %d %s: %v", step, op, err)
		}
		checkQueue(t, ob, fmt.Sprintf("step %d (%s)", step, op))
		if t.Failed() {
			return
		}
	}
}

func open_(s outbox.State) bool {
	return s != outbox.Applied && s != outbox.Discarded
}

func checkReceived(t *testing.T, ob *outbox.Outbox, ms []outbox.Message) {
	t.Helper()
	ctx := context.Background()
	jobs := map[string]bool{}
	for _, m := range ms {
		if jobs[m.JobID] {
			t.Errorf("two messages of job %s in one Receive", m.JobID)
		}
		jobs[m.JobID] = true
		all, _ := ob.Messages(ctx, outbox.Filter{JobID: m.JobID})
		for _, e := range all {
			if e.ID < m.ID && open_(e.State) {
				t.Errorf("received %d while earlier message %d of job %s is %s", m.ID, e.ID, m.JobID, e.State)
			}
		}
		if m.ParentID != 0 {
			p, err := ob.Get(ctx, m.ParentID)
			if err != nil || p.State != outbox.Applied {
				t.Errorf("received %d while its parent %d is %s (%v)", m.ID, m.ParentID, p.State, err)
			}
		}
	}
}

func checkQueue(t *testing.T, ob *outbox.Outbox, when string) {
	t.Helper()
	all, err := ob.Messages(context.Background(), outbox.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]outbox.Message{}
	openSeen := map[string]int64{}
	inflight := map[string]int{}
	for _, m := range all { // id order
		byID[m.ID] = m
		if m.State == outbox.Applied {
			if o, ok := openSeen[m.JobID]; ok {
				t.Errorf("%s: message %d applied after open message %d of job %s", when, m.ID, o, m.JobID)
			}
		}
		if open_(m.State) {
			if _, ok := openSeen[m.JobID]; !ok {
				openSeen[m.JobID] = m.ID
			}
		}
		if m.State == outbox.InFlight {
			inflight[m.JobID]++
			if inflight[m.JobID] > 1 {
				t.Errorf("%s: job %s has %d messages in flight", when, m.JobID, inflight[m.JobID])
			}
		}
		if m.ParentID != 0 && (m.State == outbox.Applied || m.State == outbox.InFlight) {
			if p := byID[m.ParentID]; p.State != outbox.Applied {
				t.Errorf("%s: message %d is %s with parent %d %s", when, m.ID, m.State, m.ParentID, p.State)
			}
		}
	}
}
