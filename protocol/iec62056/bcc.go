package iec62056

// Control characters (IEC 62056-21 §6.3, PROTOCOLS.md §1.2).
const (
	SOH byte = 0x01 // start of header, opens a command
	STX byte = 0x02 // start of text, opens a data block
	ETX byte = 0x03 // end of text, closes the last block
	EOT byte = 0x04 // end of a partial block
	ACK byte = 0x06 // acknowledge; also opens an option select
	NAK byte = 0x15 // negative acknowledge: repeat
	CR  byte = 0x0D
	LF  byte = 0x0A
)

// BCC returns the block check character of a framed message: the XOR of
// every byte after the first SOH (or after the first STX when the message
// has no SOH) up to and including the first ETX or EOT after it
// (IEC 62056-21 §6.3.1, PROTOCOLS.md §1.4). The result is 7-bit because
// the line carries 7-bit characters. ok is false when msg has no start or
// no end character.
//
//	01 52 31 02 31 2E 38 2E 30 28 31 29 03 → 6B
func BCC(msg []byte) (bcc byte, ok bool) {
	start := -1
	for i, b := range msg {
		if b == SOH || b == STX {
			start = i
			break
		}
	}
	if start < 0 {
		return 0, false
	}
	for _, b := range msg[start+1:] {
		bcc ^= b
		if b == ETX || b == EOT {
			return bcc & 0x7F, true
		}
	}
	return 0, false
}

// xorBCC is the XOR of b, masked to 7 bits; b is the span the BCC covers.
func xorBCC(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x & 0x7F
}
