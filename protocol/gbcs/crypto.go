package gbcs

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
)

// MACSize is the length of the GBCS General-Ciphering MAC: the AES-GCM tag
// truncated to 12 bytes.
const MACSize = 12

// kdfAlgorithmID is the AlgorithmID of the GBCS KDF OtherInfo.
var kdfAlgorithmID = []byte{0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00}

// KDFOtherInfo builds the 33-byte OtherInfo of the GBCS key derivation
// (GBCS §18.4 test vectors; DOMAIN.md §16.7):
//
//	60 85 74 06 08 03 00      algorithm id
//	<originator:8>            originator system title
//	09 <CRA> <counter:8>      transaction-id with its length byte
//	<recipient:8>             recipient system title
func KDFOtherInfo(originator SystemTitle, tx TransactionID, recipient SystemTitle) []byte {
	b := make([]byte, 0, 33)
	b = append(b, kdfAlgorithmID...)
	b = append(b, originator[:]...)
	b = tx.appendTo(b)
	return append(b, recipient[:]...)
}

// KDF is the single-step key derivation (NIST SP 800-56A §5.8.1,
// SHA-256, one round) GBCS uses for its AES-128 keys: the first 16 bytes of
// SHA-256(00000001 ‖ z ‖ otherInfo).
func KDF(z, otherInfo []byte) [16]byte {
	h := sha256.New()
	h.Write([]byte{0, 0, 0, 1})
	h.Write(z)
	h.Write(otherInfo)
	var sum [sha256.Size]byte
	var key [16]byte
	copy(key[:], h.Sum(sum[:0]))
	return key
}

// SharedSecret returns the ECDH shared secret Z (the x-coordinate) of priv
// and pub on P-256.
func SharedSecret(priv *ecdh.PrivateKey, pub *ecdh.PublicKey) ([]byte, error) {
	z, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("gbcs: compute shared secret: %w", err)
	}
	return z, nil
}

// MACKey derives the General-Ciphering MAC key of m from one party's
// key-agreement private key and the other party's key-agreement public key
// (for a command: the ACB's private key and the device's public key; the
// device computes the same key the other way round).
func MACKey(priv *ecdh.PrivateKey, pub *ecdh.PublicKey, m *Message) ([16]byte, error) {
	z, err := SharedSecret(priv, pub)
	if err != nil {
		return [16]byte{}, err
	}
	return KDF(z, KDFOtherInfo(m.Originator, m.TransactionID, m.Recipient)), nil
}

// MACData returns the additional authenticated data of the
// General-Ciphering MAC: security control, five zero bytes (the invocation
// counter and one more), then the General-Signing APDU from DF through the
// signature (GBCS §18.4; a 5-byte prefix does not reproduce the vector).
func MACData(m *Message) ([]byte, error) {
	b := make([]byte, 0, 6+m.signingLen())
	b = append(b, m.SecurityControl, 0)
	b = binary.BigEndian.AppendUint32(b, m.InvocationCounter)
	return m.appendSigning(b)
}

// macIV is the GCM initialisation vector: originator system title ‖
// invocation counter.
func macIV(m *Message) []byte {
	iv := make([]byte, 0, 12)
	iv = append(iv, m.Originator[:]...)
	return binary.BigEndian.AppendUint32(iv, m.InvocationCounter)
}

// ComputeMAC returns the 12-byte GMAC of m under key (AES-128-GCM with an
// empty plaintext and the AAD of MACData).
func ComputeMAC(key []byte, m *Message) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("gbcs: MAC key: %w", err)
	}
	gcm, err := cipher.NewGCMWithTagSize(block, MACSize)
	if err != nil {
		return nil, fmt.Errorf("gbcs: MAC cipher: %w", err)
	}
	aad, err := MACData(m)
	if err != nil {
		return nil, err
	}
	return gcm.Seal(nil, macIV(m), nil, aad), nil
}

