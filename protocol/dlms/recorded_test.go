package dlms

import (
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/axdr"
)

// vectorForm renders a value the way the vector files record decodes:
// {"type-name": value}, lists for arrays and structures, lower-case hex for
// octet-strings.
func vectorForm(v axdr.Value) any {
	name := v.Type().String()
	switch v.Type() {
	case axdr.TypeArray, axdr.TypeStructure:
		elems := make([]any, 0, v.Len())
		for _, e := range v.Elems() {
			elems = append(elems, vectorForm(e))
		}
		return map[string]any{name: elems}
	case axdr.TypeOctetString:
		return map[string]any{name: hex.EncodeToString(v.Bytes())}
	case axdr.TypeBoolean:
		return map[string]any{name: v.Bool()}
	}
	if n, ok := v.Number(); ok {
		return map[string]any{name: n}
	}
	return map[string]any{name: v.String()}
}

// TestConformanceRecordedData compares the Data carried by APDU vectors with
// the decode recorded in the vector files (axdr_data_decoded,
// axdr_after_selector).
func TestConformanceRecordedData(t *testing.T) {
	checked := 0
	for _, file := range []string{"dlms/apdu_xdlms.json", "dlms/apdu_acse.json"} {
		for _, v := range conformance.Vectors(t, file) {
			var d struct {
				Data     json.RawMessage `json:"axdr_data_decoded"`
				Selector json.RawMessage `json:"axdr_after_selector"`
			}
			_ = json.Unmarshal(v.Decode, &d)
			raw := d.Data
			if raw == nil {
				raw = d.Selector
			}
			var want any
			if raw == nil || json.Unmarshal(raw, &want) != nil {
				continue
			}
			if _, isText := want.(string); isText {
				continue // "not decoded: ..." (set-request-normal-clock, a checker artefact)
			}
			b := mustHex(t, v.Hex)
			var data Data
			if d.Selector != nil {
				data = b[1:]
			} else {
				a, err := Decode(b)
				if err != nil {
					t.Errorf("%s: Decode = %v", v.ID, err)
					continue
				}
				data = carriedData(a)
			}
			val, _, err := axdr.Decode(data)
			if err != nil {
				t.Errorf("%s: axdr.Decode(%X) = %v", v.ID, data, err)
				continue
			}
			got := normalise(t, vectorForm(val))
			if want = normalise(t, want); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Data = %v, recorded %v", v.ID, got, want)
				continue
			}
			checked++
		}
	}
	if checked < 6 {
		t.Errorf("only %d recorded decodes checked", checked)
	}
	t.Logf("%d recorded Data decodes match", checked)
}

func carriedData(a APDU) Data {
	switch a := a.(type) {
	case *GetResponseNormal:
		return a.Result.Data
	case *ActionRequestNormal:
		return a.Parameters
	case *ActionResponseNormal:
		if a.Return != nil {
			return a.Return.Data
		}
	case *DataNotification:
		return a.Body
	case *SetRequestNormal:
		return a.Value
	}
	return nil
}

// normalise round-trips through JSON so numbers and hex compare alike.
func normalise(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal([]byte(strings.ToLower(string(b))), &out); err != nil {
		t.Fatal(err)
	}
	return out
}
