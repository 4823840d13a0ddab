package dlms

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

var (
	clockObis = [6]byte{0, 0, 1, 0, 0, 255}
	assocObis = [6]byte{0, 0, 40, 0, 0, 255}
)

// apduTable holds worked examples of PROTOCOLS.md (section in each name),
// re-typed as facts, with the structure each decodes to.
var apduTable = []struct {
	name string
	in   []byte
	want APDU
}{
	{"§4.1 AARQ LN LLS", mustHex(nil, "6036 A109060760857405080101 8A020780 8B0760857405080201 AC0A80083132333435363738 BE10040E01000000065F1F0400007E1F04B0"),
		&AARQ{Context: ContextLN, Mechanism: MechanismLLS, CallingAuth: []byte("12345678"), UserInformation: mustHex(nil, "01000000065F1F0400007E1F04B0")}},
	{"§4.1 AARE accepted", mustHex(nil, "6129 A109060760857405080101 A203020100 A305A103020100 BE10040E0800065F1F0400001E1D04C80007"),
		&AARE{Context: ContextLN, Source: ServiceUser, UserInformation: mustHex(nil, "0800065F1F0400001E1D04C80007")}},
	{"§4.2 InitiateRequest", mustHex(nil, "01 00 00 00 06 5F1F 04 00 007E1F 04B0"),
		&InitiateRequest{Version: 6, Conformance: 0x007E1F, MaxReceivePDU: 1200}},
	{"§4.2 InitiateResponse", mustHex(nil, "08 00 06 5F1F 04 00 00501F 01F4 0007"),
		&InitiateResponse{Version: 6, Conformance: 0x00501F, MaxReceivePDU: 500, VAAName: 7}},
	{"§5.3 GET normal", mustHex(nil, "C0 01 C1 0001 00002B0100FF 02 00"),
		&GetRequestNormal{InvokeID: 0xC1, Attribute: AttributeDescriptor{Class: 1, Instance: [6]byte{0, 0, 43, 1, 0, 255}, Attribute: 2}}},
	{"§5.3 GET next", mustHex(nil, "C0 02 C1 00000001"), &GetRequestNext{InvokeID: 0xC1, Block: 1}},
	{"§5.3 GET with list", mustHex(nil, "C0 03 C1 02 0001 00002A0000FF 02 00 0008 0000010000FF 02 00"),
		&GetRequestWithList{InvokeID: 0xC1, Items: []AttributeAccess{{Attribute: AttributeDescriptor{Class: 1, Instance: [6]byte{0, 0, 42, 0, 0, 255}, Attribute: 2}}, {Attribute: AttributeDescriptor{Class: 8, Instance: clockObis, Attribute: 2}}}}},
	{"§5.3 GET response data", mustHex(nil, "C4 01 C1 00 06 00001391"), &GetResponseNormal{InvokeID: 0xC1, Result: GetResult{Data: Data{6, 0, 0, 0x13, 0x91}}}},
	{"§5.3 GET response DAR", mustHex(nil, "C4 01 C1 01 01"), &GetResponseNormal{InvokeID: 0xC1, Result: GetResult{Result: HardwareFault}}},
	{"§5.7 GET block error", mustHex(nil, "C4 02 C1 01 00000013 01 01"), &GetResponseWithDatablock{InvokeID: 0xC1, Last: true, Block: 19, Result: HardwareFault}},
	{"§5.4 SET clock", mustHex(nil, "C1 01 C1 0008 0000010000FF 02 00 09 0C 07E50118FF0E303950FFC400"),
		&SetRequestNormal{InvokeID: 0xC1, Attribute: AttributeDescriptor{Class: 8, Instance: clockObis, Attribute: 2}, Value: mustHex(nil, "090C07E50118FF0E303950FFC400")}},
	{"§5.4 SET response", mustHex(nil, "C5 01 C1 00"), &SetResponseNormal{InvokeID: 0xC1}},
	{"§5.5 ACTION no params", mustHex(nil, "C3 01 C0 000F 0000280000FF 01 00"), &ActionRequestNormal{InvokeID: 0xC0, Method: MethodDescriptor{Class: 15, Instance: assocObis, Method: 1}}},
	{"§5.5 ACTION response", mustHex(nil, "C7 01 C0 00 00"), &ActionResponseNormal{InvokeID: 0xC0}},
	{"§5.5 ACTION response DAR", mustHex(nil, "C7 01 C0 00 01 01 FA"), &ActionResponseNormal{InvokeID: 0xC0, ActionOutcome: ActionOutcome{Return: &GetResult{Result: OtherReason}}}},
	{"§8.3 HLS pass 3", mustHex(nil, "C3 01 C1 000F 0000280000FF 01 01 09 11 10000000011A52FE7DD3E72748973C1E28"),
		&ActionRequestNormal{InvokeID: 0xC1, Method: MethodDescriptor{Class: 15, Instance: assocObis, Method: 1}, Parameters: mustHex(nil, "091110000000011A52FE7DD3E72748973C1E28")}},
	{"§5.6 exception", mustHex(nil, "D8 01 02"), &ExceptionResponse{StateError: 1, ServiceError: 2}},
	{"§5.6 exception IC", mustHex(nil, "D8 01 06 00000010"), &ExceptionResponse{StateError: 1, ServiceError: 6, InvocationCounter: 16}},
	{"§5.6 confirmed service error", mustHex(nil, "0E 01 00 06"), &ConfirmedServiceError{Service: 1, ErrorType: 0, Value: 6}},
	{"§5.6 data notification", mustHex(nil, "0F 00000001 00 03 01"), &DataNotification{LongInvokeID: 1, Body: Data{3, 1}}},
	{"§5.6 general block transfer", mustHex(nil, "E0 81 0001 0000 03 C40101"), &GeneralBlockTransfer{Last: true, Window: 1, Block: 1, Data: []byte{0xC4, 1, 1}}},
	{"§4.1 RLRQ", mustHex(nil, "62 03 80 01 00"), &ReleaseRequest{HasReason: true}},
	{"§8.2 glo-GET", mustHex(nil, "C8 12 20 01234567 411312FF935A47566827C467BC"),
		&CipheredAPDU{Tag: 0xC8, SecurityControl: 0x20, InvocationCounter: 0x01234567, Payload: mustHex(nil, "411312FF935A47566827C467BC")}},
	{"event notification", mustHex(nil, "C2 00 0008 0000010000FF 02 03 01"), &EventNotification{Attribute: AttributeDescriptor{Class: 8, Instance: clockObis, Attribute: 2}, Value: Data{3, 1}}},
	{"SET with first datablock", mustHex(nil, "C1 02 C1 0008 0000010000FF 02 00 00 00000001 02 0901"),
		&SetRequestWithFirstDatablock{InvokeID: 0xC1, Attribute: AttributeDescriptor{Class: 8, Instance: clockObis, Attribute: 2}, Datablock: Datablock{Block: 1, Raw: []byte{9, 1}}}},
	{"SN ReadRequest", mustHex(nil, "05 02 02 FA00 04 6400 02 02 04 06 00000001 06 00000000 12 0001 12 0000"),
		&ReadRequest{Variables: []VariableAccess{{Kind: VariableName, Name: 0xFA00}, {Kind: ParameterizedAccess, Name: 0x6400, Selector: 2,
			Parameter: mustHex(nil, "02 04 06 00000001 06 00000000 12 0001 12 0000")}}}},
	{"SN ReadResponse", mustHex(nil, "0C 03 00 06 00001391 01 04 02 01 0001 02 0901"),
		&ReadResponse{Results: []ReadResult{{Kind: 0, Data: Data{6, 0, 0, 0x13, 0x91}}, {Kind: 1, Result: ObjectUndefined}, {Kind: 2, Last: true, Block: 1, Raw: []byte{9, 1}}}}},
	{"SN WriteRequest", mustHex(nil, "06 01 02 FA08 01 12 0102"),
		&WriteRequest{Variables: []VariableAccess{{Kind: VariableName, Name: 0xFA08}}, Values: []Data{{0x12, 1, 2}}}},
	{"SN WriteResponse", mustHex(nil, "0D 02 00 01 03"), &WriteResponse{Results: []WriteResult{{Kind: 0}, {Kind: 1, Result: ReadWriteDenied}}}},
	{"SET with list and first datablock", mustHex(nil, "C1 05 C1 01 0008 0000010000FF 02 00 00 00000001 02 0901"),
		&SetRequestWithListAndFirstDatablock{InvokeID: 0xC1, Items: []AttributeAccess{{Attribute: AttributeDescriptor{Class: 8, Instance: clockObis, Attribute: 2}}},
			Datablock: Datablock{Block: 1, Raw: []byte{9, 1}}}},
	{"SET response last datablock with list", mustHex(nil, "C5 04 C1 02 00 03 00000002"),
		&SetResponseLastDatablockWithList{InvokeID: 0xC1, Results: []DataAccessResult{Success, ReadWriteDenied}, Block: 2}},
	{"ACTION with list and first pblock", mustHex(nil, "C3 05 C1 01 000F 0000280000FF 01 01 00000001 01 00"),
		&ActionRequestWithListAndFirstPblock{InvokeID: 0xC1, Methods: []MethodDescriptor{{Class: 15, Instance: assocObis, Method: 1}},
			Datablock: Datablock{Last: true, Block: 1, Raw: []byte{0}}}},
	{"ACTION with list", mustHex(nil, "C3 03 C1 01 000F 0000280000FF 01 01 01 03 01"),
		&ActionRequestWithList{InvokeID: 0xC1, Methods: []MethodDescriptor{{Class: 15, Instance: assocObis, Method: 1}}, Parameters: []Data{{3, 1}}}},
}

