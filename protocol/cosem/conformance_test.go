package cosem

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/axdr"
)

func vectorMap(t *testing.T, file string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, v := range conformance.Vectors(t, file) {
		b, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatalf("%s: %v", v.ID, err)
		}
		out[v.ID] = b
	}
	return out
}

// TestConformanceObjectList reassembles the object_list of the Gurux
// example server from the nine GET-Response-With-Datablock APDUs of the
// wrapper capture (CAP local-wrapper-08…24, PROTOCOLS.md §5.7 and §9.4) and
// decodes it.
func TestConformanceObjectList(t *testing.T) {
	vs := vectorMap(t, "dlms/interop_captures_local.json")
	var raw []byte
	for i := 8; i <= 24; i += 2 {
		frame := vs["local-wrapper-"+twoDigits(i)]
		if len(frame) < 8 {
			t.Fatalf("local-wrapper-%02d missing", i)
		}
		apdu := frame[8:] // wrapper header: version, source, destination, length
		// C4 02 iip last(1) block(4) 00 raw-data(A-XDR length + bytes)
		if apdu[0] != 0xC4 || apdu[1] != 0x02 || apdu[8] != 0x00 {
			t.Fatalf("local-wrapper-%02d is not a data block: %x", i, apdu[:9])
		}
		n, size, err := axdr.ReadLength(apdu[9:])
		if err != nil || 9+size+n != len(apdu) {
			t.Fatalf("local-wrapper-%02d raw-data length %d/%d: %v", i, n, len(apdu), err)
		}
		raw = append(raw, apdu[9+size:]...)
		if last := apdu[3] == 1; last != (i == 24) {
			t.Fatalf("local-wrapper-%02d last-block = %v", i, last)
		}
	}
	list, n, err := ReadObjectList(raw)
	if err != nil || n != len(raw) {
		t.Fatalf("ReadObjectList: %d of %d bytes, %v", n, len(raw), err)
	}
	byName := map[OBIS]ObjectListElement{}
	named := 0
	for _, e := range list {
		byName[e.LogicalName] = e
		if e.LogicalName.Name() != "" {
			named++
		}
	}
	for obis, class := range map[string]ClassID{
		"0.0.40.0.0.255": ClassAssociationLN, "0.0.1.0.0.255": ClassClock, "0.0.42.0.0.255": ClassData,
	} {
		e, ok := byName[MustOBIS(obis)]
		if !ok || e.Class != class {
			t.Errorf("object list lacks %s class %d (got %v)", obis, class, e)
		}
	}
	if e := byName[MustOBIS("0.0.1.0.0.255")]; len(e.Attributes) != 9 {
		t.Errorf("clock has %d attribute access items, want 9", len(e.Attributes))
	}
	// re-encoding the decoded tree gives the reassembled bytes back
	v, _, _ := axdr.Decode(raw)
	if enc, err := axdr.Encode(v); err != nil || !bytes.Equal(enc, raw) {
		t.Errorf("object_list does not re-encode to its bytes: %v", err)
	}
	t.Logf("object_list of %d bytes from 9 blocks: %d objects, %d with a known OBIS name", len(raw), len(list), named)
}

func twoDigits(i int) string {
	return string([]byte{byte('0' + i/10), byte('0' + i%10)})
}

// TestConformanceCaptureGets decodes the logical device name and the clock
// of the same capture; the clock reply carries 18 trailing bytes
// (PROTOCOLS.md §11.5) that must be reported, not decoded.
func TestConformanceCaptureGets(t *testing.T) {
	vs := vectorMap(t, "dlms/interop_captures_local.json")
	ldn := vs["local-wrapper-04"][8:] // C4 01 C1 00 <Data>
	v, n, err := axdr.Decode(ldn[4:])
	if err != nil || n != len(ldn)-4 || v.Text() != "GRX0000000123456" {
		t.Errorf("LDN = %v, %v", v, err)
	}
	clock := vs["local-wrapper-06"][8:]
	v, n, err = axdr.Decode(clock[4:])
	if err != nil {
		t.Fatal(err)
	}
	if surplus := len(clock) - 4 - n; surplus != 18 {
		t.Errorf("clock reply surplus %d bytes, want 18", surplus)
	}
	var c Clock
	if err := c.SetAttribute(2, v); err != nil || c.Time.Year < 2020 {
		t.Errorf("Clock.time = %v, %v", c.Time, err)
	}
}

// TestConformanceDescriptors reads the descriptors of the GET, SET and
// ACTION request vectors of apdu_xdlms.json and names them.
func TestConformanceDescriptors(t *testing.T) {
	vs := vectorMap(t, "dlms/apdu_xdlms.json")
	want := map[string]string{
		"get-request-normal":          "Data 0-0:43.1.0*255 attribute 2 (value)",
		"set-request-normal-clock":    "Clock 0-0:1.0.0*255 attribute 2 (time)",
		"get-request-profile-range-1": "Profile generic 1-0:99.1.0*255 attribute 2 (buffer)",
	}
	for id, s := range want {
		d, err := ParseAttributeDescriptor(vs[id][3:])
		if err != nil || d.String() != s {
			t.Errorf("%s: descriptor %v, %v, want %s", id, d, err, s)
		}
	}
	for _, id := range []string{"action-request-hls-reply", "action-request-no-params", "action-request-kaifa"} {
		m, err := ParseMethodDescriptor(vs[id][3:])
		if err != nil || m.String() != "Association LN 0-0:40.0.0*255 method 1 (reply_to_HLS_authentication)" {
			t.Errorf("%s: %v, %v", id, m, err)
		}
	}
}

// TestConformanceSelectiveAccess decodes the range and entry descriptors of
// apdu_xdlms.json and checks the typed descriptors re-encode them.
func TestConformanceSelectiveAccess(t *testing.T) {
	vs := vectorMap(t, "dlms/apdu_xdlms.json")
	pass := 0
	for id, b := range vs {
		var sel byte
		var params []byte
		switch {
		case strings.HasPrefix(id, "get-request-profile-range"):
			// C0 01 iip, descriptor (9), 01 present, selector
			if b[12] != 0x01 {
				t.Fatalf("%s: no access selection", id)
			}
			sel, params = b[13], b[14:]
		case strings.HasPrefix(id, "selective-access-"):
			sel, params = b[0], b[1:]
		default:
			continue
		}
		v, n, err := axdr.Decode(params)
		if err != nil || n != len(params) {
			t.Errorf("%s: decode parameters: %d of %d, %v", id, n, len(params), err)
			continue
		}
		var again axdr.Value
		switch sel {
		case SelectorRange:
			d, err := ParseRangeDescriptor(v)
			if err != nil {
				t.Errorf("%s: %v", id, err)
				continue
			}
			if d.Restricting != ClockRestriction {
				t.Errorf("%s: restricting object %v", id, d.Restricting)
			}
			again = d.Value()
		case SelectorEntry:
			d, err := ParseEntryDescriptor(v)
			if err != nil {
				t.Errorf("%s: %v", id, err)
				continue
			}
			again = d.Value()
		default:
			t.Errorf("%s: selector %d", id, sel)
			continue
		}
		enc, err := axdr.Encode(again)
		if err != nil || !bytes.Equal(enc, params) {
			t.Errorf("%s: re-encoded %x, want %x", id, enc, params)
			continue
		}
		pass++
	}
	if pass != 5 {
		t.Errorf("%d selective-access vectors pass, want 5", pass)
	}
}
