// Package servertest runs a real inventory service — sync/server on SQLite
// in a temporary folder, on the loopback interface — for the tests of the
// programs that talk to it: the field session, the screens, the sync
// client. It is test support; nothing in a shipped program imports it.
//
//	inv := servertest.Start(t, "E1234")
//	inv.Job(t, "J-1", "AB1 2CD")
//	// point a sync client at inv.URL with inv.Token
package servertest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/sync/server"
)

// Inventory is a running service with one installer's token.
type Inventory struct {
	Server    *server.Server
	URL       string // the service's base URL
	Token     string // the installer's bearer token
	Installer string
}

// Start runs the service until the test ends. Its install-code sealing key
// is fixed, so a test may seal and open codes with the same bytes.
func Start(t testing.TB, installer string) *Inventory {
	t.Helper()
	ctx := context.Background()
	db, err := server.OpenDB(ctx, filepath.Join(t.TempDir(), "inventory.db"))
	if err != nil {
		t.Fatalf("open the inventory database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	sealer, err := inventory.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{DB: db, Sealer: sealer, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("start the inventory service: %v", err)
	}
	tok, err := srv.CreateToken(ctx, "test", installer, server.RoleInstaller)
	if err != nil {
		t.Fatalf("create the installer's token: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &Inventory{Server: srv, URL: ts.URL, Token: tok, Installer: installer}
}

// Job creates an install job for the installer at a site named after it,
// scheduled on a fixed day.
func (i *Inventory) Job(t testing.TB, id, postcode string) {
	t.Helper()
	j := server.Job{ID: id, Installer: i.Installer, Site: "S-" + id, Postcode: postcode, Address: "1 Test Road",
		Kind: "install", ScheduledFor: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	if err := i.Server.CreateJob(context.Background(), "test", j); err != nil {
		t.Fatalf("create job %s: %v", id, err)
	}
}
