package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"

	"github.com/smetskit/smetskit/sync/api"
)

// pulled returns the locally stored record of kind and id, "" if absent.
func (tab *tablet) pulled(kind, id string) string {
	tab.t.Helper()
	var body string
	err := tab.db.Reader().QueryRow("SELECT body FROM sync_pulled WHERE kind = ? AND id = ?", kind, id).Scan(&body)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		tab.t.Fatal(err)
	}
	return body
}

func (tab *tablet) cursor() string {
	tab.t.Helper()
	c, err := tab.applier.Cursor(context.Background())
	if err != nil {
		tab.t.Fatal(err)
	}
	return c
}

// TestPullWithCursor: the first pull brings the installer's job and its
// devices; a change on the service (the tablet's own 8.14.1) comes back on
// the next pull, asked for with the stored cursor.
func TestPullWithCursor(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(5, "job-5", "alice")
	inv.prenotify(6, "job-6", "bob") // not alice's: never pulled
	tab := newTablet(t, inv, tabletOptions{})
	ctx := context.Background()
	if err := tab.c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	chf, _, esme, _ := siteDevices(5)
	bobCHF, _, _, _ := siteDevices(6)
	if tab.pulled("job", "job-5") == "" || tab.pulled("device", esme) == "" {
		t.Fatalf("first pull: job %q, ESME %q", tab.pulled("job", "job-5"), tab.pulled("device", esme))
	}
	if tab.pulled("job", "job-6") != "" || tab.pulled("device", bobCHF) != "" {
		t.Errorf("another installer's job reached alice")
	}
	first := tab.cursor()
	if first == "" {
		t.Fatal("no cursor stored after the first pull")
	}
	var d api.Device
	json.Unmarshal([]byte(tab.pulled("device", chf)), &d)
	if d.DeviceStatus != "Pending" {
		t.Fatalf("CHF before install: %+v", d)
	}
	tab.queue("job-5", 0, inv.siteFlow(5)[0])
	if err := tab.c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(tab.pulled("device", chf)), &d)
	if d.DeviceStatus != "Commissioned" {
		t.Errorf("CHF after 8.14.1 and a pull: %+v", d)
	}
	inv.mu.Lock()
	pulls := append([]string(nil), inv.pulls...)
	inv.mu.Unlock()
	if len(pulls) != 2 || pulls[0] != "" || pulls[1] != first {
		t.Errorf("cursors asked for: %q, want [\"\" %q]", pulls, first)
	}
	if tab.cursor() == first {
		t.Errorf("cursor did not move after a change")
	}
}

// TestPullUnknownCursorRefetches: a cursor the service does not know is
// answered 400; the client pulls from the start and the applier drops the
// records it had, so nothing stale survives.
func TestPullUnknownCursorRefetches(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(7, "job-7", "alice")
	tab := newTablet(t, inv, tabletOptions{})
	ctx := context.Background()
	stale := &api.PullResponse{Cursor: "x-from-another-service", Jobs: []api.Job{{JobID: "job-gone", SiteID: "s", Kind: "install", Status: "assigned", Postcode: "SW1A 1AA"}}}
	if err := tab.applier.ApplyPull(ctx, stale, false); err != nil {
		t.Fatal(err)
	}
	if err := tab.c.SyncOnce(ctx); err != nil {
		t.Fatalf("SyncOnce with an unknown cursor = %v", err)
	}
	inv.mu.Lock()
	pulls := append([]string(nil), inv.pulls...)
	inv.mu.Unlock()
	if len(pulls) != 2 || pulls[0] != stale.Cursor || pulls[1] != "" {
		t.Errorf("cursors asked for: %q", pulls)
	}
	if tab.pulled("job", "job-gone") != "" || tab.pulled("job", "job-7") == "" {
		t.Errorf("after refetch: stale job %q, job-7 %q", tab.pulled("job", "job-gone"), tab.pulled("job", "job-7"))
	}
	if c := tab.cursor(); c == stale.Cursor || c == "" {
		t.Errorf("cursor after refetch %q", c)
	}
}

// failingTx rolls back every transaction after fn ran, as a crash or a
// full disk would between the data and the commit.
type failingTx struct {
	TxRunner
	fail bool
}

var errInjected = errors.New("injected: disk full")

func (f *failingTx) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return f.TxRunner.InTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if f.fail {
			return errInjected
		}
		return nil
	})
}

// TestPullAppliedBeforeCursorMoves: when applying a page fails, neither the
// records nor the cursor change, and the next pull asks for the same page.
func TestPullAppliedBeforeCursorMoves(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(8, "job-8", "alice")
	ft := &failingTx{fail: true}
	ap := &SQLApplier{DB: ft}
	tab := newTablet(t, inv, tabletOptions{applier: ap})
	ft.TxRunner, ap.Reader = tab.db, tab.db.Reader()
	ctx := context.Background()
	err := tab.c.SyncOnce(ctx)
	if !errors.Is(err, errInjected) || KindOf(err) != KindLocal {
		t.Fatalf("SyncOnce = %v (kind %s), want the injected failure as KindLocal", err, KindOf(err))
	}
	if tab.pulled("job", "job-8") != "" || tab.cursor() != "" {
		t.Fatalf("a failed apply left job %q, cursor %q", tab.pulled("job", "job-8"), tab.cursor())
	}
	ft.fail = false
	if err := tab.c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	inv.mu.Lock()
	pulls := append([]string(nil), inv.pulls...)
	inv.mu.Unlock()
	if len(pulls) != 2 || pulls[0] != "" || pulls[1] != "" {
		t.Errorf("cursors asked for: %q, want the first page twice", pulls)
	}
	if tab.pulled("job", "job-8") == "" || tab.cursor() == "" {
		t.Errorf("after the retry: job %q, cursor %q", tab.pulled("job", "job-8"), tab.cursor())
	}
}
