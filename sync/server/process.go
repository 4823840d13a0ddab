package server

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
)

// Served lists the Service Reference Variants the service processes: the
// install flow (DOMAIN.md §6–§7), the post-check reads 8.9 Read Device
// Log and 11.2 Read Firmware Version (§7 step 9) and the CH exchange's
// 8.12.1 Restore HAN Device Log (§6.1, §9 CCS03); the last three it
// records and relays toward the DCC without changing the SMI (see the
// package doc).
var Served = []string{"12.2", "8.14.1", "8.14.2", "8.14.3", "8.14.4", "8.11", "8.1.1",
	"8.7.1", "8.7.2", "8.8.1", "8.8.2", "8.2", "8.3", "8.4", "8.13", "8.9", "11.2", "8.12.1"}

// installerVariants are the SRs an installer may send from site; the back
// office may send all of Served. Beyond these, an installer may send only
// what a grant of the rules allows (inventory.InstallerGrant: by default 8.4
// UpdateDeviceStatusExceptCH=InstalledNotCommissioned on a non-CH device of
// their own job, and 8.12.1 onto the replacement hub of their own exchange
// job).
var installerVariants = []string{"8.14.1", "8.14.2", "8.14.3", "8.14.4", "8.11", "8.1.1",
	"8.7.1", "8.7.2", "8.8.1", "8.8.2", "8.2", "8.13", "12.2", "8.9", "11.2"}

// Submission is one DUIS request to apply, with who sent it and for which
// job.
type Submission struct {
	Document       []byte // the DUIS request XML
	Principal      Principal
	JobID          string    // required for installers
	IdempotencyKey string    // the outbox key; optional
	ActedAt        time.Time // when the installer acted on site; zero: on receipt
}

// Outcome is the service's answer to a submission.
type Outcome struct {
	RequestID    string
	Variant      string
	ResponseCode duis.ResponseCode // the synchronous code: I0, I99 or an E code
	// OutcomeCode is the result of applying the request: equal to
	// ResponseCode for non-device SRs; for device SRs acknowledged with I99,
	// the code of the (asynchronous, in DUIS) outcome, e.g. I0 for an 8.11
	// whose N24 alert reports success. A relayed request (the reads 8.9,
	// 11.2; the restore 8.12.1) keeps I99: requested; its result is the
	// device's, which the DCC returns, not the SMI.
	OutcomeCode duis.ResponseCode
	Response    []byte // the DUIS response XML
	Duplicate   bool   // an idempotent replay: the original outcome is returned
	Warnings    []string
}

// Submit applies one DUIS request to the SMI. Refusals that change nothing
// come back as *RequestError (malformed, invalid, not allowed, replayed
// counter); a request the rules refuse is answered with its DUIS error code
// in Outcome, recorded so a replay gets the same answer.
func (s *Server) Submit(ctx context.Context, sub Submission) (*Outcome, error) {
	start := time.Now()
	out, err := s.submit(ctx, sub)
	s.metrics.observeSubmit(out, err, time.Since(start))
	return out, err
}

