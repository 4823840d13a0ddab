package gbcs

import "fmt"

// maxLen caps every length read from the wire before anything is sliced or
// allocated. GBCS messages are bounded well below this (a GBT stream carries
// at most 63 blocks of 1,149 octets, GBCS §7.3.x as noted in DOMAIN.md §16.2).
const maxLen = 1 << 20

// readBERLength reads a BER definite length (X.690 §8.1.3) at b[off:]. It
// accepts the short form and the long form with one to three length octets,
// and returns the length and the number of octets it used.
func readBERLength(b []byte, off int) (n, size int, err error) {
	if off >= len(b) {
		return 0, 0, ErrShort
	}
	first := b[off]
	if first < 0x80 {
		return int(first), 1, nil
	}
	k := int(first & 0x7f)
	if k == 0 || k > 3 {
		return 0, 0, fmt.Errorf("%w: length form %#02x", ErrLength, first)
	}
	if off+1+k > len(b) {
		return 0, 0, ErrShort
	}
	for i := 0; i < k; i++ {
		n = n<<8 | int(b[off+1+i])
	}
	if n > maxLen {
		return 0, 0, fmt.Errorf("%w: %d exceeds cap %d", ErrLength, n, maxLen)
	}
	return n, 1 + k, nil
}

// appendBERLength appends n in the shortest BER definite form.
func appendBERLength(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	case n < 0x10000:
		return append(b, 0x82, byte(n>>8), byte(n))
	default:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
}

// berLengthSize returns how many octets appendBERLength uses for n.
func berLengthSize(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n < 0x100:
		return 2
	case n < 0x10000:
		return 3
	default:
		return 4
	}
}
