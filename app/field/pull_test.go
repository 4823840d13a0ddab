package field

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/api"
)

// A pull page as the service sends it, by hand: pages bring jobs and
// devices apart, so a device arriving after its job still lands on it.
func TestApplyPullBuildsJobsWithTheirSiteDevices(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	f := open(t, ctx, Config{DataDir: dir})
	changed, stop := f.JobsChanged()
	defer stop()
	a := f.pulled
	job := api.Job{JobID: "J-7", SiteID: "S-7", Kind: "install", Status: "assigned", Postcode: "AB1 2CD", MPxN: []string{"1200023456789"}}
	other := api.Job{JobID: "J-8", SiteID: "S-8", Kind: "install", Status: "assigned", Postcode: "ZZ9 9ZZ"}
	if err := a.ApplyPull(ctx, &api.PullResponse{Cursor: "s1", Jobs: []api.Job{job, other}}, false); err != nil {
		t.Fatalf("ApplyPull jobs: %v", err)
	}
	select {
	case <-changed:
	default:
		t.Errorf("no JobsChanged after a page with jobs")
	}
	if _, err := f.Jobs.AddNote(ctx, "J-7", "Dog in garden"); err != nil {
		t.Fatal(err)
	}
	hub := api.Device{DeviceID: "00-DB-12-34-56-78-90-A0", DeviceType: "CHF", DeviceStatus: "Pending", SiteID: "S-7"}
	meter := api.Device{DeviceID: "00-DB-12-34-56-78-90-A1", DeviceType: "ESME", DeviceStatus: "Pending", SiteID: "S-7"}
	if err := a.ApplyPull(ctx, &api.PullResponse{Cursor: "s2", Devices: []api.Device{hub, meter}}, false); err != nil {
		t.Fatalf("ApplyPull devices: %v", err)
	}
	j, err := f.Jobs.Get(ctx, "J-7")
	if err != nil || len(j.Devices) != 2 || len(j.Notes) != 1 {
		t.Fatalf("J-7 after its devices = %+v, %v; want 2 devices and the note kept", j, err)
	}
	if o, err := f.Jobs.Get(ctx, "J-8"); err != nil || len(o.Devices) != 0 {
		t.Errorf("J-8 = %+v, %v; want no devices of another site", o, err)
	}

	// The meter leaves the job, and J-8 goes to another installer.
	if err := a.ApplyPull(ctx, &api.PullResponse{Cursor: "s3", Removed: []api.Removed{{Kind: "device", ID: meter.DeviceID}, {Kind: "job", ID: "J-8"}}}, false); err != nil {
		t.Fatalf("ApplyPull removals: %v", err)
	}
	if j, err := f.Jobs.Get(ctx, "J-7"); err != nil || len(j.Devices) != 1 {
		t.Errorf("J-7 after the meter's removal = %+v, %v", j, err)
	}
	if o, err := f.Jobs.Get(ctx, "J-8"); err != nil || o.Status != StatusReassigned {
		t.Errorf("J-8 after reassignment = %+v, %v; want status %q", o, err, StatusReassigned)
	}
	if cur, err := a.Cursor(ctx); err != nil || cur != "s3" {
		t.Errorf("Cursor = %q, %v; want s3", cur, err)
	}
}

// The process stops after a page is stored but before its jobs are built:
// the next Open builds them.
func TestOpenRepairsJobsBehindTheCursor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	f, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// Only the raw records and the cursor, as the crash left them.
	page := &api.PullResponse{Cursor: "s5", Jobs: []api.Job{{JobID: "J-9", SiteID: "S-9", Kind: "install", Status: "assigned", Postcode: "AB1 2CD"}}}
	if err := f.pulled.sql.ApplyPull(ctx, page, false); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f = open(t, ctx, Config{DataDir: dir})
	if j, err := f.Jobs.Get(ctx, "J-9"); err != nil || j.Site.Postcode != "AB1 2CD" {
		t.Fatalf("J-9 after reopen = %+v, %v; want it rebuilt", j, err)
	}
	built, _, err := f.Store.Setting(ctx, builtKey)
	if err != nil || built != "s5" {
		t.Errorf("built cursor = %q, %v", built, err)
	}
	// A record that no longer decodes is skipped, not fatal.
	if err := f.Store.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_pulled (kind, id, body) VALUES ('job', 'J-X', '{not json')`); err != nil {
			return err
		}
		return store.SetSettingTx(ctx, tx, builtKey, "stale")
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.pulled.repair(ctx); err != nil {
		t.Errorf("repair over a damaged record: %v", err)
	}
}
