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
	f := open(t, ctx, Config{DataDir: t.TempDir(), Originator: "90-B3-D5-1F-30-01-00-00"})
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
	// No install code yet: the plan has the devices, the meter's code left
	// for the wizard to ask.
	p, err := f.Plan(ctx, j, visit.Inputs{})
	if err != nil || p.JobID != "J-2" || p.Flow != "install" || p.Coverage != "no" || len(p.Devices) != 2 {
		t.Fatalf("Plan without install codes = %+v, %v", p, err)
	}
	for _, d := range p.Devices {
		if d.InstallCode != "" {
			t.Errorf("device %s planned with code %q, want none until entered", d.ID, d.InstallCode)
		}
	}
	if p.Originator != "90-B3-D5-1F-30-01-00-00" {
		t.Errorf("originator = %q, want the session's", p.Originator)
	}
	// The job's photos are named in the plan, for the evidence.
	ph, err := f.Jobs.AddPhoto(ctx, "J-2", "meter position", []byte("jpeg bytes"))
	if err != nil {
		t.Fatal(err)
	}
	if j, err = f.NextJob(ctx); err != nil {
		t.Fatal(err)
	}
	p, err = f.Plan(ctx, j, visit.Inputs{InstallCodes: map[string]string{"00-DB-12-34-56-78-90-A1": "30313233343536373839414243444546"}})
	if err != nil || p.CHF != "00-DB-12-34-56-78-90-A0" || len(p.Devices) != 2 {
		t.Fatalf("Plan = %+v, %v", p, err)
	}
	if len(p.Photos) != 1 || p.Photos[0] != ph.Hash {
		t.Errorf("plan photos = %v, want [%s]", p.Photos, ph.Hash)
	}
	for _, d := range p.Devices {
		if d.ID == "00-DB-12-34-56-78-90-A1" && d.InstallCode != "30313233343536373839414243444546" {
			t.Errorf("meter's code = %q", d.InstallCode)
		}
	}
	// A job without a hub cannot be planned: the job and flow still show.
	j.Devices = j.Devices[1:]
	if p, err := f.Plan(ctx, j, visit.Inputs{}); !errors.Is(err, visit.ErrNoHubDevice) || p.JobID != "J-2" || p.Flow != "install" {
		t.Errorf("Plan without a hub = %+v, %v", p, err)
	}
}

func TestCheckOriginator(t *testing.T) {
	if err := CheckOriginator("90-B3-D5-1F-30-01-00-00"); err != nil {
		t.Errorf("CheckOriginator(good) = %v", err)
	}
	for _, bad := range []string{"", "90-B3", "not an id"} {
		if err := CheckOriginator(bad); err == nil {
			t.Errorf("CheckOriginator(%q) = nil, want an error", bad)
		}
	}
}
