package inventory

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"

	"github.com/smetskit/smetskit/protocol/duis"
)

// Errors from sealing install codes.
var (
	ErrKeySize  = errors.New("inventory: sealing key must be 32 bytes")
	ErrUnseal   = errors.New("inventory: sealed install code does not open (wrong key or device, or tampered)")
	ErrCodeSize = errors.New("inventory: install code must be 6 to 16 bytes")
)

// InstallCode is a ZigBee install code (DUIS InstallCode, 6–16 bytes;
// DOMAIN.md §2, §10.1). It is a secret: it formats, logs and marshals to
// JSON as "[redacted]". Use Bytes for the value.
type InstallCode []byte

func (InstallCode) String() string               { return "[redacted]" }
func (InstallCode) GoString() string             { return "[redacted]" }
func (InstallCode) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (InstallCode) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }
func (InstallCode) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }
func (c InstallCode) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[redacted]")) }
func (c InstallCode) Bytes() []byte              { return []byte(c) }
func (c InstallCode) valid() bool                { return len(c) >= 6 && len(c) <= 16 }

// Sealer encrypts install codes at rest with AES-256-GCM. The device ID is
// the additional data, so a sealed code moved to another device's record
// does not open.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, ErrKeySize
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("inventory: new cipher: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("inventory: new GCM: %w", err)
	}
	return &Sealer{aead: g}, nil
}

// Seal returns nonce ‖ ciphertext ‖ tag for the install code of device id.
func (s *Sealer) Seal(id duis.EUI64, code InstallCode) ([]byte, error) {
	if !code.valid() {
		return nil, ErrCodeSize
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(code)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("inventory: read nonce: %w", err)
	}
	return s.aead.Seal(nonce, nonce, code, id[:]), nil
}

// Open reverses Seal. It fails with ErrUnseal for a wrong key, a wrong
// device or altered bytes.
func (s *Sealer) Open(id duis.EUI64, sealed []byte) (InstallCode, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() || len(sealed) > n+16+s.aead.Overhead() {
		return nil, ErrUnseal
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], id[:])
	if err != nil {
		return nil, ErrUnseal
	}
	return InstallCode(out), nil
}

// MaxSecretBytes caps what SealBytes seals and OpenBytes admits.
const MaxSecretBytes = 4096

// SealBytes seals a secret other than an install code (at most
// MaxSecretBytes; the inventory service's private sealing key) bound to
// ad, which must be given again to open it.
func (s *Sealer) SealBytes(ad, secret []byte) ([]byte, error) {
	if len(secret) > MaxSecretBytes {
		return nil, fmt.Errorf("inventory: seal %d bytes: at most %d", len(secret), MaxSecretBytes)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("inventory: read nonce: %w", err)
	}
	return s.aead.Seal(nonce, nonce, secret, ad), nil
}

// OpenBytes reverses SealBytes; it fails with ErrUnseal for a wrong key,
// wrong ad or altered bytes.
func (s *Sealer) OpenBytes(ad, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() || len(sealed) > n+MaxSecretBytes+s.aead.Overhead() {
		return nil, ErrUnseal
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrUnseal
	}
	return out, nil
}
