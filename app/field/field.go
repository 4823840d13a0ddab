package field

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/app/visit"
	"github.com/smetskit/smetskit/sync/client"
)

// ErrNoServer is returned by PullNow when no inventory server (or no
// token) is set: everything stays queued on this computer.
var ErrNoServer = errors.New("field: no inventory server set")

// ErrClosed is returned by PullNow after Close.
var ErrClosed = errors.New("field: closed")

// Config configures Open. Only DataDir has a default; without ServerURL and
// Token the session works offline and queues everything.
type Config struct {
	// DataDir holds the store (visit.FileName) and the sealing key;
	// DefaultDir() when empty.
	DataDir string
	// ServerURL is the inventory service, "https://inventory.example:8443".
	ServerURL string
	// Token is the installer's bearer token for ServerURL, in clear or as
	// SealToken sealed it with this data folder's key.
	Token string
	// Engineer is the installer ID sent with every push.
	Engineer string
	// Originator is the supplier's EUI-64, the Request ID originator of
	// the DUIS requests the installs queue (DOMAIN.md §12); Plan uses it.
	Originator string
	// Interval is the time between syncs when all is well (sync/client's
	// default, 1 min, when zero).
	Interval time.Duration
	// HTTPClient talks to the service (sync/client's default when nil).
	HTTPClient *http.Client
	// Now stamps job changes; time.Now when nil.
	Now func() time.Time
	// Commission tunes the engine; its Sealer is set by Open.
	Commission commission.Options
	// Logf receives engineer-level log lines; discarded when nil.
	Logf func(string, ...any)
}

// DefaultDir is the user's data folder, os.UserConfigDir()/smetskit
// (ARCHITECTURE.md, "Where data lives").
func DefaultDir() (string, error) { return visit.DefaultDir() }

// Field is an open field session. Its exported fields are read-only after
// Open.
type Field struct {
	Dir        string
	Store      *store.DB
	Jobs       *jobs.Store
	Commission *commission.Engine
	// Visit is the store opened for field work (PlanFor, hub counters).
	Visit *visit.Visit
	// Sync pushes the outbox and pulls jobs; nil without a server.
	Sync *client.Client
	// ServerURL is the inventory service in use, "" when offline.
	ServerURL string

	logf       func(string, ...any)
	originator string
	sealer     *inventory.Sealer
	tokenErr   error // why the saved token could not be opened
	pulled     *jobApplier
	runCtx     context.Context // ends at Close
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	mu         sync.Mutex
	closed     bool
	subs       map[int]chan struct{}
	nextSub    int
}

// Open opens the session: the store in cfg.DataDir (created with mode 0700
// when missing), the jobs and commissioning tables, the sealing key, the
// tables of pulled records and, with a server and a token, the sync client
// running in the background until Close. An error means nothing is left
// open.
func Open(ctx context.Context, cfg Config) (_ *Field, err error) {
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	dir := cfg.DataDir
	if dir == "" {
		if dir, err = DefaultDir(); err != nil {
			return nil, fmt.Errorf("open field session: %w", err)
		}
	}
	sealer, err := loadSealer(dir)
	if err != nil {
		return nil, fmt.Errorf("open field session in %s: %w", dir, err)
	}
	co := cfg.Commission
	co.Sealer = sealer
	v, err := visit.Open(ctx, dir, visit.Options{Now: cfg.Now, Commission: co})
	if err != nil {
		return nil, fmt.Errorf("open field session in %s: %w", dir, err)
	}
	f := &Field{Dir: dir, Store: v.DB, Jobs: v.Jobs, Commission: v.Engine, Visit: v, logf: logf, subs: map[int]chan struct{}{},
		originator: cfg.Originator, sealer: sealer}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	f.pulled = &jobApplier{sql: &client.SQLApplier{DB: v.DB, Reader: v.DB.Reader()}, v: v, changed: f.notify}
	if err := f.pulled.sql.CreateTables(ctx); err != nil {
		return nil, fmt.Errorf("open field session in %s: create pulled tables: %w", dir, err)
	}
	if err := f.pulled.repair(ctx); err != nil {
		return nil, fmt.Errorf("open field session in %s: %w", dir, err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	f.runCtx, f.cancel = runCtx, cancel
	token, err := openToken(sealer, cfg.Token)
	if err != nil {
		// Offline rather than no app: the engineer pastes the token again.
		logf("field: %v", err)
		f.tokenErr, token = err, ""
	}
	if cfg.ServerURL == "" || token == "" {
		if cfg.ServerURL != "" {
			logf("field: no token set: working offline, everything stays queued")
		}
		return f, nil
	}
	f.Sync, err = client.New(client.Config{BaseURL: cfg.ServerURL, Token: token, InstallerID: cfg.Engineer,
		HTTPClient: cfg.HTTPClient, Outbox: v.DB.Outbox(), Applier: f.pulled, Interval: cfg.Interval,
		Blob: v.Jobs.PhotoData})
	if err != nil {
		return nil, fmt.Errorf("open field session: %w", err)
	}
	f.ServerURL = cfg.ServerURL
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		_ = f.Sync.Run(runCtx)
	}()
	return f, nil
}

// Close stops the sync client and closes the store. It is safe to call
// more than once.
func (f *Field) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	for id, ch := range f.subs {
		close(ch)
		delete(f.subs, id)
	}
	f.mu.Unlock()
	if f.cancel != nil {
		f.cancel()
	}
	f.wg.Wait()
	return f.Visit.Close()
}

// SyncNow asks the background sync to push and pull at once; it never
// blocks and does nothing offline.
func (f *Field) SyncNow() {
	if f.Sync != nil {
		f.Sync.SyncNow()
	}
}

// PullNow runs one sync round now and returns when it is over: the outbox
// is pushed, then the installer's jobs are pulled into the jobs store (the
// "Get today's jobs" button). It waits for a round already running. The
// error is the round's (client.KindOf says what it means), ErrNoServer
// offline, ErrTokenSealed when the saved token could not be opened.
func (f *Field) PullNow(ctx context.Context) error {
	if f.Sync == nil {
		if f.tokenErr != nil {
			return f.tokenErr
		}
		return ErrNoServer
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return ErrClosed
	}
	f.wg.Add(1) // Close waits for the round before closing the store
	f.mu.Unlock()
	defer f.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(f.runCtx, cancel) // Close ends the round
	defer stop()
	return f.Sync.SyncOnce(ctx)
}

// Contact says, for the Sync screen, how the last sync went and when the
// service last answered: "All changes sent; last contact 14:02".
func (f *Field) Contact() string {
	if f.Sync == nil {
		if f.tokenErr != nil {
			return "The saved token cannot be read with this data folder: paste it again in Settings and restart; everything stays queued meanwhile"
		}
		return "No inventory server set: everything stays queued on this computer"
	}
	p := f.Sync.Progress()
	s := p.Summary()
	if p.LastContact.IsZero() {
		return s + "; no contact with the inventory service yet"
	}
	return s + "; last contact " + p.LastContact.Local().Format("Mon 15:04")
}

// JobsChanged returns a channel that receives after every pull that
// changed the work orders (it holds one value, so a slow reader sees one
// wake for many pulls; closed at Close), and a function that ends the
// subscription.
func (f *Field) JobsChanged() (<-chan struct{}, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{}, 1)
	if f.closed {
		close(ch)
		return ch, func() {}
	}
	id := f.nextSub
	f.nextSub++
	f.subs[id] = ch
	return ch, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if c, ok := f.subs[id]; ok {
			close(c)
			delete(f.subs, id)
		}
	}
}

func (f *Field) notify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
