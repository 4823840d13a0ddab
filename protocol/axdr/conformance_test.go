package axdr

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Madrid for the date-time vectors on hosts without zoneinfo

	"github.com/smetskit/smetskit/internal/conformance"
)

// TestConformance runs every vector of dlms/axdr_data.json: tagged vectors
// must decode to the recorded nested value and re-encode to the same
// bytes; body vectors (axdr-body-*, axdr-datetime-body-*) must read as the
// recorded type and value.
func TestConformance(t *testing.T) {
	vectors := conformance.Vectors(t, "dlms/axdr_data.json")
	pass := 0
	for _, v := range vectors {
		ok := t.Run(v.ID, func(t *testing.T) {
			in, err := hex.DecodeString(v.Hex)
			if err != nil {
				t.Fatalf("vector hex: %v", err)
			}
			var dec struct {
				Decoded json.RawMessage `json:"decoded"`
				Type    string          `json:"type"`
				Value   string          `json:"value"`
				Fields  map[string]any  `json:"fields"`
			}
			if err := json.Unmarshal(v.Decode, &dec); err != nil {
				t.Fatalf("vector decode: %v", err)
			}
			switch {
			case dec.Decoded != nil:
				checkTagged(t, in, dec.Decoded)
			case dec.Fields != nil:
				checkDateTimeFields(t, in, dec.Value, dec.Fields)
			default:
				checkBody(t, in, dec.Type, dec.Value)
			}
		})
		if ok {
			pass++
		}
	}
	t.Logf("%d of %d axdr_data.json vectors pass", pass, len(vectors))
}

func checkTagged(t *testing.T, in []byte, want json.RawMessage) {
	got, n, err := Decode(in)
	if err != nil {
		t.Fatalf("Decode(%x): %v", in, err)
	}
	if n != len(in) {
		t.Errorf("Decode(%x) consumed %d of %d bytes", in, n, len(in))
	}
	d := json.NewDecoder(bytes.NewReader(want))
	d.UseNumber()
	var w any
	if err := d.Decode(&w); err != nil {
		t.Fatalf("recorded decode: %v", err)
	}
	if g := nested(got); !reflect.DeepEqual(g, w) {
		gj, _ := json.Marshal(g)
		t.Errorf("Decode(%x) = %s, want %s", in, gj, want)
	}
	enc, err := Append(nil, got)
	if err != nil || !bytes.Equal(enc, in) {
		t.Errorf("Append(Decode(%x)) = %x, %v", in, enc, err)
	}
}

// nested renders v in the vectors' {"type-name": value} form.
func nested(v Value) any {
	return map[string]any{v.Type().String(): plain(v)}
}

// plain renders the value part: numbers as json.Number, octet-strings and
// date/time bodies as lower-case hex, bit-strings as 0/1 text.
func plain(v Value) any {
	switch v.Type() {
	case TypeArray, TypeStructure:
		out := []any{}
		for _, e := range v.Elems() {
			out = append(out, nested(e))
		}
		return out
	case TypeCompactArray:
		desc, _ := v.TypeDesc()
		items := []any{}
		for _, it := range v.Elems() {
			items = append(items, compactItem(it))
		}
		return map[string]any{"type_description": descForm(desc), "items": items}
	case TypeBoolean:
		return v.Bool()
	case TypeVisibleString, TypeUTF8String:
		return v.Text()
	case TypeBitString:
		return bitText(v.Bytes(), v.BitLen())
	case TypeOctetString, TypeDateTime, TypeDate, TypeTime:
		return hex.EncodeToString(v.Bytes())
	case TypeNull:
		return nil
	}
	return json.Number(v.scalarText())
}

func compactItem(v Value) any {
	switch v.Type() {
	case TypeArray, TypeStructure:
		out := []any{}
		for _, e := range v.Elems() {
			out = append(out, compactItem(e))
		}
		return out
	}
	return plain(v)
}

func descForm(d TypeDesc) any {
	switch d.Type {
	case TypeStructure, TypeArray:
		el := []any{}
		for _, e := range d.Elems {
			el = append(el, descForm(e))
		}
		return []any{d.Type.String(), el}
	}
	return d.Type.String()
}

