package gbcs

import (
	"crypto/aes"
	"fmt"
)

// InstallCodeCRC returns the CRC-16/X-25 of a ZigBee install code
// (reflected polynomial 0x8408, initial value 0xFFFF, final XOR 0xFFFF;
// ZigBee Smart Energy install codes). On the wire the CRC follows the
// code low byte first.
func InstallCodeCRC(code []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range code {
		crc ^= uint16(b)
		for i := 0; i < 8; i++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// ValidInstallCodeLength reports whether n is an install-code length ZigBee
// Smart Energy allows (6, 8, 12 or 16 bytes, without the CRC).
func ValidInstallCodeLength(n int) bool {
	return n == 6 || n == 8 || n == 12 || n == 16
}

// MMOHash is the ZigBee AES-MMO hash (Matyas–Meyer–Oseas over AES-128,
// ZigBee specification Annex B.6): the message is padded with 0x80, zero
// bytes and its length in bits as 16 bits big-endian, then each 16-byte
// block M updates the state h to AES_h(M) XOR M, starting from h = 0.
// Messages must be shorter than 8,192 bytes (the 16-bit length form).
func MMOHash(msg []byte) ([16]byte, error) {
	var h [16]byte
	if len(msg) >= 1<<13 {
		return h, fmt.Errorf("%w: MMO message of %d bytes", ErrLength, len(msg))
	}
	padded := make([]byte, 0, len(msg)+18)
	padded = append(padded, msg...)
	padded = append(padded, 0x80)
	for len(padded)%16 != 14 {
		padded = append(padded, 0)
	}
	bits := len(msg) * 8
	padded = append(padded, byte(bits>>8), byte(bits))
	var out [16]byte
	for i := 0; i < len(padded); i += 16 {
		c, err := aes.NewCipher(h[:])
		if err != nil {
			return h, err
		}
		blk := padded[i : i+16]
		c.Encrypt(out[:], blk)
		for j := range h {
			h[j] = out[j] ^ blk[j]
		}
	}
	return h, nil
}

// LinkKeyFromInstallCode derives the pre-configured Trust-Centre link key
// from an install code (without its CRC): AES-MMO of the code followed by
// its CRC-16/X-25, low byte first (DOMAIN.md §10.1).
func LinkKeyFromInstallCode(code []byte) ([16]byte, error) {
	if !ValidInstallCodeLength(len(code)) {
		return [16]byte{}, fmt.Errorf("%w: %d bytes", ErrInstallCode, len(code))
	}
	crc := InstallCodeCRC(code)
	msg := make([]byte, 0, len(code)+2)
	msg = append(msg, code...)
	msg = append(msg, byte(crc), byte(crc>>8))
	return MMOHash(msg)
}
