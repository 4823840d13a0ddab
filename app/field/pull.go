package field

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/app/visit"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/client"
)

// builtKey is the store setting holding the pull cursor up to which the
// work orders were rebuilt from the pulled records.
const builtKey = "field.jobs-built-cursor"

// StatusReassigned is the status a local job takes when the inventory
// service takes it away from this installer (a "job" removal in a pull):
// what was done on site stays, and the Jobs screen says so.
const StatusReassigned = "cancelled"

// jobApplier is the sync client's Applier: it keeps what the service sent
// in client.SQLApplier's tables (cursor in the same transaction), then
// rebuilds the work orders the page touched in the jobs store. The rebuild
// is idempotent (jobs.Store.Put keeps what was done on site), so after a
// crash between the two, repair rebuilds every pulled job.
type jobApplier struct {
	sql     *client.SQLApplier
	v       *visit.Visit
	changed func() // after work orders changed
}

// Cursor returns the stored pull cursor.
func (a *jobApplier) Cursor(ctx context.Context) (string, error) { return a.sql.Cursor(ctx) }

// ApplyPull stores resp and its cursor in one transaction, then rebuilds
// the jobs it touched: its jobs, the jobs at the sites of its devices, and
// every job when it removed a device or starts a refetch.
func (a *jobApplier) ApplyPull(ctx context.Context, resp *api.PullResponse, reset bool) error {
	if err := a.sql.ApplyPull(ctx, resp, reset); err != nil {
		return err
	}
	all := reset
	jobIDs := map[string]bool{}
	sites := map[string]bool{}
	for _, j := range resp.Jobs {
		jobIDs[j.JobID] = true
	}
	for _, d := range resp.Devices {
		sites[d.SiteID] = true
	}
	var removedJobs []string
	for _, r := range resp.Removed {
		switch r.Kind {
		case "device":
			all = true
		case "job":
			removedJobs = append(removedJobs, r.ID)
		}
	}
	n, err := a.build(ctx, func(j api.Job) bool { return all || jobIDs[j.JobID] || sites[j.SiteID] })
	if err != nil {
		return err
	}
	for _, id := range removedJobs {
		err := a.v.Jobs.SetStatus(ctx, id, StatusReassigned)
		switch {
		case errors.Is(err, jobs.ErrNotFound):
		case err != nil:
			return fmt.Errorf("mark job %s reassigned: %w", id, err)
		default:
			n++
		}
	}
	if err := a.markBuilt(ctx, resp.Cursor); err != nil {
		return err
	}
	if n > 0 && a.changed != nil {
		a.changed()
	}
	return nil
}

// repair rebuilds every pulled job when the last rebuild lags the stored
// cursor (the process stopped between storing a page and rebuilding).
func (a *jobApplier) repair(ctx context.Context) error {
	cur, err := a.sql.Cursor(ctx)
	if err != nil {
		return fmt.Errorf("read pull cursor: %w", err)
	}
	built, _, err := a.v.DB.Setting(ctx, builtKey)
	if err != nil {
		return err
	}
	if cur == built {
		return nil
	}
	if _, err := a.build(ctx, func(api.Job) bool { return true }); err != nil {
		return err
	}
	return a.markBuilt(ctx, cur)
}

func (a *jobApplier) markBuilt(ctx context.Context, cursor string) error {
	return a.v.DB.InTx(ctx, func(tx *sql.Tx) error { return store.SetSettingTx(ctx, tx, builtKey, cursor) })
}

// build rebuilds the pulled jobs that want selects, each with the pulled
// devices of its site, and returns how many it wrote.
func (a *jobApplier) build(ctx context.Context, want func(api.Job) bool) (int, error) {
	pulledJobs, devices, err := a.read(ctx)
	if err != nil {
		return 0, err
	}
	var sel []api.Job
	for _, j := range pulledJobs {
		if want(j) {
			sel = append(sel, j)
		}
	}
	if err := a.v.ImportJobs(ctx, sel, devices); err != nil {
		return 0, fmt.Errorf("rebuild pulled jobs: %w", err)
	}
	return len(sel), nil
}

// read returns the pulled jobs and devices. A record that no longer
// decodes (written by another version) is skipped, not fatal: the next
// refetch replaces it.
func (a *jobApplier) read(ctx context.Context) ([]api.Job, []api.Device, error) {
	rows, err := a.v.DB.Reader().QueryContext(ctx, `SELECT kind, body FROM sync_pulled WHERE kind IN ('job', 'device') ORDER BY kind, id`)
	if err != nil {
		return nil, nil, fmt.Errorf("read pulled jobs: %w", err)
	}
	defer rows.Close()
	var js []api.Job
	var ds []api.Device
	for rows.Next() {
		var kind, body string
		if err := rows.Scan(&kind, &body); err != nil {
			return nil, nil, fmt.Errorf("read pulled jobs: %w", err)
		}
		switch kind {
		case "job":
			var j api.Job
			if json.Unmarshal([]byte(body), &j) == nil && j.JobID != "" {
				js = append(js, j)
			}
		case "device":
			var d api.Device
			if json.Unmarshal([]byte(body), &d) == nil && d.DeviceID != "" {
				ds = append(ds, d)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read pulled jobs: %w", err)
	}
	return js, ds, nil
}
