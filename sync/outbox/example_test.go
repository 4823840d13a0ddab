package outbox_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/outbox"
)

// A job update queued with its domain write, pushed, and acknowledged; then
// a request the server refuses, which leaves the job needing attention.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "outbox-example")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "app.db"), store.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	ob := db.Outbox()

	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if err := store.SetSettingTx(ctx, tx, "last-job", "job-7"); err != nil {
			return err
		}
		_, err := ob.SendTx(ctx, tx, outbox.Message{JobID: "job-7", Kind: "job-update", Payload: []byte(`{"step":"arrived"}`)})
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	req, _ := ob.Send(ctx, outbox.Message{JobID: "job-7", Kind: "duis-request", Payload: []byte("<sr:Request/>")})

	msgs, _ := ob.Receive(ctx, 10)
	fmt.Println("received", len(msgs), msgs[0].Kind) // one at a time per job
	ob.Ack(ctx, msgs[0].ID, []byte(`{"status":"applied"}`))

	msgs, _ = ob.Receive(ctx, 10)
	ob.Nack(ctx, msgs[0].ID, errors.New("HTTP 400: request does not validate"), false)
	job, _ := ob.Job(ctx, "job-7")
	fmt.Println(job, "-", job.LastError)

	ob.Retry(ctx, req)
	job, _ = ob.Job(ctx, "job-7")
	fmt.Println(job)
	// Output:
	// received 1 job-update
	// needs attention - HTTP 400: request does not validate
	// 1 waiting
}
