package duis

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Identifier errors.
var (
	ErrBadEUI64     = errors.New("duis: malformed EUI-64")
	ErrBadRequestID = errors.New("duis: malformed request ID")
)

// EUI64 is a device or organisation identifier. Its DUIS text form is eight
// two-digit hex groups joined by '-' (XSD type EUI, pattern
// [A-Fa-f0-9]{2}(-[A-Fa-f0-9]{2}){7}); its binary form is the same eight
// bytes in the same order, as used for a GBCS system title (DOMAIN.md §2).
type EUI64 [8]byte

// Well-known test identities from the DCC reference test data (DOMAIN.md §2).
var (
	// DCCAccessControlBroker is the DCC / ACB EUI-64 and the business
	// target of every non-device service request in the test data.
	DCCAccessControlBroker = EUI64{0x90, 0xB3, 0xD5, 0x1F, 0x30, 0x00, 0x00, 0x02}
)

// ParseEUI64 reads the DUIS text form, accepting either case. The plain
// 16-digit hex form (no separators) is accepted too.
func ParseEUI64(s string) (EUI64, error) {
	var e EUI64
	t := strings.TrimSpace(s)
	switch len(t) {
	case 23:
		for i := 0; i < 8; i++ {
			if i > 0 && t[3*i-1] != '-' {
				return EUI64{}, fmt.Errorf("%w: %q", ErrBadEUI64, s)
			}
			hi, ok1 := unhex(t[3*i])
			lo, ok2 := unhex(t[3*i+1])
			if !ok1 || !ok2 {
				return EUI64{}, fmt.Errorf("%w: %q", ErrBadEUI64, s)
			}
			e[i] = hi<<4 | lo
		}
		return e, nil
	case 16:
		if _, err := hex.Decode(e[:], []byte(t)); err != nil {
			return EUI64{}, fmt.Errorf("%w: %q", ErrBadEUI64, s)
		}
		return e, nil
	}
	return e, fmt.Errorf("%w: %q", ErrBadEUI64, s)
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// String returns the DUIS text form in upper case.
func (e EUI64) String() string {
	const digits = "0123456789ABCDEF"
	var b [23]byte
	for i, v := range e {
		if i > 0 {
			b[3*i-1] = '-'
		}
		b[3*i] = digits[v>>4]
		b[3*i+1] = digits[v&0xF]
	}
	return string(b[:])
}

// Hex returns the 16-digit upper-case hex form used in GBCS decodes.
func (e EUI64) Hex() string { return strings.ToUpper(hex.EncodeToString(e[:])) }

// MarshalText implements encoding.TextMarshaler.
func (e EUI64) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (e *EUI64) UnmarshalText(b []byte) error {
	v, err := ParseEUI64(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// MarshalBinary returns the eight bytes.
func (e EUI64) MarshalBinary() ([]byte, error) { return append([]byte(nil), e[:]...), nil }

// UnmarshalBinary reads exactly eight bytes.
func (e *EUI64) UnmarshalBinary(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("%w: %d bytes, want 8", ErrBadEUI64, len(b))
	}
	copy(e[:], b)
	return nil
}

// RequestID is a DUIS Request ID, <BusinessOriginatorID>:<BusinessTargetID>:<Counter>
// (XSD RequestIDType; DOMAIN.md §12). The counter is an unsigned decimal up
// to 2^64-1 without leading zeros. A ResponseID has the same shape with the
// two identifiers swapped.
type RequestID struct {
	Originator EUI64
	Target     EUI64
	Counter    uint64
}

// ParseRequestID reads the text form; EUIs may be in either case.
func ParseRequestID(s string) (RequestID, error) {
	var r RequestID
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 3 {
		return r, fmt.Errorf("%w: %q: want originator:target:counter", ErrBadRequestID, s)
	}
	var err error
	if r.Originator, err = ParseEUI64(parts[0]); err != nil {
		return r, fmt.Errorf("%w: originator: %v", ErrBadRequestID, err)
	}
	if r.Target, err = ParseEUI64(parts[1]); err != nil {
		return r, fmt.Errorf("%w: target: %v", ErrBadRequestID, err)
	}
	c := parts[2]
	if c == "" || (len(c) > 1 && c[0] == '0') || strings.TrimLeft(c, "0123456789") != "" {
		return r, fmt.Errorf("%w: counter %q is not a decimal without leading zeros", ErrBadRequestID, c)
	}
	if r.Counter, err = strconv.ParseUint(c, 10, 64); err != nil {
		return r, fmt.Errorf("%w: counter %q exceeds 2^64-1", ErrBadRequestID, c)
	}
	return r, nil
}

// String returns the text form with upper-case EUIs.
func (r RequestID) String() string {
	return r.Originator.String() + ":" + r.Target.String() + ":" + strconv.FormatUint(r.Counter, 10)
}

// ResponseID returns the ID a response to r carries: target and
// originator swapped, same counter (DOMAIN.md §11.2).
func (r RequestID) ResponseID() RequestID {
	return RequestID{Originator: r.Target, Target: r.Originator, Counter: r.Counter}
}

// MarshalText implements encoding.TextMarshaler.
func (r RequestID) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *RequestID) UnmarshalText(b []byte) error {
	v, err := ParseRequestID(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MPAN is a 13-character electricity Meter Point Administration Number
// (XSD type MPAN: length 13).
type MPAN string

// mpanWeights are the multipliers of the usual MPAN check-digit rule.
var mpanWeights = [12]int{3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43}

// Check reports whether m has the XSD shape (13 characters). It does not
// apply the check digit: see CheckDigitOK.
func (m MPAN) Check() error {
	if len(m) != 13 {
		return fmt.Errorf("MPAN %q has %d characters, want 13", string(m), len(m))
	}
	return nil
}

// CheckDigitOK reports whether m is 13 digits whose last digit matches the
// usual check-digit rule (first 12 digits weighted 3,5,7,13,17,19,23,29,31,
// 37,41,43, sum mod 11 mod 10). The rule is not confirmed by the DUIS
// sources and the DCC test MPANs fail it, so callers treat a false result
// as a warning only (DOMAIN.md §2).
func (m MPAN) CheckDigitOK() bool {
	if len(m) != 13 {
		return false
	}
	sum := 0
	for i := 0; i < 13; i++ {
		if m[i] < '0' || m[i] > '9' {
			return false
		}
		if i < 12 {
			sum += int(m[i]-'0') * mpanWeights[i]
		}
	}
	return sum%11%10 == int(m[12]-'0')
}

// MPRN is a gas Meter Point Reference Number: 1 to 10 characters (XSD type
// MPRN).
type MPRN string

// Check reports whether r has the XSD shape.
func (r MPRN) Check() error {
	if len(r) < 1 || len(r) > 10 {
		return fmt.Errorf("MPRN %q has %d characters, want 1 to 10", string(r), len(r))
	}
	return nil
}

// MPxN is an MPAN or MPRN where DUIS allows either: 1 to 13 characters
// (XSD types ImportMPxN and MPxN).
type MPxN string

// Check reports whether x has the XSD shape.
func (x MPxN) Check() error {
	if len(x) < 1 || len(x) > 13 {
		return fmt.Errorf("MPxN %q has %d characters, want 1 to 13", string(x), len(x))
	}
	return nil
}
