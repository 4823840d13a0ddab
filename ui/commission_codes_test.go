package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/app/commission"
)

// installCodeTests are typed or scanned install codes: what is kept, or
// what the refusal says. They seed FuzzInstallCode too.
var installCodeTests = []struct {
	name, in, want, says string
}{
	// The 8.11 template's install code (DOMAIN.md §12, 8.11).
	{"plain", "30313233343536373839414243444546", "30313233343536373839414243444546", ""},
	{"grouped", "3031 3233 3435 3637 3839 4142 4344 4546", "30313233343536373839414243444546", ""},
	{"colons and a scanner's CR LF", "30:31:32:33:34:35:36:37:38:39:41:42:43:44:45:46\r\n", "30313233343536373839414243444546", ""},
	{"lower case", "83fed3407a939723a5c639b26916d505", "83FED3407A939723A5C639B26916D505", ""},
	// The ZigBee example of DOMAIN.md §10.1: CRC B5C3, printed low
	// byte first after the code.
	{"with CRC", "83FED3407A939723A5C639B26916D505C3B5", "83FED3407A939723A5C639B26916D505", ""},
	{"with CRC, dashes", "83FED340-7A939723-A5C639B2-6916D505-C3B5", "83FED3407A939723A5C639B26916D505", ""},
	{"CRC high byte first", "83FED3407A939723A5C639B26916D505B5C3", "", "check digits"},
	{"empty", "", "", "nothing entered"},
	{"separators only", "  - ", "", "nothing entered"},
	{"one digit short", "3031323334353637383941424344454", "", "1 missing"},
	{"one digit over", "303132333435363738394142434445464", "", "1 too many"},
	{"letter O", "30313233343536373839414243444O46", "", `'O' at character 30`},
	{"not ASCII", "3031323334353637383941424344454€", "", `'€' at character 32`},
	{"a whole page", strings.Repeat("0", 200), "", "far too long"},
}

func TestParseInstallCode(t *testing.T) {
	for _, tt := range installCodeTests {
		got, err := parseInstallCode(tt.in)
		if tt.says == "" {
			if err != nil || got != tt.want {
				t.Errorf("%s: parseInstallCode(%q) = %q, %v, want %q", tt.name, tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !errors.Is(err, errInstallCode) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: parseInstallCode(%q) = %q, %v, want an error saying %q", tt.name, tt.in, got, err, tt.says)
		}
	}
}

func TestCodeCRC(t *testing.T) {
	// DOMAIN.md §10.1: CRC-16/X-25 of the ZigBee example code is 0xB5C3.
	if got := codeCRC("83FED3407A939723A5C639B26916D505"); got != "C3B5" {
		t.Errorf("codeCRC = %s, want C3B5 (0xB5C3 low byte first)", got)
	}
}

func TestNeedsCode(t *testing.T) {
	for _, tt := range []struct {
		name string
		d    commission.Device
		want bool
	}{
		{"meter without a code", commission.Device{Type: "ESME"}, true},
		{"display without a code", commission.Device{Type: "IHD"}, true},
		{"the hub", commission.Device{Type: "CHF"}, false},
		{"code on the job", commission.Device{Type: "GSME", InstallCode: "30313233343536373839414243444546"}, false},
		{"meter coming out", commission.Device{Type: "ESME", Role: "old"}, false},
	} {
		if got := needsCode(tt.d); got != tt.want {
			t.Errorf("%s: needsCode(%+v) = %v, want %v", tt.name, tt.d, got, tt.want)
		}
	}
}

// FuzzInstallCode: nothing typed or scanned panics; an accepted code is 32
// upper-case hex digits and is accepted again as itself (round trip), with
// its CRC appended too.
func FuzzInstallCode(f *testing.F) {
	for _, tt := range installCodeTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := parseInstallCode(s)
		if err != nil {
			if !errors.Is(err, errInstallCode) || code != "" {
				t.Fatalf("refused %q with %q, %v", s, code, err)
			}
			return
		}
		if len(code) != installCodeDigits || strings.Trim(code, "0123456789ABCDEF") != "" {
			t.Fatalf("accepted %q as %q", s, code)
		}
		for _, again := range []string{code, code + codeCRC(code)} {
			if c, err := parseInstallCode(again); err != nil || c != code {
				t.Fatalf("round trip of %q: %q, %v", again, c, err)
			}
		}
	})
}

func TestValidRead(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     bool
	}{
		{"integer", "12345", true},
		{"decimal", "12345.6", true},
		{"leading point", ".5", true},
		{"empty", "", false},
		{"point only", ".", false},
		{"two points", "1.2.3", false},
		{"comma and unit", "12 345,6 kWh", false},
		{"negative", "-1", false},
		{"not a number", "NaN", false},
		{"exponent", "1e5", false},
		{"too long", "123456789012345678901", false},
	} {
		if got := validRead(tt.in); got != tt.want {
			t.Errorf("%s: validRead(%q) = %v, want %v", tt.name, tt.in, got, tt.want)
		}
	}
}
