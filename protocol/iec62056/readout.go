package iec62056

import (
	"fmt"
	"strconv"
	"strings"
)

// Value is one bracket group of a data set: "(015882.6927*kWh)" gives value
// "015882.6927" and unit "kWh". The value keeps the meter's padding.
type Value struct {
	Value string `json:"value"`
	Unit  string `json:"unit,omitempty"`
}

// Record is one data set of a readout or an answer: an address and one or
// more values (IEC 62056-21 §6.5, data set structure). A bracket group
// without an address continues the previous record, so
// "0-1:24.2.1(161116200000W)(00066.405*m3)" is one record with two values.
type Record struct {
	Address string `json:"address"`
	// OBIS is the address as an OBIS code (IEC 62056-61) when it is one:
	// full "1-0:1.8.0*255", or EDIS short "1.8.0", "C.1.0", "F.F", "32.7".
	OBIS *OBIS `json:"obis,omitempty"`
	// OBISInferred is true when groups A, B or F were not in the address
	// and were filled in (see ParseOBIS).
	OBISInferred bool    `json:"obis_inferred,omitempty"`
	Values       []Value `json:"values"`
	// Unit is the unit of the last value that has one, for the common
	// single-value case.
	Unit string `json:"unit,omitempty"`
}

// OBIS is an object identification code A-B:C.D.E*F (IEC 62056-61).
type OBIS [6]byte

// String formats the code as "A-B:C.D.E*F".
func (o OBIS) String() string {
	return fmt.Sprintf("%d-%d:%d.%d.%d*%d", o[0], o[1], o[2], o[3], o[4], o[5])
}

// MarshalText returns String.
func (o OBIS) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText accepts the forms ParseOBIS accepts.
func (o *OBIS) UnmarshalText(b []byte) error {
	v, _, ok := ParseOBIS(string(b))
	if !ok {
		return fmt.Errorf("%w: %q is not an OBIS code", ErrSyntax, b)
	}
	*o = v
	return nil
}

// EDIS letter codes for value groups C and D (IEC 62056-61 §5.4):
// C = 96 (general service), F = 97 (error), L = 98 (lists), P = 99 (profiles).
func edisLetter(s string) (byte, bool) {
	switch s {
	case "C":
		return 96, true
	case "F":
		return 97, true
	case "L":
		return 98, true
	case "P":
		return 99, true
	}
	return 0, false
}

// ParseOBIS parses an address as an OBIS code. Full form: "A-B:C.D.E" with
// an optional "*F" or "&F" (F defaults to 255). EDIS short form:
// "C.D[.E][*F]", where C and D may be the letters C, F, L, P; E defaults to
// 0, F to 255, B to 0, and A to 0 for abstract codes (C ≥ 96) or 1
// (electricity) otherwise — the inference is the common field practice,
// not a rule of the standard (unverified), and is flagged by inferred.
func ParseOBIS(s string) (code OBIS, inferred bool, ok bool) {
	code[5] = 255
	rest := s
	full := false
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		ab := rest[:i]
		j := strings.IndexByte(ab, '-')
		if j < 0 {
			return OBIS{}, false, false
		}
		a, ok1 := obisGroup(ab[:j], false)
		b, ok2 := obisGroup(ab[j+1:], false)
		if !ok1 || !ok2 {
			return OBIS{}, false, false
		}
		code[0], code[1] = a, b
		rest = rest[i+1:]
		full = true
	}
	if i := strings.IndexAny(rest, "*&"); i >= 0 {
		f, ok := obisGroup(rest[i+1:], false)
		if !ok {
			return OBIS{}, false, false
		}
		code[5] = f
		rest = rest[:i]
	} else {
		inferred = true
	}
	k := 0
	for ; k < 3; k++ {
		p, tail, more := strings.Cut(rest, ".")
		v, ok := obisGroup(p, k < 2)
		if !ok {
			return OBIS{}, false, false
		}
		code[2+k], rest = v, tail
		if !more {
			break
		}
		if k == 2 {
			return OBIS{}, false, false // a fourth group
		}
	}
	if k == 0 || full && k != 2 {
		return OBIS{}, false, false
	}
	if full {
		return code, inferred, true
	}
	if code[2] < 96 {
		code[0] = 1
	}
	return code, true, true
}

func obisGroup(s string, letters bool) (byte, bool) {
	if letters {
		if v, ok := edisLetter(s); ok {
			return v, true
		}
	}
	if s == "" || len(s) > 3 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 255 {
		return 0, false
	}
	return byte(n), true
}

