package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/api"
)

// A job pulled from the inventory, started on site, and a device ID read
// with a keyboard-wedge scanner (Code 128, followed by Enter).
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "jobs")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "app.db"), store.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	if err := jobs.Migrate(ctx, db); err != nil {
		fmt.Println(err)
		return
	}
	js := jobs.New(db, nil)
	_ = js.Put(ctx, jobs.FromAPI(api.Job{JobID: "J1", SiteID: "S1", Kind: "install", Status: "assigned", Postcode: "AB1 2CD"}, nil))
	_ = js.Start(ctx, "J1", time.Time{})
	sr, err := js.EnterSerial(ctx, "J1", "ESME", jobs.SerialEUI64, "]C100db1234567890a0\r", "scanned")
	fmt.Println(sr.Value, err)
	_, err = js.EnterSerial(ctx, "J1", "import-mpan", jobs.SerialMPAN, "131234567811", "typed")
	fmt.Println(errors.Is(err, jobs.ErrSerialFormat))
	sr, _ = js.EnterSerial(ctx, "J1", "import-mpan", jobs.SerialMPAN, "1312345678111", "typed")
	fmt.Println(sr.Warning != "")
	// Output:
	// 00-DB-12-34-56-78-90-A0 <nil>
	// true
	// true
}
