package outbox_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sync/outbox"
)

func TestSendTxCommitsWithDomainWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ob := open(t, newClock(), nil)
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE visits (id TEXT PRIMARY KEY, note TEXT NOT NULL) STRICT`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Committed together.
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO visits VALUES ('v1', 'meter fitted')`); err != nil {
			return err
		}
		_, err := ob.SendTx(ctx, tx, outbox.Message{JobID: "job-1", Kind: "job-update", Payload: []byte(`{"note":"meter fitted"}`)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Rolled back together.
	boom := errors.New("user cancelled")
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO visits VALUES ('v2', 'abandoned')`); err != nil {
			return err
		}
		if _, err := ob.SendTx(ctx, tx, outbox.Message{JobID: "job-2", Kind: "job-update"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want %v", err, boom)
	}
	var visits int
	if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM visits`).Scan(&visits); err != nil {
		t.Fatal(err)
	}
	msgs, err := ob.Messages(ctx, outbox.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if visits != 1 || len(msgs) != 1 || msgs[0].JobID != "job-1" {
		t.Fatalf("after commit and rollback: %d visits, messages %+v; want 1 visit and job-1's message", visits, msgs)
	}
	m := msgs[0]
	if m.State != outbox.Pending || len(m.IdempotencyKey) != 32 || string(m.Payload) != `{"note":"meter fitted"}` ||
		m.CreatedAt.Location() != time.UTC || m.Attempts != 0 {
		t.Errorf("stored message = %+v", m)
	}
}

func TestDuplicateKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ob := open(t, newClock(), nil)
	id := send(t, ob, outbox.Message{JobID: "j", Kind: "evidence", IdempotencyKey: "k-1"})
	got, err := ob.Send(ctx, outbox.Message{JobID: "j", Kind: "evidence", IdempotencyKey: "k-1"})
	if !errors.Is(err, outbox.ErrDuplicateKey) || got != id {
		t.Fatalf("second Send with key k-1 = %d, %v; want %d, ErrDuplicateKey", got, err, id)
	}
	if ms, _ := ob.Messages(ctx, outbox.Filter{}); len(ms) != 1 {
		t.Fatalf("%d messages after a duplicate, want 1", len(ms))
	}
}

