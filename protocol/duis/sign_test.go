package duis

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smetskit/smetskit/internal/conformance"
)

// testSigner returns a fresh P-256 key and a self-signed certificate named
// like the DCC test User certificates (CN=U1, OU=07). The serial stays
// below 2^63 so xmllint can check X509SerialNumber as xs:integer.
func testSigner(t testing.TB, serial int64) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{CommonName: "U1", OrganizationalUnit: []string{"07"}}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      name,
		Issuer:       name,
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func sampleRequest(t testing.TB) *Request {
	t.Helper()
	r, err := Build("8.11", map[string]string{
		"originator": "90-B3-D5-1F-30-01-00-00", "target": "00-DB-12-34-56-78-90-A2", "counter": "1002",
		"DeviceID": "00-DB-12-34-56-78-90-A0", "RequestType": "Add", "JoinTimePeriod": "90",
		// Install code from DOMAIN.md §6.2 (ASCII "0123456789ABCDEF").
		"InstallCode": "30313233343536373839414243444546",
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSignVerify(t *testing.T) {
	key, cert := testSigner(t, 1234567890)
	signed, err := Sign(sampleRequest(t), key, cert)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(signed, cert)
	if err != nil {
		t.Fatalf("Verify(own signature) = %v\n%s", err, signed)
	}
	if got != cert {
		t.Errorf("Verify returned another certificate")
	}
	who, err := Signer(signed)
	if err != nil || who.SerialNumber.Int64() != 1234567890 || !sameDN(who.IssuerName, "CN=U1, OU=07") {
		t.Errorf("Signer = %+v, %v", who, err)
	}
	// The signed document still parses as the same request.
	r, err := Parse(signed)
	if err != nil || r.Signature == nil {
		t.Fatalf("Parse(signed) = %v, %v", r, err)
	}

	_, other := testSigner(t, 1234567890)
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		certs  []*x509.Certificate
		want   error
	}{
		{"body changed", func(b []byte) []byte { return bytes.Replace(b, []byte(">90<"), []byte(">91<"), 1) }, []*x509.Certificate{cert}, ErrDigestMismatch},
		{"whitespace changed", func(b []byte) []byte { return bytes.Replace(b, []byte("<sr:Header>"), []byte("<sr:Header> "), 1) }, []*x509.Certificate{cert}, ErrDigestMismatch},
		{"signed info changed", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`<ds:Reference URI="">`), []byte(`<ds:Reference URI="" Id="x">`), 1)
		}, []*x509.Certificate{cert}, ErrBadSignature},
		{"wrong key same name", func(b []byte) []byte { return b }, []*x509.Certificate{other}, ErrBadSignature},
		{"no certificate", func(b []byte) []byte { return b }, nil, ErrUnknownSigner},
		{"method changed", func(b []byte) []byte { return bytes.Replace(b, []byte(AlgECDSA256), []byte("urn:x"), 1) }, []*x509.Certificate{cert}, ErrUnsupportedSig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.mutate(bytes.Clone(signed)), tc.certs...)
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSignRejectsOtherCurves(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, cert := testSigner(t, 1)
	if _, err := Sign(sampleRequest(t), key, cert); !errors.Is(err, ErrNotECDSAP256) {
		t.Errorf("Sign(P-384) = %v, want ErrNotECDSAP256", err)
	}
}

// TestConformanceResponseDigests checks the canonicalization against the
// DCC: the reference digests of the signed DCC Boxed responses must match.
func TestConformanceResponseDigests(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "gb", "duis", "responses")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	checked := 0
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		err = VerifyDigest(in)
		if errors.Is(err, ErrNoSignature) {
			continue
		}
		if err != nil {
			t.Errorf("%s: VerifyDigest = %v", filepath.Base(f), err)
		}
		checked++
		if _, err := Verify(in); !errors.Is(err, ErrUnknownSigner) {
			t.Errorf("%s: Verify without the DCC certificate = %v, want ErrUnknownSigner", filepath.Base(f), err)
		}
	}
	if checked == 0 {
		t.Fatal("no signed responses found")
	}
	t.Logf("%d DCC response digests reproduced", checked)
}
