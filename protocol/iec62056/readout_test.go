package iec62056

import (
	"errors"
	"reflect"
	"testing"
)

func obis(a, b, c, d, e, f byte) *OBIS { return &OBIS{a, b, c, d, e, f} }

// Provenance: the data-line forms of PROTOCOLS.md §1.3 (re-typed as facts)
// and hand-made edge cases.
var dataSetTests = []struct {
	name string
	data string
	want []Record
	err  error
}{
	{"short address", "1.8.0(061561.289*kWh)\r\n", []Record{
		{Address: "1.8.0", OBIS: obis(1, 0, 1, 8, 0, 255), OBISInferred: true, Values: []Value{{"061561.289", "kWh"}}, Unit: "kWh"},
	}, nil},
	{"full address", "1-0:1.8.0*255(015882.6927*kWh)\r\n", []Record{
		{Address: "1-0:1.8.0*255", OBIS: obis(1, 0, 1, 8, 0, 255), Values: []Value{{"015882.6927", "kWh"}}, Unit: "kWh"},
	}, nil},
	{"multi value", "0-1:24.2.1(161116200000W)(00066.405*m3)\r\n", []Record{
		{Address: "0-1:24.2.1", OBIS: obis(0, 1, 24, 2, 1, 255), OBISInferred: true,
			Values: []Value{{"161116200000W", ""}, {"00066.405", "m3"}}, Unit: "m3"},
	}, nil},
	{"two sets one line", "3:14(314*kWh)4:15(415*kWh)\r\n", []Record{
		{Address: "3:14", Values: []Value{{"314", "kWh"}}, Unit: "kWh"},
		{Address: "4:15", Values: []Value{{"415", "kWh"}}, Unit: "kWh"},
	}, nil},
	{"EDIS letters", "F.F(00)\r\nC.1.0(13647123)\r\n32.7(241*V)\r\n", []Record{
		{Address: "F.F", OBIS: obis(0, 0, 97, 97, 0, 255), OBISInferred: true, Values: []Value{{"00", ""}}},
		{Address: "C.1.0", OBIS: obis(0, 0, 96, 1, 0, 255), OBISInferred: true, Values: []Value{{"13647123", ""}}},
		{Address: "32.7", OBIS: obis(1, 0, 32, 7, 0, 255), OBISInferred: true, Values: []Value{{"241", "V"}}, Unit: "V"},
	}, nil},
	{"end line stops", "1.8.0(1)\r\n!\r\nignored(2)\r\n", []Record{
		{Address: "1.8.0", OBIS: obis(1, 0, 1, 8, 0, 255), OBISInferred: true, Values: []Value{{"1", ""}}},
	}, nil},
	{"empty value", "C.1.1()\r\n", []Record{
		{Address: "C.1.1", OBIS: obis(0, 0, 96, 1, 1, 255), OBISInferred: true, Values: []Value{{"", ""}}},
	}, nil},
	{"unclosed", "1.8.0(12\r\n", nil, ErrSyntax},
	{"no value", "1.8.0\r\n", nil, ErrSyntax},
}

func TestParseDataSets(t *testing.T) {
	for _, tt := range dataSetTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDataSets(tt.data, 0)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseDataSets(%q) error = %v, want %v", tt.data, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDataSets(%q): %v", tt.data, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseDataSets(%q) =\n%+v\nwant\n%+v", tt.data, got, tt.want)
			}
		})
	}
}

