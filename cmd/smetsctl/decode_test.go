package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// TestDecodeKinds runs `smetsctl decode` on one message of each kind and
// checks a field of the JSON it prints. Vectors are worked examples from
// PROTOCOLS.md (section named on each row).
func TestDecodeKinds(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(map[string]any) bool
	}{
		{
			name:  "hdlc SNRM (PROTOCOLS.md §9.2)",
			args:  []string{"hdlc", "7E A0 07 03 21 93 0F 01 7E"},
			check: func(m map[string]any) bool { return m["control"] == "93" && m["dst"] == "03" },
		},
		{
			name:  "iec21 request (PROTOCOLS.md §1.3)",
			args:  []string{"iec21", "2F 3F 21 0D 0A"},
			check: func(m map[string]any) bool { return m["kind"] != nil && m["ascii"] != nil },
		},
		{
			name: "wrapper around an AARQ prefix (PROTOCOLS.md §3)",
			args: []string{"wrapper", "0001 0010 0001 0005 C001C10001"},
			check: func(m map[string]any) bool {
				return m["source_wport"] == float64(16) && m["destination_wport"] == float64(1)
			},
		},
		{
			name:  "axdr scaler_unit structure (PROTOCOLS.md §6.3)",
			args:  []string{"axdr", "02 02 0F FD 16 1E"},
			check: func(m map[string]any) bool { return len(m) > 0 },
		},
		{
			name:  "apdu GET request (PROTOCOLS.md §5.3)",
			args:  []string{"apdu", "C0 01 C1 0001 00002B0100FF 02 00"},
			check: func(m map[string]any) bool { return m["tag"] == "C0" },
		},
		{
			name: "apdu glo-GET deciphered (PROTOCOLS.md §8.2)",
			args: []string{"--key", "000102030405060708090A0B0C0D0E0F", "--auth-key", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", "--system-title", "4D4D4D0000BC614E",
				"apdu", "C8 1E 30 01234567 411312FF935A47566827C467BC 7D825C3BE4A77C3FCC056B6B"},
			check: func(m map[string]any) bool {
				inner, ok := m["inner"].(map[string]any)
				return ok && inner["tag"] == "C0"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := smetsctl(t, append([]string{"decode"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("decode %v = %d: %s", tt.args, code, errOut)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("decode %v printed %q: %v", tt.args, out, err)
			}
			if !tt.check(m) {
				t.Errorf("decode %v = %s", tt.args, out)
			}
		})
	}
}

// TestDecodeGBCSConformance decodes one RTDS message of the shared
// conformance set (read at test time, never copied here) through the CLI.
func TestDecodeGBCSConformance(t *testing.T) {
	path := conformance.Path(t, "gb/gbcs/messages/CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX")
	code, out, errOut := smetsctl(t, "decode", "gbcs", path)
	if code != 0 {
		t.Fatalf("decode gbcs = %d: %s", code, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("decode gbcs printed %q: %v", out, err)
	}
	if m["useCase"] != "CCS01" || m["messageCode"] != "0x0001" {
		t.Errorf("decode gbcs: useCase %v, messageCode %v; want CCS01, 0x0001", m["useCase"], m["messageCode"])
	}
}

func TestDecodeRejectsBadFrame(t *testing.T) {
	// The SNRM of PROTOCOLS.md §9.2 with its FCS damaged.
	code, _, errOut := smetsctl(t, "decode", "hdlc", "7E A0 07 03 21 93 0F 02 7E")
	if code != 1 || !strings.Contains(errOut, "decode hdlc") {
		t.Errorf("decode of a bad frame = %d, %q; want 1 and an error", code, errOut)
	}
}

func TestDUISBuildValidateFormat(t *testing.T) {
	code, xml, errOut := smetsctl(t, "duis", "build", "8.11",
		"--field", "originator=90-B3-D5-1F-30-01-00-00", "--field", "target=00-DB-12-34-56-78-90-A2", "--field", "counter=1002",
		"--field", "DeviceID=00-db-12-34-56-78-90-a0", "--field", "RequestType=Add",
		"--field", "JoinTimePeriod=90", "--field", "InstallCode=30313233343536373839414243444546")
	if code != 0 || !strings.Contains(xml, "<sr:UpdateHANDeviceLog>") || !strings.Contains(xml, "00-DB-12-34-56-78-90-A0") {
		t.Fatalf("duis build = %d, %q, %s", code, xml, errOut)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.xml")
	os.WriteFile(good, []byte(xml), 0o644)
	if code, out, _ := smetsctl(t, "duis", "validate", good); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("duis validate good = %d, %q", code, out)
	}
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte(strings.Replace(xml, ">90<", ">7200<", 1)), 0o644)
	code, out, _ := smetsctl(t, "duis", "validate", bad)
	if code != 1 || !strings.Contains(out, "JoinTimePeriod") {
		t.Errorf("duis validate with JoinTimePeriod 7200 = %d, %q; want 1 and the element named", code, out)
	}
	if code, out, _ := smetsctl(t, "duis", "format", good); code != 0 || out != xml {
		t.Errorf("duis format of canonical output = %d, changed it:\n%s", code, out)
	}
	if code, out, _ := smetsctl(t, "duis", "build", "8.11", "--list"); code != 0 || !strings.Contains(out, "InstallCode") {
		t.Errorf("duis build --list = %d, %q", code, out)
	}
	if code, _, _ := smetsctl(t, "duis", "build", "99.99"); code != 1 {
		t.Errorf("duis build of an unknown variant = %d, want 1", code)
	}
	code, out, _ = smetsctl(t, "decode", "duis", good)
	if code != 0 || !strings.Contains(out, "UpdateHANDeviceLog") {
		t.Errorf("decode duis = %d, %q", code, out)
	}
}