// bodyTags maps the body vectors' type names to the tag whose body they are.
var bodyTags = map[string]Type{
	"double-long": TypeDoubleLong, "integer": TypeInteger, "long": TypeLong,
	"long-unsigned": TypeLongUnsigned, "long64": TypeLong64, "long64-unsigned": TypeLong64Unsigned,
	"float32": TypeFloat32, "float64": TypeFloat64, "bcd": TypeBCD,
}

func checkBody(t *testing.T, body []byte, typ, value string) {
	switch typ {
	case "float32", "float64":
		v := decodeBody(t, bodyTags[typ], body)
		want, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("value %q: %v", value, err)
		}
		if typ == "float32" && v.Float() != float64(float32(want)) || typ == "float64" && v.Float() != want {
			t.Errorf("%s body %x = %v, want %s", typ, body, v.Float(), value)
		}
		checkReencode(t, v, bodyTags[typ], body)
	case "bcd":
		v := decodeBody(t, TypeBCD, body)
		want, _ := strconv.ParseInt(strings.TrimPrefix(value, "int8 "), 10, 64)
		if v.Int() != want {
			t.Errorf("bcd body %x = %d, want %s", body, v.Int(), value)
		}
		checkReencode(t, v, TypeBCD, body)
	case "bit-string body":
		bits := bitsFromText(value)
		v := decodeBody(t, TypeBitString, append(AppendLength(nil, len(bits)), body...))
		if got := bitText(v.Bytes(), v.BitLen()); got != bits {
			t.Errorf("bit-string body %x = %s, want %s", body, got, bits)
		}
		built, err := BitStringFromText(bits)
		if err != nil || !bytes.Equal(built.Bytes(), body) {
			t.Errorf("BitStringFromText(%s) = %x, want %x", bits, built.Bytes(), body)
		}
	case "utf8-string body":
		v := decodeBody(t, TypeUTF8String, append(AppendLength(nil, len(body)), body...))
		if v.Text() != value {
			t.Errorf("utf8-string body %x = %q, want %q", body, v.Text(), value)
		}
	case "bcd(s) helper":
		digits := strings.Trim(strings.Fields(value)[0], "'")
		packed, err := PackBCD(digits)
		if err != nil || !bytes.Equal(packed, body) {
			t.Errorf("PackBCD(%s) = %x, %v, want %x", digits, packed, err, body)
		}
		if got, err := UnpackBCD(body, len(digits)); err != nil || got != digits {
			t.Errorf("UnpackBCD(%x) = %s, %v", body, got, err)
		}
	case "date body":
		d, err := ParseDate(body)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.NewReplacer("(", "", ")", "").Replace(value)
		if d.String() != want {
			t.Errorf("date body %x = %s, want %s", body, d, want)
		}
		checkReencode(t, DateValue(d), TypeDate, body)
	case "time body":
		tm, err := ParseTimeOfDay(body)
		if err != nil || tm.String() != value {
			t.Errorf("time body %x = %s, %v, want %s", body, tm, err, value)
		}
		checkReencode(t, TimeValue(tm), TypeTime, body)
	case "date-time body":
		checkDateTimeText(t, body, value)
	default:
		tag, ok := bodyTags[typ]
		if !ok {
			t.Fatalf("body type %q not handled", typ)
		}
		v := decodeBody(t, tag, body)
		if got := v.scalarText(); got != value {
			t.Errorf("%s body %x = %s, want %s", typ, body, got, value)
		}
		checkReencode(t, v, tag, body)
	}
}

func decodeBody(t *testing.T, tag Type, body []byte) Value {
	t.Helper()
	in := append([]byte{byte(tag)}, body...)
	v, n, err := Decode(in)
	if err != nil || n != len(in) {
		t.Fatalf("Decode(%x) = %v, %d, %v", in, v, n, err)
	}
	return v
}

func checkReencode(t *testing.T, v Value, tag Type, body []byte) {
	t.Helper()
	enc, err := Append(nil, v)
	want := append([]byte{byte(tag)}, body...)
	if err != nil || !bytes.Equal(enc, want) {
		t.Errorf("Append(%v) = %x, %v, want %x", v, enc, err, want)
	}
}

