// Package outbox is the app's durable queue of messages for the inventory
// service, kept in the app's SQLite database (the transactional outbox
// pattern): a domain write and the message announcing it commit in one
// transaction, so nothing the engineer saw as saved is lost by a crash, and
// each message carries an idempotency key so the server applies it at most
// once however often it is sent.
//
// # Order and dependencies
//
// Messages of one job go out in the order they were queued, one at a time:
// Receive hands out a job's next message only when every earlier message of
// that job is applied or discarded. A message may also name a parent
// (ParentID, in any job) that must be applied first. A dead or rejected
// message therefore holds its job back until the engineer retries or
// discards it; discarding also discards everything that depends on it.
//
// # Life of a message
//
//	SendTx ─► pending ─Receive─► inflight ─Ack─────► applied
//	             ▲                  │  │   ─Reject──► rejected ─Discard─► discarded
//	             │  Nack(retryable) │  └── Nack(final) / MaxAttempts ─► dead ─Retry─► pending
//	             └── after backoff ─┘      lease ends ─► received again
//
// A received message is leased for the visibility timeout (Extend lengthens
// it); if the receiver dies, the message becomes visible again when the
// lease ends (or at once after ReleaseInFlight at start-up). Retries wait
// min(Max, Base·2^(n-1)) less up to Jitter of it. A push that never left the
// device (no coverage) should Postpone its messages rather than Nack them:
// that does not count an attempt, so a day offline does not exhaust
// MaxAttempts.
//
// # Schema
//
// The outbox owns its DDL (migrations/*.sql) and its schema version (table
// outbox_schema); app/store calls Migrate when it opens the database, so the
// outbox tables live beside the domain tables. Times are unix milliseconds,
// UTC.
//
// # Use
//
//	db, _ := store.Open(ctx, path, store.Options{})
//	ob := db.Outbox()
//	err := db.InTx(ctx, func(tx *sql.Tx) error {
//		if err := saveInstall(ctx, tx, install); err != nil { // the domain write
//			return err
//		}
//		_, err := ob.SendTx(ctx, tx, outbox.Message{JobID: job, Kind: "duis-request", Payload: xml})
//		return err
//	})
//
// and in the push loop:
//
//	wake, stop := ob.Subscribe()
//	defer stop()
//	for {
//		msgs, _ := ob.Receive(ctx, 50)
//		// push msgs; then Ack/AckAll, Reject, or Nack(id, err, retryable) each
//		if len(msgs) == 0 {
//			next, ok, _ := ob.NextReady(ctx) // wait for wake, or until next if ok
//		}
//	}
package outbox
