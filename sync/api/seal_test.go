package api

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// A fixed service key for the tests: the RFC 7748 §6.1 X25519 test
// private key of Alice (re-typed as a fact).
var testSealPriv = mustX25519("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")

func mustX25519(h string) *ecdh.PrivateKey {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	k, err := ecdh.X25519().NewPrivateKey(b)
	if err != nil {
		panic(err)
	}
	return k
}

func TestSealRoundTrip(t *testing.T) {
	pub := testSealPriv.PublicKey().Bytes()
	// RFC 7748 §6.1: Alice's public key.
	if got := base64.StdEncoding.EncodeToString(pub); got != "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=" {
		t.Fatalf("public key %s", got)
	}
	code := []byte("0123456789ABCDEF") // the 8.11 template install code's bytes (DOMAIN.md §6.2)
	dev := "00-DB-12-34-56-78-90-A0"
	a, err := SealFor(pub, dev, code)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SealFor(pub, dev, code)
	if a == b {
		t.Error("two seals of one secret are equal: the ephemeral key is not fresh")
	}
	for _, s := range []string{a, b} {
		got, err := OpenSealed(testSealPriv, dev, s)
		if err != nil || !bytes.Equal(got, code) {
			t.Fatalf("OpenSealed = %x, %v", got, err)
		}
	}
	if n := len(a); n != base64.StdEncoding.EncodedLen(sealHeaderSize+len(code)+sealTagSize) {
		t.Errorf("sealed length %d", n)
	}
	empty, err := SealFor(pub, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenSealed(testSealPriv, "", empty); err != nil || len(got) != 0 {
		t.Errorf("empty secret: %x %v", got, err)
	}
	if _, err := SealFor(pub, dev, make([]byte, MaxSealedSecret+1)); err == nil {
		t.Error("sealed more than MaxSealedSecret")
	}
	if _, err := SealFor(pub[:31], dev, code); !errors.Is(err, ErrSealKey) {
		t.Errorf("31-byte key: %v", err)
	}
}

func TestOpenSealedRefuses(t *testing.T) {
	pub := testSealPriv.PublicKey().Bytes()
	dev := "00-DB-12-34-56-78-90-A0"
	s, _ := SealFor(pub, dev, []byte("secret code"))
	raw, _ := base64.StdEncoding.DecodeString(s)
	other, _ := ecdh.X25519().GenerateKey(rand.Reader)
	tests := []struct {
		name   string
		priv   *ecdh.PrivateKey
		ctx    string
		sealed string
		want   error
	}{
		{"another device", testSealPriv, "00-DB-12-34-56-78-90-A1", s, ErrSealed},
		{"another key", other, dev, s, ErrSealKey},
		{"nil key", nil, dev, s, ErrSealKey},
		{"not base64", testSealPriv, dev, "!!" + s, ErrSealed},
		{"truncated", testSealPriv, dev, base64.StdEncoding.EncodeToString(raw[:sealHeaderSize+sealTagSize-1]), ErrSealed},
		{"bad version", testSealPriv, dev, base64.StdEncoding.EncodeToString(append([]byte{2}, raw[1:]...)), ErrSealed},
		{"too long", testSealPriv, dev, strings.Repeat("A", base64.StdEncoding.EncodedLen(sealHeaderSize+MaxSealedSecret+sealTagSize)+4), ErrSealed},
		{"empty", testSealPriv, dev, "", ErrSealed},
	}
	for _, tc := range tests {
		if _, err := OpenSealed(tc.priv, tc.ctx, tc.sealed); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Every single-byte change after the key ID fails to open.
	for i := 1 + sealKeyIDSize; i < len(raw); i++ {
		bad := bytes.Clone(raw)
		bad[i] ^= 0x01
		if _, err := OpenSealed(testSealPriv, dev, base64.StdEncoding.EncodeToString(bad)); !errors.Is(err, ErrSealed) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
}

func TestSealKeyPublic(t *testing.T) {
	pub := testSealPriv.PublicKey().Bytes()
	k := NewSealKey(pub)
	if got, err := k.Public(); err != nil || !bytes.Equal(got, pub) {
		t.Fatalf("Public = %x, %v", got, err)
	}
	for name, bad := range map[string]SealKey{
		"algorithm": {KeyID: k.KeyID, Algorithm: "RSA", PublicKey: k.PublicKey},
		"key ID":    {KeyID: "0000000000000000", Algorithm: k.Algorithm, PublicKey: k.PublicKey},
		"short":     {KeyID: k.KeyID, Algorithm: k.Algorithm, PublicKey: base64.StdEncoding.EncodeToString(pub[:16])},
		"not b64":   {KeyID: k.KeyID, Algorithm: k.Algorithm, PublicKey: "%%%"},
	} {
		if _, err := bad.Public(); !errors.Is(err, ErrSealKey) {
			t.Errorf("%s: %v", name, err)
		}
		r := PullResponse{Cursor: "s1", SealKey: &bad}
		if err := r.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("pull with a bad seal key (%s) validates: %v", name, err)
		}
	}
}

// FuzzOpenSealed: arbitrary text never panics and opens only to what was
// sealed; a sealed fuzz secret round-trips under its context and fails
// under any other.
func FuzzOpenSealed(f *testing.F) {
	pub := testSealPriv.PublicKey().Bytes()
	s, _ := SealFor(pub, "00-DB-12-34-56-78-90-A0", []byte("0123456789ABCDEF"))
	f.Add(s, "00-DB-12-34-56-78-90-A0", []byte("0123456789ABCDEF"))
	f.Add("", "", []byte{})
	f.Add("AQ==", "x", []byte{1})
	f.Add(s[:40], "00-DB-12-34-56-78-90-A0", []byte("code"))
	f.Fuzz(func(t *testing.T, sealed, ctx string, secret []byte) {
		if got, err := OpenSealed(testSealPriv, ctx, sealed); err == nil && len(got) > MaxSealedSecret {
			t.Fatalf("opened %d bytes", len(got))
		}
		if len(secret) > MaxSealedSecret {
			return
		}
		box, err := SealFor(pub, ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		got, err := OpenSealed(testSealPriv, ctx, box)
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("round trip: %x, %v", got, err)
		}
		if _, err := OpenSealed(testSealPriv, ctx+"x", box); !errors.Is(err, ErrSealed) {
			t.Fatalf("opened under another context: %v", err)
		}
	})
}

func BenchmarkSealFor(b *testing.B) {
	pub := testSealPriv.PublicKey().Bytes()
	code := []byte("0123456789ABCDEF")
	for b.Loop() {
		if _, err := SealFor(pub, "00-DB-12-34-56-78-90-A0", code); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenSealed(b *testing.B) {
	s, _ := SealFor(testSealPriv.PublicKey().Bytes(), "00-DB-12-34-56-78-90-A0", []byte("0123456789ABCDEF"))
	for b.Loop() {
		if _, err := OpenSealed(testSealPriv, "00-DB-12-34-56-78-90-A0", s); err != nil {
			b.Fatal(err)
		}
	}
}