// ParseDataSets splits the text of a data block into records: data lines
// end with CR LF, data sets are "address(value[*unit])", and a bracket
// group without an address adds a value to the previous record. The
// readout end line "!" ends the data; text after it is ignored. base is
// added to the offsets of errors, so callers can report positions in the
// whole message.
func ParseDataSets(data string, base int) ([]Record, error) {
	var recs []Record
	i := 0
	for i < len(data) {
		c := data[i]
		switch {
		case c == CR || c == LF:
			i++
			continue
		case c == '!' && (i+1 == len(data) || data[i+1] == CR || data[i+1] == LF):
			return recs, nil
		}
		open := strings.IndexAny(data[i:], "()\r\n")
		if open < 0 || data[i+open] != '(' {
			at := i
			if open >= 0 {
				at = i + open
			}
			return recs, syntaxErr(base+at, ErrSyntax, "data set %q has no value in brackets", clip(data[i:], 24))
		}
		addr := data[i : i+open]
		i += open + 1
		end := strings.IndexAny(data[i:], "()\r\n")
		if end < 0 || data[i+end] != ')' {
			return recs, syntaxErr(base+i-1, ErrSyntax, "value of %q is not closed", addr)
		}
		raw := data[i : i+end]
		i += end + 1
		v := Value{Value: raw}
		if k := strings.IndexByte(raw, '*'); k >= 0 {
			v = Value{Value: raw[:k], Unit: raw[k+1:]}
		}
		if addr == "" && len(recs) > 0 {
			r := &recs[len(recs)-1]
			r.Values = append(r.Values, v)
			if v.Unit != "" {
				r.Unit = v.Unit
			}
			continue
		}
		r := Record{Address: addr, Values: []Value{v}, Unit: v.Unit}
		if code, inf, ok := ParseOBIS(addr); ok {
			r.OBIS, r.OBISInferred = &code, inf
		}
		recs = append(recs, r)
	}
	return recs, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// AppendDataSet appends the data line of r ("address(v*u)(v)" CR LF).
func AppendDataSet(b []byte, r Record) []byte {
	b = append(b, r.Address...)
	for _, v := range r.Values {
		b = append(b, '(')
		b = append(b, v.Value...)
		if v.Unit != "" {
			b = append(b, '*')
			b = append(b, v.Unit...)
		}
		b = append(b, ')')
	}
	return append(b, CR, LF)
}

// Readout is a decoded data readout (IEC 62056-21 §6.3.5): the records of
// its data lines. Blocks counts the blocks it came in (partial blocks end
// with EOT). Baud is the speed it was read at, and StayedAtOldSpeed is set
// when the session had to fall back because the meter ignored the speed
// it proposed (PROTOCOLS.md §11.2).
type Readout struct {
	Records          []Record `json:"records"`
	Blocks           int      `json:"blocks,omitempty"`
	Baud             int      `json:"baud,omitempty"`
	StayedAtOldSpeed bool     `json:"stayed_at_old_speed,omitempty"`
}

// Data returns the data block text of the readout: one data line per
// record and the end line "!" CR LF.
func (r *Readout) Data() string {
	var b []byte
	for _, rec := range r.Records {
		b = AppendDataSet(b, rec)
	}
	return string(append(b, '!', CR, LF))
}

// Bytes encodes the readout as one data message STX … ETX BCC.
func (r *Readout) Bytes() []byte { return Block{Data: r.Data()}.Bytes() }

// Lookup returns the first record whose address is addr or whose OBIS code
// equals the OBIS code addr parses to.
func (r *Readout) Lookup(addr string) (Record, bool) {
	code, _, isOBIS := ParseOBIS(addr)
	for _, rec := range r.Records {
		if rec.Address == addr || isOBIS && rec.OBIS != nil && *rec.OBIS == code {
			return rec, true
		}
	}
	return Record{}, false
}

// ParseReadout decodes a readout data message STX data-block "!" CR LF
// ETX BCC at the start of b. It verifies the BCC; on a mismatch it returns
// the decoded records together with a *SyntaxError wrapping ErrBCC whose
// Offset is the position of the BCC. A missing end line is reported as
// ErrSyntax after the records.
func ParseReadout(b []byte) (*Readout, error) {
	blk, err := ParseBlock(b)
	if blk == nil {
		return nil, err
	}
	recs, perr := ParseDataSets(blk.Data, 1)
	ro := &Readout{Records: recs, Blocks: 1}
	if perr != nil {
		return ro, perr
	}
	if err != nil {
		return ro, err
	}
	if blk.Partial {
		return ro, syntaxErr(len(blk.Data)+1, ErrTruncated, "partial block (EOT): more blocks follow")
	}
	if !blk.IsReadout() {
		return ro, syntaxErr(len(blk.Data)+1, ErrSyntax, "no readout end line ! CR LF")
	}
	return ro, nil
}
