package dlms

import (
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
)

// ExplainOptions gives Explain what it needs to open ciphered APDUs.
type ExplainOptions struct {
	Keys        Keys   // EK (and AK) to decipher glo-/ded- and general-glo-ciphering APDUs
	SystemTitle []byte // the sender's system title, when the APDU does not carry it
}

// Explanation is a JSON-marshalable account of one APDU, for
// `smetsctl decode apdu <hex> [--key --system-title]`. Byte fields are hex;
// A-XDR Data are decoded with package axdr; secrets (LLS passwords,
// dedicated keys) are shown only by their length.
type Explanation struct {
	APDU     string         `json:"apdu"`
	Tag      string         `json:"tag"`
	Fields   map[string]any `json:"fields,omitempty"`
	Inner    *Explanation   `json:"inner,omitempty"` // deciphered content or user-information
	Trailing string         `json:"trailing,omitempty"`
	Error    string         `json:"error,omitempty"` // why Inner is missing (no key, bad tag, ...)
}

// Explain decodes b for display. It fails only when b holds no decodable
// APDU; trailing bytes and undecipherable content are reported in the
// Explanation.
func Explain(b []byte, opts ExplainOptions) (*Explanation, error) {
	a, err := Decode(b)
	var de *DecodeError
	trailing := ""
	if errors.Is(err, ErrTrailingBytes) && errors.As(err, &de) {
		trailing = hex.EncodeToString(b[de.Offset:])
		err = nil
	}
	if err != nil {
		return nil, err
	}
	e := &Explanation{APDU: Name(a), Tag: fmt.Sprintf("%02X", b[0]), Trailing: trailing}
	if m, ok := toJSONable(reflect.ValueOf(a)).(map[string]any); ok {
		e.Fields = m
	}
	switch a := a.(type) {
	case *CipheredAPDU:
		if opts.Keys.EK == nil {
			e.Error = "no key given: content not deciphered"
			break
		}
		k := opts.Keys
		if isDedicatedTag(a.Tag) && k.Dedicated == nil {
			k.Dedicated = k.EK
		}
		plain, err := a.Unprotect(k, opts.SystemTitle)
		if err != nil {
			e.Error = err.Error()
			break
		}
		e.Inner, err = Explain(plain, opts)
		if err != nil {
			e.Error = err.Error()
		}
	case *AARQ:
		e.explainInner(a.UserInformation, opts)
		if a.Mechanism == MechanismLLS && a.CallingAuth != nil {
			e.Fields["CallingAuth"] = fmt.Sprintf("<password, %d bytes>", len(a.CallingAuth))
		}
	case *AARE:
		e.explainInner(a.UserInformation, opts)
		e.Fields["Diagnostic"] = a.DiagnosticString()
		if err := a.Err(); err != nil {
			e.Fields["Outcome"] = err.Error()
		}
	case *ReleaseRequest:
		e.explainInner(a.UserInformation, opts)
	case *ReleaseResponse:
		e.explainInner(a.UserInformation, opts)
	case *InitiateRequest:
		if a.DedicatedKey != nil {
			e.Fields["DedicatedKey"] = fmt.Sprintf("<key, %d bytes>", len(a.DedicatedKey))
		}
	}
	return e, nil
}

func (e *Explanation) explainInner(ui []byte, opts ExplainOptions) {
	if len(ui) == 0 {
		return
	}
	in, err := Explain(ui, opts)
	if err != nil {
		e.Error = "user-information: " + err.Error()
		return
	}
	e.Inner = in
}

var (
	dataType  = reflect.TypeOf(Data(nil))
	bytesType = reflect.TypeOf([]byte(nil))
	obisType  = reflect.TypeOf(cosem.OBIS{})
	strType   = reflect.TypeOf((*fmt.Stringer)(nil)).Elem()
)

// toJSONable turns a decoded APDU into maps, lists, strings and numbers.
func toJSONable(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	t := v.Type()
	switch {
	case t == dataType:
		if v.IsNil() {
			return nil
		}
		d := v.Bytes()
		if val, n, err := axdr.Decode(d); err == nil && n == len(d) {
			return val
		}
		return hex.EncodeToString(d)
	case t == bytesType:
		if v.IsNil() {
			return nil
		}
		return hex.EncodeToString(v.Bytes())
	case t == obisType:
		return v.Interface().(cosem.OBIS).String()
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toJSONable(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				if inner, ok := toJSONable(v.Field(i)).(map[string]any); ok {
					for k, x := range inner {
						m[k] = x
					}
				}
				continue
			}
			m[f.Name] = toJSONable(v.Field(i))
		}
		return m
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toJSONable(v.Index(i))
		}
		return out
	}
	if t.Implements(strType) {
		name := v.Interface().(fmt.Stringer).String()
		switch t.Kind() {
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if t == reflect.TypeOf(Conformance(0)) {
				return name
			}
			return fmt.Sprintf("%s (%d)", name, v.Uint())
		}
		return name
	}
	return v.Interface()
}
