package axdr

import "fmt"

// PackBCD packs a string of decimal digits two to a byte, high nibble
// first, padding an odd count with a 0 nibble: "12345" → 12 34 50. Meters
// use it inside octet-strings for serial numbers and the like; the bcd Data
// type itself is a single byte (see BCD).
func PackBCD(digits string) ([]byte, error) {
	out := make([]byte, (len(digits)+1)/2)
	for i := range len(digits) {
		c := digits[i]
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("%w: %q is not decimal", ErrInvalid, digits)
		}
		if i%2 == 0 {
			out[i/2] = (c - '0') << 4
		} else {
			out[i/2] |= c - '0'
		}
	}
	return out, nil
}

// UnpackBCD returns the first n digits of packed BCD b (all of them when
// n < 0). A nibble above 9 is an error.
func UnpackBCD(b []byte, n int) (string, error) {
	if n < 0 || n > 2*len(b) {
		n = 2 * len(b)
	}
	out := make([]byte, n)
	for i := range n {
		nib := b[i/2] >> 4
		if i%2 == 1 {
			nib = b[i/2] & 0x0F
		}
		if nib > 9 {
			return "", fmt.Errorf("%w: nibble %x in packed BCD %x", ErrInvalid, nib, b)
		}
		out[i] = '0' + nib
	}
	return string(out), nil
}
