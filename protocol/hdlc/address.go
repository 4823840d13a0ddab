package hdlc

import "fmt"

// Address is an HDLC address (IEC 62056-46, PROTOCOLS.md §2.3). A
// client address is one byte holding the SAP; a server address has an upper
// part (logical device) and, in its 2- and 4-byte forms, a lower part
// (physical device).
//
//	size 1:  (U << 1) | 1
//	size 2:  U << 1, (L << 1) | 1                              U, L ≤ 0x7F
//	size 4:  (U >> 7) << 1, (U & 7F) << 1, (L >> 7) << 1, ((L & 7F) << 1) | 1
//	                                                           U, L ≤ 0x3FFF
type Address struct {
	Upper uint16 // client SAP, or server logical device address
	Lower uint16 // server physical device address (sizes 2 and 4 only)
	Size  int    // encoded length in bytes: 1, 2 or 4
}

// ClientAddress returns the one-byte address of a client SAP (16 = public
// client, 1 = management client).
func ClientAddress(sap int) Address {
	return Address{Upper: uint16(sap), Size: 1}
}

// ServerAddress returns a server address of the given encoded size (1, 2
// or 4 bytes). Size 1 carries the logical address only.
func ServerAddress(logical, physical, size int) Address {
	if size == 1 {
		physical = 0
	}
	return Address{Upper: uint16(logical), Lower: uint16(physical), Size: size}
}

// Valid reports whether a fits its encoded size.
func (a Address) Valid() bool {
	switch a.Size {
	case 1:
		return a.Upper <= 0x7F && a.Lower == 0
	case 2:
		return a.Upper <= 0x7F && a.Lower <= 0x7F
	case 4:
		return a.Upper <= 0x3FFF && a.Lower <= 0x3FFF
	}
	return false
}

// Decoded returns the address in the form the conformance vectors use:
// [upper] for one byte, [upper, lower] otherwise.
func (a Address) Decoded() []int {
	if a.Size == 1 {
		return []int{int(a.Upper)}
	}
	return []int{int(a.Upper), int(a.Lower)}
}

func (a Address) String() string {
	if a.Size == 1 {
		return fmt.Sprintf("%d", a.Upper)
	}
	return fmt.Sprintf("%d/%d", a.Upper, a.Lower)
}

// appendAddress appends the encoded address; a must be Valid.
func appendAddress(b []byte, a Address) []byte {
	switch a.Size {
	case 1:
		return append(b, byte(a.Upper)<<1|1)
	case 2:
		return append(b, byte(a.Upper)<<1, byte(a.Lower)<<1|1)
	default:
		return append(b, byte(a.Upper>>7)<<1, byte(a.Upper&0x7F)<<1,
			byte(a.Lower>>7)<<1, byte(a.Lower&0x7F)<<1|1)
	}
}

// parseAddress reads an address from the start of b. It returns the
// number of bytes used; n == 0 with a nil error means b ends before the
// address does.
func parseAddress(b []byte) (a Address, n int, err error) {
	for i := 0; i < len(b); i++ {
		if b[i]&1 == 0 {
			if i == 3 {
				return a, 0, ErrBadAddress
			}
			continue
		}
		switch i {
		case 0:
			return Address{Upper: uint16(b[0] >> 1), Size: 1}, 1, nil
		case 1:
			return Address{Upper: uint16(b[0] >> 1), Lower: uint16(b[1] >> 1), Size: 2}, 2, nil
		case 3:
			return Address{
				Upper: uint16(b[0]>>1)<<7 | uint16(b[1]>>1),
				Lower: uint16(b[2]>>1)<<7 | uint16(b[3]>>1),
				Size:  4,
			}, 4, nil
		default:
			return a, 0, ErrBadAddress
		}
	}
	return a, 0, nil
}
