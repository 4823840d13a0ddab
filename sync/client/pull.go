package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/smetskit/smetskit/sync/api"
)

// Applier stores pulled data locally. The app's store implements it;
// SQLApplier is one over any SQLite database.
type Applier interface {
	// Cursor returns the cursor stored by the last ApplyPull, "" before
	// the first.
	Cursor(ctx context.Context) (string, error)
	// ApplyPull applies resp in one transaction and stores resp.Cursor in
	// that same transaction, so the cursor never runs ahead of the data:
	// after a crash the same page is pulled again. reset means resp is the
	// first page of a full refetch: drop every pulled record first.
	ApplyPull(ctx context.Context, resp *api.PullResponse, reset bool) error
}

// pull fetches pages from the stored cursor until the service says there is
// no more (or MaxPullPages), applying each before asking for the next. An
// unknown cursor restarts from nothing with reset set.
func (c *Client) pull(ctx context.Context) error {
	fail := func(err error) error { return &Error{Op: "pull", Kind: KindLocal, Err: err} }
	cursor, err := c.cfg.Applier.Cursor(ctx)
	if err != nil {
		return fail(fmt.Errorf("read cursor: %w", err))
	}
	reset := false
	for range c.cfg.MaxPullPages {
		resp, err := c.fetch(ctx, cursor)
		if errors.Is(err, ErrUnknownCursor) && cursor != "" {
			cursor, reset = "", true
			continue
		}
		if err != nil {
			return err
		}
		if err := c.cfg.Applier.ApplyPull(ctx, resp, reset); err != nil {
			return fail(fmt.Errorf("apply pull: %w", err))
		}
		reset = false
		cursor = resp.Cursor
		c.update(func(p *Progress) { p.LastPull = c.clock.Now() })
		if !resp.More {
			return nil
		}
	}
	return nil
}

// fetch asks GET /v1/changes for what changed since cursor.
func (c *Client) fetch(ctx context.Context, cursor string) (*api.PullResponse, error) {
	ctx, cancel := c.ctxTimeout(ctx)
	defer cancel()
	u := c.endpoint(api.PathChanges)
	if cursor != "" {
		u += "?cursor=" + url.QueryEscape(cursor)
	}
	hreq, err := newRequest(ctx, "pull", http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	hresp, err := c.do("pull", hreq)
	if err != nil {
		return nil, err
	}
	defer drain(hresp.Body)
	switch {
	case hresp.StatusCode == http.StatusBadRequest && cursor != "":
		// The OpenAPI document: 400 is an unknown or expired cursor.
		return nil, &Error{Op: "pull", Kind: KindRefused, Status: hresp.StatusCode, Err: ErrUnknownCursor}
	case hresp.StatusCode != http.StatusOK:
		return nil, statusError("pull", hresp)
	}
	resp, err := api.DecodePullResponse(hresp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &Error{Op: "pull", Kind: KindOffline, Err: err}
		}
		return nil, &Error{Op: "pull", Kind: KindServer, Status: hresp.StatusCode, Err: fmt.Errorf("decode answer: %w", err)}
	}
	return resp, nil
}
