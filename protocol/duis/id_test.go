package duis

import (
	"errors"
	"testing"
)

func TestParseEUI64(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want EUI64
		err  error
	}{
		// DOMAIN.md §2: 00-DB-12-34-56-78-90-A0 <-> 00DB1234567890A0.
		{"upper", "00-DB-12-34-56-78-90-A0", EUI64{0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0xA0}, nil},
		// DCC Boxed returns lower case in places (DOMAIN.md §2).
		{"lower", "90-b3-d5-1f-30-01-00-00", EUI64{0x90, 0xB3, 0xD5, 0x1F, 0x30, 0x01, 0x00, 0x00}, nil},
		{"plain hex", "00DB1234567890A0", EUI64{0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0xA0}, nil},
		{"short", "00-DB-12-34-56-78-90", EUI64{}, ErrBadEUI64},
		{"wrong separator", "00:DB:12:34:56:78:90:A0", EUI64{}, ErrBadEUI64},
		{"not hex", "00-DB-12-34-56-78-90-G0", EUI64{}, ErrBadEUI64},
		{"empty", "", EUI64{}, ErrBadEUI64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEUI64(tc.in)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("ParseEUI64(%q) = %v, %v, want %v, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
	e := EUI64{0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0xA0}
	if e.String() != "00-DB-12-34-56-78-90-A0" || e.Hex() != "00DB1234567890A0" {
		t.Errorf("String/Hex = %s %s", e, e.Hex())
	}
	b, _ := e.MarshalBinary()
	var back EUI64
	if err := back.UnmarshalBinary(b); err != nil || back != e {
		t.Errorf("binary round trip = %v, %v", back, err)
	}
	if err := back.UnmarshalBinary(b[:7]); !errors.Is(err, ErrBadEUI64) {
		t.Errorf("UnmarshalBinary(7 bytes) = %v", err)
	}
}

func TestParseRequestID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		err  error
	}{
		{"template", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1002", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1002", nil},
		{"lower case from DCC Boxed", "90-b3-d5-1f-30-01-00-00:88-73-84-57-00-2f-96-1e:1660925173833", "90-B3-D5-1F-30-01-00-00:88-73-84-57-00-2F-96-1E:1660925173833", nil},
		{"zero counter", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:0", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:0", nil},
		{"max counter", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:18446744073709551615", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:18446744073709551615", nil},
		{"counter overflow", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:18446744073709551616", "", ErrBadRequestID},
		{"leading zero", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:01", "", ErrBadRequestID},
		{"sign", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:+1", "", ErrBadRequestID},
		{"two parts", "90-B3-D5-1F-30-01-00-00:1", "", ErrBadRequestID},
		{"bad target", "90-B3-D5-1F-30-01-00-00:00-DB:1", "", ErrBadRequestID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRequestID(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("ParseRequestID(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			if err == nil && got.String() != tc.want {
				t.Errorf("ParseRequestID(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
	r := mustRID("90-B3-D5-1F-30-01-00-00:BC-33-AC-00-FE-FA-55-3C:1660286628923")
	if got := r.ResponseID().String(); got != "BC-33-AC-00-FE-FA-55-3C:90-B3-D5-1F-30-01-00-00:1660286628923" {
		t.Errorf("ResponseID = %s", got)
	}
}

func TestMPxN(t *testing.T) {
	// Check digit worked by hand with the weights 3,5,7,13,17,19,23,29,31,37,41,43:
	// 1200012345678 -> digits 1,2,0,0,0,1,2,3,4,5,6,7 give 3+10+0+0+0+19+46+87+124+185+246+301 = 1021;
	// 1021 mod 11 = 9, mod 10 = 9, so 120001234567 9 passes.
	if !MPAN("1200012345679").CheckDigitOK() {
		t.Errorf("CheckDigitOK(1200012345679) = false")
	}
	// The DCC test MPANs fail the rule (DOMAIN.md §2); a warning, not an error.
	for _, m := range []MPAN{"1312345678111", "1312345678222", "1200012345678", "12000123456X9"} {
		if m.CheckDigitOK() {
			t.Errorf("CheckDigitOK(%s) = true", m)
		}
	}
	if MPAN("1312345678111").Check() != nil || MPAN("131234567811").Check() == nil {
		t.Errorf("MPAN length check wrong")
	}
	if MPRN("1000999888").Check() != nil || MPRN("").Check() == nil || MPRN("12345678901").Check() == nil {
		t.Errorf("MPRN length check wrong")
	}
	if MPxN("1000999888").Check() != nil || MPxN("12345678901234").Check() == nil {
		t.Errorf("MPxN length check wrong")
	}
}

func TestResponseCodes(t *testing.T) {
	if n := len(ResponseCodes()); n != 194 {
		t.Errorf("%d response codes, want 194 (XSD 5.4)", n)
	}
	tests := []struct {
		code                  ResponseCode
		known, success, isErr bool
		ref, meaning          string
	}{
		{"I0", true, true, false, "", "success"},
		{"E5", true, false, true, "", "authorisation failed: device SMI status incompatible with the service request"},
		{"E120201", true, false, true, "12.2", "CHF and GPF device IDs are identical"},
		{"E081101", true, false, true, "8.11", "DCC rejected: E081101"},
		{"W081401", true, false, false, "8.14", "DCC warning: W081401"},
		{"E999", false, false, true, "", "DCC rejected: E999"},
	}
	for _, tc := range tests {
		if tc.code.Known() != tc.known || tc.code.IsSuccess() != tc.success || tc.code.IsError() != tc.isErr ||
			tc.code.ServiceReference() != tc.ref || tc.code.Meaning() != tc.meaning {
			t.Errorf("%s: known %v success %v error %v ref %q meaning %q", tc.code, tc.code.Known(), tc.code.IsSuccess(),
				tc.code.IsError(), tc.code.ServiceReference(), tc.code.Meaning())
		}
	}
}

func TestEnumerations(t *testing.T) {
	tests := []struct {
		v     enumValue
		known bool
	}{
		{DeviceESME, true}, {DeviceType("HHT"), false}, {StatusRecovered, true}, {DeviceStatus("pending"), false},
		{InstallNoSMWAN, true}, {CHFLocation("Deep indoors"), true}, {PremiseType("Low Rise Apartment (MDU <= 5 floors)"), true},
		{CHFFaultReason("LED Fault"), true}, {CHFNoFaultReturnType("Lost or Stolen Hub"), true}, {CHFConnectionMethod("Hot-shoe"), true},
		{CSPRegion("4G Central"), true}, {ESMEVariant("ADEG"), true}, {ESMEVariant("Z"), false}, {DCCAlertCode("N24"), true},
		{DCCAlertCode("N32"), false}, {DCCAlertCode("N999"), true}, {StatusCH("Pending"), false}, {StatusExceptCH("Pending"), true},
	}
	for _, tc := range tests {
		if tc.v.Known() != tc.known {
			t.Errorf("%v.Known() = %v, want %v", tc.v, !tc.known, tc.known)
		}
	}
	if DeviceIHD.HasStatus() || !DeviceGPF.HasStatus() {
		t.Errorf("HasStatus wrong for IHD/GPF")
	}
}
