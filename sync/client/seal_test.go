package client

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
	"github.com/smetskit/smetskit/sync/server"
)

// TestSealedInstallCodeEndToEnd: the service's key arrives with the pull
// and is kept; an install code sealed to it travels in evidence through
// the outbox and lands in the server's SMI, readable by the back office.
func TestSealedInstallCodeEndToEnd(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(7, "job-7", "alice")
	tab := newTablet(t, inv, tabletOptions{})
	ctx := context.Background()
	if _, err := StoredSealKey(ctx, tab.db.Reader()); !errors.Is(err, ErrNoSealKey) {
		t.Fatalf("before the first pull: %v", err)
	}
	if err := tab.c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	k, err := StoredSealKey(ctx, tab.db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := inv.srv.SealKey(ctx); k != want {
		t.Fatalf("stored key %+v, service key %+v", k, want)
	}
	_, _, esme, _ := siteDevices(7)
	code, _ := hex.DecodeString("30313233343536373839414243444546") // the 8.11 template install code (DOMAIN.md §6.2)
	pub, err := k.Public()
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := api.SealFor(pub, esme, code)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"jobId": "job-7", "devices": []map[string]string{{"id": esme, "type": "ESME", "sealedInstallCode": sealed}}})
	var id int64
	if err := tab.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = tab.ob.SendTx(ctx, tx, outbox.Message{JobID: "job-7", Kind: api.KindEvidence, Payload: body})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tab.syncUntil(20, func() bool { return tab.msg(id).State == outbox.Applied })
	eui, _ := duis.ParseEUI64(esme)
	got, err := inv.srv.InstallCode(ctx, server.Principal{Name: "office", Role: server.RoleBackOffice}, eui)
	if err != nil || string(got.Bytes()) != string(code) {
		t.Fatalf("SMI install code does not match (%v)", err)
	}
}
