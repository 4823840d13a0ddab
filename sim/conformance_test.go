package sim_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

// capture returns the vectors of interop_captures_local.json whose id
// starts with prefix, in order.
func capture(t *testing.T, prefix string) []conformance.Vector {
	var out []conformance.Vector
	for _, v := range conformance.Vectors(t, "dlms/interop_captures_local.json") {
		if strings.HasPrefix(v.ID, prefix) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s vectors", prefix)
	}
	return out
}

// reader cuts what the simulator sends into IEC 62056-21 lines and HDLC
// frames.
type reader struct {
	t   *testing.T
	p   *sim.End
	buf []byte
}

func (r *reader) fill() {
	var b [256]byte
	r.p.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := r.p.Read(b[:])
	if err != nil {
		r.t.Fatalf("read from the simulator: %v (have %x)", err, r.buf)
	}
	r.buf = append(r.buf, b[:n]...)
}

func (r *reader) line() []byte {
	for {
		if i := bytes.IndexByte(r.buf, '\n'); i >= 0 {
			l := r.buf[:i+1]
			r.buf = r.buf[i+1:]
			return l
		}
		r.fill()
	}
}

func (r *reader) frame() []byte {
	for {
		if len(r.buf) >= 3 && r.buf[0] == hdlc.Flag {
			n := int(r.buf[1]&0x07)<<8 | int(r.buf[2])
			if len(r.buf) >= n+2 {
				f := r.buf[:n+2]
				r.buf = r.buf[n+2:]
				return f
			}
		} else if len(r.buf) > 0 {
			r.buf = r.buf[1:]
			continue
		}
		r.fill()
	}
}

// sameResponse compares the simulator's answer with the captured answer
// of the Gurux example server: the same kind of message, the same HDLC
// control field and addresses, the same parameters in UA, and the same
// APDU type and result; the values themselves (names, times) differ.
func sameResponse(t *testing.T, id string, want, got []byte) bool {
	t.Helper()
	if want[0] != hdlc.Flag {
		switch {
		case want[0] == '/':
			w, err1 := iec62056.ParseIdentification(want)
			g, err2 := iec62056.ParseIdentification(got)
			if err1 != nil || err2 != nil || g.Baud != w.Baud {
				t.Errorf("%s: identification %q, captured %q", id, got, want)
				return false
			}
		case !bytes.Equal(got, want):
			t.Errorf("%s: %q, captured %q", id, got, want)
			return false
		}
		return true
	}
	w, err1 := hdlc.Inspect(want)
	g, err2 := hdlc.Inspect(got)
	if err1 != nil || err2 != nil {
		t.Errorf("%s: frame %x: %v / %v", id, got, err1, err2)
		return false
	}
	if g.ControlDecoded != w.ControlDecoded || g.Dst != w.Dst || g.Src != w.Src {
		t.Errorf("%s: %s %s→%s, captured %s %s→%s", id, g.ControlDecoded, g.Src, g.Dst, w.ControlDecoded, w.Src, w.Dst)
		return false
	}
	if (w.Params == nil) != (g.Params == nil) || w.Params != nil && *w.Params != *g.Params {
		t.Errorf("%s: UA parameters %+v, captured %+v", id, g.Params, w.Params)
		return false
	}
	if w.APDU == "" {
		return true
	}
	wa, _ := hex.DecodeString(w.APDU)
	ga, _ := hex.DecodeString(g.APDU)
	wd, _ := dlms.Decode(wa)
	gd, err := dlms.Decode(ga)
	if err != nil || wd == nil || dlms.Name(gd) != dlms.Name(wd) {
		t.Errorf("%s: APDU %x (%v), captured %s", id, ga, err, w.APDU)
		return false
	}
	switch w := wd.(type) {
	case *dlms.AARE:
		if g := gd.(*dlms.AARE); g.Result != w.Result || g.Diagnostic != w.Diagnostic {
			t.Errorf("%s: AARE result %d/%d, captured %d/%d", id, g.Result, g.Diagnostic, w.Result, w.Diagnostic)
			return false
		}
	case *dlms.GetResponseNormal:
		g := gd.(*dlms.GetResponseNormal)
		if g.InvokeID != w.InvokeID || g.Result.Result != w.Result.Result || len(g.Result.Data) == 0 || g.Result.Data[0] != w.Result.Data[0] {
			t.Errorf("%s: GET response %+v, captured %+v", id, g, w)
			return false
		}
	}
	return true
}

// TestInteropCaptureModeE replays the Gurux client's side of the captured
// mode E session (IEC 62056-21 hand-over, SNRM, AARQ, GET name and clock,
// RLRQ, DISC) to the simulated meter and checks every answer against the
// Gurux example server's.
func TestInteropCaptureModeE(t *testing.T) {
	vs := capture(t, "local-modee-")
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		probe := optical(t, m, sim.LineConfig{})
		r := &reader{t: t, p: probe}
		pass := 0
		for i := 0; i+1 < len(vs); i += 2 {
			req, want := unhex(t, vs[i].Hex), unhex(t, vs[i+1].Hex)
			if _, err := probe.Write(req); err != nil {
				t.Fatal(err)
			}
			var got []byte
			if want[0] == hdlc.Flag {
				got = r.frame()
			} else {
				got = r.line()
			}
			if sameResponse(t, vs[i+1].ID, want, got) {
				pass += 2
			}
			if bytes.HasPrefix(req, []byte{0x06, '2'}) {
				// Both sides switch to 8N1 at the agreed speed.
				probe.SetLine(9600, "8N1")
			}
		}
		t.Logf("%d/%d mode E capture vectors answered like the Gurux server", pass, len(vs))
	})
}

// TestInteropCaptureHDLC replays the opening of the captured HDLC session
// (SNRM, AARQ, GET name, GET clock) to the simulated hub, which speaks
// HDLC directly like the Gurux server did. The rest of the capture reads
// the Gurux server's own object list block by block and cannot be
// replayed against other objects.
func TestInteropCaptureHDLC(t *testing.T) {
	vs := capture(t, "local-hdlc-")[:8]
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil, sim.HubConfig{})
		probe, port := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
		ctx, cancel := contextWithCancel()
		done := make(chan error, 1)
		go func() { done <- h.ServeSerial(ctx, port) }()
		r := &reader{t: t, p: probe}
		pass := 0
		for i := 0; i+1 < len(vs); i += 2 {
			if _, err := probe.Write(unhex(t, vs[i].Hex)); err != nil {
				t.Fatal(err)
			}
			if sameResponse(t, vs[i+1].ID, unhex(t, vs[i+1].Hex), r.frame()) {
				pass += 2
			}
		}
		t.Logf("%d/%d HDLC capture vectors answered like the Gurux server", pass, len(vs))
		cancel()
		probe.Close()
		if err := <-done; err != nil {
			t.Errorf("ServeSerial: %v", err)
		}
	})
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("vector hex: %v", err)
	}
	return b
}
