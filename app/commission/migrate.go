package commission

import (
	"context"
	"embed"

	"github.com/smetskit/smetskit/app/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the engine's tables as a store.Module: pass it in
// store.Options.Modules or call Migrate. Before app/store had modules the
// version was kept in the one-row table commission_schema; a database
// migrated that way has its version taken over on first run (the old
// table is left as it was), so no migration runs twice.
func Schema() store.Module {
	return store.Module{Name: "commission", FS: migrations, Legacy: "commission_schema"}
}

// Migrate creates or upgrades the engine's tables in db
// (store.DB.MigrateModule with Schema): each numbered migration runs once,
// in its own transaction with its version bump. Call it once after
// store.Open, unless Schema was in Options.Modules.
func Migrate(ctx context.Context, db *store.DB) error {
	_, err := db.MigrateModule(ctx, Schema())
	return err
}
