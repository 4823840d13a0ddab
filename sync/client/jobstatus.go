package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/smetskit/smetskit/sync/api"
)

// ServerJobStatus asks the service what it has applied of a job (GET
// /v1/jobs/{jobId}/status): the service's side of "safe to leave site",
// to show beside the local JobProgress before the engineer leaves.
func (c *Client) ServerJobStatus(ctx context.Context, jobID string) (*api.JobStatus, error) {
	ctx, cancel := c.ctxTimeout(ctx)
	defer cancel()
	path := strings.Replace(api.PathJobStatus, "{jobId}", url.PathEscape(jobID), 1)
	hreq, err := newRequest(ctx, "job status", http.MethodGet, c.endpoint(path), nil)
	if err != nil {
		return nil, err
	}
	hresp, err := c.do("job status", hreq)
	if err != nil {
		return nil, err
	}
	defer drain(hresp.Body)
	if hresp.StatusCode != http.StatusOK {
		return nil, statusError("job status", hresp)
	}
	st, err := api.DecodeJobStatus(hresp.Body)
	if err != nil {
		return nil, &Error{Op: "job status", Kind: KindServer, Status: hresp.StatusCode, Err: fmt.Errorf("decode answer: %w", err)}
	}
	return st, nil
}