func TestSendRejectsBadMessages(t *testing.T) {
	t.Parallel()
	_, ob := open(t, newClock(), func(o *outbox.Options) { o.MaxPayload = 10 })
	tests := []struct {
		name string
		msg  outbox.Message
		want error
	}{
		{"no job", outbox.Message{Kind: "k"}, outbox.ErrInvalid},
		{"no kind", outbox.Message{JobID: "j"}, outbox.ErrInvalid},
		{"long key", outbox.Message{JobID: "j", Kind: "k", IdempotencyKey: string(make([]byte, 201))}, outbox.ErrInvalid},
		{"payload over the cap", outbox.Message{JobID: "j", Kind: "k", Payload: make([]byte, 11)}, outbox.ErrTooLarge},
		{"unknown parent", outbox.Message{JobID: "j", Kind: "k", ParentID: 99}, outbox.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ob.Send(context.Background(), tt.msg); !errors.Is(err, tt.want) {
				t.Errorf("Send = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestPerJobOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	_, ob := open(t, clock, nil)
	a1 := send(t, ob, outbox.Message{JobID: "A", Kind: "duis-request"})
	a2 := send(t, ob, outbox.Message{JobID: "A", Kind: "duis-request"})
	b1 := send(t, ob, outbox.Message{JobID: "B", Kind: "evidence"})
	a3 := send(t, ob, outbox.Message{JobID: "A", Kind: "job-update"})

	// One message per job at a time, oldest first.
	if got, want := receiveIDs(t, ob, 10), []int64{a1, b1}; !slices.Equal(got, want) {
		t.Fatalf("first Receive = %v, want %v", got, want)
	}
	if got := receiveIDs(t, ob, 10); len(got) != 0 {
		t.Fatalf("Receive while A and B are in flight = %v, want none", got)
	}
	if err := ob.Ack(ctx, a1, json.RawMessage(`{"responseCode":"I0"}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := receiveIDs(t, ob, 10), []int64{a2}; !slices.Equal(got, want) {
		t.Fatalf("Receive after ack of A1 = %v, want %v", got, want)
	}
	// A failed attempt of A2 holds A3 back until A2 is applied.
	if err := ob.Nack(ctx, a2, errors.New("HTTP 503"), true); err != nil {
		t.Fatal(err)
	}
	if got := receiveIDs(t, ob, 10); len(got) != 0 {
		t.Fatalf("Receive during A2's backoff = %v, want none (A3 must wait for A2)", got)
	}
	clock.Advance(time.Second)
	if got, want := receiveIDs(t, ob, 10), []int64{a2}; !slices.Equal(got, want) {
		t.Fatalf("Receive after backoff = %v, want %v", got, want)
	}
	if err := ob.Ack(ctx, a2, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := receiveIDs(t, ob, 10), []int64{a3}; !slices.Equal(got, want) {
		t.Fatalf("Receive after ack of A2 = %v, want %v", got, want)
	}
	// Limits are honoured.
	c1 := send(t, ob, outbox.Message{JobID: "C", Kind: "k"})
	send(t, ob, outbox.Message{JobID: "D", Kind: "k"})
	if got, want := receiveIDs(t, ob, 1), []int64{c1}; !slices.Equal(got, want) {
		t.Fatalf("Receive(1) = %v, want %v", got, want)
	}
}

func TestParentDependency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ob := open(t, newClock(), nil)
	// The CH install (job A) must be applied before the meter's commissioning
	// request of another job can go.
	parent := send(t, ob, outbox.Message{JobID: "A", Kind: "duis-request"})
	child := send(t, ob, outbox.Message{JobID: "B", Kind: "duis-request", ParentID: parent})
	grandchild := send(t, ob, outbox.Message{JobID: "C", Kind: "evidence", ParentID: child})
	other := send(t, ob, outbox.Message{JobID: "B", Kind: "job-update"})

	if got, want := receiveIDs(t, ob, 10), []int64{parent}; !slices.Equal(got, want) {
		t.Fatalf("Receive = %v, want only the parent %v", got, want)
	}
	if err := ob.Reject(ctx, parent, json.RawMessage(`{"responseCode":"E5"}`), "DCC rejected: E5"); err != nil {
		t.Fatal(err)
	}
	if got := receiveIDs(t, ob, 10); len(got) != 0 {
		t.Fatalf("Receive with a rejected parent = %v, want none", got)
	}
	js, err := ob.Job(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if js.Status() != outbox.NeedsAttention || js.LastError != "DCC rejected: E5" {
		t.Errorf("job A = %+v (%s), want needs attention with the reason", js, js)
	}
	// Job B cannot go on either, and says why.
	jb, err := ob.Job(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("waits for message %d of job A, which is rejected", parent); jb.Status() != outbox.NeedsAttention || jb.Blocked != 1 || jb.LastError != want {
		t.Errorf("job B = %+v (%s), want needs attention: %s", jb, jb, want)
	}
	// Discarding the parent discards what depends on it, and frees job B's
	// later message.
	n, err := ob.Discard(ctx, parent, "engineer cancelled the install")
	if err != nil || n != 3 {
		t.Fatalf("Discard = %d, %v; want 3 messages", n, err)
	}
	for _, id := range []int64{parent, child, grandchild} {
		if s := state(t, ob, id); s != outbox.Discarded {
			t.Errorf("message %d is %s, want discarded", id, s)
		}
	}
	if got, want := receiveIDs(t, ob, 10), []int64{other}; !slices.Equal(got, want) {
		t.Fatalf("Receive after discard = %v, want %v", got, want)
	}
}

func TestParentAppliedReleasesChild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ob := open(t, newClock(), nil)
	parent := send(t, ob, outbox.Message{JobID: "A", Kind: "duis-request"})
	child := send(t, ob, outbox.Message{JobID: "B", Kind: "duis-request", ParentID: parent})
	receiveIDs(t, ob, 10)
	if err := ob.Ack(ctx, parent, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := receiveIDs(t, ob, 10), []int64{child}; !slices.Equal(got, want) {
		t.Fatalf("Receive after parent applied = %v, want %v", got, want)
	}
}

func TestJobStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ob := open(t, newClock(), nil)
	for i := 0; i < 3; i++ {
		send(t, ob, outbox.Message{JobID: "waiting", Kind: "k"})
	}
	done := send(t, ob, outbox.Message{JobID: "done", Kind: "k"})
	bad := send(t, ob, outbox.Message{JobID: "bad", Kind: "k"})
	receiveIDs(t, ob, 10)
	ob.Ack(ctx, done, nil)
	ob.Nack(ctx, bad, errors.New("E19 device does not exist"), false)

	jobs, err := ob.Jobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, j := range jobs {
		got[j.JobID] = j.String()
	}
	want := map[string]string{"waiting": "3 waiting", "done": "applied", "bad": "needs attention"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Jobs = %v, want %v", got, want)
	}
	j, err := ob.Job(ctx, "waiting")
	if err != nil || j.Pending != 2 || j.InFlight != 1 {
		t.Errorf("Job(waiting) = %+v, %v", j, err)
	}
	if _, err := ob.Job(ctx, "nope"); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("Job(nope) = %v, want ErrNotFound", err)
	}
}

func TestNextReady(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	_, ob := open(t, clock, nil)
	if _, ok, err := ob.NextReady(ctx); ok || err != nil {
		t.Fatalf("NextReady on an empty queue = %v, %v", ok, err)
	}
	a1 := send(t, ob, outbox.Message{JobID: "A", Kind: "k"})
	send(t, ob, outbox.Message{JobID: "A", Kind: "k"}) // behind a1: must not count
	receiveIDs(t, ob, 10)
	at, ok, err := ob.NextReady(ctx)
	if err != nil || !ok || !at.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("NextReady with a1 in flight = %v, %v, %v; want the end of its lease", at, ok, err)
	}
	ob.Nack(ctx, a1, errors.New("x"), true)
	at, _, _ = ob.NextReady(ctx)
	if !at.Equal(clock.Now().Add(time.Second)) {
		t.Fatalf("NextReady after a nack = %v, want now+1s", at)
	}
}

func TestSubscribe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ob := open(t, newClock(), nil)
	ch, stop := ob.Subscribe()
	defer stop()
	wait := func(what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("no notification after %s", what)
		}
	}
	quiet := func(what string) {
		t.Helper()
		select {
		case <-ch:
			t.Fatalf("notification after %s, want none", what)
		default:
		}
	}
	// SendTx inside the store's InTx notifies after the commit.
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := ob.SendTx(ctx, tx, outbox.Message{JobID: "A", Kind: "k"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wait("InTx with SendTx")
	ms, _ := ob.Receive(ctx, 1)
	wait("Receive that leased a message")
	receiveIDs(t, ob, 1)
	quiet("Receive that found nothing")
	ob.Ack(ctx, ms[0].ID, nil)
	wait("Ack")
	ob.Close()
	if _, open := <-ch; open {
		t.Error("channel still open after Close")
	}
}
