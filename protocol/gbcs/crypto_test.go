package gbcs

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := DecodeHexText([]byte(s))
	if err != nil {
		t.Fatalf("bad test hex %q: %v", s, err)
	}
	return b
}

// GBCS §18.4 "Cryptographic Test Vectors": ECS04b (message code 0x00B3)
// from Supplier A to Device A, signed and MACed. Published values re-typed
// from the public GBCS specification (see also crypto-vectors.md §1).
const (
	vec184Message = `DD00000000000081A91100000000DF0901000000000000000108123456789ABC
DEF008FFFFFFFFFFFFFFFE000200B335D92000000100030300700000130A00FF
020300700000130A01FF020300700000130A02FF020305000000000500000000
05000000004059045AB0F554622B0360340B9D87B5A23ED5723B41DE3F206E58
CDD10F915B9FE2E12E2DA3632478A8DF678E418895869AC1E55318CCE04D120D
2D6B44DC167B5D832D15B57A56D620F198B3`
	vec184SupplierPriv = "3A6B2EAA0D9F25A9E455983FEB5BB947528121911BF3B76BE5661C89DBF24B26"
	vec184SupplierPub  = "76628E1C84EF7935548AE5D62C7BB3AD28964CF794F0387A697EEC19CDD98F46" +
		"0A4D5E19087EF7216ED89C29831A6EE838C8DE88EF34F11D3F41F36D80B2A5D5"
	vec184ACBKAPriv   = "E4A6CFB431471CFCAE491FD566D19C87082CF9FA7722D7FA24B2B3F5669DBEFB"
	vec184DeviceKAPub = "2DB45A3F21889438B42C8F464C75292BACF5FDDB5DA0B492501B299CBFE92D8F" +
		"DB90FC8FF4026129838B1BCAD1402CAE47FE7D8084E409A41AFCE16D63579C5F"
	// Computed checkpoints (crypto-vectors.md §1.4).
	vec184Z      = "9AACF2E6D51BD5FF8F37BF368019A691CB5B2FCB7B5F030A00063647B20E13FE"
	vec184AESKey = "859B846A24E1EA70A168409A1180676B"
	vec184MAC    = "5D832D15B57A56D620F198B3"
)

func TestCrypto184(t *testing.T) {
	raw := mustHex(t, vec184Message)
	if len(raw) != 178 {
		t.Fatalf("vector length %d, want 178", len(raw))
	}
	m, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.MessageCode() != 0x00B3 || m.MessageCode().UseCaseID() != "ECS04b" {
		t.Errorf("message code = %v, want 0x00B3 ECS04b", m.MessageCode())
	}
	if m.CRA != CRACommand || m.Counter != 1 {
		t.Errorf("transaction-id = %+v, want command counter 1", m.TransactionID)
	}
	if got := len(mustSigned(t, m)); got != 86 {
		t.Errorf("signed data %d bytes, want 86", got)
	}

	pub, err := ParsePublicKey(mustHex(t, vec184SupplierPub))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(pub, m); err != nil {
		t.Errorf("VerifySignature: %v", err)
	}
	priv, err := ParsePrivateKey(mustHex(t, vec184SupplierPriv))
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey.Equal(pub) {
		t.Errorf("supplier private key does not match its public key")
	}

	kaPriv, kaPub, err := ParseKeyAgreementKeys(mustHex(t, vec184ACBKAPriv), mustHex(t, vec184DeviceKAPub))
	if err != nil {
		t.Fatal(err)
	}
	z, err := SharedSecret(kaPriv, kaPub)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(z, mustHex(t, vec184Z)) {
		t.Errorf("Z = %X, want %s", z, vec184Z)
	}
	key, err := MACKey(kaPriv, kaPub, m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key[:], mustHex(t, vec184AESKey)) {
		t.Errorf("KDF key = %X, want %s", key, vec184AESKey)
	}
	if err := VerifyMAC(key[:], m); err != nil {
		t.Errorf("VerifyMAC: %v", err)
	}
	mac, _ := ComputeMAC(key[:], m)
	if !bytes.Equal(mac, mustHex(t, vec184MAC)) {
		t.Errorf("MAC = %X, want %s", mac, vec184MAC)
	}

	// Tampering with the payload breaks both.
	bad := *m
	bad.Payload = append(Hex(nil), m.Payload...)
	bad.Payload[len(bad.Payload)-1] ^= 1
	if err := VerifyMAC(key[:], &bad); !errors.Is(err, ErrMAC) {
		t.Errorf("VerifyMAC(tampered) = %v, want ErrMAC", err)
	}
	if err := VerifySignature(pub, &bad); !errors.Is(err, ErrSignature) {
		t.Errorf("VerifySignature(tampered) = %v, want ErrSignature", err)
	}

	// Re-sign and re-seal: a fresh signature verifies, and Seal gives the
	// MAC VerifyMAC accepts and the bytes re-parse.
	if err := Sign(rand.Reader, priv, &bad); err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(pub, &bad); err != nil {
		t.Errorf("VerifySignature(re-signed) = %v", err)
	}
	if err := Seal(key[:], &bad); err != nil {
		t.Fatal(err)
	}
	out, err := bad.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyMAC(key[:], back); err != nil {
		t.Errorf("VerifyMAC(sealed) = %v", err)
	}
}

