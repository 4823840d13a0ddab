package dlms

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/cosem"
)

// Provenance: GBCS RTDS message CCS02 (command and error response), payload
// after the GBCS header, re-typed as the facts they state: one ACTION on
// class 104 0.0.30.3.0.255 method 2 with an octet-string(8) parameter.
var accessTable = []struct {
	name string
	in   []byte
	want APDU
}{
	{
		name: "request action",
		in:   mustHex(nil, "D9 20000517 00 01 03 0068 00001E0300FF 02 01 09 08 00DB1234567890A0"),
		want: &AccessRequest{LongInvokeID: 0x20000517,
			Specs: []AccessRequestSpec{{Kind: AccessAction, Method: MethodDescriptor{Class: 104, Instance: [6]byte{0, 0, 30, 3, 0, 255}, Method: 2}}},
			Data:  []Data{mustHex(nil, "09 08 00DB1234567890A0")}},
	},
	{
		name: "response action failed",
		in:   mustHex(nil, "DA 20000517 00 00 01 00 01 03 01"),
		want: &AccessResponse{LongInvokeID: 0x20000517, Data: []Data{{0}},
			Results: []AccessResponseSpec{{Kind: AccessAction, Result: 1}}},
	},
	{
		name: "request get with selection and date-time",
		in: mustHex(nil, "D9 00000001 0C 07EA0B1C06000000FF800000 01 04 0007 0000636200FF 02 02 "+
			"02 04 06 00000001 06 00000000 12 0001 12 0000 01 00"),
		want: &AccessRequest{LongInvokeID: 1, DateTime: mustHex(nil, "07EA0B1C06000000FF800000"),
			Specs: []AccessRequestSpec{{Kind: AccessGetWithSelection,
				Attribute: AttributeDescriptor{Class: 7, Instance: [6]byte{0, 0, 99, 98, 0, 255}, Attribute: 2},
				Access:    EntryAccess(cosem.EntryDescriptor{FromEntry: 1, FromValue: 1})}},
			Data: []Data{{0}}},
	},
}

func TestAccessTable(t *testing.T) {
	for _, tc := range accessTable {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Decode(tc.in)
			if err != nil {
				t.Fatalf("Decode(%x) = %v", tc.in, err)
			}
			got, _ := Encode(a)
			want, _ := Encode(tc.want)
			if !bytes.Equal(got, tc.in) || !bytes.Equal(want, tc.in) {
				t.Errorf("Decode(%x) = %+v, want %+v", tc.in, a, tc.want)
			}
		})
	}
}

// gbcsPayloads returns the DLMS payloads of the GBCS RTDS messages, located
// with header-decodes.txt (content length and first payload bytes).
func gbcsPayloads(t *testing.T) map[string][]byte {
	t.Helper()
	dir := conformance.Path(t, "gb/gbcs")
	f, err := os.Open(filepath.Join(dir, "header-decodes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	var name, first string
	var length int
	flush := func() {
		if name == "" || first == "" || length == 0 {
			return
		}
		raw, err := os.ReadFile(filepath.Join(dir, "messages", name))
		if err != nil {
			t.Fatal(err)
		}
		msg, err := hex.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fb, _ := hex.DecodeString(first)
		if i := bytes.Index(msg, fb); i >= 0 && i+length <= len(msg) {
			out[name] = msg[i : i+length]
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "== "):
			flush()
			name, first, length = strings.Fields(line)[1], "", 0
		case strings.Contains(line, "content length :"):
			length, _ = strconv.Atoi(strings.TrimSpace(line[strings.Index(line, ":")+1:]))
		case strings.Contains(line, "payload first bytes :"):
			first = strings.TrimSpace(line[strings.Index(line, ":")+1:])
		case strings.Contains(line, "payload kind :"):
			if !strings.Contains(line, "DLMS") {
				first = ""
			}
		}
	}
	flush()
	return out
}

func TestConformanceGBCSAccess(t *testing.T) {
	payloads := gbcsPayloads(t)
	pass, total := 0, 0
	for name, p := range payloads {
		total++
		a, err := Decode(p)
		if err != nil {
			t.Errorf("%s: Decode(%X) = %v", name, p, err)
			continue
		}
		switch a.(type) {
		case *AccessRequest, *AccessResponse, *DataNotification:
		default:
			t.Errorf("%s: decoded %s", name, Name(a))
			continue
		}
		enc, _ := Encode(a)
		if !bytes.Equal(enc, p) {
			t.Errorf("%s: Encode(Decode(%X)) = %X", name, p, enc)
			continue
		}
		pass++
	}
	if total == 0 {
		t.Fatal("no DLMS payloads found in the GBCS messages")
	}
	t.Logf("GBCS DLMS payloads: %d/%d decode and re-encode", pass, total)
}
