// Package jobs holds the installer's work orders (jobs) in the app's local
// database: the site (address, postcode, UPRN, MPAN/MPRN), the devices
// expected from pre-notification, the tasks (install, exchange, fault
// visit), a checklist, notes, photos (bytes stored once by SHA-256), serial
// numbers typed or scanned with a keyboard-wedge scanner and validated
// (EUI-64 form, MPAN check digit as a warning, DOMAIN.md §2), and the start
// and end of the visit by wall clock and device clock.
//
// Every change is its own committed transaction through app/store's single
// writer, so a crash loses nothing the engineer saw saved. The tables are
// created by Migrate, or by store.Open with Schema in Options.Modules: a
// store.Module versioned in the store's schema_modules (a file that kept
// the version in jobs_schema is taken over).
//
//	db, _ := store.Open(ctx, path, store.Options{})
//	if err := jobs.Migrate(ctx, db); err != nil { ... }
//	js := jobs.New(db, nil)
//	_ = js.Put(ctx, jobs.FromAPI(pulledJob, pulledDevices))
//	_ = js.Start(ctx, pulledJob.JobID, meterClock)
//	sr, err := js.EnterSerial(ctx, pulledJob.JobID, "ESME", jobs.SerialEUI64, scanned, "scanned")
//	if errors.Is(err, jobs.ErrSerialFormat) { ... } // ask again
//	if sr.Warning != "" { ... }                      // show, do not block
//
// Photo bytes reach the inventory service through the sync client: a
// queued message names photos by hash ("photos": [...]) and the client
// uploads them first from PhotoData:
//
//	c, _ := client.New(client.Config{..., Blob: js.PhotoData})
package jobs
