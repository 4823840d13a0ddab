package gbcs

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

// derTests are hand-built DER encodings (X.690 examples and GBCS
// structures written for this test).
var derTests = []struct {
	name string
	in   []byte
	ok   bool
}{
	{"integer zero", []byte{0x02, 0x01, 0x00}, true},
	{"null", []byte{0x05, 0x00}, true},
	{"octet string", []byte{0x04, 0x02, 0xAB, 0xCD}, true},
	{"sequence", []byte{0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xFF}, true},
	{"context tag", []byte{0xA0, 0x03, 0x02, 0x01, 0x02}, true},
	{"high tag number", []byte{0x9F, 0x21, 0x01, 0x00}, true},
	{"long length", append([]byte{0x04, 0x81, 0x80}, make([]byte, 0x80)...), true},
	{"indefinite length", []byte{0x30, 0x80, 0x00, 0x00}, false},
	{"non-minimal length", []byte{0x04, 0x81, 0x01, 0x00}, false},
	{"truncated", []byte{0x30, 0x05, 0x02, 0x01}, false},
	{"trailing", []byte{0x05, 0x00, 0x00}, false},
	{"high tag in low form", []byte{0x9F, 0x05, 0x00}, false},
	{"empty", nil, false},
}

func TestDERRoundTrip(t *testing.T) {
	for _, tt := range derTests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseDER(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseDER(%X) error = %v, want ok %v", tt.in, err, tt.ok)
			}
			if err != nil {
				return
			}
			if got := n.AppendDER(nil); !bytes.Equal(got, tt.in) {
				t.Errorf("AppendDER(ParseDER(%X)) = %X", tt.in, got)
			}
		})
	}
}

func TestDERDepth(t *testing.T) {
	b := []byte{0x05, 0x00}
	for i := 0; i < 10; i++ {
		b = append([]byte{0x30, byte(len(b))}, b...)
	}
	deep := []byte{0x05, 0x00}
	for i := 0; i < 30; i++ {
		l := len(deep)
		hdr := []byte{0x30}
		hdr = appendBERLength(hdr, l)
		deep = append(hdr, deep...)
	}
	if _, err := ParseDER(deep); !errors.Is(err, errDERDepth) {
		t.Errorf("ParseDER(30 levels) = %v, want depth error", err)
	}
	if _, err := ParseDER(b); err != nil {
		t.Errorf("ParseDER(shallow) = %v", err)
	}
}

func TestDERInt(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 255, 256, -1, -128, -129, 0x8F12, 1 << 40, -1 << 62} {
		n := derInt(v)
		got, err := n.Int()
		if err != nil || got != v {
			t.Errorf("Int(derInt(%d)) = %d, %v", v, got, err)
		}
		back, err := ParseDER(n.AppendDER(nil))
		if err != nil || !reflect.DeepEqual(back.Value, n.Value) {
			t.Errorf("ParseDER(derInt(%d)) = %+v, %v", v, back, err)
		}
	}
	// GBCS alert code 0x8071 as a three-octet INTEGER (GCS62 layout).
	n, _ := ParseDER([]byte{0x02, 0x03, 0x00, 0x80, 0x71})
	if v, _ := n.Int(); v != 0x8071 {
		t.Errorf("Int = %#x, want 0x8071", v)
	}
}

// asn1Encoder is satisfied by the typed GBCS ASN.1 structures.
type asn1Encoder interface {
	AppendBinary([]byte) ([]byte, error)
}

