package api

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// Sealing secrets to the inventory service: the service has a long-lived
// X25519 key pair; its public key reaches the tablet in every pull
// (PullResponse.SealKey). The tablet seals a secret (an install code in
// install-and-leave evidence) with SealFor; only the service opens it
// (OpenSealed). The scheme is ECIES-like:
//
//	eph        = fresh X25519 key pair
//	shared     = X25519(eph.private, service public key)
//	key        = HKDF-SHA256(shared, salt = eph.public ‖ service public, info = "smetskit seal v1"), 32 bytes
//	header     = 0x01 ‖ key ID (8 bytes) ‖ eph.public (32 bytes) ‖ nonce (12 bytes, random)
//	sealed     = base64(header ‖ AES-256-GCM(key, nonce, plaintext, ad = header ‖ context))
//
// context is bound as associated data: for an install code it is the
// device ID exactly as the evidence names it (devices[].id), so a sealed
// code moved to another device does not open.

// SealAlgorithm names the sealing scheme (SealKey.Algorithm).
const SealAlgorithm = "X25519-HKDF-SHA256-AES256GCM"

// Sizes of the sealing scheme.
const (
	SealKeySize     = 32   // an X25519 public or private key
	MaxSealedSecret = 4096 // plaintext bytes SealFor accepts and OpenSealed admits
	sealVersion     = 1
	sealKeyIDSize   = 8
	sealHeaderSize  = 1 + sealKeyIDSize + SealKeySize + 12
	sealTagSize     = 16
	sealInfo        = "smetskit seal v1"
)

// Sealing errors. OpenSealed answers every bad input with ErrSealed (or
// ErrSealKey when the box was sealed to another key) and says nothing more
// about why, as any AEAD open should.
var (
	ErrSealKey = errors.New("api: not a sealing key of this service")
	ErrSealed  = errors.New("api: sealed secret does not open")
)

// SealKey is the inventory service's public sealing key as it travels in a
// pull.
type SealKey struct {
	KeyID     string `json:"keyId"`     // SealKeyID of the public key: 16 hex digits
	Algorithm string `json:"algorithm"` // SealAlgorithm
	PublicKey string `json:"publicKey"` // the 32-byte X25519 public key, base64 (standard, padded)
}

// NewSealKey describes a public key for the wire.
func NewSealKey(pub []byte) SealKey {
	return SealKey{KeyID: SealKeyID(pub), Algorithm: SealAlgorithm, PublicKey: base64.StdEncoding.EncodeToString(pub)}
}

// SealKeyID is the ID of a public key: the first 8 bytes of its SHA-256,
// in hex.
func SealKeyID(pub []byte) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:sealKeyIDSize])
}

// Public returns the key's 32 raw bytes after checking the algorithm, the
// size and the ID.
func (k SealKey) Public() ([]byte, error) {
	if k.Algorithm != SealAlgorithm {
		return nil, fmt.Errorf("%w: algorithm %q, want %s", ErrSealKey, k.Algorithm, SealAlgorithm)
	}
	pub, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(pub) != SealKeySize {
		return nil, fmt.Errorf("%w: public key is not %d bytes of base64", ErrSealKey, SealKeySize)
	}
	if SealKeyID(pub) != k.KeyID {
		return nil, fmt.Errorf("%w: key ID %q does not match the public key", ErrSealKey, k.KeyID)
	}
	if _, err := ecdh.X25519().NewPublicKey(pub); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSealKey, err)
	}
	return pub, nil
}

func (k *SealKey) validate(path string) error {
	if _, err := k.Public(); err != nil {
		return invalid(path, "%v", err)
	}
	return nil
}

// SealFor seals plaintext (at most MaxSealedSecret bytes) to the service
// public key pub (32 bytes, from SealKey.Public), bound to context, and
// returns the sealed text to put in a message. Each call uses a fresh
// ephemeral key, so sealing the same secret twice gives different text.
func SealFor(pub []byte, context string, plaintext []byte) (string, error) {
	if len(plaintext) > MaxSealedSecret {
		return "", fmt.Errorf("api: seal %d bytes: at most %d", len(plaintext), MaxSealedSecret)
	}
	rp, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSealKey, err)
	}
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("api: generate ephemeral key: %w", err)
	}
	shared, err := eph.ECDH(rp)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSealKey, err)
	}
	header := make([]byte, sealHeaderSize, sealHeaderSize+len(plaintext)+sealTagSize)
	header[0] = sealVersion
	id, _ := hex.DecodeString(SealKeyID(pub))
	copy(header[1:], id)
	copy(header[1+sealKeyIDSize:], eph.PublicKey().Bytes())
	nonce := header[1+sealKeyIDSize+SealKeySize:]
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("api: read nonce: %w", err)
	}
	aead, err := sealAEAD(shared, eph.PublicKey().Bytes(), pub)
	if err != nil {
		return "", err
	}
	out := aead.Seal(header, nonce, plaintext, append(header[:sealHeaderSize:sealHeaderSize], context...))
	return base64.StdEncoding.EncodeToString(out), nil
}

// OpenSealed opens text sealed by SealFor to priv's public key under the
// same context. It fails with ErrSealKey when the text was sealed to
// another key and ErrSealed for anything else (wrong context, altered or
// truncated text, not base64, too long).
func OpenSealed(priv *ecdh.PrivateKey, context string, sealed string) ([]byte, error) {
	if priv == nil || priv.Curve() != ecdh.X25519() {
		return nil, ErrSealKey
	}
	if len(sealed) > base64.StdEncoding.EncodedLen(sealHeaderSize+MaxSealedSecret+sealTagSize) {
		return nil, ErrSealed
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < sealHeaderSize+sealTagSize || b[0] != sealVersion {
		return nil, ErrSealed
	}
	pub := priv.PublicKey().Bytes()
	if id := SealKeyID(pub); hex.EncodeToString(b[1:1+sealKeyIDSize]) != id {
		return nil, ErrSealKey
	}
	ephBytes := b[1+sealKeyIDSize : 1+sealKeyIDSize+SealKeySize]
	eph, err := ecdh.X25519().NewPublicKey(ephBytes)
	if err != nil {
		return nil, ErrSealed
	}
	shared, err := priv.ECDH(eph)
	if err != nil { // a low-order ephemeral key gives the all-zero secret
		return nil, ErrSealed
	}
	aead, err := sealAEAD(shared, ephBytes, pub)
	if err != nil {
		return nil, err
	}
	header := b[:sealHeaderSize]
	ad := append(header[:sealHeaderSize:sealHeaderSize], context...)
	out, err := aead.Open(nil, header[1+sealKeyIDSize+SealKeySize:], b[sealHeaderSize:], ad)
	if err != nil {
		return nil, ErrSealed
	}
	return out, nil
}

func sealAEAD(shared, eph, pub []byte) (cipher.AEAD, error) {
	salt := make([]byte, 0, 2*SealKeySize)
	salt = append(append(salt, eph...), pub...)
	key, err := hkdf.Key(sha256.New, shared, salt, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("api: derive sealing key: %w", err)
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("api: new cipher: %w", err)
	}
	g, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, fmt.Errorf("api: new GCM: %w", err)
	}
	return g, nil
}
