package hdlc

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// expectedDecode is the subset of a vector's "decode" object that this
// layer checks; pointer fields are absent in some vectors.
type expectedDecode struct {
	Length         *int    `json:"length"`
	Segmented      *bool   `json:"segmented"`
	Dst            *string `json:"dst"`
	Src            *string `json:"src"`
	DstDecoded     []int   `json:"dst_decoded"`
	SrcDecoded     []int   `json:"src_decoded"`
	Control        *string `json:"control"`
	ControlDecoded *string `json:"control_decoded"`
	Info           *string `json:"info"`
	LLC            *string `json:"llc"`
	APDU           *string `json:"apdu"`
	Params         *Params `json:"params"`
}

func TestConformanceFrames(t *testing.T) {
	vs := conformance.Vectors(t, "dlms/hdlc_frames.json")
	pass := checkVectors(t, vs, true)
	t.Logf("hdlc_frames.json: %d of %d vectors pass", pass, len(vs))
}

func TestConformanceCaptures(t *testing.T) {
	var hdlc []conformance.Vector
	for _, v := range conformance.Vectors(t, "dlms/interop_captures_local.json") {
		if strings.HasPrefix(v.Hex, "7E") && bytes.Contains(v.Decode, []byte(`"control_decoded"`)) {
			hdlc = append(hdlc, v)
		}
	}
	if len(hdlc) == 0 {
		t.Fatal("no HDLC frames in interop_captures_local.json")
	}
	pass := checkVectors(t, hdlc, false)
	t.Logf("interop_captures_local.json: %d of %d HDLC frames pass", pass, len(hdlc))
}

// checkVectors decodes every vector, compares the decode it records and
// re-encodes the frame. strictLLC also fails on an LLC or APDU the vector
// does not record.
func checkVectors(t *testing.T, vs []conformance.Vector, strictLLC bool) (pass int) {
	t.Helper()
	for _, v := range vs {
		b, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Errorf("%s: bad hex: %v", v.ID, err)
			continue
		}
		var want expectedDecode
		if err := json.Unmarshal(v.Decode, &want); err != nil {
			t.Errorf("%s: decode: %v", v.ID, err)
			continue
		}
		got, err := Inspect(b)
		if err != nil {
			t.Errorf("%s: Inspect(%x) error %v", v.ID, b, err)
			continue
		}
		ok := true
		fail := func(field string, g, w any) {
			ok = false
			t.Errorf("%s: Inspect(%x).%s = %v, want %v", v.ID, b, field, g, w)
		}
		eqHex := func(field, g string, w *string) {
			if w != nil && !strings.EqualFold(g, *w) {
				fail(field, g, *w)
			}
		}
		if want.Length != nil && got.Length != *want.Length {
			fail("Length", got.Length, *want.Length)
		}
		if want.Segmented != nil && got.Segmented != *want.Segmented {
			fail("Segmented", got.Segmented, *want.Segmented)
		}
		eqHex("Dst", got.Dst, want.Dst)
		eqHex("Src", got.Src, want.Src)
		eqHex("Control", got.Control, want.Control)
		eqHex("Info", got.Info, want.Info)
		eqHex("LLC", got.LLC, want.LLC)
		eqHex("APDU", got.APDU, want.APDU)
		if want.DstDecoded != nil && !reflect.DeepEqual(got.DstDecoded, want.DstDecoded) {
			fail("DstDecoded", got.DstDecoded, want.DstDecoded)
		}
		if want.SrcDecoded != nil && !reflect.DeepEqual(got.SrcDecoded, want.SrcDecoded) {
			fail("SrcDecoded", got.SrcDecoded, want.SrcDecoded)
		}
		if want.ControlDecoded != nil && got.ControlDecoded != *want.ControlDecoded {
			fail("ControlDecoded", got.ControlDecoded, *want.ControlDecoded)
		}
		if want.Params != nil && (got.Params == nil || *got.Params != *want.Params) {
			fail("Params", got.Params, *want.Params)
		}
		if strictLLC && want.APDU == nil && got.APDU != "" {
			fail("APDU", got.APDU, "none")
		}
		f, _ := DecodeFrame(b)
		if enc, err := f.MarshalBinary(); err != nil || !bytes.Equal(enc, b) {
			fail("re-encoding", hex.EncodeToString(enc), v.Hex)
		}
		if ok {
			pass++
		}
	}
	return pass
}

// TestConformanceStream feeds every frame of the capture through one Framer,
// with garbage between frames, and expects each frame back in order.
func TestConformanceStream(t *testing.T) {
	var stream []byte
	var want [][]byte
	for _, v := range conformance.Vectors(t, "dlms/interop_captures_local.json") {
		if !strings.HasPrefix(v.Hex, "7E") || !bytes.Contains(v.Decode, []byte(`"control_decoded"`)) {
			continue
		}
		b, _ := hex.DecodeString(v.Hex)
		want = append(want, b)
		stream = append(stream, 0x7E, 0xA0, 0x00, 0x55)
		stream = append(stream, b...)
	}
	fr := NewFramer(bytes.NewReader(stream))
	for i, w := range want {
		f, err := fr.Next()
		if err != nil {
			t.Fatalf("frame %d: Next error %v", i, err)
		}
		enc, _ := f.MarshalBinary()
		if !bytes.Equal(enc, w) {
			t.Fatalf("frame %d = %x, want %x", i, enc, w)
		}
	}
}