func TestAPDUTable(t *testing.T) {
	for _, tc := range apduTable {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.in)
			if err != nil {
				t.Fatalf("Decode(%x) = %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Decode(%x) = %#v, want %#v", tc.in, got, tc.want)
			}
			enc, err := Encode(tc.want)
			if err != nil || !bytes.Equal(enc, tc.in) {
				t.Errorf("Encode(%#v) = %x, %v; want %x", tc.want, enc, err, tc.in)
			}
		})
	}
}

func TestDecodeTrailingBytes(t *testing.T) {
	// PROTOCOLS.md §11.5: a GET response followed by surplus bytes.
	in := mustHex(nil, "C4 01 C1 00 06 00001391 09 0F 09 0C")
	a, err := Decode(in)
	if !errors.Is(err, ErrTrailingBytes) || a == nil {
		t.Fatalf("Decode(%x) = %v, %v; want the APDU and ErrTrailingBytes", in, a, err)
	}
	var de *DecodeError
	if !errors.As(err, &de) || de.Offset != 9 {
		t.Errorf("Decode(%x) error = %v, want offset 9", in, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"unknown tag", []byte{0x99}, ErrUnknownTag},
		{"unknown choice", []byte{0xC0, 9, 0xC1}, ErrUnknownTag},
		{"short GET", []byte{0xC0, 1, 0xC1, 0, 1}, ErrTruncated},
		{"huge list count", mustHex(nil, "C4 03 C1 84 FFFFFFFF 00 03 01"), ErrTruncated},
		{"huge octet string", mustHex(nil, "C4 01 C1 00 09 84 7FFFFFFF 00"), ErrTruncated},
		{"deep nesting", append(bytes.Repeat([]byte{1, 1}, 100), 0), ErrTruncated},
		{"AARE without result", mustHex(nil, "61 0B A1 09 06 07 60 85 74 05 08 01 01"), ErrMalformed},
		{"BER length past end", mustHex(nil, "61 7F A1"), ErrTruncated},
		{"ciphered too short", mustHex(nil, "C8 02 30 00"), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if tc.name == "deep nesting" {
				in = append([]byte{0xC4, 1, 0xC1, 0}, tc.in...)
			}
			_, err := Decode(in)
			if tc.name == "deep nesting" {
				if !errors.Is(err, ErrTooDeep) {
					t.Errorf("Decode(deep) = %v, want ErrTooDeep", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Decode(%x) = %v, want %v", in, err, tc.want)
			}
		})
	}
}

// TestDecodeBoundedAllocation checks that hostile counts and lengths do not
// make the decoder allocate more than a small multiple of the input.
func TestDecodeBoundedAllocation(t *testing.T) {
	inputs := [][]byte{
		mustHex(nil, "C4 03 C1 84 00FFFFFF 00 03 01"),
		mustHex(nil, "C0 03 C1 84 00FFFFFF 0001 00002A0000FF 02 00"),
		mustHex(nil, "D9 00000001 00 84 00FFFFFF 01 0001 00002A0000FF 02"),
		append(mustHex(nil, "C4 03 C1 82 1000"), bytes.Repeat([]byte{0, 0}, 4096)...),
	}
	for _, in := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < 10; i++ {
			_, _ = Decode(in)
		}
		runtime.ReadMemStats(&after)
		per := (after.TotalAlloc - before.TotalAlloc) / 10
		if limit := uint64(64*len(in) + 4096); per > limit {
			t.Errorf("Decode(%d bytes) allocated %d bytes, limit %d", len(in), per, limit)
		}
	}
}

