package hdlc

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// frameTests are worked examples re-typed from PROTOCOLS.md (facts about
// the wire format, not copied test data).
var frameTests = []struct {
	name  string
	frame []byte
	want  Frame
}{
	{
		// PROTOCOLS.md §2.2 worked example: SNRM to server 1/17 from client 16.
		name:  "snrm 2-byte server",
		frame: []byte{0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E},
		want:  Frame{Dst: ServerAddress(1, 17, 2), Src: ClientAddress(16), Control: SNRM},
	},
	{
		// PROTOCOLS.md §9.2: SNRM to server 1 (one byte) from client 16.
		name:  "snrm 1-byte server",
		frame: []byte{0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E},
		want:  Frame{Dst: ServerAddress(1, 0, 1), Src: ClientAddress(16), Control: SNRM},
	},
	{
		// PROTOCOLS.md §9.3: RR N(R)=4 from client 16 to server 1.
		name:  "rr",
		frame: []byte{0x7E, 0xA0, 0x07, 0x03, 0x21, 0x91, 0x1D, 0x22, 0x7E},
		want:  Frame{Dst: ServerAddress(1, 0, 1), Src: ClientAddress(16), Control: RRControl(4, true)},
	},
	{
		// PROTOCOLS.md §9.2: DISC.
		name:  "disc",
		frame: []byte{0x7E, 0xA0, 0x07, 0x03, 0x21, 0x53, 0x03, 0xC7, 0x7E},
		want:  Frame{Dst: ServerAddress(1, 0, 1), Src: ClientAddress(16), Control: DISC},
	},
	{
		// PROTOCOLS.md §9.2: I(GET logical device name), N(S)=1 N(R)=1.
		name: "i get",
		frame: []byte{0x7E, 0xA0, 0x19, 0x03, 0x21, 0x32, 0x6F, 0xD8,
			0xE6, 0xE6, 0x00, 0xC0, 0x01, 0xC1, 0x00, 0x01, 0x00, 0x00, 0x2A, 0x00, 0x00, 0xFF, 0x02, 0x00,
			0x12, 0x80, 0x7E},
		want: Frame{Dst: ServerAddress(1, 0, 1), Src: ClientAddress(16), Control: IControl(1, 1, true),
			Info: []byte{0xE6, 0xE6, 0x00, 0xC0, 0x01, 0xC1, 0x00, 0x01, 0x00, 0x00, 0x2A, 0x00, 0x00, 0xFF, 0x02, 0x00}},
	},
	{
		// PROTOCOLS.md §9.2: UA with parameters 128/128, window 1/1.
		name: "ua params",
		frame: []byte{0x7E, 0xA0, 0x1E, 0x21, 0x03, 0x73, 0xC3, 0x7A,
			0x81, 0x80, 0x12, 0x05, 0x01, 0x80, 0x06, 0x01, 0x80, 0x07, 0x04, 0x00, 0x00, 0x00, 0x01,
			0x08, 0x04, 0x00, 0x00, 0x00, 0x01, 0x53, 0x3B, 0x7E},
		want: Frame{Dst: ClientAddress(16), Src: ServerAddress(1, 0, 1), Control: UA,
			Info: []byte{0x81, 0x80, 0x12, 0x05, 0x01, 0x80, 0x06, 0x01, 0x80, 0x07, 0x04, 0x00, 0x00, 0x00, 0x01,
				0x08, 0x04, 0x00, 0x00, 0x00, 0x01}},
	},
}

func TestFCSCheckValue(t *testing.T) {
	// PROTOCOLS.md §2.2: check value over "123456789" and the HCS example.
	if got := FCS([]byte("123456789")); got != 0x906E {
		t.Errorf("FCS(123456789) = %04X, want 906E", got)
	}
	if got := FCS([]byte{0xA0, 0x2C, 0x02, 0x23, 0x21, 0x10}); got != 0x9FAF {
		t.Errorf("FCS(A02C02232110) = %04X, want 9FAF (sent AF 9F)", got)
	}
	if got := FCS([]byte{0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64}); got != fcsGood {
		t.Errorf("FCS over frame and its FCS = %04X, want %04X", got, fcsGood)
	}
}

