package outbox_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/smetskit/smetskit/sync/outbox"
)

// A workflow withdraws a queued message in its own transaction: found by
// its key, discarded with its dependants when the transaction commits, and
// untouched when it rolls back.
func TestDiscardTxFollowsTheCallersTransaction(t *testing.T) {
	ctx := context.Background()
	db, ob := open(t, newClock(), nil)
	parent := send(t, ob, outbox.Message{JobID: "J", Kind: "duis-request", IdempotencyKey: "J/whitelist/A"})
	child := send(t, ob, outbox.Message{JobID: "J", Kind: "evidence", ParentID: parent})

	errRollback := errors.New("roll back")
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		m, err := ob.ByKeyTx(ctx, tx, "J/whitelist/A")
		if err != nil || m.ID != parent || m.State != outbox.Pending {
			t.Fatalf("ByKeyTx = %+v, %v", m, err)
		}
		if n, err := ob.DiscardTx(ctx, tx, m.ID, "code changed"); err != nil || n != 2 {
			t.Fatalf("DiscardTx = %d, %v; want the message and its dependant", n, err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if state(t, ob, parent) != outbox.Pending || state(t, ob, child) != outbox.Pending {
		t.Fatal("a rolled-back DiscardTx changed the queue")
	}

	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := ob.ByKeyTx(ctx, tx, "J/nothing"); !errors.Is(err, outbox.ErrNotFound) {
			t.Errorf("ByKeyTx of an unknown key = %v, want ErrNotFound", err)
		}
		_, err := ob.DiscardTx(ctx, tx, parent, "code changed")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if state(t, ob, parent) != outbox.Discarded || state(t, ob, child) != outbox.Discarded {
		t.Errorf("after commit: %s, %s; want both discarded", state(t, ob, parent), state(t, ob, child))
	}
	// A discarded message cannot be discarded again.
	err = db.InTx(ctx, func(tx *sql.Tx) error { _, err := ob.DiscardTx(ctx, tx, parent, "again"); return err })
	if !errors.Is(err, outbox.ErrState) {
		t.Errorf("second DiscardTx = %v, want ErrState", err)
	}
}
