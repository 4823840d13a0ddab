package gbcs

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func u64(v uint64) *uint64 { return &v }

func st(s string) SystemTitle {
	var t SystemTitle
	if err := t.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return t
}

// sampleMessages are built here from the field values of PROTOCOLS/DOMAIN
// worked examples (DOMAIN.md §16.8): identities and counters are the
// published test identities, payloads are short made-up bodies.
func sampleMessages() map[string]*Message {
	srp := st("90B3D51F30010000")
	return map[string]*Message{
		"pre-command, signature byte absent": {
			Kind: FrameGeneralSigning, TransactionID: TransactionID{CRA: CRACommand, Counter: 1000},
			Originator: st("90B3D51F30010000"), Recipient: st("00DB1234567890A0"),
			OtherInfo: OtherInfo{MessageCode: CodeECS70}, Payload: Hex{0xD9, 0x01, 0x02},
			SignatureOmitted: true,
		},
		"pre-command, null signature": {
			Kind: FrameGeneralSigning, TransactionID: TransactionID{CRA: CRACommand, Counter: 1000},
			Originator: st("90B3D51F30010000"), Recipient: st("00DB1234567890A1"),
			OtherInfo: OtherInfo{MessageCode: CodeGCS28}, Payload: Hex{0x05, 0x00},
			Signature: Hex{},
		},
		"device-signed response with date-time": {
			Kind: FrameGeneralSigning, TransactionID: TransactionID{CRA: CRAResponse, Counter: 1300},
			Originator: st("00DB1234567890A0"), Recipient: st("90B3D51F30000002"),
			DateTime:  Hex{0x07, 0xEA, 0x0B, 0x1C, 0xFF, 0x0D, 0x19, 0x07, 0, 0x80, 0, 0x00},
			OtherInfo: OtherInfo{MessageCode: 0x0104}, Payload: Hex{0x02, 0x01, 0x00},
			Signature: bytes.Repeat(Hex{0xAB}, 64),
		},
		"ACB command with supplementary remote party and counter": {
			Kind: FrameGeneralCiphering, SecurityControl: SecurityControlGBCS,
			TransactionID: TransactionID{CRA: CRACommand, Counter: 1302},
			Originator:    st("90B3D51F30000002"), Recipient: st("00DB1234567890A2"),
			OtherInfo: OtherInfo{MessageCode: CodeCCS01, SupplementaryRemotePartyID: &srp, SupplementaryRemotePartyCounter: u64(1002)},
			Payload:   bytes.Repeat(Hex{0x11}, 200), Signature: Hex{}, MAC: bytes.Repeat(Hex{0x7C}, 12),
		},
		"other-info with originator counter": {
			Kind: FrameGeneralCiphering, SecurityControl: SecurityControlGBCS,
			TransactionID: TransactionID{CRA: CRAAlert, Counter: 4000},
			Originator:    st("00DB1234567890A2"), Recipient: st("90B3D51F30000002"),
			OtherInfo: OtherInfo{MessageCode: CodeCS14, SupplementaryRemotePartyID: &srp,
				SupplementaryRemotePartyCounter: u64(1), SupplementaryOriginatorCounter: u64(2)},
			Payload: Hex{0x0F}, Signature: Hex{}, MAC: make(Hex, 12),
		},
		"security control zero kept as sent (fuzz crasher)": {
			Kind: FrameGeneralCiphering, TransactionID: TransactionID{CRA: 0x30, Counter: 1},
			OtherInfo: OtherInfo{MessageCode: 0x3030}, Payload: Hex{0x30}, Signature: Hex{}, MAC: make(Hex, 12),
		},
		"other-info with remote party only": {
			Kind: FrameGeneralSigning, TransactionID: TransactionID{CRA: CRACommand, Counter: 7},
			Originator: st("90B3D51F30000002"), Recipient: st("00DB1234567890A3"),
			OtherInfo: OtherInfo{MessageCode: CodeGCS59, SupplementaryRemotePartyID: &srp},
			Payload:   Hex{0x30, 0x00}, Signature: Hex{},
		},
		"other-info with certificate": {
			Kind: FrameGeneralSigning, TransactionID: TransactionID{CRA: CRACommand, Counter: 8},
			Originator: st("90B3D51F30000002"), Recipient: st("00DB1234567890A4"),
			OtherInfo: OtherInfo{MessageCode: CodeCS03C, SupplementaryRemotePartyID: &srp,
				SupplementaryRemotePartyCounter: u64(9), KeyAgreementCertificate: Hex{0x30, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
			Payload: Hex{0x30, 0x00}, Signature: Hex{},
		},
	}
}

func TestMessageRoundTrip(t *testing.T) {
	for name, m := range sampleMessages() {
		t.Run(name, func(t *testing.T) {
			b, err := m.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse(%X): %v", b, err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("Parse(Marshal(m)) = %+v, want %+v", got, m)
			}
			b2, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(b, b2) {
				t.Errorf("re-encode = %X, %v; want %X", b2, err, b)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	good, err := sampleMessages()["ACB command with supplementary remote party and counter"].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	pre, err := sampleMessages()["pre-command, signature byte absent"].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	mod := func(b []byte, i int, v byte) []byte {
		c := append([]byte(nil), b...)
		c[i] = v
		return c
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"unknown tag", []byte{0xDE, 0x00}, ErrTag},
		{"GBT stream to Parse", []byte{0xDD, 0x09}, ErrTag},
		{"truncated ciphering", good[:len(good)-1], ErrShort},
		{"trailing after MAC", append(append([]byte(nil), good...), 0), ErrTrailing},
		{"non-empty ciphering field", mod(good, 3, 1), ErrTag},
		{"bad transaction-id length", mod(pre, 1, 8), ErrLength},
		{"bad system title length", mod(pre, 11, 7), ErrLength},
		{"bad date-time length", mod(pre, 29, 5), ErrLength},
		{"bad other-info length", mod(pre, 30, 3), ErrLength},
		{"content longer than message", mod(pre, 33, 0x7F), ErrShort},
		{"signature longer than message", append(append([]byte(nil), pre...), 0x40, 1), ErrShort},
		{"huge BER length", []byte{0xDD, 0, 0, 0, 0, 0, 0, 0x84, 1, 2, 3, 4}, ErrLength},
		{"short DF", []byte{0xDF, 0x09, 0x01}, ErrShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse(%X) error = %v, want %v", tt.in, err, tt.want)
			}
			var de *DecodeError
			if err != nil && !errors.As(err, &de) {
				t.Errorf("Parse(%X) error %T is not a *DecodeError", tt.in, err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	srp := st("90B3D51F30010000")
	tests := []struct {
		name string
		m    Message
	}{
		{"no kind", Message{}},
		{"ciphering without signature byte", Message{Kind: FrameGeneralCiphering, SignatureOmitted: true}},
		{"short MAC", Message{Kind: FrameGeneralCiphering, MAC: Hex{1}}},
		{"date-time of 3 bytes", Message{Kind: FrameGeneralSigning, DateTime: Hex{1, 2, 3}}},
		{"counter without remote party", Message{Kind: FrameGeneralSigning, OtherInfo: OtherInfo{SupplementaryRemotePartyCounter: u64(1)}}},
		{"certificate without counter", Message{Kind: FrameGeneralSigning, OtherInfo: OtherInfo{SupplementaryRemotePartyID: &srp, KeyAgreementCertificate: make(Hex, 20)}}},
	}
	for _, tt := range tests {
		if _, err := tt.m.MarshalBinary(); err == nil {
			t.Errorf("%s: MarshalBinary succeeded, want error", tt.name)
		}
	}
}

func TestDecodeHexText(t *testing.T) {
	tests := []struct {
		name, in string
		want     []byte
		err      bool
	}{
		{"plain", "DF09", []byte{0xDF, 0x09}, false},
		{"lower with newlines", "df\n09 \r\n\t01", []byte{0xDF, 0x09, 0x01}, false},
		{"0x prefix", "0xDD00", []byte{0xDD, 0x00}, false},
		{"odd", "DF0", nil, true},
		{"not hex", "ZZ", nil, true},
	}
	for _, tt := range tests {
		got, err := DecodeHexText([]byte(tt.in))
		if (err != nil) != tt.err || !bytes.Equal(got, tt.want) {
			t.Errorf("%s: DecodeHexText(%q) = %X, %v; want %X, err %v", tt.name, tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestMessageCodeTable(t *testing.T) {
	tests := []struct {
		code MessageCode
		id   string
	}{
		{0x0001, "CCS01"}, {0x000D, "CS03A1"}, {0x0018, "CS14"}, {0x0062, "ECS70"}, {0x007F, "GCS28"},
		{0x00FE, "CCS07"}, {0x010F, "CCS06"}, {0x0128, "CCS08"}, {0x0129, "CS08"}, {0x00B3, "ECS04b"},
	}
	for _, tt := range tests {
		if got := tt.code.UseCaseID(); got != tt.id {
			t.Errorf("MessageCode(%#04x).UseCaseID() = %q, want %q", uint16(tt.code), got, tt.id)
		}
	}
	if MessageCode(0x0004).Known() {
		t.Error("0x0004 should not be in the table")
	}
	if s := MessageCode(0x0004).String(); s != "0x0004 unknown" {
		t.Errorf("String() = %q", s)
	}
	codes := MessageCodes()
	for i := 1; i < len(codes); i++ {
		if codes[i] <= codes[i-1] {
			t.Fatalf("MessageCodes not ascending at %d", i)
		}
	}
	if AlertCHFDeviceLogChanged.Name() != "CHF Device Log Changed" {
		t.Errorf("alert 0x8F12 = %q", AlertCHFDeviceLogChanged.Name())
	}
}

func TestReadText(t *testing.T) {
	raw := mustHex(t, vec184Message)
	hexText := strings.ToUpper(hex.EncodeToString(raw))
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"hex with newlines", vec184Message, true},
		{"GFI line", fmt.Sprintf("GBCS:DATA#0:%d:%s\r\n", len(raw), hexText), true},
		{"GFI two lines", fmt.Sprintf("GBCS:DATA#0:%d:%s\r\nGBCS:DATA#1:%d:%s\r\n", 100, hexText[:200], len(raw)-100, hexText[200:]), true},
		{"base64", base64.StdEncoding.EncodeToString(raw), true},
		{"GFI wrong length", fmt.Sprintf("GBCS:DATA#0:%d:%s", len(raw)+1, hexText), false},
		{"GFI missing fields", "GBCS:DATA#0:12", false},
		{"garbage", "not a message", false},
		{"blank", " \n\t", false},
	}
	for _, tt := range tests {
		got, err := ReadText([]byte(tt.in))
		if tt.ok && (err != nil || !bytes.Equal(got, raw)) {
			t.Errorf("%s: ReadText = %X, %v", tt.name, got, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("%s: ReadText succeeded, want error", tt.name)
		}
	}
	d, err := DecodeText(vec184Message)
	if err != nil || d.UseCase != "ECS04b" || d.Payload.DLMS == nil {
		t.Errorf("DecodeText(§18.4) = %+v, %v", d, err)
	}
}
