package jobs

import (
	"context"
	"embed"

	"github.com/smetskit/smetskit/app/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the job tables' store.Module: pass it in store.Options.Modules
// or call Migrate. Its version was kept in the table jobs_schema before
// app/store had modules; that version is taken over on first run.
func Schema() store.Module {
	return store.Module{Name: "jobs", FS: migrations, Legacy: "jobs_schema"}
}

// Migrate creates or upgrades the job tables in db (store.DB.MigrateModule
// with Schema). Call it once after store.Open, unless Schema was in
// Options.Modules.
func Migrate(ctx context.Context, db *store.DB) error {
	_, err := db.MigrateModule(ctx, Schema())
	return err
}
