package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// Clock tells the time; tests inject a fake one (STYLE.md §19).
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Config configures New. BaseURL, Token and Outbox are required.
type Config struct {
	BaseURL     string       // the inventory service, "https://inventory.example:8443"
	Token       string       // bearer token of the installer
	InstallerID string       // sent in each push request
	HTTPClient  *http.Client // default: a client with RequestTimeout
	Outbox      *outbox.Outbox
	Applier     Applier // where pulled data goes; nil: push only
	Clock       Clock   // stamps progress; default: the system clock
	// Blob returns the bytes of a blob a message refers to by SHA-256
	// (api.BlobRefs: its "photos"), for upload before the message is
	// pushed; app/jobs' Store.PhotoData is one. nil: blobs are not
	// uploaded, only their hashes travel.
	Blob func(ctx context.Context, sha256 string) ([]byte, error)

	BatchSize      int            // messages per push; default 50, at most api.MaxBatch
	Interval       time.Duration  // between syncs when all is well; default 1 min
	Backoff        outbox.Backoff // between failed syncs; default 2 s doubling to 5 min, half jitter
	RequestTimeout time.Duration  // of one HTTP exchange; default 30 s
	MaxPullPages   int            // pages of one pull; default 100
	Rand           func() float64 // jitter draws in [0,1); default math/rand/v2
}

// Client pushes the outbox to the inventory service and pulls what changed
// for the installer. It is safe for concurrent use; SyncOnce calls are
// serialised.
type Client struct {
	cfg    Config
	base   *url.URL
	http   *http.Client
	clock  Clock
	syncMu sync.Mutex // one sync at a time
	now    chan struct{}

	blobMu sync.Mutex
	have   map[string]bool // blobs the service is known to have

	progressMu sync.Mutex
	progress   Progress
	subs       map[chan Progress]struct{}
}

// New checks cfg, fills in defaults and returns a client. It does no I/O.
func New(cfg Config) (*Client, error) {
	if cfg.Outbox == nil || cfg.Token == "" || cfg.BaseURL == "" {
		return nil, fmt.Errorf("%w: BaseURL, Token and Outbox are required", ErrConfig)
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q is not an http(s) URL", ErrConfig, cfg.BaseURL)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 50
	}
	cfg.BatchSize = min(cfg.BatchSize, api.MaxBatch)
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.Backoff.Base <= 0 {
		cfg.Backoff.Base = 2 * time.Second
	}
	if cfg.Backoff.Max <= 0 {
		cfg.Backoff.Max = 5 * time.Minute
	}
	if cfg.Backoff.Jitter == 0 {
		cfg.Backoff.Jitter = 0.5
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.MaxPullPages <= 0 {
		cfg.MaxPullPages = 100
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	c := &Client{cfg: cfg, base: base, http: cfg.HTTPClient, clock: cfg.Clock, now: make(chan struct{}, 1),
		subs: map[chan Progress]struct{}{}, have: map[string]bool{}}
	if c.http == nil {
		c.http = &http.Client{Timeout: cfg.RequestTimeout}
	}
	if c.clock == nil {
		c.clock = systemClock{}
	}
	c.progress.Server = base.Host
	return c, nil
}

// SyncNow asks a running Run loop to sync at once, even while it is backing
// off after a failure (the "sync now" button). It never blocks.
func (c *Client) SyncNow() {
	select {
	case c.now <- struct{}{}:
	default:
	}
}

// Run syncs until ctx ends, and returns ctx's error. Each round pushes the
// outbox then pulls; after a failed round it waits Backoff (doubling per
// consecutive failure, capped, with jitter) and tries again, so no failure
// stalls it. When all is well it waits Interval, or less when a message
// becomes due, and wakes early on outbox changes and SyncNow.
//
// Run takes the client to be the outbox's only receiver: it first releases
// the leases left by a process that died mid-push (outbox ReleaseInFlight),
// so those messages go out at once rather than when their leases end.
func (c *Client) Run(ctx context.Context) error {
	wake, stop := c.cfg.Outbox.Subscribe()
	defer stop()
	c.syncMu.Lock()
	_, err := c.cfg.Outbox.ReleaseInFlight(ctx)
	c.syncMu.Unlock()
	if err != nil && ctx.Err() == nil {
		c.finish(ctx, &Error{Op: "start", Kind: KindLocal, Err: err})
	}
	failures := 0
	for {
		err := c.SyncOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The round's own acks woke us; NextReady below covers anything
		// queued meanwhile.
		select {
		case <-wake:
		default:
		}
		var wait time.Duration
		if err != nil {
			failures++
			wait = c.cfg.Backoff.Delay(failures, c.cfg.Rand())
		} else {
			failures = 0
			wait = c.cfg.Interval
			if next, ok, nerr := c.cfg.Outbox.NextReady(ctx); nerr == nil && ok {
				wait = min(wait, max(0, next.Sub(c.clock.Now())))
			}
		}
		c.setNextAttempt(c.clock.Now().Add(wait))
		c.wait(ctx, wake, wait, err != nil)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// wait blocks for d, or until SyncNow, or until the outbox changes. After
// a failure (backingOff) an outbox change only refreshes the counts: new
// messages wait with the rest, so a tablet out of coverage does not hammer
// the network on every save, while the status line still counts them.
func (c *Client) wait(ctx context.Context, wake <-chan struct{}, d time.Duration, backingOff bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		case <-c.now:
			return
		case <-wake:
			if !backingOff {
				return
			}
			c.refresh(ctx)
		}
	}
}

// SyncOnce pushes every ready message of the outbox, batch after batch,
// then pulls what changed until the service has no more. It returns the
// first failure (an *Error, see KindOf); messages already answered keep
// their outcome. Progress subscribers hear of each step.
func (c *Client) SyncOnce(ctx context.Context) error {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	c.update(func(p *Progress) { p.Syncing = true })
	err := c.pushAll(ctx)
	if err == nil && c.cfg.Applier != nil {
		err = c.pull(ctx)
	}
	c.finish(ctx, err)
	return err
}

// do sends one request with the token and the timeout. A transport
// failure (no answer, or none before the timeout) is KindOffline.
func (c *Client) do(op string, req *http.Request) (*http.Response, error) {
	return c.doOn(c.http, op, req)
}

// newRequest builds a request for op; failing to is a local error.
func newRequest(ctx context.Context, op, method, url string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, &Error{Op: op, Kind: KindLocal, Err: err}
	}
	return req, nil
}

// doOn is do on hc (a copy of the client's HTTP client with other limits).
func (c *Client) doOn(hc *http.Client, op string, req *http.Request) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &Error{Op: op, Kind: KindOffline, Err: err}
	}
	c.update(func(p *Progress) { p.LastContact = c.clock.Now() })
	return resp, nil
}

// statusError turns a non-2xx answer into an *Error with the service's
// problem detail when it sent one.
func statusError(op string, resp *http.Response) error {
	kind := KindRefused
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		kind = KindAuth
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		kind = KindServer
	}
	var cause error = errors.New(http.StatusText(resp.StatusCode))
	if p, err := api.DecodeProblem(resp.Body); err == nil && (p.Title != "" || p.Detail != "") {
		cause = p
	}
	return &Error{Op: op, Kind: kind, Status: resp.StatusCode, Err: cause}
}

func (c *Client) endpoint(path string) string { return c.base.String() + path }

// ctxTimeout bounds one exchange by RequestTimeout.
func (c *Client) ctxTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.cfg.RequestTimeout)
}
