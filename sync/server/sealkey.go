package server

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"github.com/smetskit/smetskit/sync/api"
)

// sealKeyPair is the service's X25519 key pair for secrets sealed to it
// (sync/api SealFor): the public half goes out in every pull.
type sealKeyPair struct {
	priv *ecdh.PrivateKey
	pub  api.SealKey
}

func sealKeyAD(keyID string) []byte { return []byte("smetskit seal key " + keyID) }

// SealKey returns the service's public sealing key, generating the key
// pair on first use. Instances sharing a PostgreSQL database agree on it:
// the first to store it wins and the others read it back.
func (s *Server) SealKey(ctx context.Context) (api.SealKey, error) {
	kp, err := s.sealKeyPair(ctx)
	if err != nil {
		return api.SealKey{}, err
	}
	return kp.pub, nil
}

func (s *Server) sealKeyPair(ctx context.Context) (*sealKeyPair, error) {
	s.sealMu.Lock()
	defer s.sealMu.Unlock()
	if s.sealKP != nil {
		return s.sealKP, nil
	}
	kp, err := s.loadSealKey(ctx)
	if err != nil {
		return nil, err
	}
	if kp == nil {
		priv, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate sealing key: %w", err)
		}
		pub := priv.PublicKey().Bytes()
		id := api.SealKeyID(pub)
		sealed, err := s.sealer.SealBytes(sealKeyAD(id), priv.Bytes())
		if err != nil {
			return nil, fmt.Errorf("seal the private sealing key: %w", err)
		}
		err = s.db.InTx(ctx, func(tx *Tx) error {
			res, err := tx.exec(ctx, `INSERT INTO seal_keys (slot, key_id, public_key, sealed_private, created_at)
				VALUES ('current', ?, ?, ?, ?) ON CONFLICT (slot) DO NOTHING`, id, pub, sealed, ms(s.now()))
			if err != nil {
				return fmt.Errorf("store sealing key: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return tx.audit(ctx, s.now(), "inventoryd", "seal-key.create", id, "X25519 sealing key generated")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if kp, err = s.loadSealKey(ctx); err != nil {
			return nil, err
		}
		if kp == nil {
			return nil, errors.New("server: sealing key stored but not found")
		}
	}
	s.sealKP = kp
	return kp, nil
}

// loadedSealKey is the key pair sealKeyPair loaded, for use inside a
// write transaction (which must not open another connection to load it).
func (s *Server) loadedSealKey() (*sealKeyPair, error) {
	s.sealMu.Lock()
	defer s.sealMu.Unlock()
	if s.sealKP == nil {
		return nil, errors.New("server: sealing key not loaded")
	}
	return s.sealKP, nil
}

// loadSealKey reads the current key pair; nil when there is none yet.
func (s *Server) loadSealKey(ctx context.Context) (*sealKeyPair, error) {
	var id string
	var pub, sealed []byte
	err := s.db.row(ctx, "SELECT key_id, public_key, sealed_private FROM seal_keys WHERE slot = 'current'").Scan(&id, &pub, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read sealing key: %w", err)
	}
	raw, err := s.sealer.OpenBytes(sealKeyAD(id), sealed)
	if err != nil {
		return nil, fmt.Errorf("open sealing key %s (is this the database's install-code sealing key?): %w", id, err)
	}
	priv, err := ecdh.X25519().NewPrivateKey(raw)
	if err != nil {
		return nil, fmt.Errorf("sealing key %s: %w", id, err)
	}
	if got := priv.PublicKey().Bytes(); string(got) != string(pub) || api.SealKeyID(got) != id {
		return nil, fmt.Errorf("sealing key %s: stored public key does not match the private key", id)
	}
	return &sealKeyPair{priv: priv, pub: api.NewSealKey(pub)}, nil
}
