package dlms

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
)

// addConformanceSeeds adds the shared vectors to the fuzz corpus when the
// folder is present (they are read, never copied into the repository).
func addConformanceSeeds(f *testing.F, files ...string) {
	if _, ok := conformance.Find(); !ok {
		return
	}
	for _, file := range files {
		for _, v := range conformance.Vectors(f, file) {
			if b, err := hex.DecodeString(v.Hex); err == nil {
				f.Add(b)
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, tc := range apduTable {
		f.Add(tc.in)
	}
	for _, tc := range accessTable {
		f.Add(tc.in)
	}
	addConformanceSeeds(f, "dlms/apdu_acse.json", "dlms/apdu_xdlms.json", "dlms/security.json")
	opts := ExplainOptions{Keys: testKeys, SystemTitle: serverST}
	f.Fuzz(func(t *testing.T, in []byte) {
		if e, err := Explain(in, opts); err == nil {
			if _, err := json.Marshal(e); err != nil {
				t.Fatalf("json.Marshal(Explain(%x)) = %v", in, err)
			}
		}
		a, n, err := DecodePrefix(in)
		if err != nil {
			return
		}
		if n > len(in) {
			t.Fatalf("DecodePrefix(%x) used %d bytes of %d", in, n, len(in))
		}
		// Round trip: the re-encoding decodes to the same encoding.
		enc, err := Encode(a)
		if err != nil {
			return
		}
		b, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(%x))) = %v (encoding %x)", in, err, enc)
		}
		enc2, _ := Encode(b)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip of %x: %x then %x", in, enc, enc2)
		}
		_ = Name(a)
		if ae, ok := a.(*AARE); ok {
			_ = ae.Err()
		}
	})
}

func FuzzAARE(f *testing.F) {
	f.Add(apduTable[1].in)
	f.Add(mustHex(nil, "6117A109060760857405080101A203020101A305A10302010D"))
	addConformanceSeeds(f, "dlms/apdu_acse.json")
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 || in[0] != TagAARE {
			in = append([]byte{TagAARE, byte(len(in))}, in...)
		}
		a, err := Decode(in)
		if err != nil {
			return
		}
		r, ok := a.(*AARE)
		if !ok {
			t.Fatalf("Decode(%x) = %T", in, a)
		}
		if err := r.Err(); err != nil && !errors.Is(err, ErrRejected) {
			t.Fatalf("AARE.Err() = %v does not wrap ErrRejected", err)
		}
		_ = r.DiagnosticString()
	})
}

func FuzzUnprotect(f *testing.F) {
	keys := Keys{EK: mustHex(nil, "000102030405060708090A0B0C0D0E0F"), AK: mustHex(nil, "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"),
		Dedicated: mustHex(nil, "00112233445566778899AABBCCDDEEFF")}
	title := mustHex(nil, "4D4D4D0000BC614E")
	for _, sc := range []byte{0x10, 0x20, 0x30} {
		for _, ded := range []bool{false, true} {
			c, err := Protect(mustHex(nil, "C0 01 00 0008 0000010000FF 02 00"), sc, keys, title, 0x01234567, ded)
			if err != nil {
				f.Fatal(err)
			}
			b, _ := Encode(c)
			f.Add(b)
		}
	}
	addConformanceSeeds(f, "dlms/security.json")
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := Decode(in)
		if err != nil {
			return
		}
		c, ok := a.(*CipheredAPDU)
		if !ok {
			return
		}
		p, err := c.Unprotect(keys, title)
		if err != nil {
			return
		}
		// What unprotects must protect again to the same payload.
		again, err := Seal(c.SecurityControl, map[bool][]byte{false: keys.EK, true: keys.Dedicated}[isDedicatedTag(c.Tag)],
			keys.AK, firstNonEmpty(c.SystemTitle, title), c.InvocationCounter, p)
		if err != nil || !bytes.Equal(again, c.Payload) {
			t.Fatalf("Seal(Unprotect(%x)) = %x, %v", in, again, err)
		}
	})
}

func FuzzWrapper(f *testing.F) {
	f.Add(WrapperFrame{Source: 16, Destination: 1, APDU: []byte{0xC0, 1, 0xC1}}.Append(nil))
	f.Add(append(WrapperFrame{Source: 1, Destination: 16, APDU: []byte{1}}.Append(nil), 0, 1, 0))
	f.Add([]byte{0, 2, 0, 1, 0, 1, 0, 0})
	addConformanceSeeds(f, "dlms/wrapper.json")
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, n, err := ParseWrapperFrame(in)
		if err == nil {
			if n != WrapperHeaderLen+len(fr.APDU) || !bytes.Equal(fr.Append(nil), in[:n]) {
				t.Fatalf("ParseWrapperFrame(%x) round trip = %x", in, fr.Append(nil))
			}
		}
		// The stream reader must return, whatever the bytes: feed them and close.
		a, b := net.Pipe()
		w := NewWrapperConn(a, 1, 16)
		go func() {
			_, _ = b.Write(in)
			_ = b.Close()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for i := 0; i < len(in)+1; i++ {
			if _, err := w.Receive(ctx); err != nil {
				break
			}
		}
		_ = a.Close()
	})
}

func FuzzSelective(f *testing.F) {
	f.Add([]byte(EntryAccess(cosem.EntryDescriptor{FromEntry: 1, ToEntry: 10, FromValue: 1}).Parameters))
	rd, err := RangeAccess(cosem.RangeDescriptor{Restricting: cosem.ClockRestriction,
		From: axdr.DateTime{Year: 2026, Month: 1, Day: 1}, To: axdr.DateTime{Year: 2026, Month: 2, Day: 1},
		Columns: []cosem.CaptureObject{cosem.ClockRestriction}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(rd.Parameters))
	f.Fuzz(func(t *testing.T, in []byte) {
		if rd, err := ParseRangeAccess(&SelectiveAccess{Selector: cosem.SelectorRange, Parameters: in}); err == nil {
			if got, err := RangeAccess(rd); err != nil || !bytes.Equal(got.Parameters, in) {
				t.Fatalf("range round trip %x -> %x, %v", in, got.Parameters, err)
			}
		}
		if ed, err := ParseEntryAccess(&SelectiveAccess{Selector: cosem.SelectorEntry, Parameters: in}); err == nil {
			if got := EntryAccess(ed); !bytes.Equal(got.Parameters, in) {
				t.Fatalf("entry round trip %x -> %x", in, got.Parameters)
			}
		}
	})
}

func FuzzProfileRows(f *testing.F) {
	m := newTestMeter(f, 1)
	buf, _ := m.buffer(EntryAccess(cosem.EntryDescriptor{FromEntry: 1, ToEntry: 3}))
	f.Add([]byte(buf))
	f.Add([]byte{0x01, 0x02, 0x02, 0x02, 0x00, 0x06, 0, 0, 0, 1, 0x02, 0x02, 0x00, 0x06, 0, 0, 0, 2}) // null clock cells
	g := &cosem.ProfileGeneric{CapturePeriod: 1800, Columns: []cosem.Column{{Object: cosem.ClockRestriction},
		{Object: cosem.CaptureObject{Class: 3, LogicalName: energyObis, Attribute: 2}}}}
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, err := ProfileRows(g, in)
		if err == nil && len(rows) > len(in) {
			t.Fatalf("ProfileRows(%x) = %d rows from %d bytes", in, len(rows), len(in))
		}
	})
}
