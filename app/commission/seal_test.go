package commission

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/app/inventory"
)

// With a sealer the stored plan never holds an install code in clear, and
// the run still uses the codes (8.11) and restarts with the same plan.
func TestInstallCodesSealedAtRest(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t)
	s, err := inventory.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(db, Options{Now: stepClock(), Sealer: s})
	if err != nil {
		t.Fatal(err)
	}
	p := dualFuelPlan("J-SEAL")
	p.Answers["WAN"] = "yes"
	p.Devices[1].InstallCode = strings.ToLower(code)
	if err := e.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx, p); err != nil {
		t.Fatalf("Start again with the same plan: %v", err)
	}
	var stored string
	db.Reader().QueryRow(`SELECT plan FROM commission_runs WHERE job_id = 'J-SEAL'`).Scan(&stored)
	if strings.Contains(strings.ToUpper(stored), code) {
		t.Errorf("stored plan holds an install code in clear: %s", stored)
	}
	if err := e.Run(ctx, p.JobID, nil); err == nil {
		t.Fatal("Run without a hub succeeded")
	}
	var adds int
	for _, q := range outboxOf(t, db, p.JobID) {
		if q.Variant == "8.11" {
			adds++
			if !strings.Contains(string(q.Payload), code) {
				t.Errorf("8.11 without the install code: %s", q.Payload)
			}
		}
	}
	if adds != 4 {
		t.Errorf("%d 8.11 adds, want 4", adds)
	}
}