func TestAAREWithoutUserInformation(t *testing.T) {
	// PROTOCOLS.md §11.6: Landis+Gyr rejects with no BE field.
	in := mustHex(nil, "6117 A109060760857405080101 A203020101 A305A10302010D")
	a, err := Decode(in)
	if err != nil {
		t.Fatalf("Decode(%x) = %v", in, err)
	}
	err = a.(*AARE).Err()
	var ae *AssociationError
	if !errors.Is(err, ErrAuthentication) || !errors.As(err, &ae) || ae.Diagnostic != DiagAuthenticationFailure {
		t.Errorf("Err() = %v, want authentication failure", err)
	}
}

func TestConformanceNames(t *testing.T) {
	c := Conformance(0x00001E1D)
	if !c.Has(ConfGet|ConfSet|ConfAction|ConfSelectiveAccess|ConfBlockTransferWithGet) || c.Has(ConfAccess) {
		t.Errorf("%v: wrong bits", c)
	}
}

func TestKeysNeverPrinted(t *testing.T) {
	k := Keys{EK: []byte("0123456789ABCDEF"), AK: []byte("FEDCBA9876543210")}
	for _, s := range []string{k.String(), k.GoString()} {
		if bytes.Contains([]byte(s), []byte("0123")) || bytes.Contains([]byte(s), []byte("3031")) {
			t.Errorf("Keys printed as %q", s)
		}
	}
}

func TestConfigsNeverPrintSecrets(t *testing.T) {
	cc := ClientConfig{Password: []byte("hunter22"), Keys: testKeys}
	sc := ServerConfig{Password: []byte("hunter22"), Keys: testKeys}
	for _, s := range []string{fmt.Sprintf("%v", cc), fmt.Sprintf("%+v", cc), fmt.Sprintf("%#v", cc), fmt.Sprint(sc), fmt.Sprintf("%#v", sc)} {
		if strings.Contains(s, "hunter22") || strings.Contains(s, "68756e746572") || strings.Contains(strings.ToUpper(s), "D0D1D2") || strings.Contains(s, "[0 1 2 3") {
			t.Errorf("config printed as %q", s)
		}
	}
}
