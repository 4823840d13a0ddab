package dlms

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"io"
	"math/big"
)

func ecdsaHash(c elliptic.Curve) (hash.Hash, int) {
	if c.Params().BitSize > 256 {
		return sha512.New384(), 48
	}
	return sha256.New(), 32
}

// SignECDSA signs the concatenation of parts for HLS mechanism 7: SHA-256
// with P-256 (suite 1) or SHA-384 with P-384 (suite 2). The signature is
// r ‖ s, each left-padded to the curve size, not DER (IEC 62056-5-3
// §9.2.3.4; PROTOCOLS.md §8.3). The client signs ST_C ‖ ST_S ‖ StoC ‖ CtoS,
// the server ST_S ‖ ST_C ‖ CtoS ‖ StoC.
func SignECDSA(priv *ecdsa.PrivateKey, rand io.Reader, parts ...[]byte) ([]byte, error) {
	if priv == nil {
		return nil, fmt.Errorf("%w: no signing key", ErrNoKey)
	}
	h, size := ecdsaHash(priv.Curve)
	for _, p := range parts {
		h.Write(p)
	}
	r, s, err := ecdsa.Sign(rand, priv, h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("sign HLS challenge: %w", err)
	}
	sig := make([]byte, 2*size)
	r.FillBytes(sig[:size])
	s.FillBytes(sig[size:])
	return sig, nil
}

// VerifyECDSA checks an HLS mechanism 7 signature made by SignECDSA.
func VerifyECDSA(pub *ecdsa.PublicKey, sig []byte, parts ...[]byte) error {
	if pub == nil {
		return fmt.Errorf("%w: no peer public key", ErrNoKey)
	}
	h, size := ecdsaHash(pub.Curve)
	if len(sig) != 2*size {
		return fmt.Errorf("%w: signature of %d bytes, want %d", ErrAuthentication, len(sig), 2*size)
	}
	for _, p := range parts {
		h.Write(p)
	}
	r := new(big.Int).SetBytes(sig[:size])
	s := new(big.Int).SetBytes(sig[size:])
	if !ecdsa.Verify(pub, h.Sum(nil), r, s) {
		return fmt.Errorf("%w: ECDSA signature does not verify", ErrAuthentication)
	}
	return nil
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
