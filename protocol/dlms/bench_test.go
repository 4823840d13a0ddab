package dlms

import (
	"bytes"
	"testing"
)

// benchAPDUs are PROTOCOLS.md examples plus a 1 KiB datablock response.
var benchAPDUs = map[string][]byte{
	"GET-Request-Normal":          apduTable[4].in,
	"GET-Response-Normal":         apduTable[7].in,
	"AARQ":                        apduTable[0].in,
	"AARE":                        apduTable[1].in,
	"GET-Response-With-Datablock": append(mustHex(nil, "C4 02 C1 00 00000001 00 82 0400"), bytes.Repeat([]byte{0x5A}, 1024)...),
}

func BenchmarkDecode(b *testing.B) {
	for name, in := range benchAPDUs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for name, in := range benchAPDUs {
		a, err := Decode(in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			buf := make([]byte, 0, 2048)
			for b.Loop() {
				if _, err := a.AppendAPDU(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkProtect(b *testing.B) {
	plain := apduTable[4].in
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := Protect(plain, 0x30, testKeys, serverST, 1, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Unprotect(testKeys, serverST); err != nil {
			b.Fatal(err)
		}
	}
}
