package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// The crash test re-runs this test binary as a child that, for each of
// crashCycles messages, queues a 12.2 (add a device to the SMI) and syncs
// with the real service running in the parent. The parent SIGKILLs it at
// random instants and restarts it until it reports that all are queued and
// the queue is empty. Then the service must hold each device exactly once,
// with one status change each, and every message must be applied locally.
const (
	crashEnv = "SMETSKIT_CLIENT_CRASH"
	crashJob = "crash-job"
)

// crashCycles is 200, or 30 under -race (see raceEnabled).
var crashCycles = map[bool]int{false: 200, true: 30}[raceEnabled]

// Every crashPhotoEvery-th cycle also queues, in the same transaction,
// evidence naming a photo, so kills land between a photo's upload and its
// message too: each photo must reach the service, and none be uploaded
// again once there.
const (
	crashPhotoEvery = 3
	crashPhotoJob   = "crash-photos"
)

func crashPhoto(i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("photo %d ", i)), 4096) }

func blobName(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// crashDevice is the device that message i adds: the test range of
// DOMAIN.md §2 with i in the last two bytes.
func crashDevice(i int) string { return fmt.Sprintf("00-DB-12-34-57-00-%02X-%02X", i/256, i%256) }

func crashChild(t *testing.T, spec string) {
	// spec: dbPath|baseURL|token|caFile
	f := strings.Split(spec, "|")
	if len(f) != 4 {
		t.Fatalf("bad %s %q", crashEnv, spec)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, f[0], store.Options{Outbox: outbox.Options{
		Backoff: outbox.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}, MaxAttempts: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	ob := db.Outbox()
	// This process is the queue's only receiver: leases taken before the
	// kill are void.
	if _, err := ob.ReleaseInFlight(ctx); err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(f[3])
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig(pool)}}
	photos := map[string][]byte{}
	for i := 0; i < crashCycles; i += crashPhotoEvery {
		photos[blobName(crashPhoto(i))] = crashPhoto(i)
	}
	c, err := New(Config{BaseURL: f[1], Token: f[2], InstallerID: "office", HTTPClient: hc, Outbox: ob,
		RequestTimeout: 10 * time.Second, Blob: func(_ context.Context, h string) ([]byte, error) {
			if b, ok := photos[h]; ok {
				return b, nil
			}
			return nil, fmt.Errorf("photo %s: not on this tablet", h)
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Carry on where the killed run stopped: the messages already queued
	// are pushed by the first sync.
	queued, err := ob.Messages(ctx, outbox.Filter{JobID: crashJob, Limit: 10 * crashCycles})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(queued); i < crashCycles; i++ {
		doc := buildSR(t, "12.2", map[string]string{"originator": originator, "counter": fmt.Sprint(1000 + i),
			"DeviceID": crashDevice(i), "DeviceManufacturer": "AB01", "DeviceModel": "010A030B", "DeviceType": "ESME"})
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := ob.SendTx(ctx, tx, outbox.Message{JobID: crashJob, Kind: api.KindDUISRequest,
				IdempotencyKey: fmt.Sprintf("crash-%d", i), Payload: doc})
			if errors.Is(err, outbox.ErrDuplicateKey) { // queued before a kill
				return nil
			}
			if err != nil || i%crashPhotoEvery != 0 {
				return err
			}
			body := fmt.Sprintf(`{"jobId":%q,"photos":[%q]}`, crashPhotoJob, blobName(crashPhoto(i)))
			_, err = ob.SendTx(ctx, tx, outbox.Message{JobID: crashPhotoJob, Kind: api.KindEvidence,
				IdempotencyKey: fmt.Sprintf("crash-photo-%d", i), Payload: []byte(body)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c.SyncOnce(ctx)
		fmt.Printf("cycle %d\n", i)
	}
	for range 1000 {
		if err := c.SyncOnce(ctx); err == nil && c.Progress().Waiting == 0 {
			fmt.Println("DONE")
			return
		}
		if next, ok, _ := ob.NextReady(ctx); ok {
			<-time.After(time.Until(next))
		}
	}
	t.Fatal("queue did not drain")
}

func TestCrashExactlyOnce(t *testing.T) {
	if spec := os.Getenv(crashEnv); spec != "" {
		crashChild(t, spec)
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := memDir(t)
	inv := newInventoryIn(t, dir)
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: inv.ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "tablet.db")
	spec := strings.Join([]string{dbPath, inv.ts.URL, inv.tokens["office"], ca}, "|")
	rng := rand.New(rand.NewPCG(8, 2026))
	kills, done := 0, false
	for run := 0; run < 200 && !done; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashExactlyOnce$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+spec)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a random number of reported cycles, a random few
		// hundred microseconds into the next one (mid-push or mid-commit).
		killAfter := 1 + rng.IntN(max(2, crashCycles/8))
		delay := time.Duration(rng.IntN(8000)) * time.Microsecond
		var killer *time.Timer
		lines := 0
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if line == "DONE" {
				done = true
			}
			if strings.HasPrefix(line, "cycle ") {
				lines++
				if lines == killAfter && run < 60 {
					killer = time.AfterFunc(delay, func() { cmd.Process.Kill() })
				}
			}
		}
		err = cmd.Wait()
		if killer != nil && !killer.Stop() && !done {
			kills++
			continue
		}
		if err != nil && !done {
			t.Fatalf("child run %d: %v", run, err)
		}
	}
	if !done {
		t.Fatal("the child never finished")
	}
	if kills < 3 {
		t.Errorf("only %d kills landed", kills)
	}
	t.Logf("%d kills", kills)

	// The service holds each device once, with one status change each.
	changes := map[string]int{}
	hist, err := inv.srv.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range hist {
		changes[c.Device.String()]++
	}
	for i := range crashCycles {
		if st := inv.status(crashDevice(i)); st == "(absent)" || changes[crashDevice(i)] != 1 {
			t.Errorf("device %d: status %s, %d status changes; want present, 1", i, st, changes[crashDevice(i)])
		}
	}
	// The tablet's queue is empty: every message applied, none twice.
	db, err := store.Open(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	msgs, err := db.Outbox().Messages(context.Background(), outbox.Filter{Limit: 10 * crashCycles})
	if err != nil {
		t.Fatal(err)
	}
	if want := crashCycles + (crashCycles+crashPhotoEvery-1)/crashPhotoEvery; len(msgs) != want {
		t.Errorf("%d messages queued, want %d", len(msgs), want)
	}
	// Every photo is on the service, uploaded once: after a kill the
	// client asks before it uploads, so no PUT finds the photo there.
	for i := 0; i < crashCycles; i += crashPhotoEvery {
		if _, ok, err := inv.srv.BlobSize(context.Background(), blobName(crashPhoto(i))); err != nil || !ok {
			t.Errorf("photo %d not on the service (%v)", i, err)
		}
	}
	inv.mu.Lock()
	puts := maps.Clone(inv.puts)
	inv.mu.Unlock()
	if puts[http.StatusOK] != 0 || puts[http.StatusCreated] != (crashCycles+crashPhotoEvery-1)/crashPhotoEvery {
		t.Errorf("blob PUT answers %v: want one 201 per photo and no 200 (an upload of a photo already there)", puts)
	}
	dups := 0
	for _, m := range msgs {
		if m.State != outbox.Applied {
			t.Errorf("message %s: %s %q", m.IdempotencyKey, m.State, m.LastError)
		}
		if strings.Contains(string(m.Outcome), `"duplicate":true`) {
			dups++
		}
	}
	t.Logf("%d messages answered as duplicates after a kill", dups)
}
