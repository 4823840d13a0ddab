package jobs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/protocol/duis"
)

// SerialKind says what an entered or scanned identifier is.
type SerialKind string

// Kinds of identifier an engineer enters on site.
const (
	SerialEUI64 SerialKind = "eui64" // a device ID (DOMAIN.md §2)
	SerialMPAN  SerialKind = "mpan"  // 13 digits
	SerialMPRN  SerialKind = "mprn"  // 1–10 digits
)

// MaxSerialInput caps what ParseSerial looks at: a scanner that runs on (a
// stuck trigger, a QR code of a URL) is refused before any work.
const MaxSerialInput = 64

// Sentinel errors of serial validation.
var (
	ErrSerialEmpty   = errors.New("jobs: nothing entered")
	ErrSerialTooLong = errors.New("jobs: entry too long")
	ErrSerialFormat  = errors.New("jobs: entry does not have the expected form")
)

// Serial is an identifier as the engineer entered it and as it is stored.
type Serial struct {
	Slot    string     // what it identifies on the job: "ESME", "CHF", "import-mpan", ...
	Kind    SerialKind //
	Value   string     // normalised: EUI-64 in upper-case DUIS text form, digits only for MPxN
	Raw     string     // as typed or scanned
	Source  string     // "typed" or "scanned"
	Warning string     // a check that failed but does not block (MPAN check digit)
}

// ParseSerial validates raw as an identifier of the given kind and returns
// its normalised value and a warning that does not block.
//
// Keyboard-wedge scanners type the code followed by Enter or Tab and some
// prefix an AIM symbology identifier ("]C1" for Code 128, "]Q1" for QR);
// both are removed, as are spaces, before checking. An EUI-64 is accepted in
// DUIS text form (00-DB-12-34-56-78-90-A0), with colons, or as 16 bare hex
// digits, and is returned in upper-case DUIS form. An MPAN must be 13 digits;
// a failed check digit is a warning only, because the DCC test MPANs fail it
// (DOMAIN.md §2). An MPRN is 1–10 digits.
func ParseSerial(kind SerialKind, raw string) (value, warning string, err error) {
	if len(raw) > MaxSerialInput {
		return "", "", fmt.Errorf("%s of %d characters: %w", kind, len(raw), ErrSerialTooLong)
	}
	s := cleanScan(raw)
	if s == "" {
		return "", "", ErrSerialEmpty
	}
	switch kind {
	case SerialEUI64:
		h := strings.NewReplacer("-", "", ":", "").Replace(s)
		if len(h) != 16 || !isHex(h) {
			return "", "", fmt.Errorf("device ID %q: want 16 hex digits: %w", s, ErrSerialFormat)
		}
		var b strings.Builder
		for i := 0; i < 16; i += 2 {
			if i > 0 {
				b.WriteByte('-')
			}
			b.WriteString(strings.ToUpper(h[i : i+2]))
		}
		if _, err := duis.ParseEUI64(b.String()); err != nil {
			return "", "", fmt.Errorf("device ID %q: %w", s, ErrSerialFormat)
		}
		return b.String(), "", nil
	case SerialMPAN:
		if len(s) != 13 || !isDigits(s) {
			return "", "", fmt.Errorf("MPAN %q: want 13 digits: %w", s, ErrSerialFormat)
		}
		if !duis.MPAN(s).CheckDigitOK() {
			warning = "MPAN check digit does not match; confirm it against the meter point"
		}
		return s, warning, nil
	case SerialMPRN:
		if len(s) > 10 || !isDigits(s) {
			return "", "", fmt.Errorf("MPRN %q: want 1 to 10 digits: %w", s, ErrSerialFormat)
		}
		return s, "", nil
	}
	return "", "", fmt.Errorf("kind %q: %w", kind, ErrSerialFormat)
}

// cleanScan removes what a keyboard-wedge scanner adds around a code.
func cleanScan(raw string) string {
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == ' ' {
			return -1
		}
		return r
	}, raw)
	if len(s) >= 3 && s[0] == ']' {
		s = s[3:] // AIM symbology identifier: ']', code letter, modifier
	}
	return s
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
