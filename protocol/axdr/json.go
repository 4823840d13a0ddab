package axdr

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// jsonValue is the JSON form of a Value:
//
//	{"type":"structure","value":[{"type":"long-unsigned","value":60226}, ...]}
//	{"type":"octet-string","value":"0101000005ff"}
//	{"type":"date-time","value":"07e40310010000000000ffc400","text":"2020-03-16 Mon 00:00:00.00 dev -60 status 00"}
//	{"type":"compact-array","description":"06","value":[...]}
//
// Integers are JSON numbers, floats numbers (or "NaN", "+Inf", "-Inf"),
// octet-strings and date/time bodies lower-case hex, bit-strings a text of
// 0 and 1, visible and utf8 strings JSON strings. "text" is for people and
// ignored when reading.
type jsonValue struct {
	Type        string          `json:"type"`
	Description string          `json:"description,omitempty"`
	Value       json.RawMessage `json:"value,omitempty"`
	Text        string          `json:"text,omitempty"`
}

// MarshalJSON renders v as described at jsonValue; smetsctl uses it for
// `decode axdr`.
func (v Value) MarshalJSON() ([]byte, error) {
	j := jsonValue{Type: v.typ.String()}
	var val any
	switch v.typ {
	case TypeNull, TypeDontCare:
	case TypeArray, TypeStructure:
		val = nonNil(v.elems)
	case TypeCompactArray:
		j.Description = hex.EncodeToString(v.b)
		if d, err := v.TypeDesc(); err == nil {
			j.Text = d.String()
		}
		val = nonNil(v.elems)
	case TypeBoolean:
		val = v.num != 0
	case TypeInteger, TypeLong, TypeDoubleLong, TypeLong64, TypeBCD:
		val = int64(v.num)
	case TypeUnsigned, TypeLongUnsigned, TypeDoubleLongUnsigned, TypeLong64Unsigned, TypeEnum:
		val = v.num
	case TypeFloat32, TypeFloat64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			val = strconv.FormatFloat(f, 'g', -1, 64)
		} else if v.typ == TypeFloat32 {
			val = json.Number(strconv.FormatFloat(f, 'g', -1, 32))
		} else {
			val = f
		}
	case TypeVisibleString, TypeUTF8String:
		val = string(v.b)
	case TypeBitString:
		val = bitText(v.b, int(v.num))
	case TypeDateTime, TypeDate, TypeTime:
		val = hex.EncodeToString(v.b)
		j.Text = v.scalarText()
	default:
		val = hex.EncodeToString(v.b)
	}
	if val != nil {
		raw, err := json.Marshal(val)
		if err != nil {
			return nil, err
		}
		j.Value = raw
	}
	return json.Marshal(j)
}

func nonNil(e []Value) []Value {
	if e == nil {
		return []Value{}
	}
	return e
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (v *Value) UnmarshalJSON(data []byte) error {
	var j jsonValue
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	t, ok := ParseType(j.Type)
	if !ok {
		return fmt.Errorf("%w: type name %q", ErrUnknownType, j.Type)
	}
	bad := func(err error) error { return fmt.Errorf("%w: %s value %s: %v", ErrInvalid, t, j.Value, err) }
	var out Value
	switch t {
	case TypeNull, TypeDontCare:
		out = Value{typ: t}
	case TypeArray, TypeStructure, TypeCompactArray:
		var elems []Value
		if err := json.Unmarshal(j.Value, &elems); err != nil {
			return bad(err)
		}
		if t != TypeCompactArray {
			out = Value{typ: t, elems: elems}
			break
		}
		raw, err := hex.DecodeString(j.Description)
		if err != nil {
			return bad(err)
		}
		desc, n, err := ParseTypeDesc(raw)
		if err != nil || n != len(raw) {
			return bad(fmt.Errorf("type description %q", j.Description))
		}
		if out, err = CompactArray(desc, elems...); err != nil {
			return err
		}
	case TypeBoolean:
		var b bool
		if err := json.Unmarshal(j.Value, &b); err != nil {
			return bad(err)
		}
		out = Bool(b)
	case TypeInteger, TypeLong, TypeDoubleLong, TypeLong64, TypeBCD:
		i, err := strconv.ParseInt(string(j.Value), 10, 8*max(1, t.fixedSize()))
		if err != nil {
			return bad(err)
		}
		out = Value{typ: t, num: uint64(i)}
	case TypeUnsigned, TypeLongUnsigned, TypeDoubleLongUnsigned, TypeLong64Unsigned, TypeEnum:
		u, err := strconv.ParseUint(string(j.Value), 10, 8*t.fixedSize())
		if err != nil {
			return bad(err)
		}
		out = Value{typ: t, num: u}
	case TypeFloat32, TypeFloat64:
		s := string(j.Value)
		if uq, err := strconv.Unquote(s); err == nil {
			s = uq
		}
		f, err := strconv.ParseFloat(s, 8*t.fixedSize())
		if err != nil {
			return bad(err)
		}
		if t == TypeFloat32 {
			out = Float32(float32(f))
		} else {
			out = Float64(f)
		}
	case TypeVisibleString, TypeUTF8String, TypeBitString, TypeOctetString, TypeDateTime, TypeDate, TypeTime:
		var s string
		if err := json.Unmarshal(j.Value, &s); err != nil {
			return bad(err)
		}
		switch t {
		case TypeVisibleString, TypeUTF8String:
			out = Value{typ: t, b: []byte(s)}
		case TypeBitString:
			bs, err := BitStringFromText(s)
			if err != nil {
				return err
			}
			out = bs
		default:
			b, err := hex.DecodeString(s)
			if err != nil {
				return bad(err)
			}
			if fs := t.fixedSize(); fs > 0 && len(b) != fs {
				return bad(fmt.Errorf("%d bytes, want %d", len(b), fs))
			}
			out = Value{typ: t, b: b}
		}
	default:
		return fmt.Errorf("%w: %s in JSON", ErrUnsupported, t)
	}
	*v = out
	return nil
}
