package outbox_test

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sync/outbox"
)

// BenchmarkSendTx measures enqueue latency as the app sees it: a domain row
// and its message in one store.InTx, committed with synchronous=FULL (one
// WAL fsync per commit). It reports the p50 and p99 latency; the target is
// a p99 under 5 ms. The figure depends on the disk's fsync time more than on
// this code.
func BenchmarkSendTx(b *testing.B) {
	ctx := context.Background()
	db, ob := open(b, newClock(), nil)
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE notes (id INTEGER PRIMARY KEY, job TEXT NOT NULL, text TEXT NOT NULL) STRICT`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, 512)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		job := "job-" + strconv.Itoa(i%20)
		start := time.Now()
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notes(job, text) VALUES (?, ?)`, job, "meter fitted"); err != nil {
				return err
			}
			_, err := ob.SendTx(ctx, tx, outbox.Message{JobID: job, Kind: "job-update", Payload: payload})
			return err
		})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[(len(lat)*99)/100]), "p99-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkReceiveAck measures how fast a push loop drains the queue:
// Receive a batch of up to 50 ready messages (200 jobs queued), then
// acknowledge each message in its own transaction ("ack-each") or the batch
// in one (AckAll, "ack-batch"). Reports messages per second.
func BenchmarkReceiveAck(b *testing.B) {
	for _, mode := range []string{"ack-each", "ack-batch"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			db, ob := open(b, newClock(), nil)
			// Queue b.N messages over 200 jobs in one transaction.
			if err := db.InTx(ctx, func(tx *sql.Tx) error {
				for i := 0; i < b.N; i++ {
					if _, err := ob.SendTx(ctx, tx, outbox.Message{JobID: "job-" + strconv.Itoa(i%200), Kind: "evidence", Payload: make([]byte, 256)}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			done := 0
			for done < b.N {
				ms, err := ob.Receive(ctx, 50)
				if err != nil {
					b.Fatal(err)
				}
				if len(ms) == 0 {
					b.Fatalf("queue stuck after %d of %d", done, b.N)
				}
				ids := make([]int64, len(ms))
				for i, m := range ms {
					ids[i] = m.ID
				}
				if mode == "ack-batch" {
					err = ob.AckAll(ctx, ids, nil)
				} else {
					for _, id := range ids {
						if err = ob.Ack(ctx, id, nil); err != nil {
							break
						}
					}
				}
				if err != nil {
					b.Fatal(err)
				}
				done += len(ms)
			}
			b.ReportMetric(float64(done)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}
