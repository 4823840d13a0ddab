package iec62056

// FrameLength returns the length of the complete message at the start of
// b, or 0 when more bytes are needed. It lets a reader of either side cut
// a byte stream into messages:
//
//	'/' … CR LF                 request or identification
//	SOH or STX … ETX/EOT BCC    command, readout, answer, partial block
//	ACK V Z Y CR LF             option select (V is a digit)
//	ACK, NAK                    single-character answers
//
// A lone ACK cannot be told from the start of an option select until the
// next byte arrives; lone says to take a leading ACK as complete (the
// client reading a programming-mode answer, or the line went quiet). An
// error means b[0] starts no message: skip it and resynchronise. An
// identification line longer than 128 bytes is an error wrapping
// ErrTooLong; blocks are not bounded here, so callers cap them.
func FrameLength(b []byte, lone bool) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	switch b[0] {
	case '/':
		for i := 1; i < len(b); i++ {
			if b[i] == LF {
				return i + 1, nil
			}
			if i >= maxIdentLine {
				return 0, syntaxErr(i, ErrTooLong, "no line end within %d bytes", maxIdentLine)
			}
		}
		return 0, nil
	case SOH, STX:
		for i := 1; i < len(b); i++ {
			if c := b[i] & 0x7F; c == ETX || c == EOT {
				if i+1 < len(b) {
					return i + 2, nil
				}
				return 0, nil
			}
		}
		return 0, nil
	case ACK:
		if len(b) == 1 {
			if lone {
				return 1, nil
			}
			return 0, nil
		}
		if b[1] >= '0' && b[1] <= '9' && !lone {
			if len(b) >= 6 {
				return 6, nil
			}
			return 0, nil
		}
		return 1, nil
	case NAK:
		return 1, nil
	}
	return 0, syntaxErr(0, ErrSyntax, "byte 0x%02X starts no message", b[0])
}