func (s *Server) submit(ctx context.Context, sub Submission) (*Outcome, error) {
	ps, err := s.prepare(sub)
	if err != nil {
		return nil, err
	}
	var out *Outcome
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = s.applyTx(ctx, tx, ps)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepared is a submission parsed, validated and checked against the
// principal's role: everything that needs no database.
type prepared struct {
	sub            Submission
	req            *duis.Request
	hash           string
	acted, receive time.Time
	granted        bool // an installer's request allowed only by an InstallerGrant
}

func (s *Server) prepare(sub Submission) (*prepared, error) {
	if int64(len(sub.Document)) > s.cfg.MaxDocumentBytes {
		return nil, &RequestError{Err: ErrTooLarge}
	}
	req, err := duis.Parse(sub.Document)
	if err != nil {
		return nil, &RequestError{Err: ErrMalformed, Detail: err.Error()}
	}
	rid := req.Header.RequestID.String()
	if errs := req.Validate().Errors(); len(errs) > 0 {
		re := &RequestError{RequestID: rid, Err: ErrInvalid}
		for _, p := range errs {
			re.Problems = append(re.Problems, p.String())
		}
		return nil, re
	}
	variant := req.Header.ServiceReferenceVariant
	if !slices.Contains(Served, variant) {
		return nil, &RequestError{RequestID: rid, Err: ErrUnsupported, Detail: variant}
	}
	granted := false
	switch sub.Principal.Role {
	case RoleBackOffice:
	case RoleInstaller:
		if !slices.Contains(installerVariants, variant) {
			if !s.rules.Grants(variant) {
				return nil, &RequestError{RequestID: rid, Err: ErrForbidden, Detail: "installers may not send " + variant}
			}
			granted = true
		}
		if sub.JobID == "" {
			return nil, &RequestError{RequestID: rid, Err: ErrForbidden, Detail: "installer requests must name their job"}
		}
	default:
		return nil, &RequestError{RequestID: rid, Err: ErrForbidden, Detail: "role " + string(sub.Principal.Role) + " may not send service requests"}
	}
	sum := sha256.Sum256(sub.Document)
	received := s.now()
	acted := sub.ActedAt.UTC()
	if sub.ActedAt.IsZero() || acted.After(received) {
		acted = received
	}
	return &prepared{sub: sub, req: req, hash: hex.EncodeToString(sum[:]), acted: acted, receive: received, granted: granted}, nil
}

// inWindow decides a counter c not above the originator's high-water mark
// hw: refused unless Config.CounterWindow is set, c is within the window
// below hw and the originator never used c (in a request to any target).
// why says why it is refused; "" accepts it.
func (s *Server) inWindow(ctx context.Context, tx *Tx, orig string, c, hw uint64) (why string, err error) {
	w := s.cfg.CounterWindow
	if w == 0 || hw-c >= w {
		return fmt.Sprintf("counter %d, last accepted %d", c, hw), nil
	}
	var n int
	if err := tx.row(ctx, "SELECT count(*) FROM requests WHERE originator = ? AND counter = ?", orig, counterText(c)).Scan(&n); err != nil {
		return "", fmt.Errorf("look up counter %d of %s: %w", c, orig, err)
	}
	if n > 0 {
		return fmt.Sprintf("counter %d already used (last accepted %d)", c, hw), nil
	}
	return "", nil
}

func counterText(c uint64) string { return fmt.Sprintf("%020d", c) }

func (s *Server) stored(ctx context.Context, tx *Tx, where string, arg any) (*Outcome, string, error) {
	var o Outcome
	var hash, code, outcome string
	err := tx.row(ctx, "SELECT request_id, variant, body_hash, response_code, outcome_code, response FROM requests WHERE "+where+" = ?", arg).
		Scan(&o.RequestID, &o.Variant, &hash, &code, &outcome, &o.Response)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read request log: %w", err)
	}
	o.ResponseCode, o.OutcomeCode, o.Duplicate = duis.ResponseCode(code), duis.ResponseCode(outcome), true
	return &o, hash, nil
}