func TestParseOBIS(t *testing.T) {
	tests := []struct {
		in       string
		want     OBIS
		inferred bool
		ok       bool
	}{
		{"1-0:1.8.0*255", OBIS{1, 0, 1, 8, 0, 255}, false, true},
		{"1-0:1.8.0*96", OBIS{1, 0, 1, 8, 0, 96}, false, true},
		{"1-0:1.8.0", OBIS{1, 0, 1, 8, 0, 255}, true, true},
		{"1.8.1", OBIS{1, 0, 1, 8, 1, 255}, true, true},
		{"C.7.0", OBIS{0, 0, 96, 7, 0, 255}, true, true},
		{"1-0:256.8.0", OBIS{}, false, false},
		{"1-0:1.8", OBIS{}, false, false},
		{"3:14", OBIS{}, false, false},
		{"1.2.3.4", OBIS{}, false, false},
		{"", OBIS{}, false, false},
		{"ab.cd", OBIS{}, false, false},
	}
	for _, tt := range tests {
		got, inf, ok := ParseOBIS(tt.in)
		if got != tt.want || inf != tt.inferred || ok != tt.ok {
			t.Errorf("ParseOBIS(%q) = %v %v %v, want %v %v %v", tt.in, got, inf, ok, tt.want, tt.inferred, tt.ok)
		}
	}
}

func TestParseReadoutBadBCC(t *testing.T) {
	msg := (&Readout{Records: []Record{{Address: "1.8.0", Values: []Value{{"1", "kWh"}}}}}).Bytes()
	msg[len(msg)-1] ^= 0x01
	ro, err := ParseReadout(msg)
	var se *SyntaxError
	if !errors.Is(err, ErrBCC) || !errors.As(err, &se) || se.Offset != len(msg)-1 {
		t.Fatalf("ParseReadout(%x) error = %v, want ErrBCC at %d", msg, err, len(msg)-1)
	}
	if ro == nil || len(ro.Records) != 1 {
		t.Errorf("ParseReadout(%x) = %+v, want the records despite the BCC", msg, ro)
	}
}

func TestParseReadoutErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		msg  []byte
		err  error
	}{
		{"no end line", Block{Data: "1.8.0(1)\r\n"}.Bytes(), ErrSyntax},
		{"partial", Block{Data: "1.8.0(1)\r\n", Partial: true}.Bytes(), ErrTruncated},
		{"not STX", []byte{0x01, 0x02}, ErrSyntax},
		{"syntax offset", Block{Data: "1.8.0(1\r\n!\r\n"}.Bytes(), ErrSyntax},
	} {
		if _, err := ParseReadout(tt.msg); !errors.Is(err, tt.err) {
			t.Errorf("%s: ParseReadout(%x) error = %v, want %v", tt.name, tt.msg, err, tt.err)
		}
	}
}

func TestReadoutRoundTrip(t *testing.T) {
	for _, tt := range dataSetTests {
		if tt.err != nil {
			continue
		}
		ro := &Readout{Records: tt.want, Blocks: 1}
		got, err := ParseReadout(ro.Bytes())
		if err != nil {
			t.Fatalf("%s: ParseReadout(Bytes()): %v", tt.name, err)
		}
		if !reflect.DeepEqual(got.Records, ro.Records) {
			t.Errorf("%s: ParseReadout(Bytes()) = %+v, want %+v", tt.name, got.Records, ro.Records)
		}
	}
}

// FuzzParseReadout checks that no input panics the readout parser, that
// errors are *SyntaxError with an offset inside the input, and that the
// records it returns survive an encode/decode round trip.
func FuzzParseReadout(f *testing.F) {
	for _, tt := range dataSetTests {
		f.Add(Block{Data: tt.data + "!\r\n"}.Bytes())
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		ro, err := ParseReadout(msg)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(msg) {
				t.Fatalf("ParseReadout(%x) error = %#v", msg, err)
			}
			return
		}
		enc := ro.Bytes()
		again, err := ParseReadout(enc)
		if err != nil {
			// Values holding '*' or addresses holding '(' cannot round-trip;
			// the parser never produces those, so this is a real failure.
			t.Fatalf("ParseReadout(encode(%+v)) = %v", ro.Records, err)
		}
		if !reflect.DeepEqual(again.Records, ro.Records) {
			t.Fatalf("round trip %x: %+v != %+v", msg, again.Records, ro.Records)
		}
	})
}
