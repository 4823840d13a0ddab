package commission

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/sim"
)

// Scenario 1: dual-fuel install with WAN produces 8.14.1, the 8.11 adds,
// 8.1.1 per meter and the 8.7.x joins, and the device steps pass against
// the simulated hub.
func TestInstallWithWAN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, nil, nil)
		p := dualFuelPlan("J-WAN")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		got := variants(outboxOf(t, db, p.JobID))
		want := []string{
			"8.14.1 -",
			"8.11 " + esmeID, "8.11 " + gsmeID, "8.11 " + ppmidID, "8.11 " + ihdID,
			"8.1.1 " + esmeID, "8.1.1 " + gsmeID,
			"8.7.1 " + ppmidID, "8.7.2 " + ihdID,
			"evidence", "job-update",
		}
		if !slices.Equal(got, want) {
			t.Errorf("queued:\n%q\nwant\n%q", got, want)
		}
		st, err := e.Status(ctx, p.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != StateDone || st.Facts["wan"] != "yes" {
			t.Errorf("status = %s, facts %v", st.Status, st.Facts)
		}
		for _, s := range st.Steps {
			want := StateDone
			if s.ID == "site-survey" || s.ID == "ch-status-no-wan" || s.ID == "local-delivery" || s.ID == "follow-up" {
				want = StateSkipped
			}
			if s.State != want {
				t.Errorf("step %s = %s, want %s", s.ID, s.State, want)
			}
		}
		checkPostEvidence(t, st, true)
		runs, err := e.Runs(ctx)
		if err != nil || len(runs) != 1 || runs[0].JobID != p.JobID || runs[0].Status != StateDone {
			t.Errorf("Runs = %+v, %v", runs, err)
		}
		// Running again changes nothing.
		if err := e.Run(ctx, p.JobID, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(outboxOf(t, db, p.JobID)); n != len(want) {
			t.Errorf("after a second Run %d messages, want %d", n, len(want))
		}
	})
}

// Scenario 2: no WAN: the flow takes the install-and-leave branch (8.14.2
// with the survey, no 8.1.1 and no 8.7.x), delivers the
// prepared commands and queues a follow-up.
func TestInstallNoWAN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, sim.Quirks{sim.QuirkNoWAN: true}, nil)
		p := dualFuelPlan("J-NOWAN")
		p.Coverage = "no"
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		got := variants(outboxOf(t, db, p.JobID))
		want := []string{
			"8.14.2 -",
			"8.11 " + esmeID, "8.11 " + gsmeID, "8.11 " + ppmidID, "8.11 " + ihdID,
			"evidence", "job-update", "job-update",
		}
		if !slices.Equal(got, want) {
			t.Errorf("queued:\n%q\nwant\n%q", got, want)
		}
		st, _ := e.Status(ctx, p.JobID)
		if st.Facts["wan"] != "no" || st.Facts["coverage"] != "no" {
			t.Errorf("facts = %v", st.Facts)
		}
		checkPostEvidence(t, st, false)
	})
}

// A full device log stops the whitelist step with the device-log-full
// reason (join code 4).
func TestDeviceLogFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, sim.Quirks{sim.QuirkFullDeviceLog: true}, nil)
		p := dualFuelPlan("J-FULL")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c})
		var se *StepError
		if !errors.As(err, &se) || se.Reason != ReasonDeviceLogFull || se.Code != 4 || !errors.Is(err, ErrDeviceLogFull) {
			t.Fatalf("Run = %v, want device log full", err)
		}
	})
}

// checkPostEvidence: the post-checks recorded the hub's clock, whether it
// is reliable (not without WAN, DOMAIN.md §8.1) and its firmware.
func checkPostEvidence(t *testing.T, st *RunStatus, reliable bool) {
	t.Helper()
	i := slices.IndexFunc(st.Steps, func(s StepStatus) bool { return s.ID == "post-checks" })
	var ev struct {
		Entry    LogEntry `json:"entry"`
		Reliable *bool    `json:"hubClockReliable"`
		Firmware string   `json:"hubFirmware"`
	}
	if err := json.Unmarshal(st.Steps[i].Items[0].Evidence, &ev); err != nil {
		t.Fatal(err)
	}
	if !ev.Entry.Joined || ev.Entry.LastSeen.IsZero() || ev.Reliable == nil || *ev.Reliable != reliable || ev.Firmware == "" {
		t.Errorf("post-check evidence = %s, want joined, seen, clock reliable %v, firmware", st.Steps[i].Items[0].Evidence, reliable)
	}
}
