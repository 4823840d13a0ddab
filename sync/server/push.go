package server

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/smetskit/smetskit/sync/api"
)

// Push applies a batch of outbox messages in order and answers each
// (sync/api POST /v1/push). DUIS requests go through the same steps as
// Submit; evidence and job updates are kept once per idempotency key; a
// message whose parent is not applied yet is answered "retry".
//
// The whole batch is one write transaction and each message runs in its
// own SAVEPOINT, so a message is still all or nothing and its result is
// what Submit would answer, while the batch pays for one commit (one
// fsync) instead of one per message. Should the commit fail, nothing of
// the batch is kept and every message is answered "retry".
func (s *Server) Push(ctx context.Context, p Principal, req *api.PushRequest) *api.PushResponse {
	results := make([]api.PushResult, len(req.Messages))
	preps := make([]*prepared, len(req.Messages))
	perrs := make([]error, len(req.Messages))
	for i, m := range req.Messages {
		if m.Kind == api.KindDUISRequest && m.ServiceRequest != nil {
			preps[i], perrs[i] = s.prepare(Submission{Document: []byte(m.ServiceRequest.XML), Principal: p, JobID: m.JobID,
				IdempotencyKey: m.IdempotencyKey, ActedAt: m.CreatedAt})
		}
		if m.Kind == api.KindEvidence {
			// Evidence may carry sealed install codes: have the key
			// pair before the write transaction (on SQLite it holds
			// the one connection).
			if _, err := s.sealKeyPair(ctx); err != nil {
				s.log.Error("push: load sealing key", "err", err.Error())
			}
		}
	}
	type observed struct {
		out *Outcome
		err error
		d   time.Duration
	}
	var obs []observed
	err := s.db.InTx(ctx, func(tx *Tx) error {
		for i, m := range req.Messages {
			start := time.Now()
			res, out, err, fatal := s.pushOne(ctx, tx, p, m, preps[i], perrs[i])
			if fatal != nil {
				return fatal
			}
			results[i] = res
			if out != nil || err != nil { // a DUIS request was submitted
				obs = append(obs, observed{out, err, time.Since(start)})
			}
		}
		return nil
	})
	if err != nil {
		s.log.Error("push: apply batch", "err", err.Error(), "messages", len(req.Messages))
		for i, m := range req.Messages {
			results[i] = api.PushResult{IdempotencyKey: m.IdempotencyKey, Status: api.StatusRetry, Reason: "internal error", RetryAfterSeconds: 30}
		}
		return &api.PushResponse{Results: results}
	}
	for _, o := range obs {
		s.metrics.observeSubmit(o.out, o.err, o.d)
	}
	return &api.PushResponse{Results: results}
}

// pushOne answers one message of a batch inside tx. ps and perr are the
// message's DUIS request prepared outside the transaction. out and err are
// what Submit would return, for the metrics; fatal means the transaction
// is unusable and the batch must stop.
func (s *Server) pushOne(ctx context.Context, tx *Tx, p Principal, m api.PushMessage, ps *prepared, perr error) (res api.PushResult, out *Outcome, err, fatal error) {
	res = api.PushResult{IdempotencyKey: m.IdempotencyKey}
	if m.ParentKey != "" {
		ok, err := s.applied(ctx, tx, m.ParentKey)
		if err != nil {
			// On PostgreSQL a failed statement spoils the transaction:
			// stop the batch rather than answer from a broken one.
			return res, nil, nil, err
		}
		if !ok {
			res.Status, res.Reason, res.RetryAfterSeconds = api.StatusRetry, "parent "+m.ParentKey+" not applied yet", 5
			return res, nil, nil, nil
		}
	}
	switch m.Kind {
	case api.KindDUISRequest:
		if m.ServiceRequest == nil {
			res.Status, res.Reason = api.StatusRejected, "serviceRequest is required for "+api.KindDUISRequest
			return res, nil, nil, nil
		}
		if perr != nil {
			return s.refused(res, perr), nil, perr, nil
		}
		err, fatal := tx.savepoint(ctx, func() error {
			var err error
			out, err = s.applyTx(ctx, tx, ps)
			return err
		})
		if fatal != nil {
			return res, nil, nil, fatal
		}
		if err != nil {
			return s.refused(res, err), nil, err, nil
		}
		if out.Variant != m.ServiceRequest.ServiceReferenceVariant {
			s.log.Warn("push: variant label differs from the document", "label", m.ServiceRequest.ServiceReferenceVariant, "document", out.Variant)
		}
		return pushed(res, out), out, nil, nil
	case api.KindEvidence, api.KindJobUpdate:
		var dup bool
		err, fatal := tx.savepoint(ctx, func() error {
			var err error
			dup, err = s.keepMessage(ctx, tx, p, m)
			return err
		})
		if fatal != nil {
			return res, nil, nil, fatal
		}
		if err != nil {
			return s.refused(res, err), nil, nil, nil
		}
		res.Status, res.Duplicate = api.StatusApplied, dup
		return res, nil, nil, nil
	}
	res.Status, res.Reason = api.StatusRejected, "unknown kind "+m.Kind
	return res, nil, nil, nil
}

