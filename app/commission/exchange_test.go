package commission

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
)

const oldCHF = "00-DB-12-34-56-78-90-9F"

// CH exchange with WAN: the old hub goes back as a fault return (8.14.3),
// the new one is installed (8.14.1, replacement) and gets the old device
// log (8.12.1); the meters rejoin the new hub.
func TestExchangeCH(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, nil, nil)
		p := dualFuelPlan("J-XCH")
		p.Flow, p.OldCHF = "exchange-ch", oldCHF
		p.Devices = append(p.Devices[:3:3], Device{ID: oldCHF, Type: "CHF", Role: "old", Status: "Commissioned"})
		p.Devices[1].Status, p.Devices[2].Status = "Commissioned", "Commissioned"
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		// The return reason is asked for first.
		err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c})
		var se *StepError
		if !errors.As(err, &se) || se.Step != "ch-return" || se.Reason != ReasonMissingAnswer ||
			!slices.Equal(se.Missing, []string{"ReturnKind"}) || !strings.Contains(se.Error(), "answer ReturnKind missing") {
			t.Fatalf("Run = %v, want the return reason asked for", err)
		}
		if err := e.Answer(ctx, p.JobID, map[string]string{"ReturnKind": "fault", "CHFFaultReturnType": "Fault identified post installation",
			"CHFFaultReason": "SM WAN Fault"}); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run after answering: %v", err)
		}
		got := variants(outboxOf(t, db, p.JobID))
		want := []string{"8.14.3 -", "8.14.1 -", "8.12.1 -", "8.9 -", "8.9 " + esmeID, "8.9 " + gsmeID, "11.2 " + esmeID, "11.2 " + gsmeID, "evidence", "job-update"}
		if !slices.Equal(got, want) {
			t.Errorf("queued:\n%q\nwant\n%q", got, want)
		}
	})
}

// Meter exchange: final read of the old meter, 8.11 Remove for it (and off
// the hub's log) and Add for the new one, join, 8.1.1 (the hub has WAN; the
// engineer's WAN answer counts only with no hub connected), initial read.
func TestExchangeMeter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, nil, nil)
		const oldESME = "00-DB-12-34-56-78-90-8F"
		p := Plan{JobID: "J-XM", Flow: "exchange-meter", Originator: supplier, CHF: chfID, MPxN: "1312345678111",
			Devices: []Device{
				{ID: oldESME, Type: "ESME", Role: "old", Status: "Commissioned", CPLStatus: "Active"},
				{ID: esmeID, Type: "ESME", Status: "Pending", CPLStatus: "Active", InstallCode: code, MPxN: "1312345678111"},
			},
			Answers: map[string]string{"WAN": "no"},
		}
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		// The old meter is on the hub's log before the visit.
		hub := &DLMSHub{C: site.c}
		if err := hub.WhitelistAdd(ctx, oldESME, []byte("0123456789ABCDEF")); err != nil {
			t.Fatal(err)
		}
		err := e.Run(ctx, p.JobID, hub)
		var se *StepError
		if !errors.As(err, &se) || se.Step != "final-read" || se.Reason != ReasonMissingRead {
			t.Fatalf("Run = %v, want the final read asked for", err)
		}
		// The reads are part of the plan the UI updates; here a new run of
		// the same job is not allowed with another plan.
		p2 := p
		p2.Reads = []Read{{DeviceID: oldESME, Kind: "final", Register: "1-0:1.8.0", Value: "12345.6", Unit: "kWh", At: testStart}}
		if err := e.Start(ctx, p2); !errors.Is(err, ErrRunExists) {
			t.Fatalf("Start with another plan = %v, want ErrRunExists", err)
		}
		if err := e.AddReads(ctx, p.JobID, p2.Reads...); err != nil {
			t.Fatal(err)
		}
		err = e.Run(ctx, p.JobID, &DLMSHub{C: site.c})
		if !errors.As(err, &se) || se.Step != "initial-read" {
			t.Fatalf("Run = %v, want the initial read asked for", err)
		}
		if err := e.AddReads(ctx, p.JobID, Read{DeviceID: esmeID, Kind: "initial", Register: "1-0:1.8.0", Value: "0.0", Unit: "kWh", At: testStart}); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		for _, l := range site.hub.DeviceLog() {
			if l.DeviceID.String() == oldESME {
				t.Errorf("old meter still on the hub's device log")
			}
		}
		// The hub has WAN here, but the run asked the hub: wan=yes
		// commissions the new meter.
		got := variants(outboxOf(t, db, p.JobID))
		want := []string{"8.11 " + oldESME, "8.11 " + esmeID, "8.1.1 " + esmeID, "8.9 -", "8.9 " + esmeID, "11.2 " + esmeID, "evidence", "job-update"}
		if !slices.Equal(got, want) {
			t.Errorf("queued:\n%q\nwant\n%q", got, want)
		}
	})
}

// Pre-checks stop a job whose devices the SMI or the CPL do not allow.
func TestPrechecks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Plan)
		want   Reason
	}{
		{"not in SMI", func(p *Plan) { p.Devices[1].Status = "" }, ReasonNotInSMI},
		{"hub decommissioned", func(p *Plan) { p.Devices[0].Status = "Decommissioned" }, ReasonStatus},
		{"CPL withdrawn", func(p *Plan) { p.Devices[2].CPLStatus = "Withdrawn" }, ReasonCPL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := tempDB(t)
			e := newEngine(t, db)
			p := dualFuelPlan("J-PRE")
			tc.change(&p)
			if err := e.Start(ctx, p); err != nil {
				t.Fatal(err)
			}
			err := e.Run(ctx, p.JobID, nil)
			var se *StepError
			if !errors.As(err, &se) || se.Step != "pre-checks" || se.Reason != tc.want || se.Hint == "" {
				t.Fatalf("Run = %v, want %s at pre-checks", err, tc.want)
			}
			if n := len(outboxOf(t, db, p.JobID)); n != 0 {
				t.Errorf("%d messages queued by a failed pre-check", n)
			}
		})
	}
}

// Without a hub connected the engineer's WAN answer decides the branch, and
// the first device step asks for the hub.
func TestNoHubConnected(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t)
	e := newEngine(t, db)
	p := dualFuelPlan("J-NOHUB")
	p.Answers["WAN"] = "no"
	if err := e.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	err := e.Run(ctx, p.JobID, nil)
	var se *StepError
	if !errors.As(err, &se) || se.Step != "hub-whitelist" || se.Reason != ReasonNoHub || !errors.Is(err, ErrNoHub) {
		t.Fatalf("Run = %v, want no-hub at hub-whitelist", err)
	}
	got := variants(outboxOf(t, db, p.JobID))
	if len(got) != 5 || got[0] != "8.14.2 -" {
		t.Errorf("queued %q", got)
	}
	if err := e.Start(ctx, dualFuelPlan("J-NOHUB")); !errors.Is(err, ErrRunExists) {
		t.Errorf("Start with another plan = %v", err)
	}
	if err := e.Run(ctx, "nope", nil); !errors.Is(err, ErrNoRun) {
		t.Errorf("Run(nope) = %v", err)
	}
}
