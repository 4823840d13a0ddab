package gbcs

import (
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// BenchmarkDecode measures the full decode (frame, payload, facts) per
// message, allocations included: the GBCS §18.4 critical command, and when
// the conformance folder is present, every RTDS message in turn.
func BenchmarkDecode(b *testing.B) {
	b.Run("spec-18.4", func(b *testing.B) {
		msg := mustHex(b, vec184Message)
		b.ReportAllocs()
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			if _, err := Decode(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rtds-all", func(b *testing.B) {
		if _, ok := conformance.Find(); !ok {
			b.Skip("conformance vectors not found")
		}
		var msgs [][]byte
		total := 0
		for _, name := range messageFiles(b) {
			m := readMessageFile(b, name)
			msgs = append(msgs, m)
			total += len(m)
		}
		b.ReportAllocs()
		b.SetBytes(int64(total) / int64(len(msgs)))
		i := 0
		for b.Loop() {
			if _, err := Decode(msgs[i%len(msgs)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkParse measures the frame codec alone (header, no payload).
func BenchmarkParse(b *testing.B) {
	msg := mustHex(b, vec184Message)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures MAC and signature checks of the §18.4 message.
func BenchmarkVerify(b *testing.B) {
	msg := mustHex(b, vec184Message)
	m, err := Parse(msg)
	if err != nil {
		b.Fatal(err)
	}
	pub, _ := ParsePublicKey(mustHex(b, vec184SupplierPub))
	kaPriv, kaPub, _ := ParseKeyAgreementKeys(mustHex(b, vec184ACBKAPriv), mustHex(b, vec184DeviceKAPub))
	key, _ := MACKey(kaPriv, kaPub, m)
	b.Run("mac", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := VerifyMAC(key[:], m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("signature", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := VerifySignature(pub, m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