// pushed is the push result of an applied DUIS request. A request whose
// outcome is an error is "rejected" and carries the outcome's code (e.g.
// E5), not the I99 acknowledgement of a device SR; see the package doc.
func pushed(res api.PushResult, out *Outcome) api.PushResult {
	res.Duplicate, res.ResponseCode, res.DUISResponse = out.Duplicate, string(out.ResponseCode), string(out.Response)
	res.Status = api.StatusApplied
	if out.OutcomeCode.IsError() {
		res.Status, res.ResponseCode, res.Reason = api.StatusRejected, string(out.OutcomeCode), out.OutcomeCode.Meaning()
	}
	return res
}

func (s *Server) refused(res api.PushResult, err error) api.PushResult {
	if httpStatus(err) >= 500 {
		s.log.Error("push: apply message", "err", err.Error())
		res.Status, res.Reason, res.RetryAfterSeconds = api.StatusRetry, "internal error", 30
		return res
	}
	res.Status, res.Reason = api.StatusRejected, err.Error()
	var re *RequestError
	if errors.As(err, &re) && len(re.Problems) > 0 {
		res.Reason += ": " + re.Problems[0]
	}
	return res
}

// applied reports whether a message key was applied: a DUIS request with a
// success outcome, or a kept message.
func (s *Server) applied(ctx context.Context, tx *Tx, key string) (bool, error) {
	var n int
	err := tx.row(ctx, `SELECT (SELECT count(*) FROM requests WHERE idempotency_key = ? AND outcome_code IN ('I0', 'I99'))
		+ (SELECT count(*) FROM messages WHERE idempotency_key = ?)`, key, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check message %s: %w", key, err)
	}
	return n > 0, nil
}

