package jobs

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/api"
)

func openDB(t *testing.T, path string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

// fixedClock returns a clock that advances one second per call.
func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func sampleJob() Job {
	// Identifiers from the DUIS templates (DOMAIN.md §2).
	return FromAPI(api.Job{
		JobID: "J1", SiteID: "S1", Kind: "install", Status: "assigned", Postcode: "AB1 2CD",
		Address: "1 High Street", MPxN: []string{"1312345678111", "1234567890"},
		ScheduledFor: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC),
	}, []api.Device{
		{DeviceID: "00-DB-12-34-56-78-90-A0", DeviceType: "ESME", SiteID: "S1", DeviceStatus: "Pending", CPLStatus: "Active"},
		{DeviceID: "00-DB-12-34-56-78-90-A2", DeviceType: "CHF", SiteID: "S1", DeviceStatus: "Pending"},
		{DeviceID: "00-DB-12-34-56-78-90-FF", DeviceType: "ESME", SiteID: "other"},
	})
}

func TestPersistAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")
	db := openDB(t, path)
	s := New(db, fixedClock())
	j := sampleJob()
	if err := s.Put(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, "J1", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := s.Tick(ctx, "J1", "safety", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddNote(ctx, "J1", "dog in garden"); err != nil {
		t.Fatal(err)
	}
	p1, err := s.AddPhoto(ctx, "J1", "before", []byte("jpeg bytes"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPhoto(ctx, "J1", "before, again", []byte("jpeg bytes")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnterSerial(ctx, "J1", "ESME", SerialEUI64, "]C100db1234567890a0\r\n", "scanned"); err != nil {
		t.Fatal(err)
	}
	// A second pull must keep what the engineer did.
	if err := s.Put(ctx, j); err != nil {
		t.Fatal(err)
	}
	db.Close() // as after a crash: only committed state is read back

	db = openDB(t, path)
	defer db.Close()
	s = New(db, fixedClock())
	got, err := s.Get(ctx, "J1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "started" || got.StartedAt.IsZero() || got.StartedDeviceAt.Year() != 2000 {
		t.Errorf("start = %q %v %v", got.Status, got.StartedAt, got.StartedDeviceAt)
	}
	if len(got.Devices) != 2 {
		t.Errorf("devices = %v, want the two of site S1", got.Devices)
	}
	if !got.Checklist[0].Done || got.Checklist[1].Done {
		t.Errorf("checklist = %+v", got.Checklist)
	}
	if len(got.Notes) != 1 || got.Notes[0].Text != "dog in garden" {
		t.Errorf("notes = %+v", got.Notes)
	}
	if len(got.Photos) != 1 || got.Photos[0].Caption != "before, again" {
		t.Errorf("photos = %+v", got.Photos)
	}
	b, err := s.PhotoData(ctx, p1.Hash)
	if err != nil || string(b) != "jpeg bytes" {
		t.Errorf("PhotoData = %q, %v", b, err)
	}
	if len(got.Serials) != 1 || got.Serials[0].Value != "00-DB-12-34-56-78-90-A0" {
		t.Errorf("serials = %+v", got.Serials)
	}
	if got.Site.Postcode != "AB1 2CD" || len(got.Site.MPxN) != 2 {
		t.Errorf("site = %+v", got.Site)
	}
	if err := s.Finish(ctx, "J1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, "J1")
	if got.Status != "done" || got.EndedAt.IsZero() || !got.EndedDeviceAt.IsZero() {
		t.Errorf("finish = %q %v %v", got.Status, got.EndedAt, got.EndedDeviceAt)
	}
	ids, err := s.List(ctx)
	if err != nil || len(ids) != 1 {
		t.Errorf("List = %v, %v", ids, err)
	}
	var blobs int
	db.Reader().QueryRow(`SELECT count(*) FROM blobs`).Scan(&blobs)
	if blobs != 1 {
		t.Errorf("blobs = %d, want the photo stored once", blobs)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "app.db"))
	defer db.Close()
	s := New(db, nil)
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(nope) = %v", err)
	}
	if _, err := s.AddNote(ctx, "nope", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AddNote(nope) = %v", err)
	}
	if err := s.Put(ctx, sampleJob()); err != nil {
		t.Fatal(err)
	}
	if err := s.Tick(ctx, "J1", "nope", true); !errors.Is(err, ErrUnknown) {
		t.Errorf("Tick(nope) = %v", err)
	}
	if _, err := s.EnterSerial(ctx, "J1", "import-mpan", SerialMPAN, "12345", "typed"); !errors.Is(err, ErrSerialFormat) {
		t.Errorf("EnterSerial(short MPAN) = %v", err)
	}
	if _, err := s.AddPhoto(ctx, "J1", "", make([]byte, MaxPhotoBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("AddPhoto(huge) = %v", err)
	}
	// Migrate twice is harmless.
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func TestFollowUp(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "app.db"))
	defer db.Close()
	s := New(db, fixedClock())
	if err := s.Put(ctx, sampleJob()); err != nil {
		t.Fatal(err)
	}
	f, err := s.FollowUp(ctx, "J1", "commission when SM WAN is available")
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "J1/follow-up" || f.Status != "follow-up" || len(f.Devices) != 2 || f.Site.Postcode != "AB1 2CD" ||
		len(f.Tasks) != 1 || f.Tasks[0].Detail == "" {
		t.Errorf("follow-up = %+v", f)
	}
	again, err := s.FollowUp(ctx, "J1", "other")
	if err != nil || again.Tasks[0].Detail != f.Tasks[0].Detail {
		t.Errorf("second FollowUp = %+v, %v", again, err)
	}
	if _, err := s.FollowUp(ctx, "nope", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FollowUp(nope) = %v", err)
	}
}

// TestMigrateTakesOverJobsSchema: a file migrated before app/store had
// modules (version in jobs_schema) is taken over, its jobs kept; Schema in
// store.Options.Modules migrates at Open.
func TestMigrateTakesOverJobsSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ddl, err := migrations.ReadFile("migrations/0001_jobs.sql")
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, string(ddl)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE jobs_schema (version INTEGER NOT NULL) STRICT; INSERT INTO jobs_schema (version) VALUES (1)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := New(db, fixedClock()).Put(ctx, sampleJob()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = store.Open(ctx, path, store.Options{Modules: []store.Module{Schema()}})
	if err != nil {
		t.Fatalf("open with the jobs module over jobs_schema: %v", err)
	}
	defer db.Close()
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if j, err := New(db, fixedClock()).Get(ctx, "J1"); err != nil || j.ID != "J1" {
		t.Fatalf("job after take-over: %+v %v", j, err)
	}
}
