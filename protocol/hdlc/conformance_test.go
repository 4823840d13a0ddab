package hdlc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

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

// TestConformanceReplayClient runs a client link against the server frames
// of the local captures (Gurux client ↔ Gurux server, PROTOCOLS.md §9.2 and
// §9.3) and expects every frame the client sends (SNRM, I-frames, RR polls
// of the segmented GET responses, DISC) to equal the captured client frame
// byte for byte.
func TestConformanceReplayClient(t *testing.T) {
	vs := conformance.Vectors(t, "dlms/interop_captures_local.json")
	for _, prefix := range []string{"local-hdlc-", "local-modee-"} {
		t.Run(strings.TrimSuffix(prefix, "-"), func(t *testing.T) {
			type step struct {
				id     string
				client bool
				raw    []byte
				frame  Frame
			}
			var steps []step
			for _, v := range vs {
				if !strings.HasPrefix(v.ID, prefix) || !strings.HasPrefix(v.Hex, "7E") {
					continue
				}
				raw, _ := hex.DecodeString(v.Hex)
				f, err := DecodeFrame(raw)
				if err != nil {
					t.Fatalf("%s: %v", v.ID, err)
				}
				steps = append(steps, step{v.ID, bytes.Contains(v.Decode, []byte(`"client->server"`)), raw, f})
			}
			// The APDUs the client sends and the responses the server's
			// I-frames reassemble to.
			var reqs, resps [][]byte
			for i, s := range steps {
				if !s.client || s.frame.Control.Kind() != KindI {
					continue
				}
				reqs = append(reqs, s.frame.Info[3:])
				var resp []byte
				for _, r := range steps[i+1:] {
					if r.client && r.frame.Control.Kind() == KindI {
						break
					}
					if !r.client && r.frame.Control.Kind() == KindI {
						resp = append(resp, r.frame.Info...)
					}
				}
				resps = append(resps, resp[3:])
			}
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			done := make(chan error, 1)
			go func() {
				fr := NewFramer(b)
				for i := 0; i < len(steps); {
					if _, err := fr.Next(); err != nil {
						done <- fmt.Errorf("before %s: read: %v", steps[i].id, err)
						return
					}
					if got := fr.Raw(); !bytes.Equal(got, steps[i].raw) {
						done <- fmt.Errorf("%s: client sent %X, capture has %X", steps[i].id, got, steps[i].raw)
						return
					}
					for i++; i < len(steps) && !steps[i].client; i++ {
						if _, err := b.Write(steps[i].raw); err != nil {
							done <- err
							return
						}
					}
				}
				done <- nil
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			l, err := Dial(ctx, a, Config{ClientSAP: 16, ServerLogical: 1})
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			for i, req := range reqs {
				if err := l.Send(ctx, req); err != nil {
					t.Fatalf("Send request %d: %v", i, err)
				}
				got, err := l.Receive(ctx)
				if err != nil {
					t.Fatalf("Receive response %d: %v", i, err)
				}
				if !bytes.Equal(got, resps[i]) {
					t.Fatalf("response %d = %X, want %X", i, got, resps[i])
				}
			}
			if err := l.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			t.Logf("%d frames replayed byte for byte, %d request/response pairs", len(steps), len(reqs))
		})
	}
}

// TestConformanceReplayServer feeds the client frames of the mode E capture
// (PROTOCOLS.md §9.2: SNRM, AARQ, two GETs, RLRQ, DISC) to a server link that
// answers with the captured APDUs, and expects every server frame (UA, the
// I-frames, the UA to DISC) to equal the capture byte for byte.
func TestConformanceReplayServer(t *testing.T) {
	var steps []conformance.Vector
	for _, v := range conformance.Vectors(t, "dlms/interop_captures_local.json") {
		if strings.HasPrefix(v.ID, "local-modee-") && strings.HasPrefix(v.Hex, "7E") {
			steps = append(steps, v)
		}
	}
	raw := func(v conformance.Vector) []byte { b, _ := hex.DecodeString(v.Hex); return b }
	isClient := func(v conformance.Vector) bool { return bytes.Contains(v.Decode, []byte(`"client->server"`)) }
	var resps [][]byte
	for _, v := range steps {
		if f, _ := DecodeFrame(raw(v)); !isClient(v) && f.Control.Kind() == KindI {
			resps = append(resps, bytes.Clone(f.Info[3:]))
		}
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		l, err := Accept(ctx, b, Config{ServerLogical: 1})
		if err != nil {
			done <- err
			return
		}
		for _, resp := range resps {
			if _, err := l.Receive(ctx); err != nil {
				done <- err
				return
			}
			if err := l.Send(ctx, resp); err != nil {
				done <- err
				return
			}
		}
		_, err = l.Receive(ctx) // DISC
		done <- err
	}()
	fr := NewFramer(a)
	for _, v := range steps {
		if isClient(v) {
			if _, err := a.Write(raw(v)); err != nil {
				t.Fatalf("%s: write: %v", v.ID, err)
			}
			continue
		}
		if _, err := fr.Next(); err != nil {
			t.Fatalf("%s: read: %v", v.ID, err)
		}
		if got := fr.Raw(); !bytes.Equal(got, raw(v)) {
			t.Fatalf("%s: server sent %X, capture has %X", v.ID, got, raw(v))
		}
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("server Receive after DISC = %v, want %v", err, ErrClosed)
	}
}
