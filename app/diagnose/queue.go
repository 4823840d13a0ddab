package diagnose

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/outbox"
)

// Attacher attaches a verified evidence bundle to a job and queues it for
// sync with the inventory service. The workflow layer may provide its own
// (with a store table for evidence); StoreAttacher is the one that exists
// today.
type Attacher interface {
	Attach(ctx context.Context, jobID string, b *Bundle) error
}

// OutboxKindEvidence is the outbox message kind of an evidence bundle.
const OutboxKindEvidence = "evidence"

// StoreAttacher writes the bundle file into Dir (named by the evidence
// hash, so a copy is never overwritten by a different bundle) and queues
// it in the store's outbox in one transaction, with the evidence hash as
// the idempotency key: attaching the same bundle twice sends it once.
type StoreAttacher struct {
	DB  *store.DB
	Dir string
}

// Attach verifies b, writes it to Dir and queues it for jobID. The file is
// written before the transaction, so a queued message always has its file.
func (a StoreAttacher) Attach(ctx context.Context, jobID string, b *Bundle) error {
	if err := b.Verify(); err != nil {
		return fmt.Errorf("attach evidence: %w", err)
	}
	var buf bytes.Buffer
	if err := b.Save(&buf); err != nil {
		return err
	}
	if a.Dir != "" {
		if err := os.MkdirAll(a.Dir, 0o700); err != nil {
			return fmt.Errorf("attach evidence: %w", err)
		}
		path := filepath.Join(a.Dir, "evidence-"+b.Head()+".json")
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
			return fmt.Errorf("attach evidence: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("attach evidence: %w", err)
		}
	}
	err := a.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := a.DB.Outbox().SendTx(ctx, tx, outbox.Message{JobID: jobID, Kind: OutboxKindEvidence,
			IdempotencyKey: "evidence:" + b.Head(), Payload: buf.Bytes()})
		if errors.Is(err, outbox.ErrDuplicateKey) {
			return nil // already queued: the same evidence is sent once
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("queue evidence for job %s: %w", jobID, err)
	}
	return nil
}
