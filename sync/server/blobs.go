package server

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/smetskit/smetskit/sync/api"
)

// PutBlob stores bytes a message refers to by SHA-256 (sync/api PathBlob):
// hash must be data's SHA-256 (checked here, ErrMalformed otherwise), data
// at most Config.MaxBlobBytes (ErrTooLarge). An installer uploads for one
// of their own jobs. A hash already stored is kept as it is and created is
// false: a repeated upload after a crash costs one request, not a copy.
func (s *Server) PutBlob(ctx context.Context, p Principal, hash, job string, data []byte) (created bool, err error) {
	if !api.ValidBlobHash(hash) {
		return false, &RequestError{Err: ErrMalformed, Field: "sha256", Detail: "a blob is named by its SHA-256 in 64 lower-case hex digits"}
	}
	if int64(len(data)) > s.cfg.MaxBlobBytes {
		return false, &RequestError{Err: ErrTooLarge, Detail: fmt.Sprintf("blob of %d bytes, at most %d", len(data), s.cfg.MaxBlobBytes)}
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hash {
		return false, &RequestError{Err: ErrMalformed, Field: "sha256", Detail: "the bytes hash to " + hex.EncodeToString(sum[:]) + ", not to the name they were sent under"}
	}
	if len(job) > api.MaxIDLen {
		return false, &RequestError{Err: ErrMalformed, Field: api.HeaderBlobJob, Detail: "job ID too long"}
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if p.Role == RoleInstaller {
			var owner string
			if err := tx.row(ctx, "SELECT installer FROM jobs WHERE job_id = ?", job).Scan(&owner); err != nil || owner != p.Name {
				return &RequestError{Err: ErrForbidden, Detail: "blobs are uploaded for one of the installer's own jobs (" + api.HeaderBlobJob + ")"}
			}
		}
		now := s.now()
		res, err := tx.exec(ctx, `INSERT INTO blobs (sha256, size, content, job_id, principal, received_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (sha256) DO NOTHING`, hash, len(data), data, job, p.Name, ms(now))
		if err != nil {
			return fmt.Errorf("store blob %s: %w", hash, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		created = true
		return tx.audit(ctx, now, p.Name, "blob.put", hash, fmt.Sprintf("%d bytes for job %s", len(data), job))
	})
	return created, err
}

// BlobSize reports whether the service has the blob, and its size.
func (s *Server) BlobSize(ctx context.Context, hash string) (int64, bool, error) {
	if !api.ValidBlobHash(hash) {
		return 0, false, nil
	}
	var n int64
	err := s.db.row(ctx, "SELECT size FROM blobs WHERE sha256 = ?", hash).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("look up blob %s: %w", hash, err)
	}
	return n, true, nil
}

// Blob returns a blob's bytes to the back office.
func (s *Server) Blob(ctx context.Context, p Principal, hash string) ([]byte, error) {
	if p.Role != RoleBackOffice {
		return nil, &RequestError{Err: ErrForbidden, Detail: "only the back office reads blobs"}
	}
	var b []byte
	err := s.db.row(ctx, "SELECT content FROM blobs WHERE sha256 = ?", hash).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &RequestError{Err: ErrNotFound}
	}
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", hash, err)
	}
	return b, nil
}

func (s *Server) putBlob(w http.ResponseWriter, r *http.Request, p Principal) error {
	if r.ContentLength > s.cfg.MaxBlobBytes {
		return &RequestError{Err: ErrTooLarge, Detail: fmt.Sprintf("blob of %d bytes, at most %d", r.ContentLength, s.cfg.MaxBlobBytes)}
	}
	data, err := readBody(w, r, s.cfg.MaxBlobBytes)
	if err != nil {
		return err
	}
	created, err := s.PutBlob(r.Context(), p, r.PathValue("sha256"), r.Header.Get(api.HeaderBlobJob), data)
	if err != nil {
		return err
	}
	if created {
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

func (s *Server) headBlob(w http.ResponseWriter, r *http.Request, _ Principal) error {
	n, ok, err := s.BlobSize(r.Context(), r.PathValue("sha256"))
	if err != nil {
		return err
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) getBlob(w http.ResponseWriter, r *http.Request, p Principal) error {
	b, err := s.Blob(r.Context(), p, r.PathValue("sha256"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}