// Seal computes the MAC of m under key and stores it in m.MAC, turning m
// into a General-Ciphering frame.
func Seal(key []byte, m *Message) error {
	m.Kind = FrameGeneralCiphering
	if m.SecurityControl == 0 {
		m.SecurityControl = SecurityControlGBCS
	}
	mac, err := ComputeMAC(key, m)
	if err != nil {
		return err
	}
	m.MAC = mac
	return nil
}

// VerifyMAC checks m.MAC under key. It returns ErrMAC on mismatch.
func VerifyMAC(key []byte, m *Message) error {
	mac, err := ComputeMAC(key, m)
	if err != nil {
		return err
	}
	if len(m.MAC) != MACSize || subtle.ConstantTimeCompare(mac, m.MAC) != 1 {
		return ErrMAC
	}
	return nil
}

// SignedData returns the bytes a GBCS signature covers: the grouping
// header from the transaction-id length byte (just after DF) through the
// last payload byte.
func SignedData(m *Message) ([]byte, error) {
	b, err := m.appendHeader(make([]byte, 0, m.headerLen()+len(m.Payload)))
	if err != nil {
		return nil, err
	}
	return append(b, m.Payload...)[1:], nil
}

// Sign signs m with ECDSA P-256 / SHA-256 and stores r‖s (64 bytes) in
// m.Signature (GBCS §18.4 shows a signed critical command). The MAC covers
// the signature, so Seal a General-Ciphering message after signing it.
func Sign(rand io.Reader, priv *ecdsa.PrivateKey, m *Message) error {
	data, err := SignedData(m)
	if err != nil {
		return err
	}
	h := sha256.Sum256(data)
	r, s, err := ecdsa.Sign(rand, priv, h[:])
	if err != nil {
		return fmt.Errorf("gbcs: sign: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	m.Signature = sig
	m.SignatureOmitted = false
	return nil
}

// VerifySignature checks m.Signature against pub. It returns
// ErrNoSignature when m carries none and ErrSignature when it is invalid.
func VerifySignature(pub *ecdsa.PublicKey, m *Message) error {
	if len(m.Signature) == 0 {
		return ErrNoSignature
	}
	if len(m.Signature) != 64 {
		return fmt.Errorf("%w: %d bytes, want 64", ErrSignature, len(m.Signature))
	}
	data, err := SignedData(m)
	if err != nil {
		return err
	}
	h := sha256.Sum256(data)
	r := new(big.Int).SetBytes(m.Signature[:32])
	s := new(big.Int).SetBytes(m.Signature[32:])
	if !ecdsa.Verify(pub, h[:], r, s) {
		return ErrSignature
	}
	return nil
}

// ParsePublicKey reads a P-256 public key given as X‖Y (64 bytes, the form
// GBCS §18.4 prints) or as an uncompressed SEC1 point (04‖X‖Y).
func ParsePublicKey(b []byte) (*ecdsa.PublicKey, error) {
	if len(b) == 64 {
		b = append([]byte{4}, b...)
	}
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b)
	if err != nil {
		return nil, fmt.Errorf("gbcs: parse public key: %w", err)
	}
	return k, nil
}

// ParsePrivateKey reads a 32-byte P-256 private scalar.
func ParsePrivateKey(b []byte) (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
	if err != nil {
		return nil, fmt.Errorf("gbcs: parse private key: %w", err)
	}
	return k, nil
}

// ParseKeyAgreementKeys turns raw P-256 key material into crypto/ecdh keys:
// priv is a 32-byte scalar, pub X‖Y or 04‖X‖Y.
func ParseKeyAgreementKeys(priv, pub []byte) (*ecdh.PrivateKey, *ecdh.PublicKey, error) {
	k, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("gbcs: parse key-agreement private key: %w", err)
	}
	if len(pub) == 64 {
		pub = append([]byte{4}, pub...)
	}
	p, err := ecdh.P256().NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("gbcs: parse key-agreement public key: %w", err)
	}
	return k, p, nil
}
