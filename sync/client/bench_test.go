package client

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// BenchmarkPush10000 replays 10,000 queued service requests (12.2, one new
// device each; 100 jobs of 100, one originator per job) from one tablet to
// the inventory service on SQLite over HTTPS, both databases on the real
// disk in b.TempDir. It reports the seconds for the whole replay and the
// requests per second; the target is under 10 s on a 2-core machine. The
// "tmpfs" case puts both files on /dev/shm to show what the disk costs;
// the "stub" case answers every message "applied" without processing it
// (tablet on tmpfs), to show the client's own share.
func BenchmarkPush10000(b *testing.B) {
	for _, where := range []string{"disk", "tmpfs", "stub"} {
		b.Run(where, func(b *testing.B) {
			const jobs, perJob = 100, 100
			var total time.Duration
			for range b.N {
				b.StopTimer()
				dir := b.TempDir()
				if where != "disk" {
					dir = memDir(b)
				}
				inv := newInventoryIn(b, dir)
				if where == "stub" {
					inv.stub = true
				}
				tab := newTablet(b, inv, tabletOptions{who: "office", path: dir + "/tablet.db",
					cfg: func(c *Config) { c.BatchSize = api.MaxBatch; c.Applier = nil }})
				docs := make([][]byte, 0, jobs*perJob)
				for k := range perJob {
					for j := range jobs {
						i := j*perJob + k
						docs = append(docs, buildSR(b, "12.2", map[string]string{
							"originator": fmt.Sprintf("90-B3-D5-1F-30-01-03-%02X", j), "counter": fmt.Sprint(1000 + k),
							"DeviceID": fmt.Sprintf("00-DB-12-34-58-00-%02X-%02X", i/256, i%256), "DeviceManufacturer": "AB01",
							"DeviceModel": "010A030B", "DeviceType": "ESME"}))
					}
				}
				ctx := context.Background()
				err := tab.db.InTx(ctx, func(tx *sql.Tx) error {
					for i, d := range docs {
						if _, err := tab.ob.SendTx(ctx, tx, outbox.Message{JobID: fmt.Sprintf("bench-%d", i%jobs), Kind: api.KindDUISRequest, Payload: d}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				b.StartTimer()
				for round := 0; ; round++ {
					if err := tab.c.SyncOnce(ctx); err != nil {
						b.Fatal(err)
					}
					if p := tab.c.Progress(); p.Waiting == 0 {
						if p.Applied != jobs*perJob {
							b.Fatalf("applied %d of %d; %+v", p.Applied, jobs*perJob, p)
						}
						break
					}
					if round > 10*perJob {
						b.Fatalf("not drained: %+v", tab.c.Progress())
					}
				}
				b.StopTimer()
				total += time.Since(start)
			}
			per := total.Seconds() / float64(b.N)
			b.ReportMetric(per, "s/10k")
			b.ReportMetric(float64(jobs*perJob)/per, "req/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
