package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// countingRT counts requests by "METHOD /first/two" and can answer PUTs
// itself with a fixed status.
type countingRT struct {
	base   http.RoundTripper
	mu     sync.Mutex
	n      map[string]int
	putFix int // when set, PUTs are answered with this status
}

func (rt *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	key := r.Method + " " + strings.Join(strings.SplitN(r.URL.Path, "/", 4)[:3], "/")
	rt.n[key]++
	fix := rt.putFix
	rt.mu.Unlock()
	if fix != 0 && r.Method == http.MethodPut {
		return &http.Response{StatusCode: fix, Header: http.Header{"Content-Type": {"application/problem+json"}},
			Body: io.NopCloser(strings.NewReader(fmt.Sprintf(`{"title":"refused","status":%d}`, fix))), Request: r}, nil
	}
	return rt.base.RoundTrip(r)
}

func (rt *countingRT) count(key string) int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.n[key]
}

type photoStore map[string][]byte

func (ps photoStore) add(b []byte) string {
	s := sha256.Sum256(b)
	h := hex.EncodeToString(s[:])
	ps[h] = b
	return h
}

func (ps photoStore) blob(_ context.Context, h string) ([]byte, error) {
	b, ok := ps[h]
	if !ok {
		return nil, fmt.Errorf("photo %s: not found", h)
	}
	return b, nil
}

// blobTablet is a tablet whose client uploads from photos and counts its
// requests.
func blobTablet(t *testing.T, inv *inventoryEnv, photos photoStore) (*tablet, *countingRT) {
	rt := &countingRT{base: inv.ts.Client().Transport, n: map[string]int{}}
	tab := newTablet(t, inv, tabletOptions{cfg: func(c *Config) {
		c.HTTPClient = &http.Client{Transport: rt}
		c.Blob = photos.blob
	}})
	return tab, rt
}

func (tab *tablet) queueEvidence(job string, body any) int64 {
	tab.t.Helper()
	b, _ := json.Marshal(body)
	var id int64
	err := tab.db.InTx(context.Background(), func(tx *sql.Tx) error {
		var err error
		id, err = tab.ob.SendTx(context.Background(), tx, outbox.Message{JobID: job, Kind: api.KindEvidence, Payload: b})
		return err
	})
	if err != nil {
		tab.t.Fatal(err)
	}
	return id
}

func (inv *inventoryEnv) hasBlob(h string) bool {
	inv.t.Helper()
	_, ok, err := inv.srv.BlobSize(context.Background(), h)
	if err != nil {
		inv.t.Fatal(err)
	}
	return ok
}

// TestBlobsUploadedBeforeMessage: the photos an evidence message names
// reach the service before the message; a photo the service has is never
// uploaded again, in this process or after a restart.
func TestBlobsUploadedBeforeMessage(t *testing.T) {
	inv := newInventory(t)
	inv.srv.CreateJob(context.Background(), "office", jobWith("job-1", "alice"))
	photos := photoStore{}
	p1 := photos.add(bytes.Repeat([]byte("meter before "), 200))
	p2 := photos.add(bytes.Repeat([]byte("meter after "), 300))
	tab, rt := blobTablet(t, inv, photos)
	id := tab.queueEvidence("job-1", map[string]any{"jobId": "job-1", "photos": []string{p1, p2}})
	tab.syncUntil(10, func() bool { return tab.msg(id).State == outbox.Applied })
	if !inv.hasBlob(p1) || !inv.hasBlob(p2) {
		t.Fatal("photos not on the service after the message was applied")
	}
	if n := rt.count("PUT /v1/blobs"); n != 2 {
		t.Errorf("PUTs = %d, want 2", n)
	}
	// A second message naming p1: known to be there, not even asked.
	heads := rt.count("HEAD /v1/blobs")
	id2 := tab.queueEvidence("job-1", map[string]any{"jobId": "job-1", "photos": []string{p1}, "note": "again"})
	tab.syncUntil(10, func() bool { return tab.msg(id2).State == outbox.Applied })
	if rt.count("PUT /v1/blobs") != 2 || rt.count("HEAD /v1/blobs") != heads {
		t.Errorf("a known photo was asked for or sent again: %v", rt.n)
	}
}

// TestBlobCrashBetweenBlobAndMessage: the photo is up but the message
// never reached the service (the push failed; the process restarts). The
// restarted client asks (HEAD), does not upload again, and the message goes.
func TestBlobCrashBetweenBlobAndMessage(t *testing.T) {
	inv := newInventory(t)
	inv.srv.CreateJob(context.Background(), "office", jobWith("job-1", "alice"))
	photos := photoStore{}
	p := photos.add(bytes.Repeat([]byte("fuse board "), 500))
	tab, rt := blobTablet(t, inv, photos)
	id := tab.queueEvidence("job-1", map[string]any{"jobId": "job-1", "photos": []string{p}})
	inv.fail(faultNone, faultNone, fault500) // HEAD, PUT go through; the push is lost
	ctx := context.Background()
	if err := tab.c.SyncOnce(ctx); err == nil {
		t.Fatal("the push should have failed")
	}
	if !inv.hasBlob(p) || tab.msg(id).State == outbox.Applied {
		t.Fatalf("after the lost push: blob %v, message %s", inv.hasBlob(p), tab.msg(id).State)
	}
	// Restart: a new client over the same outbox, knowing nothing.
	cfg := tab.c.cfg
	cfg.HTTPClient = &http.Client{Transport: rt}
	c2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tab.c = c2
	tab.syncUntil(20, func() bool { return tab.msg(id).State == outbox.Applied })
	if n := rt.count("PUT /v1/blobs"); n != 1 {
		t.Errorf("PUTs = %d, want 1 (the restart must ask, not upload again)", n)
	}
	if n := rt.count("HEAD /v1/blobs"); n != 2 {
		t.Errorf("HEADs = %d, want 2", n)
	}
}

// TestBlobRefusals: a photo missing on the tablet, bytes that do not match
// their hash, or a photo the service refuses for good (413) dead-letter
// the message with the reason; nothing is pushed for it.
func TestBlobRefusals(t *testing.T) {
	inv := newInventory(t)
	inv.srv.CreateJob(context.Background(), "office", jobWith("job-1", "alice"))
	photos := photoStore{}
	good := photos.add([]byte("a photo"))
	corrupt := photos.add([]byte("original"))
	photos[corrupt] = []byte("bit rot")
	missing := strings.Repeat("ee", 32)
	for _, tc := range []struct {
		name   string
		photo  string
		putFix int
		reason string
	}{
		{"missing on the tablet", missing, 0, "not found"},
		{"corrupt on the tablet", corrupt, 0, "hash to"},
		{"too big for the service", good, http.StatusRequestEntityTooLarge, "413"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, rt := blobTablet(t, inv, photos)
			rt.putFix = tc.putFix
			id := tab.queueEvidence("job-1", map[string]any{"jobId": "job-1", "photos": []string{tc.photo}})
			tab.syncUntil(5, func() bool { return tab.msg(id).State == outbox.Dead })
			if m := tab.msg(id); !strings.Contains(m.LastError, tc.reason) {
				t.Errorf("dead letter reason %q, want %q", m.LastError, tc.reason)
			}
			if n := rt.count("POST /v1/push"); n != 0 {
				t.Errorf("the message was pushed %d times", n)
			}
		})
	}
	if inv.hasBlob(corrupt) {
		t.Error("corrupt bytes reached the service")
	}
}
