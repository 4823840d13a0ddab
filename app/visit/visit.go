package visit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/api"
)

// FileName is the name of the local database in the data folder.
const FileName = "smetskit.db"

// Sentinel errors.
var (
	ErrNoFlow      = errors.New("visit: no commissioning flow for this job")
	ErrNoHubDevice = errors.New("visit: job has no communications hub")
	ErrInstallCode = errors.New("visit: install code missing or not 16 bytes of hex")
	ErrTarget      = errors.New("visit: bad hub target")
	ErrAnswers     = errors.New("visit: bad answers file")
)

// Visit is the local store opened for field work: the jobs synced to this
// computer and the commissioning engine, on one SQLite file.
type Visit struct {
	DB     *store.DB
	Jobs   *jobs.Store
	Engine *commission.Engine
}

// Options configure Open. The zero value uses the system clock and the
// engine's defaults.
type Options struct {
	Now        func() time.Time
	Commission commission.Options
}

// DefaultDir is the user's data folder: os.UserConfigDir()/smetskit
// (ARCHITECTURE.md, "Where data lives").
func DefaultDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find data folder: %w", err)
	}
	return filepath.Join(d, "smetskit"), nil
}

// Open opens (creating when needed) the store in dataDir, or in DefaultDir
// when dataDir is empty, and runs the jobs and commission migrations.
func Open(ctx context.Context, dataDir string, opts ...Options) (*Visit, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if dataDir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dataDir = d
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	db, err := store.Open(ctx, filepath.Join(dataDir, FileName),
		store.Options{Modules: []store.Module{jobs.Schema(), commission.Schema()}})
	if err != nil {
		return nil, err
	}
	co := o.Commission
	if co.Now == nil {
		co.Now = o.Now
	}
	if co.ServerKey == nil {
		co.ServerKey = serverKey(db)
	}
	e, err := commission.New(db, co)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Visit{DB: db, Jobs: jobs.New(db, o.Now), Engine: e}, nil
}

// Close closes the store.
func (v *Visit) Close() error { return v.DB.Close() }

// ImportJobs stores jobs as the sync client would after a pull: each job
// with the devices of its site (api.Device.SiteID), for demo or offline use
// while no inventory service is reachable. A job already stored keeps what
// was done on site (jobs.Store.Put).
func (v *Visit) ImportJobs(ctx context.Context, js []api.Job, devices []api.Device) error {
	for _, j := range js {
		var ds []api.Device
		for _, d := range devices {
			if d.SiteID == j.SiteID {
				ds = append(ds, d)
			}
		}
		if err := v.Jobs.Put(ctx, jobs.FromAPI(j, ds)); err != nil {
			return fmt.Errorf("import job %s: %w", j.JobID, err)
		}
	}
	return nil
}

// sealKeySetting is the settings key of the inventory service's sealing
// key imported with jobs from a file (ImportSealKey).
const sealKeySetting = "visit.inventory-seal-key"

// ImportSealKey keeps the inventory service's public sealing key that came
// with imported jobs (api.PullResponse.SealKey), for when no sync client
// has pulled one into this store: the commissioning engine seals install
// codes in the evidence to it. The key is checked before it is kept.
func (v *Visit) ImportSealKey(ctx context.Context, k api.SealKey) error {
	if _, err := k.Public(); err != nil {
		return fmt.Errorf("import sealing key: %w", err)
	}
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return v.DB.InTx(ctx, func(tx *sql.Tx) error { return store.SetSettingTx(ctx, tx, sealKeySetting, string(b)) })
}

// serverKey is the engine's ServerKey: the key the sync client pulled into
// db when there is one, else the one ImportSealKey kept, else none.
func serverKey(db *store.DB) func(context.Context) (*api.SealKey, error) {
	pulled := commission.StoredServerKey(db)
	return func(ctx context.Context) (*api.SealKey, error) {
		if k, err := pulled(ctx); err != nil || k != nil {
			return k, err
		}
		s, ok, err := db.Setting(ctx, sealKeySetting)
		if err != nil || !ok {
			return nil, err
		}
		var k api.SealKey
		if err := json.Unmarshal([]byte(s), &k); err != nil {
			return nil, fmt.Errorf("read imported sealing key: %w", err)
		}
		return &k, nil
	}
}

// Progress is a job with how far its commissioning run has gone.
type Progress struct {
	Job *jobs.Job
	// Run is the commissioning run, nil when none was started.
	Run *commission.RunStatus
}

// Progress reads a job and its run.
func (v *Visit) Progress(ctx context.Context, jobID string) (*Progress, error) {
	j, err := v.Jobs.Get(ctx, jobID)
	if err != nil {
		return nil, err
	}
	p := &Progress{Job: j}
	st, err := v.Engine.Status(ctx, jobID)
	switch {
	case err == nil:
		p.Run = st
	case !errors.Is(err, commission.ErrNoRun):
		return nil, err
	}
	return p, nil
}
