package client

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// pushAll pushes batches until the outbox has nothing ready, or a batch
// fails as a whole. Messages the service asked to retry are Nacked with
// backoff, so they are not ready again at once and the loop ends.
func (c *Client) pushAll(ctx context.Context) error {
	for {
		n, err := c.pushBatch(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// pushBatch receives up to BatchSize ready messages, posts them and records
// each outcome in the outbox. It returns how many it received.
func (c *Client) pushBatch(ctx context.Context) (int, error) {
	msgs, err := c.cfg.Outbox.Receive(ctx, c.cfg.BatchSize)
	if err != nil {
		return 0, &Error{Op: "push", Kind: KindLocal, Err: fmt.Errorf("receive: %w", err)}
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	req := api.PushRequest{InstallerID: c.cfg.InstallerID}
	var sent []outbox.Message
	for i, m := range msgs {
		pm, err := c.wire(ctx, m)
		if err == nil {
			err = c.uploadBlobs(ctx, m)
		}
		if err != nil && !errors.Is(err, ErrBadMessage) {
			// A blob did not get through (coverage, the service): send
			// nothing of the batch now, so a job's messages keep their
			// order; the blobs already up are not sent again.
			return len(msgs), c.unsent(ctx, append(slices.Clone(sent), msgs[i:]...), err)
		}
		if err != nil {
			// Retrying cannot fix a payload: give it to the engineer.
			if derr := c.cfg.Outbox.DeadLetter(ctx, m.ID, err.Error()); derr != nil {
				return len(msgs), &Error{Op: "push", Kind: KindLocal, Err: derr}
			}
			continue
		}
		req.Messages = append(req.Messages, pm)
		sent = append(sent, m)
	}
	if len(sent) == 0 {
		return len(msgs), nil
	}
	resp, err := c.post(ctx, &req)
	if err != nil {
		return len(msgs), c.unsent(ctx, sent, err)
	}
	return len(msgs), c.record(ctx, sent, resp)
}

// unsent puts back a batch that got no usable answer. Without coverage
// the attempt is not counted (Postpone), so a day offline does not turn
// the queue into dead letters; the loop's backoff spaces the next try.
// Any other failure counts an attempt and backs off per message (Nack):
// the service saw the batch, and MaxAttempts bounds a poison batch.
func (c *Client) unsent(ctx context.Context, sent []outbox.Message, cause error) error {
	// The outbox must hear of it even when ctx ended the push.
	ctx = context.WithoutCancel(ctx)
	if KindOf(cause) == KindOffline {
		ids := make([]int64, len(sent))
		for i, m := range sent {
			ids[i] = m.ID
		}
		if _, err := c.cfg.Outbox.Postpone(ctx, c.clock.Now(), ids...); err != nil {
			return &Error{Op: "push", Kind: KindLocal, Err: fmt.Errorf("postpone: %w", err)}
		}
		return cause
	}
	for _, m := range sent {
		if err := c.cfg.Outbox.Nack(ctx, m.ID, cause, true); err != nil {
			return &Error{Op: "push", Kind: KindLocal, Err: fmt.Errorf("nack %d: %w", m.ID, err)}
		}
	}
	return cause
}

// record stores the service's answer to each message: applied ones in one
// transaction (AckAll), rejected ones with their DUIS response code, and
// retry ones back in the queue after backoff.
func (c *Client) record(ctx context.Context, sent []outbox.Message, resp *api.PushResponse) error {
	var ids []int64
	var outcomes []json.RawMessage
	fail := func(err error) error { return &Error{Op: "push", Kind: KindLocal, Err: err} }
	for i, res := range resp.Results {
		m := sent[i]
		outcome, err := json.Marshal(res)
		if err != nil {
			return fail(err)
		}
		switch res.Status {
		case api.StatusApplied:
			ids = append(ids, m.ID)
			outcomes = append(outcomes, outcome)
		case api.StatusRejected:
			if err := c.cfg.Outbox.Reject(ctx, m.ID, outcome, rejectReason(res)); err != nil {
				return fail(err)
			}
		default: // api.StatusRetry, validated by DecodePushResponse
			reason := res.Reason
			if reason == "" {
				reason = "the service asked to send it again later"
			}
			if err := c.cfg.Outbox.Nack(ctx, m.ID, errors.New(reason), true); err != nil {
				return fail(err)
			}
		}
	}
	if len(ids) > 0 {
		if err := c.cfg.Outbox.AckAll(ctx, ids, outcomes); err != nil {
			return fail(err)
		}
	}
	return nil
}

// rejectReason is what the job screen shows for a refused message: the
// DUIS response code first (DOMAIN.md §14), then the service's words.
func rejectReason(res api.PushResult) string {
	switch {
	case res.ResponseCode != "" && res.Reason != "":
		return res.ResponseCode + ": " + res.Reason
	case res.ResponseCode != "":
		return res.ResponseCode
	case res.Reason != "":
		return res.Reason
	}
	return "refused by the inventory service"
}

// post sends one push request and decodes the answer, checked against req.
func (c *Client) post(ctx context.Context, req *api.PushRequest) (*api.PushResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &Error{Op: "push", Kind: KindLocal, Err: err}
	}
	ctx, cancel := c.ctxTimeout(ctx)
	defer cancel()
	hreq, err := newRequest(ctx, "push", http.MethodPost, c.endpoint(api.PathPush), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hresp, err := c.do("push", hreq)
	if err != nil {
		return nil, err
	}
	defer drain(hresp.Body)
	if hresp.StatusCode != http.StatusOK {
		return nil, statusError("push", hresp)
	}
	resp, err := api.DecodePushResponse(hresp.Body, req)
	if err != nil {
		if ctx.Err() != nil { // cut off mid-answer
			return nil, &Error{Op: "push", Kind: KindOffline, Err: err}
		}
		return nil, &Error{Op: "push", Kind: KindServer, Status: hresp.StatusCode, Err: fmt.Errorf("decode answer: %w", err)}
	}
	return resp, nil
}

// drain reads a little of what is left so the connection can be reused,
// then closes the body.
func drain(r io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(r, 64<<10))
	r.Close()
}

// wire turns an outbox message into its wire form. A DUIS request's
// payload is the request XML; its ServiceReferenceVariant is read from it.
// Every other kind carries a JSON payload as Body.
func (c *Client) wire(ctx context.Context, m outbox.Message) (api.PushMessage, error) {
	pm := api.PushMessage{IdempotencyKey: m.IdempotencyKey, JobID: m.JobID, Kind: m.Kind, CreatedAt: m.CreatedAt.UTC()}
	if m.ParentID != 0 {
		parent, err := c.cfg.Outbox.Get(ctx, m.ParentID)
		if err != nil {
			return pm, fmt.Errorf("%w: parent %d: %v", ErrBadMessage, m.ParentID, err)
		}
		pm.ParentKey = parent.IdempotencyKey
	}
	if m.Kind == api.KindDUISRequest {
		variant, err := ServiceReferenceVariant(m.Payload)
		if err != nil {
			return pm, fmt.Errorf("%w: %v", ErrBadMessage, err)
		}
		pm.ServiceRequest = &api.ServiceRequest{ServiceReferenceVariant: variant, XML: string(m.Payload)}
	} else {
		if !json.Valid(m.Payload) {
			return pm, fmt.Errorf("%w: %s payload is not JSON", ErrBadMessage, m.Kind)
		}
		pm.Body = json.RawMessage(m.Payload)
	}
	one := api.PushRequest{InstallerID: c.cfg.InstallerID, Messages: []api.PushMessage{pm}}
	if err := one.Validate(); err != nil {
		return pm, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	return pm, nil
}

// ServiceReferenceVariant returns the ServiceReferenceVariant of a DUIS
// request, from its Request Header (DUIS 5.4), reading no further than
// it. It reads at most api.MaxDUISBytes.
func ServiceReferenceVariant(doc []byte) (string, error) {
	if len(doc) > api.MaxDUISBytes {
		return "", fmt.Errorf("DUIS request of %d bytes, more than %d", len(doc), api.MaxDUISBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return "", errors.New("DUIS request has no ServiceReferenceVariant")
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "ServiceReferenceVariant" {
			continue
		}
		var v string
		if err := d.DecodeElement(&v, &se); err != nil {
			return "", fmt.Errorf("read ServiceReferenceVariant: %w", err)
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 16 {
			return "", fmt.Errorf("ServiceReferenceVariant %q is not a variant", v)
		}
		return v, nil
	}
}
