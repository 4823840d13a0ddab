package field

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sync/outbox"
	"github.com/smetskit/smetskit/sync/server"
	"github.com/smetskit/smetskit/sync/server/servertest"
)

const installer = "E1234"

// testServer is a real sync/server on the loopback interface, as the demo
// runs one.
type testServer struct {
	*servertest.Inventory
	srv *server.Server
}

func startServer(t *testing.T, _ context.Context) *testServer {
	t.Helper()
	inv := servertest.Start(t, installer)
	return &testServer{Inventory: inv, srv: inv.Server}
}

func (s *testServer) job(t *testing.T, _ context.Context, id, postcode string) {
	t.Helper()
	s.Job(t, id, postcode)
}

// received reports whether the service audited the message with key.
func (s *testServer) received(t *testing.T, ctx context.Context, key string) bool {
	t.Helper()
	es, err := s.srv.Audit(ctx, 1000)
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	for _, e := range es {
		if e.Action == "job-update" && e.Actor == installer && strings.Contains(e.Detail, key) {
			return true
		}
	}
	return false
}

func open(t *testing.T, ctx context.Context, cfg Config) *Field {
	t.Helper()
	f, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// waitPull waits until the background sync has applied a pull page other
// than the one at prev (the zero time: any).
func waitPull(t *testing.T, f *Field, prev time.Time, what string) time.Time {
	t.Helper()
	updates, stop := f.Sync.Subscribe()
	defer stop()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case p := <-updates:
			if !p.LastPull.IsZero() && !p.LastPull.Equal(prev) {
				return p.LastPull
			}
		case <-deadline:
			t.Fatalf("no pull within the deadline: %s (progress %+v)", what, f.Sync.Progress())
		}
	}
}

func TestBackgroundSyncPullsJobsIntoJobsStore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startServer(t, ctx)
	srv.job(t, ctx, "J-1", "AB1 2CD")
	f := open(t, ctx, Config{DataDir: t.TempDir(), ServerURL: srv.URL, Token: srv.Token, Engineer: installer, Interval: time.Hour})
	changed, stop := f.JobsChanged()
	defer stop()
	// Open started the loop: its first round pulls the day's jobs.
	last := waitPull(t, f, time.Time{}, "the first round")
	j, err := f.Jobs.Get(ctx, "J-1")
	if err != nil {
		t.Fatalf("pulled job J-1: %v", err)
	}
	if j.Site.Postcode != "AB1 2CD" || j.Site.Address != "1 Test Road" || j.Kind != "install" || j.Status != "assigned" || len(j.Checklist) == 0 {
		t.Errorf("pulled job = %+v", j)
	}

	// A job assigned later arrives on "sync now", and subscribers hear.
	srv.job(t, ctx, "J-2", "EF3 4GH")
	for len(changed) > 0 {
		<-changed
	}
	f.SyncNow()
	waitPull(t, f, last, "the second job")
	select {
	case <-changed:
	default:
		t.Errorf("JobsChanged did not fire for a pull that brought a job")
	}
	ids, err := f.Jobs.List(ctx)
	if err != nil || len(ids) != 2 {
		t.Fatalf("jobs after sync now = %v, %v; want J-1 and J-2", ids, err)
	}
	if c := f.Contact(); !strings.Contains(c, "last contact") {
		t.Errorf("Contact() = %q, want the last contact", c)
	}
}

func TestQueuedMessagesReachTheServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startServer(t, ctx)
	srv.job(t, ctx, "J-1", "AB1 2CD")
	f := open(t, ctx, Config{DataDir: t.TempDir(), ServerURL: srv.URL, Token: srv.Token, Engineer: installer, Interval: time.Hour})
	q := f.Store.Outbox()
	id, err := q.Send(ctx, outbox.Message{JobID: "J-1", Kind: "job-update", Payload: []byte(`{"note":"meter fitted"}`)})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	// The commissioning engine names its messages job/step/item#round.
	wf, err := q.Send(ctx, outbox.Message{JobID: "J-1", Kind: "job-update", IdempotencyKey: "J-1/completion/00-DB-12-34-56-78-90-A0#2",
		Payload: []byte(`{"status":"completed"}`)})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := f.PullNow(ctx); err != nil {
		t.Fatalf("PullNow: %v", err)
	}
	if m, err := q.Get(ctx, wf); err != nil || m.State != outbox.Applied {
		t.Fatalf("workflow message after sync = %+v, %v; want applied", m, err)
	}
	m, err := q.Get(ctx, id)
	if err != nil || m.State != outbox.Applied {
		t.Fatalf("message after sync = %+v, %v; want applied", m, err)
	}
	// The service keeps a job update once, under its idempotency key, and
	// audits it.
	if !srv.received(t, ctx, m.IdempotencyKey) {
		t.Errorf("the service has no record of message %s", m.IdempotencyKey)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startServer(t, ctx)
	srv.job(t, ctx, "J-1", "AB1 2CD")
	dir := t.TempDir()
	f, err := Open(ctx, Config{DataDir: dir, ServerURL: srv.URL, Token: srv.Token, Engineer: installer, Interval: time.Hour})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := f.PullNow(ctx); err != nil {
		t.Fatalf("PullNow: %v", err)
	}
	if _, err := f.Jobs.AddNote(ctx, "J-1", "Cupboard locked"); err != nil {
		t.Fatalf("AddNote: %v", err)
	}
	key, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.PullNow(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("PullNow after Close = %v, want ErrClosed", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	// Offline (the server gone), then queue something, then close again.
	f, err = Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := f.PullNow(ctx); !errors.Is(err, ErrNoServer) {
		t.Errorf("PullNow offline = %v, want ErrNoServer", err)
	}
	if c := f.Contact(); !strings.Contains(c, "No inventory server") {
		t.Errorf("Contact() offline = %q", c)
	}
	j, err := f.Jobs.Get(ctx, "J-1")
	if err != nil || len(j.Notes) != 1 || j.Site.Postcode != "AB1 2CD" {
		t.Fatalf("job after reopen = %+v, %v", j, err)
	}
	if _, err := f.Store.Outbox().Send(ctx, outbox.Message{JobID: "J-1", Kind: "job-update", Payload: []byte(`{"note":"offline"}`)}); err != nil {
		t.Fatal(err)
	}
	cur, err := f.pulled.Cursor(ctx)
	if err != nil || cur == "" {
		t.Errorf("cursor after reopen = %q, %v", cur, err)
	}
	f.Close()
	again, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("sealing key changed across reopen")
	}
	// Back in coverage: the offline message goes.
	f = open(t, ctx, Config{DataDir: dir, ServerURL: srv.URL, Token: srv.Token, Engineer: installer, Interval: time.Hour})
	if err := f.PullNow(ctx); err != nil {
		t.Fatalf("PullNow: %v", err)
	}
	st, err := f.Store.Outbox().Job(ctx, "J-1")
	if err != nil || st.Applied != 1 || st.Status() != outbox.AllApplied {
		t.Errorf("queue after coverage returns = %+v, %v", st, err)
	}
}

func TestBadKeyFileIsKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFile)
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Config{DataDir: dir})
	if !errors.Is(err, ErrBadKey) {
		t.Fatalf("Open with a damaged key = %v, want ErrBadKey", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "short" {
		t.Errorf("damaged key file overwritten")
	}
}

func TestDefaultDirIsUserConfigDir(t *testing.T) {
	base, err := os.UserConfigDir()
	if err != nil {
		t.Skip("no user config dir here:", err)
	}
	d, err := DefaultDir()
	if err != nil || d != filepath.Join(base, "smetskit") {
		t.Errorf("DefaultDir() = %q, %v", d, err)
	}
}

// A photo taken on site travels with the message that names it: the
// session hands the jobs store's bytes to the sync client.
func TestPhotoBytesReachTheServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startServer(t, ctx)
	srv.job(t, ctx, "J-1", "AB1 2CD")
	f := open(t, ctx, Config{DataDir: t.TempDir(), ServerURL: srv.URL, Token: srv.Token, Engineer: installer, Interval: time.Hour})
	if err := f.PullNow(ctx); err != nil {
		t.Fatalf("first PullNow: %v", err)
	}
	photo := bytes.Repeat([]byte("meter cupboard "), 200)
	ph, err := f.Jobs.AddPhoto(ctx, "J-1", "before", photo)
	if err != nil {
		t.Fatalf("AddPhoto: %v", err)
	}
	if _, ok, err := srv.srv.BlobSize(ctx, ph.Hash); err != nil || ok {
		t.Fatalf("server has the photo before any message named it: %v, %v", ok, err)
	}
	if _, err := f.Store.Outbox().Send(ctx, outbox.Message{JobID: "J-1", Kind: "job-update",
		Payload: []byte(`{"note":"before work","photos":["` + ph.Hash + `"]}`)}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := f.PullNow(ctx); err != nil {
		t.Fatalf("PullNow: %v", err)
	}
	size, ok, err := srv.srv.BlobSize(ctx, ph.Hash)
	if err != nil || !ok || size != int64(len(photo)) {
		t.Fatalf("server blob %s = %d bytes, %v, %v; want %d", ph.Hash, size, ok, err, len(photo))
	}
}
