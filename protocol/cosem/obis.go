package cosem

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// OBIS is a COSEM logical name: the six value groups A..F of an OBIS code
// (IEC 62056-6-1), carried on the wire as an octet-string of 6 bytes.
//
//	1-0:1.8.0*255  →  01 00 01 08 00 FF
type OBIS [6]byte

// ErrBadOBIS is returned for text or bytes that are not an OBIS code.
var ErrBadOBIS = errors.New("cosem: bad OBIS code")

// ParseOBIS reads an OBIS code in any of the forms field tools print:
//
//	1-0:1.8.0*255   full, IEC 62056-21 style ('&' is accepted for '*')
//	1-0:1.8.0       F omitted = 255
//	1.0.1.8.0.255   dotted, six groups
//	1.0.1.8.0       dotted, F omitted = 255
//	0100010800FF    12 hex digits
//
// Groups are decimal 0..255.
func ParseOBIS(s string) (OBIS, error) {
	var o OBIS
	in := strings.TrimSpace(s)
	if len(in) == 12 && !strings.ContainsAny(in, ".:-*&") {
		for i := range 6 {
			v, err := strconv.ParseUint(in[2*i:2*i+2], 16, 8)
			if err != nil {
				return o, fmt.Errorf("%w: %q", ErrBadOBIS, s)
			}
			o[i] = byte(v)
		}
		return o, nil
	}
	var groups []string
	if a, rest, ok := strings.Cut(in, "-"); ok {
		b, cde, ok := strings.Cut(rest, ":")
		if !ok {
			return o, fmt.Errorf("%w: %q has A-B but no ':'", ErrBadOBIS, s)
		}
		f, hasF := "", false
		if i := strings.IndexAny(cde, "*&"); i >= 0 {
			cde, f, hasF = cde[:i], cde[i+1:], true
		}
		groups = append([]string{a, b}, strings.Split(cde, ".")...)
		if len(groups) != 5 {
			return o, fmt.Errorf("%w: %q needs C.D.E after ':'", ErrBadOBIS, s)
		}
		if hasF {
			groups = append(groups, f)
		}
	} else {
		groups = strings.Split(in, ".")
	}
	if len(groups) == 5 {
		groups = append(groups, "255")
	}
	if len(groups) != 6 {
		return o, fmt.Errorf("%w: %q", ErrBadOBIS, s)
	}
	for i, g := range groups {
		v, err := strconv.ParseUint(g, 10, 8)
		if err != nil {
			return o, fmt.Errorf("%w: group %c of %q", ErrBadOBIS, 'A'+i, s)
		}
		o[i] = byte(v)
	}
	return o, nil
}

// MustOBIS is ParseOBIS for constants in code; it panics on a bad code.
func MustOBIS(s string) OBIS {
	o, err := ParseOBIS(s)
	if err != nil {
		panic(err)
	}
	return o
}

// OBISFromBytes reads the 6-byte logical name of an attribute or descriptor.
func OBISFromBytes(b []byte) (OBIS, error) {
	var o OBIS
	if len(b) != 6 {
		return o, fmt.Errorf("%w: %d bytes, want 6", ErrBadOBIS, len(b))
	}
	copy(o[:], b)
	return o, nil
}

// String returns the full form "1-0:1.8.0*255".
func (o OBIS) String() string {
	return fmt.Sprintf("%d-%d:%d.%d.%d*%d", o[0], o[1], o[2], o[3], o[4], o[5])
}

// Dotted returns the dotted form "1.0.1.8.0.255" used in object lists and
// by Gurux tools.
func (o OBIS) Dotted() string {
	return fmt.Sprintf("%d.%d.%d.%d.%d.%d", o[0], o[1], o[2], o[3], o[4], o[5])
}

// Bytes returns the six bytes as a slice.
func (o OBIS) Bytes() []byte { return o[:] }

// A returns value group A (medium), and so on for B..F.
func (o OBIS) A() uint8 { return o[0] }

// B returns value group B (channel).
func (o OBIS) B() uint8 { return o[1] }

// C returns value group C (quantity).
func (o OBIS) C() uint8 { return o[2] }

// D returns value group D (processing).
func (o OBIS) D() uint8 { return o[3] }

// E returns value group E (tariff or further classification).
func (o OBIS) E() uint8 { return o[4] }

// F returns value group F (billing period; 255 = current).
func (o OBIS) F() uint8 { return o[5] }

// MarshalText writes the full form.
func (o OBIS) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads any form ParseOBIS accepts.
func (o *OBIS) UnmarshalText(b []byte) error {
	v, err := ParseOBIS(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}