// bitsFromText pulls the 0/1 digits out of "'111100000001' (12 bits)" or
// "41 bits 00001111 ... 1".
func bitsFromText(s string) string {
	if i := strings.Index(s, "bits "); i >= 0 {
		s = s[i+len("bits "):]
	} else if q := strings.Split(s, "'"); len(q) >= 2 {
		s = q[1]
	}
	return strings.ReplaceAll(s, " ", "")
}

// checkDateTimeText checks the Madrid and UTC date-time bodies, whose value
// names the local time, the zone and the deviation option.
func checkDateTimeText(t *testing.T, body []byte, value string) {
	d, err := ParseDateTime(body)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Bytes(); !bytes.Equal(got[:], body) {
		t.Errorf("DateTime.Bytes() = %x, want %x", got, body)
	}
	zone := time.UTC
	if strings.Contains(value, "Madrid") {
		if zone, err = time.LoadLocation("Europe/Madrid"); err != nil {
			t.Fatal(err)
		}
	}
	local, err := time.ParseInLocation("2006-01-02 15:04", value[:16], zone)
	if err != nil {
		local, err = time.ParseInLocation("2006-01-02", value[:10], zone)
		if err != nil {
			t.Fatalf("value %q: %v", value, err)
		}
	}
	sign := DeviationNormal
	switch {
	case strings.Contains(value, "reversed"):
		sign = DeviationReversed
	case strings.Contains(value, "ignored"):
		sign = DeviationIgnore
	default:
		// the standard sign: the body is what FromTime makes of the local time
		if got := FromTime(local).Bytes(); !bytes.Equal(got[:], body) {
			t.Errorf("FromTime(%v) = %x, want %x", local, got, body)
		}
	}
	got, err := d.Time(zone, sign)
	if err != nil || !got.Equal(local) {
		t.Errorf("%x .Time(%s, %s) = %v, %v, want %v", body, zone, sign, got, err, local)
	}
}

// checkDateTimeFields checks the dlms-cosem date-time bodies field by field
// and as an instant.
func checkDateTimeFields(t *testing.T, body []byte, value string, f map[string]any) {
	d, err := ParseDateTime(body)
	if err != nil {
		t.Fatal(err)
	}
	num := func(k string) int {
		x, _ := f[k].(float64)
		return int(x)
	}
	if int(d.Year) != num("year") || int(d.Month) != num("month") || int(d.Day) != num("day") ||
		int(d.DayOfWeek) != num("day_of_week") || int(d.Hour) != num("hour") || int(d.Minute) != num("minute") ||
		int(d.Second) != num("second") || int(d.Hundredths) != num("hundredths") {
		t.Errorf("ParseDateTime(%x) = %+v, want fields %v", body, d, f)
	}
	if st := f["clock_status"].(string); st != "0x"+hex.EncodeToString([]byte{byte(d.Status)}) {
		t.Errorf("clock status %02x, want %s", d.Status, st)
	}
	if f["deviation"] == "not-specified" {
		if d.Deviation != DeviationNotSpecified {
			t.Errorf("deviation %d, want not specified", d.Deviation)
		}
		want, _ := time.Parse("2006-01-02T15:04:05", strings.Fields(value)[0])
		if got, err := d.Time(nil, DeviationNormal); err != nil || !got.Equal(want) {
			t.Errorf("Time = %v, %v, want naive %v", got, err, want)
		}
		return
	}
	if int(d.Deviation) != num("deviation") {
		t.Errorf("deviation %d, want %v", d.Deviation, f["deviation"])
	}
	want, err := time.Parse(time.RFC3339, value)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Time(nil, DeviationNormal)
	if err != nil || !got.Equal(want) {
		t.Errorf("Time = %v, %v, want %v", got, err, want)
	}
	if _, off := got.Zone(); off != int(-d.Deviation)*60 {
		t.Errorf("zone offset %d, want %d", off, -int(d.Deviation)*60)
	}
}
