package field

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/visit"
	"github.com/smetskit/smetskit/sync/api"
)

func TestNextJobAndPlanUsePulledCoverage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := open(t, ctx, Config{DataDir: t.TempDir()})
	if _, err := f.NextJob(ctx); !errors.Is(err, ErrNoOpenJob) {
		t.Errorf("NextJob with no jobs = %v, want ErrNoOpenJob", err)
	}
	day := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	page := &api.PullResponse{Cursor: "s1",
		Jobs: []api.Job{
			{JobID: "J-1", SiteID: "S-1", Kind: "install", Status: "done", Postcode: "AB1 2CD", ScheduledFor: day},
			{JobID: "J-2", SiteID: "S-2", Kind: "install", Status: "assigned", Postcode: "EF3 4GH", ScheduledFor: day.Add(time.Hour)},
		},
		Devices: []api.Device{
			{DeviceID: "00-DB-12-34-56-78-90-A0", DeviceType: "CHF", DeviceStatus: "Pending", SiteID: "S-2"},
			{DeviceID: "00-DB-12-34-56-78-90-A1", DeviceType: "ESME", DeviceStatus: "Pending", SiteID: "S-2"},
		},
		WANCoverage: []api.WANCoverage{{Postcode: "EF3 4GH", Coverage: "no"}}}
	if err := f.pulled.ApplyPull(ctx, page, false); err != nil {
		t.Fatal(err)
	}
	j, err := f.NextJob(ctx)
	if err != nil || j.ID != "J-2" {
		t.Fatalf("NextJob = %+v, %v; want J-2 (J-1 is done)", j, err)
	}
	// No install code yet: the plan names the job and flow, and says why.
	p, err := f.Plan(ctx, j, visit.Inputs{})
	if !errors.Is(err, visit.ErrInstallCode) || p.JobID != "J-2" || p.Flow != "install" || p.Coverage != "no" {
		t.Errorf("Plan without install codes = %+v, %v", p, err)
	}
	p, err = f.Plan(ctx, j, visit.Inputs{Originator: "90-B3-D5-1F-30-01-00-00",
		InstallCodes: map[string]string{"00-DB-12-34-56-78-90-A1": "30313233343536373839414243444546"}})
	if err != nil || p.CHF != "00-DB-12-34-56-78-90-A0" || len(p.Devices) != 2 || p.Coverage != "no" {
		t.Errorf("Plan = %+v, %v", p, err)
	}
}
