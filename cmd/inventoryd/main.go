// Command inventoryd is the central inventory service: it keeps the Smart
// Metering Inventory, applies install-flow service requests from the
// smetskit app and answers in DUIS.
//
//	inventoryd serve  --db inventory.db --addr :8443
//	inventoryd serve  --db postgres://user@host/db --tls-cert c.pem --tls-key k.pem
//	inventoryd token  --db inventory.db --name alice --role installer
//	inventoryd report --db inventory.db --from 2026-11-01 --to 2026-12-01
//	inventoryd migrate --db inventory.db
//	inventoryd coverage import --db inventory.db coverage.json
//	inventoryd seal-key --db inventory.db
//	inventoryd install-code --db inventory.db --device 00-DB-12-34-56-78-90-A0 --actor jo
//
// Storage is a SQLite file by default; a postgres:// URL selects
// PostgreSQL, which several instances may share. Without --tls-cert the
// service makes a self-signed certificate for local use and prints its
// SHA-256 fingerprint.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "inventoryd:", err)
		os.Exit(1)
	}
}
