package usb

import "testing"

// BenchmarkFTDIPayload strips the status bytes from a 16 KiB bulk transfer
// of 64-byte packets (a full-speed FT232R at its top rate).
func BenchmarkFTDIPayload(b *testing.B) {
	in := make([]byte, 16384)
	for i := 0; i < len(in); i += 64 {
		in[i], in[i+1] = 0x01, 0x60
	}
	f := &ftdi{packet: 64}
	dst := make([]byte, 0, len(in))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		dst = f.payload(dst[:0], in)
	}
}

// BenchmarkFTDIDivisor computes the divisor for a speed change.
func BenchmarkFTDIDivisor(b *testing.B) {
	for b.Loop() {
		if _, _, err := FTDIDivisor(FTDIX, 9600); err != nil {
			b.Fatal(err)
		}
	}
}