func (s *Server) applyTx(ctx context.Context, tx *Tx, ps *prepared) (*Outcome, error) {
	req, sub, hash, acted, now := ps.req, ps.sub, ps.hash, ps.acted, ps.receive
	id := req.Header.RequestID
	rid := id.String()
	// Idempotent replay: same Request ID and same document, or the same
	// outbox key, returns the original outcome.
	prev, prevHash, err := s.stored(ctx, tx, "request_id", rid)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		if prevHash != hash {
			return nil, &RequestError{RequestID: rid, Err: ErrConflict, Detail: "request ID already used for another request"}
		}
		return prev, nil
	}
	if sub.IdempotencyKey != "" {
		prev, _, err := s.stored(ctx, tx, "idempotency_key", sub.IdempotencyKey)
		if err != nil {
			return nil, err
		}
		if prev != nil {
			return nil, &RequestError{RequestID: rid, Err: ErrConflict, Detail: "idempotency key already used by " + prev.RequestID}
		}
	}
	// Counters strictly increase per originator (DOMAIN.md §12).
	orig := id.Originator.String()
	var last string
	err = tx.row(ctx, "SELECT last_counter FROM originators WHERE originator = ?", orig).Scan(&last)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("read counter of %s: %w", orig, err)
	default:
		if lc, _ := strconv.ParseUint(last, 10, 64); id.Counter <= lc {
			why, err := s.inWindow(ctx, tx, orig, id.Counter, lc)
			if err != nil {
				return nil, err
			}
			if why != "" {
				return nil, &RequestError{RequestID: rid, Err: ErrReplay, Detail: why}
			}
		}
	}

	w := &work{s: s, tx: tx, ctx: ctx, req: req, rid: rid, now: now, rows: map[duis.EUI64]*deviceRow{}}
	if sub.Principal.Role == RoleInstaller {
		if err := w.checkJob(sub.Principal.Name, sub.JobID); err != nil {
			return nil, err
		}
		if ps.granted {
			if err := w.checkGrant(); err != nil {
				return nil, err
			}
		}
	}
	code, err := w.apply()
	if err != nil {
		return nil, err
	}
	variant := req.Header.ServiceReferenceVariant
	v, _ := req.Variant()
	sync := code
	if code.IsSuccess() && !v.NonDevice {
		sync = duis.CodeAcknowledgement
	}
	resp := duis.NewResponse(req, sync, now)
	if w.inventory != nil && code.IsSuccess() {
		resp.ResponseMessage.DSPInventory = w.inventory
	}
	xml, err := resp.Marshal()
	if err != nil {
		return nil, fmt.Errorf("write response to %s: %w", rid, err)
	}
	var alert []byte
	if variant == "8.11" && code.IsSuccess() {
		if alert, err = n24(req, now); err != nil {
			return nil, fmt.Errorf("write N24 alert for %s: %w", rid, err)
		}
	}
	if err := w.commit(sub); err != nil {
		return nil, err
	}
	var key any
	if sub.IdempotencyKey != "" {
		key = sub.IdempotencyKey
	}
	if _, err := tx.exec(ctx, `INSERT INTO requests (request_id, originator, counter, variant, body_hash, idempotency_key,
		principal, job_id, acted_at, received_at, applied_at, response_code, outcome_code, response, outcome_alert)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rid, orig, counterText(id.Counter), variant, hash, key,
		sub.Principal.Name, sub.JobID, ms(acted), ms(now), ms(s.now()), string(sync), string(code), xml, alert); err != nil {
		return nil, fmt.Errorf("log request %s: %w", rid, err)
	}
	// The high-water mark only rises (a counter accepted in the window
	// leaves it); counters are zero-padded, so text order is number order.
	if _, err := tx.exec(ctx, `INSERT INTO originators (originator, last_counter) VALUES (?, ?)
		ON CONFLICT (originator) DO UPDATE SET last_counter = excluded.last_counter
		WHERE excluded.last_counter > originators.last_counter`, orig, counterText(id.Counter)); err != nil {
		return nil, fmt.Errorf("advance counter of %s: %w", orig, err)
	}
	return &Outcome{RequestID: rid, Variant: variant, ResponseCode: sync, OutcomeCode: code, Response: xml, Warnings: w.warnings}, nil
}

// n24 is the DCC alert that reports the outcome of an 8.11 (DCCAlertCode
// N24, UpdateHANDeviceLogResult naming the request; DOMAIN.md §11.2). The
// service applies the whitelist change at once, so the alert carries I0.
func n24(req *duis.Request, at time.Time) ([]byte, error) {
	id := req.Header.RequestID
	rid := id.ResponseID()
	r := &duis.Response{SchemaVersion: duis.SchemaVersion,
		Header: duis.ResponseHeader{RequestID: &id, ResponseID: &rid, ResponseCode: duis.CodeSuccess, ResponseDateTime: duis.NewDateTime(at)},
		DCCAlertMessage: &duis.DCCAlertMessage{DCCAlertCode: "N24",
			DCCAlert: duis.DCCAlert{UpdateHANDeviceLogResult: &duis.UpdateHANDeviceLogResult{UpdateHANDeviceLogServiceRequestID: id}}}}
	return r.Marshal()
}
