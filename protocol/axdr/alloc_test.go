package axdr

import (
	"bytes"
	"runtime"
	"testing"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestDecodeAllocationBound feeds inputs that claim huge counts and lengths
// and checks that decoding allocates a bounded multiple of the input, never
// what the input claims.
func TestDecodeAllocationBound(t *testing.T) {
	hostile := map[string][]byte{
		"array claims 2^31-1 elements":  append([]byte{0x01, 0x84, 0x7F, 0xFF, 0xFF, 0xFF}, bytes.Repeat([]byte{0x00}, 64)...),
		"octet-string claims 2 GB":      append([]byte{0x09, 0x84, 0x7F, 0xFF, 0xFF, 0xFF}, bytes.Repeat([]byte{0xAA}, 64)...),
		"compact array of max u16 rows": append([]byte{0x13, 0x01, 0xFF, 0xFF, 0x11, 0x84, 0x7F, 0xFF, 0xFF, 0xFF}, bytes.Repeat([]byte{0x01}, 64)...),
		"deep nesting":                  append(bytes.Repeat([]byte{0x01, 0x01}, 10_000), 0x00),
		"many nulls":                    append([]byte{0x01, 0x82, 0x10, 0x00}, make([]byte, 0x1000)...),
		"compact nested structures": append([]byte{0x13, 0x02, 0x01, 0x02, 0x01, 0x02, 0x01, 0x02, 0x01, 0x02, 0x01, 0x11, 0x82, 0x10, 0x00},
			bytes.Repeat([]byte{0x07}, 0x1000)...),
	}
	for name, in := range hostile {
		var d Decoder
		got := allocated(func() {
			Decode(in)
			Skip(in)
			d.Decode(in)
			r := NewReader(in)
			r.ReadValue()
		})
		// three tree decodes of at most maxCompactExpansion Values of 64
		// bytes per input byte, plus a copy of the input each
		limit := uint64(4096 + 3*(64*maxCompactExpansion+1)*len(in))
		if got > limit {
			t.Errorf("%s: %d input bytes allocated %d bytes, limit %d", name, len(in), got, limit)
		}
	}
}
