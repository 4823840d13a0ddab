package gbcs

import (
	"encoding/hex"
	"fmt"
)

// DecodeHexText decodes a GBCS message written as hex text: upper or lower
// case digits, with any whitespace (spaces, tabs, newlines) between them.
// An optional "0x" prefix is accepted.
func DecodeHexText(text []byte) ([]byte, error) {
	clean := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
			continue
		}
		if c == '0' && i+1 < len(text) && (text[i+1] == 'x' || text[i+1] == 'X') && len(clean) == 0 {
			i++
			continue
		}
		clean = append(clean, c)
	}
	if len(clean)%2 != 0 {
		return nil, fmt.Errorf("%w: odd number of hex digits (%d)", ErrHex, len(clean))
	}
	out := make([]byte, len(clean)/2)
	if _, err := hex.Decode(out, clean); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHex, err)
	}
	return out, nil
}
