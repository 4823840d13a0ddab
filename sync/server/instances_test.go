package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/smetskit/smetskit/app/inventory"
)

// TestInstancesShareOnePostgres: two services on one PostgreSQL database
// behave as one: the same request sent to both at once is applied once and
// the other answer is the idempotent replay; a counter accepted by one is
// a replay for the other.
func TestInstancesShareOnePostgres(t *testing.T) {
	dsn := postgresDSN(t)
	e := newEnv(t, dsn)
	e.prenotifySite("job-1", "alice")
	ctx := context.Background()
	db2, err := OpenDB(ctx, dsn) // migrations are already applied: a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	sealer, _ := inventory.NewSealer(bytes.Repeat([]byte{7}, 32))
	other, err := New(Config{DB: db2, Sealer: sealer, Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	alice := Principal{Name: "alice", Role: RoleInstaller}
	for round := range 20 {
		doc := e.build("8.2", map[string]string{"DeviceID": esme})
		var wg sync.WaitGroup
		outs := make([]*Outcome, 2)
		errs := make([]error, 2)
		for i, s := range []*Server{e.srv, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = s.Submit(ctx, Submission{Document: doc, Principal: alice, JobID: "job-1"})
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v, %v", round, errs[0], errs[1])
		}
		if outs[0].Duplicate == outs[1].Duplicate || !bytes.Equal(outs[0].Response, outs[1].Response) {
			t.Fatalf("round %d: duplicate flags %v %v, same response %v", round, outs[0].Duplicate, outs[1].Duplicate, bytes.Equal(outs[0].Response, outs[1].Response))
		}
	}
	// A counter below the last one accepted by either instance is refused.
	old := e.build("8.2", map[string]string{"DeviceID": esme, "counter": "1005"})
	if _, err := other.Submit(ctx, Submission{Document: old, Principal: alice, JobID: "job-1"}); httpStatus(err) != 409 {
		t.Errorf("stale counter on the second instance = %v, want 409", err)
	}
}