func TestASN1StructuresRoundTrip(t *testing.T) {
	ts := time.Date(2015, 1, 1, 0, 30, 0, 0, time.UTC)
	ts2 := ts.Add(time.Hour)
	tests := []struct {
		name  string
		v     asn1Encoder
		parse func([]byte) (any, error)
	}{
		{"join method B", &JoinDeviceCommand{Method: JoinMethodB, EntityID: st("00DB12345678909C"), DeviceType: DeviceType2},
			func(b []byte) (any, error) { return ParseJoinDeviceCommand(b) }},
		{"join method C with certificate", &JoinDeviceCommand{Method: JoinMethodC, EntityID: st("00DB123456789098"), DeviceType: DevicePPMID,
			Certificate: Hex{0x30, 0x03, 0x02, 0x01, 0x01}},
			func(b []byte) (any, error) { return ParseJoinDeviceCommand(b) }},
		{"set time", &SetTimeCommand{ValidityStart: ts, ValidityEnd: ts2},
			func(b []byte) (any, error) { return ParseSetTimeCommand(b) }},
		{"set time response", &SetTimeResponse{DeviceTime: ts, Status: TimeUnreliable},
			func(b []byte) (any, error) { return ParseSetTimeResponse(b) }},
		{"activate firmware", &ActivateFirmwareCommand{ManufacturerImageHash: bytes.Repeat(Hex{1}, 32), OriginatorCounter: 1001, ExecutionDateTime: &ts},
			func(b []byte) (any, error) { return ParseActivateFirmwareCommand(b) }},
		{"activate firmware now", &ActivateFirmwareCommand{ManufacturerImageHash: Hex{1, 2}, OriginatorCounter: 5},
			func(b []byte) (any, error) { return ParseActivateFirmwareCommand(b) }},
		{"CS07 response", &ReadDeviceJoinDetails{Response: responseCode(0, readJoinResponseNames),
			Entries: []DeviceLogEntry{{st("00DB123456789099"), DeviceType2}, {st("00DB123456789097"), DevicePPMID}}},
			func(b []byte) (any, error) { return ParseReadDeviceJoinDetails(b) }},
		{"CS07 read failure", &ReadDeviceJoinDetails{Response: responseCode(1, readJoinResponseNames)},
			func(b []byte) (any, error) { return ParseReadDeviceJoinDetails(b) }},
		{"GCS59 restore", &GPFDeviceLogRestore{Entries: []DeviceLogEntry{{st("0011223344556677"), DevicePPMID}}},
			func(b []byte) (any, error) { return ParseGPFDeviceLogRestore(b) }},
		{"GCS59 response", &GPFDeviceLogRestoreResponse{Outcomes: []RestoreOutcome{{DeviceLogEntry{st("0011223344556677"), DevicePPMID}, JoinResponseCode(4)}}},
			func(b []byte) (any, error) { return ParseGPFDeviceLogRestoreResponse(b) }},
		{"GCS62 backup", &GPFDeviceLogBackup{AlertCode: AlertGPFDeviceLogChanged, BackupDateTime: ts, Entries: []DeviceLogEntry{{st("0102030405060708"), DeviceType2}}},
			func(b []byte) (any, error) { return ParseGPFDeviceLogBackup(b) }},
		{"CCS08 alert", &FirmwareTransferAlert{AlertCode: AlertFirmwareTransferSuccess, ExecutionDateTime: ts, EntityID: st("00DB1234567890A4"),
			FirmwareVersion: Hex{1, 0x23, 0xAB, 0xCD}, Response: responseCode(0, fwTransferNames)},
			func(b []byte) (any, error) { return ParseFirmwareTransferAlert(b) }},
		{"firmware activation alert", &FirmwareActivationAlert{AlertCode: 0x8F43, ExecutionDateTime: ts, OriginatorCounter: 77,
			Outcome: FirmwareOutcome{Response: responseCode(2, activateFirmwareNames), FirmwareVersion: Hex{9, 9}}},
			func(b []byte) (any, error) { return ParseFirmwareActivationAlert(b) }},
		{"CS08 response", &ReadFirmwareVersion{FirmwareVersion: Hex("1.2.3"), Response: responseCode(0, readFWResponseNames)},
			func(b []byte) (any, error) { return ParseReadFirmwareVersion(b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.v.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.parse(b)
			if err != nil {
				t.Fatalf("parse(%X): %v", b, err)
			}
			if !reflect.DeepEqual(got, tt.v) {
				t.Errorf("parse(%X) = %+v, want %+v", b, got, tt.v)
			}
		})
	}
	// Single-value payloads.
	if id, err := ParseUnjoinCommand(AppendUnjoinCommand(nil, st("0102030405060708"))); err != nil || id != st("0102030405060708") {
		t.Errorf("unjoin round trip = %v, %v", id, err)
	}
	if v, err := ParseIntegerPayload(AppendIntegerPayload(nil, 11)); err != nil || v != 11 {
		t.Errorf("integer round trip = %v, %v", v, err)
	}
	r, err := ParseActivateFirmwareResponse([]byte{0x05, 0x00})
	if err != nil || !r.Accepted {
		t.Errorf("CS06 NULL response = %+v, %v", r, err)
	}
}

// TestConformanceJoinCodes checks the response codes of the RTDS join and
// unjoin error cases named in DOMAIN.md §10.3.
func TestConformanceJoinCodes(t *testing.T) {
	tests := []struct {
		file string
		code int
		name string
	}{
		{"CS03A1_8.7.1_ERROR_RESPONSE_GBCS.HEX", 3, "Incompatible with Existing Entry"},
		{"CS03B_8.7.2_ERROR_RESPONSE_GBCS.HEX", 2, "Invalid Join Method and Role"},
		{"CS03CNonCritical_8.7.2_ERROR_RESPONSE_GBCS.HEX", 11, "Invalid or Missing Certificate"},
		{"CS03A1_8.7.1_SUCCESS_RESPONSE_GBCS.HEX", 0, "Success"},
		{"CS04ACCritical_8.8.1_ERROR_RESPONSE_GBCS.HEX", 1, "Not in Device Log"},
	}
	for _, tt := range tests {
		d, err := Decode(readMessageFile(t, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		r := d.Facts.JoinResult
		if r == nil {
			r = d.Facts.UnjoinResult
		}
		if r == nil || r.Code != tt.code || r.Name != tt.name {
			t.Errorf("%s: result = %+v, want %d %q", tt.file, r, tt.code, tt.name)
		}
	}
}