func mustSigned(t *testing.T, m *Message) []byte {
	t.Helper()
	b, err := SignedData(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGCMTruncatedTag checks the 12-byte-tag AES-GCM set-up ComputeMAC
// uses, with the NIST "AES_GCM" example (published values, re-typed from
// crypto-vectors.md §2).
func TestGCMTruncatedTag(t *testing.T) {
	block, err := aes.NewCipher(mustHex(t, "FEFFE9928665731C6D6A8F9467308308"))
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCMWithTagSize(block, MACSize)
	if err != nil {
		t.Fatal(err)
	}
	pt := mustHex(t, "D9313225F88406E5A55909C5AFF5269A86A7A9531534F7DA2E4C303D8A318A721C3C0C95956809532FCF0E2449A6B525B16AEDF5AA0DE657BA637B39")
	out := gcm.Seal(nil, mustHex(t, "CAFEBABEFACEDBADDECAF888"), pt, mustHex(t, "3AD77BB40D7A3660A89ECAF32466EF97F5D3D585"))
	want := mustHex(t, "42831EC2217774244B7221B784D0D49CE3AA212F2C02A4E035C17E2329ACA12E21D514B25466931C7D8F6A5AAC84AA051BA30B396A0AAC973D58E091"+"F07C2528EEA2FCA1211F905E")
	if !bytes.Equal(out, want) {
		t.Errorf("GCM seal = %X, want %X", out, want)
	}
}

func TestInstallCode(t *testing.T) {
	tests := []struct {
		name string
		code string
		crc  uint16
		key  string
	}{
		// ZigBee specification example (crypto-vectors.md §3 row 1; DOMAIN.md §10.1).
		{"zigbee spec", "83FED3407A939723A5C639B26916D505", 0xB5C3, "66B6900981E1EE3CA4206B6B861C02BB"},
		// RTDS CCS01 install code "0123456789ABCDEF" (crypto-vectors.md §3 row 2, computed).
		{"rtds ccs01", "30313233343536373839414243444546", 0x96F5, "17E92CAAA342C367E8EDDC58EEBA69ED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := mustHex(t, tt.code)
			if got := InstallCodeCRC(code); got != tt.crc {
				t.Errorf("InstallCodeCRC(%X) = %04X, want %04X", code, got, tt.crc)
			}
			key, err := LinkKeyFromInstallCode(code)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustHex(t, tt.key); !bytes.Equal(key[:], want) {
				t.Errorf("LinkKeyFromInstallCode(%X) = %X, want %X", code, key, want)
			}
		})
	}
	// CRC-16/X-25 check value over "123456789".
	if got := InstallCodeCRC([]byte("123456789")); got != 0x906E {
		t.Errorf("InstallCodeCRC(123456789) = %04X, want 906E", got)
	}
	if _, err := LinkKeyFromInstallCode(make([]byte, 7)); !errors.Is(err, ErrInstallCode) {
		t.Errorf("7-byte install code: err = %v, want ErrInstallCode", err)
	}
}

// TestConformanceCryptoVectors reads gb/gbcs/crypto-vectors.md at test time
// and checks the §18.4 message (signature and MAC) and the install-code
// table from the file itself.
func TestConformanceCryptoVectors(t *testing.T) {
	text := string(conformance.Read(t, "gb/gbcs/crypto-vectors.md"))
	row := func(label string) []byte {
		t.Helper()
		for _, line := range strings.Split(text, "\n") {
			cells := strings.Split(line, "|")
			if len(cells) > 2 && strings.TrimSpace(cells[1]) == label {
				return mustHex(t, strings.NewReplacer("`", "", " ", "").Replace(cells[2]))
			}
		}
		t.Fatalf("crypto-vectors.md: no row %q", label)
		return nil
	}
	i := strings.Index(text, "### 1.2")
	j := strings.Index(text[i:], "```")
	k := strings.Index(text[i+j+3:], "```")
	raw := mustHex(t, text[i+j+3:i+j+3+k])
	m, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse §18.4 message: %v", err)
	}
	pub, err := ParsePublicKey(row("Supplier A digital-signing public key (X ‖ Y)"))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(pub, m); err != nil {
		t.Errorf("VerifySignature: %v", err)
	}
	kaPriv, kaPub, err := ParseKeyAgreementKeys(row("Access Control Broker key-agreement private key"), row("Device A key-agreement public key (X ‖ Y)"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := MACKey(kaPriv, kaPub, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyMAC(key[:], m); err != nil {
		t.Errorf("VerifyMAC: %v", err)
	}
	n := 0
	re := regexp.MustCompile("(?m)^\\| \\d+ \\| `([0-9A-F]+)`[^|]*\\| `([0-9A-F]{4})` \\| `[0-9A-F ]+` \\| `([0-9A-F]{32})`")
	for _, mm := range re.FindAllStringSubmatch(text, -1) {
		code := mustHex(t, mm[1])
		key, err := LinkKeyFromInstallCode(code)
		if err != nil {
			t.Errorf("install code %s: %v", mm[1], err)
			continue
		}
		if got := hex.EncodeToString(key[:]); !strings.EqualFold(got, mm[3]) {
			t.Errorf("LinkKeyFromInstallCode(%s) = %s, want %s", mm[1], got, mm[3])
		}
		n++
	}
	if n == 0 {
		t.Error("crypto-vectors.md: no install-code rows found")
	}
	t.Logf("§18.4 signature and MAC verified; %d install-code vectors", n)
}
