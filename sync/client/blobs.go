package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// uploadBlobs puts on the service every blob message m refers to
// (api.BlobRefs of a JSON payload) that the service does not have yet:
// HEAD first, so a blob uploaded before a crash is not sent again, and a
// hash the service confirmed is remembered for the process's life. A
// blob this tablet does not hold, whose bytes do not match their hash, or
// that the service refuses for good (400, 403, 413) makes the message
// ErrBadMessage; anything else (no coverage, 5xx, 401) is a sync failure
// to retry.
func (c *Client) uploadBlobs(ctx context.Context, m outbox.Message) error {
	if c.cfg.Blob == nil || m.Kind == api.KindDUISRequest {
		return nil
	}
	for _, h := range api.BlobRefs(m.Payload) {
		c.blobMu.Lock()
		have := c.have[h]
		c.blobMu.Unlock()
		if have {
			continue
		}
		ok, err := c.headBlob(ctx, h)
		if err != nil {
			return err
		}
		if !ok {
			data, err := c.cfg.Blob(ctx, h)
			if err != nil {
				return fmt.Errorf("%w: blob %s: %v", ErrBadMessage, h, err)
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h {
				return fmt.Errorf("%w: blob %s: the stored bytes hash to %x", ErrBadMessage, h, sum)
			}
			if len(data) > api.MaxBlobBytes {
				return fmt.Errorf("%w: blob %s of %d bytes, at most %d", ErrBadMessage, h, len(data), api.MaxBlobBytes)
			}
			if err := c.putBlob(ctx, m.JobID, h, data); err != nil {
				return err
			}
		}
		c.blobMu.Lock()
		c.have[h] = true
		c.blobMu.Unlock()
	}
	return nil
}

func (c *Client) headBlob(ctx context.Context, h string) (bool, error) {
	ctx, cancel := c.ctxTimeout(ctx)
	defer cancel()
	req, err := newRequest(ctx, "push", http.MethodHead, c.endpoint(api.BlobPath(h)), nil)
	if err != nil {
		return false, err
	}
	resp, err := c.do("push", req)
	if err != nil {
		return false, err
	}
	defer drain(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, statusError("push", resp)
}

// minBlobRate is the slowest upload a blob is given time for: a PUT may
// take RequestTimeout plus its size at this rate (a 4 MiB photo over a
// weak 2G link: about 8.5 minutes), not RequestTimeout alone.
const minBlobRate = 8 << 10 // bytes per second

func (c *Client) putBlob(ctx context.Context, job, h string, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout+time.Duration(len(data))*time.Second/minBlobRate)
	defer cancel()
	hc := *c.http
	hc.Timeout = 0 // the context bounds the upload
	req, err := newRequest(ctx, "push", http.MethodPut, c.endpoint(api.BlobPath(h)), bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set(api.HeaderBlobJob, job)
	resp, err := c.doOn(&hc, "push", req)
	if err != nil {
		return err
	}
	defer drain(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated:
		return nil
	case http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%w: blob %s: %v", ErrBadMessage, h, statusError("push", resp))
	}
	return statusError("push", resp)
}
