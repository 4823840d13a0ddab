package gbcs

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"
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

// gfiPrefix starts a DCC GFI text line ("GBCS:DATA#<n>:<len>:<hex>").
const gfiPrefix = "GBCS:DATA#"

// ReadText turns the text forms a GBCS message is found in into bytes:
// hex with any whitespace (RTDS .HEX files, command lines), DCC GFI lines
// "GBCS:DATA#<n>:<len>:<hex>" (several lines are concatenated, as the
// blocks of a GBT stream are), and base64 (the GBCSPayload element of DUIS
// responses). Base64 is only chosen when the text is not hex and decodes to
// a message starting DD or DF.
func ReadText(text []byte) ([]byte, error) {
	s := strings.TrimSpace(string(text))
	if s == "" {
		return nil, fmt.Errorf("%w: empty text", ErrHex)
	}
	if strings.HasPrefix(s, gfiPrefix) {
		return readGFI(s)
	}
	b, err := DecodeHexText([]byte(s))
	if err == nil {
		return b, nil
	}
	clean := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if d, berr := base64.StdEncoding.DecodeString(clean); berr == nil && len(d) > 0 && (d[0] == TagGeneralCiphering || d[0] == TagGeneralSigning) {
		return d, nil
	}
	return nil, err
}

// readGFI decodes one or more GFI lines (format in the DCC GFI tool; see
// conformance gb/gbcs/gfi-format.md): prefix, index, decimal byte count,
// hex.
func readGFI(s string) ([]byte, error) {
	var out []byte
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		rest, ok := strings.CutPrefix(line, gfiPrefix)
		parts := strings.SplitN(rest, ":", 3)
		if !ok || len(parts) != 3 {
			return nil, fmt.Errorf("%w: GFI line %d: want GBCS:DATA#<n>:<len>:<hex>", ErrHex, i+1)
		}
		n, err := strconv.Atoi(parts[1])
		if err != nil || n < 0 || n > maxLen {
			return nil, fmt.Errorf("%w: GFI line %d: length %q", ErrHex, i+1, parts[1])
		}
		if len(parts[2]) != 2*n {
			return nil, fmt.Errorf("%w: GFI line %d: %d hex digits for %d bytes", ErrHex, i+1, len(parts[2]), n)
		}
		b, err := hex.DecodeString(parts[2])
		if err != nil {
			return nil, fmt.Errorf("%w: GFI line %d: %v", ErrHex, i+1, err)
		}
		out = append(out, b...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty GFI text", ErrHex)
	}
	return out, nil
}
