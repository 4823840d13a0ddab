// Package client syncs the app with the inventory service (sync/api): it
// pushes the outbox (sync/outbox) in order and records each answer, and
// pulls what changed for the installer into the local store.
//
// # Push
//
// SyncOnce receives ready messages in batches (the outbox hands out one
// message per job at a time, in queue order, and a message only once its
// parent is applied), posts them to POST /v1/push and records each result:
// applied messages are acknowledged with the service's answer (the DUIS
// response) in one transaction, rejected ones are kept with their DUIS
// response code and hold their job until the engineer discards them,
// "retry" ones go back in the queue with backoff. A batch that got no
// answer (no coverage) is put back without counting an attempt; one that
// got a bad answer (5xx, garbage) counts one. Resending is always safe: the
// service applies an idempotency key once and answers a repeat with the
// stored result.
//
// # Pull
//
// After pushing, SyncOnce asks GET /v1/changes from the stored cursor and
// hands each page to an Applier, which applies it and stores the new
// cursor in one transaction, so the cursor never runs ahead of the data.
// An unknown cursor (400) means refetch: the client pulls from the start
// and tells the Applier to drop what it had. SQLApplier is an Applier over
// any SQLite database with an InTx method (app/store's DB).
//
// # Loop and progress
//
// Run repeats SyncOnce: after a failure it waits with capped, jittered
// backoff and never stops; when all is well it waits Interval, or until the
// next message is due, and wakes early when the outbox changes or on
// SyncNow. Progress and Subscribe give the status line (Summary: "No
// coverage: 12 changes waiting; they will be sent when the connection
// returns"), Job and Jobs the per-job line ("3 waiting", "applied: safe to
// leave site", "needs attention: E5 ...").
//
//	db, _ := store.Open(ctx, path, store.Options{})
//	c, err := client.New(client.Config{
//		BaseURL: "https://inventory.example:8443", Token: token, InstallerID: "alice",
//		Outbox: db.Outbox(), Applier: &client.SQLApplier{DB: db},
//	})
//	if err != nil { ... }
//	go c.Run(ctx)
//	updates, stop := c.Subscribe()
//	defer stop()
//	for p := range updates {
//		statusLine.Set(p.Summary())
//	}
//
// Sealing to the service: every pull carries the service's public sealing
// key, which SQLApplier keeps beside the pulled jobs; StoredSealKey reads it
// back for api.SealFor (an install code in install-and-leave evidence).
//
// Photos: with Config.Blob set (app/jobs' Store.PhotoData), the blobs a
// JSON message names in its "photos" (or "blobs") array go up first, with
// PUT /v1/blobs/{sha256}, each after a HEAD that says whether the service
// has it already; so after a crash between a photo and its message the
// photo is not sent twice. A photo missing or corrupt on the tablet, or
// refused for good by the service, dead-letters the message.
package client
