package server

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkIngest measures server ingest: 20 concurrent clients post DUIS
// requests over HTTP (12.2 pre-notifications, each creating a device and
// a status-history row, so every request is a full write transaction).
// Reported as requests/s; one op is one request.
func BenchmarkIngest(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchIngest(b, filepath.Join(b.TempDir(), "bench.db")) })
	b.Run("postgres", func(b *testing.B) { benchIngest(b, postgresDSN(b)) })
}

func benchIngest(b *testing.B, dsn string) {
	const clients = 20
	e := newEnv(b, dsn)
	docs := make([][]byte, b.N)
	for i := range docs {
		orig := fmt.Sprintf("90-B3-D5-1F-30-01-02-%02X", i%clients)
		id := fmt.Sprintf("00-DB-20-%02X-%02X-%02X-%02X-00", byte(i>>24), byte(i>>16), byte(i>>8), byte(i))
		docs[i] = e.build("12.2", map[string]string{"originator": orig, "DeviceID": id, "DeviceManufacturer": "AB01",
			"DeviceModel": "M", "DeviceType": "ESME"})
	}
	tok := e.tokens["office"]
	var failed atomic.Int64
	client := e.ts.Client()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Client c sends the documents of its originator in counter order.
			for i := c; i < b.N; i += clients {
				req, _ := http.NewRequest("POST", e.ts.URL+"/v1/requests", bytes.NewReader(docs[i]))
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != 200 || resp.Header.Get("X-Smetskit-Outcome-Code") != "I0" {
					failed.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "requests/s")
}
