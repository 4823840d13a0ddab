package probe_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/hdlc"
)

// serverAddress returns the server address of a frame between a client
// (1-byte address) and a server: the destination of what a client sends,
// the source of what a server answers; ok is false for frames that do not
// say which end is which (UI pushes, or both 1-byte and neither SNRM, DISC,
// UA nor DM).
func serverAddress(f hdlc.Frame) (hdlc.Address, bool) {
	switch k := f.Control.Kind(); {
	case k == hdlc.KindUI:
		return hdlc.Address{}, false
	case f.Src.Size == 1 && f.Dst.Size > 1:
		return f.Dst, true
	case f.Dst.Size == 1 && f.Src.Size > 1:
		return f.Src, true
	case f.Src.Size == 1 && f.Dst.Size == 1 && (k == hdlc.KindSNRM || k == hdlc.KindDISC):
		return f.Dst, true
	case f.Src.Size == 1 && f.Dst.Size == 1 && (k == hdlc.KindUA || k == hdlc.KindDM):
		return f.Src, true
	}
	return hdlc.Address{}, false
}

// TestConnectorReachesConformanceAddresses takes every server address
// the conformance HDLC frames carry (and the HDLC frames of the interop
// captures) (1, 2 and 4 bytes: 1/17 in 4 bytes
// from jDLMS, 1/0 in 2 bytes from a Kamstrup answer, 17/5481, ...) and
// reads the simulated meter at it through probe.Connector over the HDLC
// link code: the SNRM sent must carry the address exactly as the vector
// does (IEC 62056-46 §6.4.2.2). It counts the addresses whose size the
// numbers alone would not give.
func TestConnectorReachesConformanceAddresses(t *testing.T) {
	type seen struct {
		addr hdlc.Address
		id   string
	}
	var addrs []seen
	have := map[hdlc.Address]bool{}
	frames := 0
	var vectors []conformance.Vector
	for _, file := range []string{"dlms/hdlc_frames.json", "dlms/interop_captures_local.json"} {
		vectors = append(vectors, conformance.Vectors(t, file)...)
	}
	for _, v := range vectors {
		b, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatalf("%s: %v", v.ID, err)
		}
		f, err := hdlc.DecodeFrame(b)
		if err != nil {
			continue // the frame codec's own conformance test covers these
		}
		frames++
		a, ok := serverAddress(f)
		if !ok || have[a] {
			continue
		}
		have[a] = true
		addrs = append(addrs, seen{a, v.ID})
	}
	if len(addrs) < 5 {
		t.Fatalf("%d server addresses in %d frames; want the 1-, 2- and 4-byte forms", len(addrs), frames)
	}
	explicit := 0
	for _, s := range addrs {
		a := probe.Address{Logical: int(s.addr.Upper), Physical: int(s.addr.Lower), Size: s.addr.Size}
		if diagnose.AddressSize(a.Logical, a.Physical, 0) != a.Size {
			explicit++
		}
		t.Run(fmt.Sprintf("%s %s", s.id, a), func(t *testing.T) {
			st := probe.Settings{Protocol: probe.DirectHDLC, Baud: 9600, Address: &a}
			if err := st.Validate(); err != nil {
				t.Fatalf("Validate(%v): %v", a, err)
			}
			synctest.Test(t, func(t *testing.T) {
				seenSNRM := make(chan hdlc.Address, 1)
				port := serveHDLCMeter(t, hdlc.Config{ServerLogical: a.Logical, ServerPhysical: a.Physical, ServerAddressSize: a.Size}, seenSNRM)
				open := func(string) (probe.ClosingPort, error) { return keptOpen{port, new(int)}, nil }
				id, _, l := readIdentity(t, context.Background(), probe.Connector(open, "sim", st), st)
				if id == nil || id.Serial == "" {
					t.Errorf("Identity = %+v", id)
				}
				if got := snrmAddress(t, l); got != s.addr {
					t.Errorf("SNRM to %+v, want %+v as in %s", got, s.addr, s.id)
				}
			})
		})
	}
	t.Logf("%d server addresses from %d conformance frames reached; %d need the explicit size", len(addrs), frames, explicit)
}
