package iec62056

import (
	"fmt"
	"testing"
)

// benchReadout is a hand-made readout of n data lines in the full OBIS
// form (PROTOCOLS.md §1.3), about 40 bytes a line.
func benchReadout(n int) []byte {
	ro := &Readout{}
	for i := range n {
		ro.Records = append(ro.Records, Record{
			Address: fmt.Sprintf("1-0:1.8.%d*255", i%64),
			Values:  []Value{{Value: fmt.Sprintf("%011.4f", float64(i)*1.5), Unit: "kWh"}},
		})
	}
	return ro.Bytes()
}

// BenchmarkParseReadout reports the readout parser's throughput in MB/s
// (b.SetBytes) for a 1000-line readout.
func BenchmarkParseReadout(b *testing.B) {
	msg := benchReadout(1000)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReadout(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode measures Decode on a short command (PROTOCOLS.md §1.4 R1).
func BenchmarkDecode(b *testing.B) {
	msg := []byte{0x01, 0x52, 0x31, 0x02, 0x31, 0x2E, 0x38, 0x2E, 0x30, 0x28, 0x31, 0x29, 0x03, 0x6B}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}