func TestDecodeFrame(t *testing.T) {
	for _, tt := range frameTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeFrame(tt.frame)
			if err != nil {
				t.Fatalf("DecodeFrame(%x) error %v", tt.frame, err)
			}
			if !framesEqual(got, tt.want) {
				t.Errorf("DecodeFrame(%x) = %+v, want %+v", tt.frame, got, tt.want)
			}
			enc, err := tt.want.MarshalBinary()
			if err != nil || !bytes.Equal(enc, tt.frame) {
				t.Errorf("Encode(%+v) = %x, %v, want %x", tt.want, enc, err, tt.frame)
			}
		})
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	good := frameTests[4].frame
	mut := func(i int, v byte) []byte {
		b := bytes.Clone(good)
		b[i] = v
		return b
	}
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"short", good[:5], ErrShortFrame},
		{"no opening flag", mut(0, 0x00), ErrBadFlag},
		{"no closing flag", mut(len(good)-1, 0x00), ErrBadFlag},
		{"format type", mut(1, 0xB0), ErrBadFormat},
		{"length too small", mut(2, 0x05), ErrBadLength},
		{"length mismatch", append(bytes.Clone(good), 0x7E), ErrBadLength},
		{"bad hcs", mut(7, 0x00), ErrBadHCS},
		{"bad fcs", mut(12, 0x55), ErrBadFCS},
		// PROTOCOLS.md §11.9: a frame that declares 11 bytes and holds 10.
		{"declared longer", []byte{0x7E, 0xA0, 0x0B, 0x00, 0x22, 0x54, 0xD3, 0x61, 0x93, 0xF4, 0xE3, 0x7E}, ErrBadLength},
		{"5-byte address", []byte{0x7E, 0xA0, 0x0B, 0x02, 0x02, 0x02, 0x02, 0x03, 0x21, 0x93, 0x00, 0x00, 0x7E}, ErrBadAddress},
		{"3-byte address", []byte{0x7E, 0xA0, 0x09, 0x02, 0x02, 0x03, 0x21, 0x93, 0x00, 0x00, 0x7E}, ErrBadAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeFrame(tt.frame)
			var fe *FrameError
			if !errors.Is(err, tt.want) || !errors.As(err, &fe) {
				t.Errorf("DecodeFrame(%x) = %v, want %v in a *FrameError", tt.frame, err, tt.want)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	f := Frame{Dst: ServerAddress(200, 0, 1), Src: ClientAddress(16), Control: SNRM}
	if _, err := f.MarshalBinary(); !errors.Is(err, ErrBadAddress) {
		t.Errorf("Encode(bad address) error %v, want %v", err, ErrBadAddress)
	}
	f = Frame{Dst: ServerAddress(1, 0, 1), Src: ClientAddress(16), Control: UI, Info: make([]byte, 2040)}
	if _, err := f.MarshalBinary(); !errors.Is(err, ErrTooLong) {
		t.Errorf("Encode(2040-byte info) error %v, want %v", err, ErrTooLong)
	}
}

func TestAddress(t *testing.T) {
	// PROTOCOLS.md §2.3 table.
	tests := []struct {
		name string
		a    Address
		enc  []byte
	}{
		{"public client", ClientAddress(16), []byte{0x21}},
		{"client 100", ClientAddress(100), []byte{0xC9}},
		{"server 1", ServerAddress(1, 0, 1), []byte{0x03}},
		{"server 1/17", ServerAddress(1, 17, 2), []byte{0x02, 0x23}},
		{"server 16/32", ServerAddress(16, 32, 2), []byte{0x20, 0x41}},
		{"server 1/17 4-byte", ServerAddress(1, 17, 4), []byte{0x00, 0x02, 0x00, 0x23}},
		{"server 17/5481", ServerAddress(17, 5481, 4), []byte{0x00, 0x22, 0x54, 0xD3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := appendAddress(nil, tt.a); !bytes.Equal(got, tt.enc) {
				t.Errorf("appendAddress(%v) = %x, want %x", tt.a, got, tt.enc)
			}
			got, n, err := parseAddress(tt.enc)
			if err != nil || n != len(tt.enc) || got != tt.a {
				t.Errorf("parseAddress(%x) = %v, %d, %v, want %v", tt.enc, got, n, err, tt.a)
			}
		})
	}
}

func TestControl(t *testing.T) {
	// PROTOCOLS.md §2.4 values.
	tests := []struct {
		c    Control
		kind Kind
		str  string
	}{
		{IControl(2, 3, true), KindI, "I N(S)=2 N(R)=3 P/F=1"},
		{0x74, KindI, "I N(S)=2 N(R)=3 P/F=1"},
		{0x10, KindI, "I N(S)=0 N(R)=0 P/F=1"},
		{0x91, KindRR, "RR N(R)=4 P/F=1"},
		{RRControl(2, true), KindRR, "RR N(R)=2 P/F=1"},
		{RNRControl(1, false), KindRNR, "RNR N(R)=1 P/F=0"},
		{0x93, KindSNRM, "SNRM P/F=1"},
		{0x53, KindDISC, "DISC P/F=1"},
		{0x73, KindUA, "UA P/F=1"},
		{0x1F, KindDM, "DM P/F=1"},
		{0x97, KindFRMR, "FRMR P/F=1"},
		{0x13, KindUI, "UI P/F=1"},
		{0x03, KindUI, "UI P/F=0"},
		{0x09, KindUnknown, "unknown 0x09"},
		{0xFF, KindUnknown, "unknown 0xFF"},
	}
	for _, tt := range tests {
		if k, s := tt.c.Kind(), tt.c.String(); k != tt.kind || s != tt.str {
			t.Errorf("Control(%02x) = %v %q, want %v %q", byte(tt.c), k, s, tt.kind, tt.str)
		}
	}
	if c := IControl(2, 3, true); c != 0x74 {
		t.Errorf("IControl(2,3,true) = %02x, want 74", byte(c))
	}
}

func TestParams(t *testing.T) {
	// PROTOCOLS.md §2.5: SNRM information field proposing TX 128, RX 512.
	info := []byte{0x81, 0x80, 0x13, 0x05, 0x01, 0x80, 0x06, 0x02, 0x02, 0x00, 0x07, 0x04, 0x00, 0x00, 0x00, 0x01,
		0x08, 0x04, 0x00, 0x00, 0x00, 0x01}
	want := Params{MaxInfoTx: 128, MaxInfoRx: 512, WindowTx: 1, WindowRx: 1}
	got, err := ParseParams(info)
	if err != nil || got != want {
		t.Errorf("ParseParams(%x) = %+v, %v, want %+v", info, got, err, want)
	}
	if enc := AppendParams(nil, want); !bytes.Equal(enc, info) {
		t.Errorf("AppendParams(%+v) = %x, want %x", want, enc, info)
	}
	if got, err := ParseParams(nil); err != nil || got != DefaultParams() {
		t.Errorf("ParseParams(empty) = %+v, %v, want defaults", got, err)
	}
	for _, bad := range [][]byte{{0x81}, {0x81, 0x81, 0x00}, {0x81, 0x80, 0x05, 0x05}, {0x81, 0x80, 0x03, 0x05, 0x03, 0x01}} {
		if _, err := ParseParams(bad); !errors.Is(err, ErrBadParams) {
			t.Errorf("ParseParams(%x) error %v, want %v", bad, err, ErrBadParams)
		}
	}
}

func TestNegotiate(t *testing.T) {
	client := Params{MaxInfoTx: 1024, MaxInfoRx: 2030, WindowTx: 7, WindowRx: 7}
	server := Params{MaxInfoTx: 512, MaxInfoRx: 256, WindowTx: 3, WindowRx: 7}
	s := negotiate(server, client)
	if want := (Params{MaxInfoTx: 512, MaxInfoRx: 256, WindowTx: 3, WindowRx: 7}); s != want {
		t.Errorf("server negotiate = %+v, want %+v", s, want)
	}
	c := negotiate(client, s)
	if c != s.swap() {
		t.Errorf("client negotiate = %+v, want %+v", c, s.swap())
	}
	if got := negotiate(Params{MaxInfoTx: 9999, WindowTx: 99}, Params{MaxInfoRx: 9999, WindowRx: 99}); got.MaxInfoTx != MaxInfo || got.WindowTx != 7 {
		t.Errorf("negotiate clamps to %+v, want info %d window 7", got, MaxInfo)
	}
}

// randomFrame returns a valid frame for round-trip tests.
func randomFrame(r *rand.Rand) Frame {
	addr := func() Address {
		switch r.IntN(3) {
		case 0:
			return Address{Upper: uint16(r.IntN(0x80)), Size: 1}
		case 1:
			return Address{Upper: uint16(r.IntN(0x80)), Lower: uint16(r.IntN(0x80)), Size: 2}
		}
		return Address{Upper: uint16(r.IntN(0x4000)), Lower: uint16(r.IntN(0x4000)), Size: 4}
	}
	f := Frame{Segmented: r.IntN(2) == 0, Dst: addr(), Src: addr(), Control: Control(r.IntN(256))}
	if n := r.IntN(300); n > 0 {
		f.Info = make([]byte, n)
		for i := range f.Info {
			f.Info[i] = byte(r.IntN(256))
		}
	}
	return f
}

func TestFrameRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		f := randomFrame(r)
		enc, err := f.MarshalBinary()
		if err != nil {
			t.Fatalf("Encode(%+v): %v", f, err)
		}
		got, err := DecodeFrame(enc)
		if err != nil || !framesEqual(got, f) {
			t.Fatalf("DecodeFrame(Encode(%+v)) = %+v, %v", f, got, err)
		}
	}
}

func TestParamsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		p := Params{MaxInfoTx: r.IntN(0x10000), MaxInfoRx: r.IntN(0x10000), WindowTx: r.IntN(8), WindowRx: r.IntN(8)}
		got, err := ParseParams(AppendParams(nil, p))
		if err != nil || got != p {
			t.Fatalf("ParseParams(AppendParams(%+v)) = %+v, %v", p, got, err)
		}
	}
}

func framesEqual(a, b Frame) bool {
	return a.Segmented == b.Segmented && a.Dst == b.Dst && a.Src == b.Src && a.Control == b.Control &&
		bytes.Equal(a.Info, b.Info)
}

func FuzzDecodeFrame(f *testing.F) {
	for _, tt := range frameTests {
		f.Add(tt.frame)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			return
		}
		enc, err := fr.MarshalBinary()
		if err != nil {
			t.Fatalf("Encode(DecodeFrame(%x)): %v", b, err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("Encode(DecodeFrame(%x)) = %x", b, enc)
		}
		if _, err := Inspect(b); err != nil && !errors.Is(err, ErrBadParams) {
			t.Fatalf("Inspect(%x): %v", b, err)
		}
	})
}

func FuzzParseParams(f *testing.F) {
	f.Add(AppendParams(nil, DefaultParams()))
	f.Add(frameTests[5].want.Info)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseParams(b)
		if err != nil {
			return
		}
		if p.MaxInfoTx < 0x10000 && p.MaxInfoRx < 0x10000 && p.WindowTx >= 0 && p.WindowRx >= 0 && p.WindowTx < 1<<31 && p.WindowRx < 1<<31 {
			got, err := ParseParams(AppendParams(nil, p))
			if err != nil || !reflect.DeepEqual(got, p) {
				t.Fatalf("ParseParams(AppendParams(%+v)) = %+v, %v", p, got, err)
			}
		}
	})
}

func BenchmarkDecodeFrame(b *testing.B) {
	f := Frame{Dst: ClientAddress(16), Src: ServerAddress(1, 17, 2), Control: IControl(1, 2, true), Info: make([]byte, 1024)}
	enc, _ := f.MarshalBinary()
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for range b.N {
		if _, err := DecodeFrame(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeFrame(b *testing.B) {
	f := Frame{Dst: ClientAddress(16), Src: ServerAddress(1, 17, 2), Control: IControl(1, 2, true), Info: make([]byte, 1024)}
	buf := make([]byte, 0, 2048)
	b.SetBytes(int64(f.EncodedLen() + 2))
	b.ReportAllocs()
	for range b.N {
		var err error
		if buf, err = f.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
