package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// errNotText reports an identity attribute that is not a string.
var errNotText = errors.New("probe: attribute is not text")

// maxText caps an identity string taken from the meter.
const maxText = 64

// readText reads a string attribute (octet-string or visible-string, as
// meters send the logical device name and serial number) and returns it
// as printable text.
func readText(ctx context.Context, c *dlms.Client, attr dlms.AttributeDescriptor) (string, error) {
	data, err := c.Get(ctx, attr, nil)
	if err != nil {
		return "", err
	}
	return parseText(data)
}

// parseText decodes one A-XDR string value; bytes after it are ignored
// (PROTOCOLS.md §11.5).
func parseText(data []byte) (string, error) {
	v, _, err := axdr.Decode(data)
	if err != nil {
		return "", fmt.Errorf("decode identity: %w", err)
	}
	b := v.Bytes()
	if b == nil {
		return "", errNotText
	}
	if len(b) > maxText {
		b = b[:maxText]
	}
	return printable(b), nil
}

// printable returns b as text with control and invalid characters
// replaced by '?', so nothing from the meter can upset a terminal.
func printable(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		if r == utf8.RuneError || r < 0x20 || r == 0x7F {
			sb.WriteByte('?')
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
