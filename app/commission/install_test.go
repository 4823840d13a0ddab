package commission

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

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
		if err := e.Run(ctx, p.JobID, site.withMeters(t)); err != nil {
			t.Fatalf("Run: %v", err)
		}
		got := variants(outboxOf(t, db, p.JobID))
		want := []string{
			"8.14.1 -",
			"8.11 " + esmeID, "8.11 " + gsmeID, "8.11 " + ppmidID, "8.11 " + ihdID,
			"8.1.1 " + esmeID, "8.1.1 " + gsmeID,
			"8.7.1 " + ppmidID, "8.7.2 " + ihdID,
			"8.9 -", "8.9 " + esmeID, "8.9 " + gsmeID, "11.2 " + esmeID, "11.2 " + gsmeID,
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
			if s.ID == "site-survey" || s.ID == "ch-status-no-wan" || s.ID == "installed-not-commissioned" || s.ID == "local-delivery" || s.ID == "follow-up" {
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
// with the survey, 8.4 InstalledNotCommissioned for the meters, no 8.1.1
// and no 8.7.x), delivers the
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
		if err := e.Run(ctx, p.JobID, site.withMeters(t)); err != nil {
			t.Fatalf("Run: %v", err)
		}
		got := variants(outboxOf(t, db, p.JobID))
		want := []string{
			"8.14.2 -",
			"8.11 " + esmeID, "8.11 " + gsmeID, "8.11 " + ppmidID, "8.11 " + ihdID,
			"8.4 " + esmeID, "8.4 " + gsmeID,
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

// checkPostEvidence: the post-checks recorded, for each meter, the hub's
// clock, whether it is reliable (not without WAN, DOMAIN.md §8.1) and its
// firmware, and the meter's firmware and clock read locally (reliable).
func checkPostEvidence(t *testing.T, st *RunStatus, reliable bool) {
	t.Helper()
	i := slices.IndexFunc(st.Steps, func(s StepStatus) bool { return s.ID == "post-checks" })
	if len(st.Steps[i].Items) != 2 {
		t.Fatalf("post-checks items = %+v, want the two meters", st.Steps[i].Items)
	}
	for _, it := range st.Steps[i].Items {
		var ev struct {
			Entry         LogEntry `json:"entry"`
			Reliable      *bool    `json:"hubClockReliable"`
			Firmware      string   `json:"hubFirmware"`
			MeterFirmware string   `json:"meterFirmware"`
			MeterReliable *bool    `json:"meterClockReliable"`
		}
		if err := json.Unmarshal(it.Evidence, &ev); err != nil {
			t.Fatal(err)
		}
		if !ev.Entry.Joined || ev.Entry.LastSeen.IsZero() || ev.Reliable == nil || *ev.Reliable != reliable || ev.Firmware == "" {
			t.Errorf("post-check %s evidence = %s, want joined, seen, hub clock reliable %v, firmware", it.Item, it.Evidence, reliable)
		}
		if it.Item == gsmeID {
			// A gas meter has no local port: the GPF lists it and serves
			// its volume; firmware comes with the 11.2.
			var gas struct {
				Listed bool   `json:"gpfListed"`
				Volume string `json:"gasVolume"`
				Err    string `json:"meterFirmwareError"`
			}
			if err := json.Unmarshal(it.Evidence, &gas); err != nil || !gas.Listed || !strings.HasSuffix(gas.Volume, " m3") || gas.Err == "" {
				t.Errorf("post-check %s evidence = %s, want the GPF listing, the gas volume and why the firmware was not read", it.Item, it.Evidence)
			}
			continue
		}
		if ev.MeterFirmware != "SIM-ESME-1.0.0" || ev.MeterReliable == nil || !*ev.MeterReliable {
			t.Errorf("post-check %s evidence = %s, want the meter's firmware and a reliable meter clock", it.Item, it.Evidence)
		}
	}
}

// unreliableMeter is a site whose meters flag their clocks doubtful.
type unreliableMeter struct{ Site }

func (u unreliableMeter) MeterClock(ctx context.Context, device string) (time.Time, bool, error) {
	t, _, err := u.Site.MeterClock(ctx, device)
	return t, false, err
}

// With SM WAN a meter clock flagged doubtful fails the post-check with what
// to try; the 8.9 and 11.2 are not queued before it passes.
func TestPostCheckMeterClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, nil, nil)
		p := dualFuelPlan("J-CLOCK")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		err := e.Run(ctx, p.JobID, unreliableMeter{site.withMeters(t)})
		var se *StepError
		if !errors.As(err, &se) || se.Step != "post-checks" || se.Reason != ReasonMeterClock || se.Hint == "" {
			t.Fatalf("Run = %v, want meter-clock-unreliable at the post-checks", err)
		}
		for _, v := range variants(outboxOf(t, db, p.JobID)) {
			if strings.HasPrefix(v, "8.9 ") || strings.HasPrefix(v, "11.2 ") {
				t.Errorf("queued %s before the post-checks passed", v)
			}
		}
		// Without local access to the meters the check records why and passes.
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run with the hub alone = %v", err)
		}
		st, _ := e.Status(ctx, p.JobID)
		for _, s := range st.Steps {
			if s.ID == "post-checks" && !strings.Contains(string(s.Items[0].Evidence), "no local access") {
				t.Errorf("post-check evidence = %s", s.Items[0].Evidence)
			}
		}
	})
}
