package jobs

import (
	"errors"
	"strings"
	"testing"
)

var serialTests = []struct {
	name    string
	kind    SerialKind
	raw     string
	want    string
	warn    bool
	wantErr error
}{
	// Device IDs from the DUIS templates (DOMAIN.md §2).
	{"eui dashes", SerialEUI64, "00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A0", false, nil},
	{"eui lower bare", SerialEUI64, "00db1234567890a0", "00-DB-12-34-56-78-90-A0", false, nil},
	{"eui colons", SerialEUI64, "00:db:12:34:56:78:90:a0", "00-DB-12-34-56-78-90-A0", false, nil},
	{"eui scanned code128 enter", SerialEUI64, "]C100DB1234567890A0\r", "00-DB-12-34-56-78-90-A0", false, nil},
	{"eui short", SerialEUI64, "00DB12", "", false, ErrSerialFormat},
	{"eui not hex", SerialEUI64, "00DB1234567890AZ", "", false, ErrSerialFormat},
	// 1312345678111 is a DCC test MPAN that fails the check digit (DOMAIN.md §2).
	{"mpan test", SerialMPAN, "1312345678111", "1312345678111", true, nil},
	{"mpan spaces", SerialMPAN, "13 1234 5678 111\t", "1312345678111", true, nil},
	{"mpan letters", SerialMPAN, "13123456781AB", "", false, ErrSerialFormat},
	{"mprn", SerialMPRN, "1234567890", "1234567890", false, nil},
	{"mprn long", SerialMPRN, "12345678901", "", false, ErrSerialFormat},
	{"empty", SerialMPRN, " \r\n", "", false, ErrSerialEmpty},
	{"too long", SerialEUI64, strings.Repeat("0", MaxSerialInput+1), "", false, ErrSerialTooLong},
	{"bad kind", "iban", "1", "", false, ErrSerialFormat},
}

func TestParseSerial(t *testing.T) {
	for _, tt := range serialTests {
		t.Run(tt.name, func(t *testing.T) {
			got, warn, err := ParseSerial(tt.kind, tt.raw)
			if !errors.Is(err, tt.wantErr) || got != tt.want || (warn != "") != tt.warn {
				t.Errorf("ParseSerial(%s, %q) = %q, %q, %v; want %q, warning %v, %v", tt.kind, tt.raw, got, warn, err, tt.want, tt.warn, tt.wantErr)
			}
		})
	}
}

// FuzzParseSerial: nothing typed or scanned panics, and a normalised value
// parses to itself (the round trip).
func FuzzParseSerial(f *testing.F) {
	for _, tt := range serialTests {
		f.Add(string(tt.kind), tt.raw)
	}
	f.Fuzz(func(t *testing.T, kind, raw string) {
		v, _, err := ParseSerial(SerialKind(kind), raw)
		if err != nil {
			return
		}
		v2, _, err := ParseSerial(SerialKind(kind), v)
		if err != nil || v2 != v {
			t.Fatalf("ParseSerial(%s, %q) = %q, %v; want it unchanged", kind, v, v2, err)
		}
	})
}
