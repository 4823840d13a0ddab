package client_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/client"
)

// The app wires the client to its store and shows the progress on the
// status line. Out of coverage the line reads "No coverage: ...".
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "smetskit-example-")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "smetskit.db"), store.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	applier := &client.SQLApplier{DB: db, Reader: db.Reader()}
	if err := applier.CreateTables(ctx); err != nil { // app/store should own this DDL
		fmt.Println(err)
		return
	}
	c, err := client.New(client.Config{
		BaseURL: "https://127.0.0.1:1", Token: "token", InstallerID: "alice",
		Outbox: db.Outbox(), Applier: applier,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = c.SyncOnce(ctx) // nothing listens on port 1
	fmt.Println(client.KindOf(err))
	fmt.Println(c.Progress().Summary())
	// Output:
	// offline
	// No coverage: nothing waiting to be sent
}
