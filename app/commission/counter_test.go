package commission

import (
	"context"
	"database/sql"
	"github.com/smetskit/smetskit/sync/api"
	"strings"
	"testing"
	"time"
)

// Request ID counters grow strictly per originator even when the clock
// goes back (a tablet whose clock was corrected), and are kept apart per
// originator (DOMAIN.md §12).
func TestNextCounter(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t)
	clock := testStart
	e, err := New(db, Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	next := func(orig string) uint64 {
		var c uint64
		if err := db.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			c, err = e.nextCounter(ctx, tx, orig)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := next(supplier)
	if a != uint64(testStart.UnixMilli()) {
		t.Errorf("first counter = %d, want the time in ms %d", a, testStart.UnixMilli())
	}
	b := next(supplier) // same millisecond
	clock = testStart.Add(-time.Hour)
	c := next(supplier) // clock went back
	if !(a < b && b < c) {
		t.Errorf("counters %d, %d, %d: want strictly increasing", a, b, c)
	}
	if o := next("90-B3-D5-1F-30-01-00-01"); o != uint64(clock.UnixMilli()) {
		t.Errorf("other originator's counter = %d, want its own sequence", o)
	}
	// A transaction that rolls back leaves no trace.
	_ = db.InTx(ctx, func(tx *sql.Tx) error {
		e.nextCounter(ctx, tx, supplier)
		return sql.ErrTxDone
	})
	if d := next(supplier); d != c+1 {
		t.Errorf("after a rollback counter = %d, want %d", d, c+1)
	}
}

func TestIdempotencyKey(t *testing.T) {
	if k := idempotencyKey("J1", "whitelist", esmeID); k != "J1/whitelist/"+esmeID {
		t.Errorf("short key = %q", k)
	}
	long := strings.Repeat("J", 120)
	k1, k2 := idempotencyKey(long, "local-delivery", "a"), idempotencyKey(long, "local-delivery", "b")
	if len(k1) > 128 || k1 == k2 || k1 != idempotencyKey(long, "local-delivery", "a") {
		t.Errorf("long keys %q, %q: want short, distinct and stable", k1, k2)
	}
	// Every key travels: a job ID with characters the sync protocol does
	// not carry (a space, from a back office) is hashed too, and a code
	// change's round suffix is kept as it is.
	for _, k := range []string{k1, idempotencyKey("J1", "whitelist", esmeID+"#remove2"), idempotencyKey("JOB 7/ä", "whitelist", esmeID)} {
		if !api.ValidKey(k) {
			t.Errorf("key %q would be refused on the wire", k)
		}
	}
	if k := idempotencyKey("J1", "whitelist", esmeID+"#2"); k != "J1/whitelist/"+esmeID+"#2" {
		t.Errorf("round key = %q, want it readable", k)
	}
}