// keepMessage stores an evidence or job-update message once; a repeat of
// the same key and body is a duplicate, another body under the key a
// conflict. Installers may only push to their own jobs. The install codes
// of an evidence message go to the SMI and are stored sealed
// (evidenceCodes); body_hash stays the hash of the body as pushed.
func (s *Server) keepMessage(ctx context.Context, tx *Tx, p Principal, m api.PushMessage) (bool, error) {
	sum := sha256.Sum256(m.Body)
	hash := hex.EncodeToString(sum[:])
	now := s.now()
	dup := false
	err := func() error {
		var old string
		err := tx.row(ctx, "SELECT body_hash FROM messages WHERE idempotency_key = ?", m.IdempotencyKey).Scan(&old)
		switch {
		case err == nil && old == hash:
			dup = true
			return nil
		case err == nil:
			return &RequestError{Err: ErrConflict, Detail: "idempotency key reused with another body"}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("read message %s: %w", m.IdempotencyKey, err)
		}
		if p.Role == RoleInstaller {
			var owner string
			if err := tx.row(ctx, "SELECT installer FROM jobs WHERE job_id = ?", m.JobID).Scan(&owner); err != nil || owner != p.Name {
				return &RequestError{Err: ErrForbidden, Detail: "job " + m.JobID + " is not assigned to this installer"}
			}
		}
		body := []byte(m.Body)
		if m.Kind == api.KindEvidence {
			var err error
			if body, err = s.evidenceCodes(ctx, tx, p, m); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO messages (idempotency_key, job_id, kind, principal, body_hash, body, created_at, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.IdempotencyKey, m.JobID, m.Kind, p.Name, hash, body, ms(m.CreatedAt), ms(now)); err != nil {
			return fmt.Errorf("store message %s: %w", m.IdempotencyKey, err)
		}
		return tx.audit(ctx, now, p.Name, m.Kind, m.JobID, "message "+m.IdempotencyKey)
	}()
	return dup, err
}

func (s *Server) postPush(w http.ResponseWriter, r *http.Request, p Principal) error {
	req, err := api.DecodePushRequest(io.LimitReader(r.Body, s.cfg.MaxBatchBytes+1))
	var fe *api.FieldError
	switch {
	case errors.Is(err, api.ErrTooLarge):
		return &RequestError{Err: ErrTooLarge, Detail: err.Error()}
	case errors.As(err, &fe):
		return &RequestError{Err: ErrMalformed, Field: fe.Field, Detail: fe.Error()}
	case err != nil:
		return &RequestError{Err: ErrMalformed, Detail: err.Error()}
	}
	if p.Role == RoleInstaller && req.InstallerID != p.Name {
		return &RequestError{Err: ErrForbidden, Field: "installerId", Detail: "installerId is not the token's installer"}
	}
	return writeJSON(w, http.StatusOK, s.Push(r.Context(), p, req))
}

// JobStatus is what the service applied of a job (sync/api GET
// /v1/jobs/{jobId}/status): the "safe to leave site" signal as far as sync
// goes. The service does not know what is still queued on the tablet, so
// Pending is always 0. A post-check read it relays (8.9, 11.2) counts as
// applied and is noted "read requested" (ReadsRequested counts them); an
// 8.12.1 restore it relays, "restore requested" (RestoresRequested).
func (s *Server) JobStatus(ctx context.Context, p Principal, job string) (*api.JobStatus, error) {
	var owner string
	err := s.db.row(ctx, "SELECT installer FROM jobs WHERE job_id = ?", job).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && p.Role == RoleInstaller && owner != p.Name) {
		return nil, &RequestError{Err: ErrNotFound}
	}
	if err != nil {
		return nil, fmt.Errorf("read job %s: %w", job, err)
	}
	rows, err := s.db.query(ctx, `SELECT COALESCE(idempotency_key, request_id), variant, response_code, outcome_code FROM requests WHERE job_id = ?
		ORDER BY received_at LIMIT 1000`, job)
	if err != nil {
		return nil, fmt.Errorf("read job %s requests: %w", job, err)
	}
	defer rows.Close()
	st := &api.JobStatus{JobID: job, Messages: []api.MessageStatus{}}
	for rows.Next() {
		var key, variant, code, outcome string
		if err := rows.Scan(&key, &variant, &code, &outcome); err != nil {
			return nil, fmt.Errorf("read job %s requests: %w", job, err)
		}
		m := api.MessageStatus{IdempotencyKey: key, Status: api.StatusApplied, ResponseCode: code, Variant: variant}
		switch outcome {
		case "I0":
			st.Applied++
		case "I99":
			// Only a relayed request keeps the acknowledgement as its
			// outcome: a read, or the restore of a CH exchange.
			st.Applied++
			if variant == "8.12.1" {
				m.Note = api.NoteRestoreRequested
				st.RestoresRequested++
			} else {
				m.Note = api.NoteReadRequested
				st.ReadsRequested++
			}
		default:
			m.Status = api.StatusRejected
			st.Rejected++
		}
		st.Messages = append(st.Messages, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	st.AllApplied = st.Rejected == 0 && st.Applied > 0
	return st, nil
}

func (s *Server) getJobStatus(w http.ResponseWriter, r *http.Request, p Principal) error {
	st, err := s.JobStatus(r.Context(), p, r.PathValue("jobId"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}
