package hdlc

// fcsTable is the byte-wise table for the reflected CRC-16/X.25 polynomial
// 0x8408 (x^16 + x^12 + x^5 + 1), IEC 62056-46 (PROTOCOLS.md §2.2).
var fcsTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// fcsGood is the value FCS returns over a frame body followed by its own
// correct, low-byte-first check sequence (PROTOCOLS.md §2.2).
const fcsGood = 0x0F47

// FCS returns the CRC-16/X.25 of b: initial value 0xFFFF, reflected input
// and output, final XOR 0xFFFF. HDLC sends it low byte first as the header
// check sequence (HCS) and frame check sequence (FCS), IEC 62056-46
func FCS(b []byte) uint16 {
	return ^fcsUpdate(0xFFFF, b)
}

func fcsUpdate(crc uint16, b []byte) uint16 {
	for _, x := range b {
		crc = crc>>8 ^ fcsTable[byte(crc)^x]
	}
	return crc
}

// appendFCS appends the check sequence of b[from:] to b, low byte first.
func appendFCS(b []byte, from int) []byte {
	c := FCS(b[from:])
	return append(b, byte(c), byte(c>>8))
}
