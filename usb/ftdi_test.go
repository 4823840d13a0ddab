package usb

import (
	"bytes"
	"fmt"
	"testing"
)

// Divisors for the common speeds on the 3 MHz base: FTDI AN232B-05 §4
// (Table 4.1 lists 300 → 0x2710, 9600 → 0x4138, 19200 → 0x809C,
// 38400 → 0xC04E, 115200 → 0x001A), the others worked out by its rule.
var divisorTests = []struct {
	name   string
	typ    FTDIType
	baud   int
	enc    uint32
	actual int
}{
	{"R 300", FTDIR, 300, 0x2710, 300},
	{"R 2400", FTDIR, 2400, 0x04E2, 2400},
	{"R 4800", FTDIR, 4800, 0x0271, 4800},
	{"R 9600", FTDIR, 9600, 0x4138, 9600},
	{"R 19200", FTDIR, 19200, 0x809C, 19200},
	{"R 38400", FTDIR, 38400, 0xC04E, 38400},
	{"R 57600", FTDIR, 57600, 0xC034, 57554},
	{"R 115200", FTDIR, 115200, 0x001A, 115385},
	{"R 1 MBd", FTDIR, 1_000_000, 3, 1_000_000},
	{"R 2 MBd is divisor 1.5", FTDIR, 2_000_000, 1, 2_000_000},
	{"R 3 MBd is divisor 1", FTDIR, 3_000_000, 0, 3_000_000},
	{"X 9600", FTDIX, 9600, 0x4138, 9600},
	{"H 300 uses the 3 MHz base", FTDI232H, 300, 0x2710, 300},
	{"H 9600 uses the 12 MHz base", FTDI2232H, 9600, 0x204E2, 9600},
	{"H 12 MBd", FTDI4232H, 12_000_000, 0x20000, 12_000_000},
}

func TestFTDIDivisor(t *testing.T) {
	for _, tt := range divisorTests {
		t.Run(tt.name, func(t *testing.T) {
			enc, actual, err := FTDIDivisor(tt.typ, tt.baud)
			if err != nil || enc != tt.enc || actual != tt.actual {
				t.Fatalf("FTDIDivisor(%v, %d) = %#x, %d, %v, want %#x, %d", tt.typ, tt.baud, enc, actual, err, tt.enc, tt.actual)
			}
			if got := FTDIBaud(enc); got != actual {
				t.Errorf("FTDIBaud(%#x) = %d, want %d", enc, got, actual)
			}
		})
	}
	for _, tt := range []struct {
		typ  FTDIType
		baud int
	}{{FTDIR, 0}, {FTDIR, -9600}, {FTDIR, 100}, {FTDIR, 4_000_000}, {FTDIR, 2_600_000}, {FTDI232H, 13_000_000}} {
		if enc, _, err := FTDIDivisor(tt.typ, tt.baud); err == nil {
			t.Errorf("FTDIDivisor(%v, %d) = %#x, want an error", tt.typ, tt.baud, enc)
		}
	}
}

func TestFTDISplit(t *testing.T) {
	tests := []struct {
		typ          FTDIType
		enc          uint32
		port         uint16
		value, index uint16
	}{
		{FTDIR, 0x4138, 0, 0x4138, 0x0000},
		{FTDIR, 0x1C034, 0, 0xC034, 0x0001}, // bit 16 of the fraction code
		{FTDI2232C, 0x1C034, 1, 0xC034, 0x0101},
		{FTDI2232H, 0x204E2, 2, 0x04E2, 0x0202},
	}
	for _, tt := range tests {
		v, i := ftdiSplit(tt.typ, tt.enc, tt.port)
		if v != tt.value || i != tt.index {
			t.Errorf("ftdiSplit(%v, %#x, %d) = %#04x, %#04x, want %#04x, %#04x", tt.typ, tt.enc, tt.port, v, i, tt.value, tt.index)
		}
	}
}

// FuzzFTDIDivisor: every speed either fails or encodes to a divisor that
// decodes to the speed reported, within 3 % of the one asked for, and
// encoding that speed again gives the same divisor.
func FuzzFTDIDivisor(f *testing.F) {
	for _, tt := range divisorTests {
		f.Add(uint8(tt.typ), tt.baud)
	}
	f.Fuzz(func(t *testing.T, typ uint8, baud int) {
		ft := FTDIType(typ%8 + 1)
		enc, actual, err := FTDIDivisor(ft, baud)
		if err != nil {
			return
		}
		if got := FTDIBaud(enc); got != actual {
			t.Fatalf("FTDIBaud(FTDIDivisor(%v, %d) = %#x) = %d, want %d", ft, baud, enc, got, actual)
		}
		if d := actual - baud; d*100 > 3*baud || -d*100 > 3*baud {
			t.Fatalf("FTDIDivisor(%v, %d) gives %d Bd, more than 3 %% off", ft, baud, actual)
		}
		if enc2, _, err := FTDIDivisor(ft, actual); err != nil || enc2 != enc {
			t.Fatalf("FTDIDivisor(%v, %d) = %#x, %v; FTDIDivisor(%d) = %#x", ft, baud, enc, err, actual, enc2)
		}
	})
}

func TestFTDITypeOf(t *testing.T) {
	tests := []struct {
		bcd    uint16
		serial bool
		want   FTDIType
	}{
		{0x0200, true, FTDIAM}, {0x0200, false, FTDIBM}, {0x0400, true, FTDIBM}, {0x0500, true, FTDI2232C},
		{0x0600, true, FTDIR}, {0x0700, true, FTDI2232H}, {0x0800, true, FTDI4232H}, {0x0900, true, FTDI232H},
		{0x1000, true, FTDIX}, {0x3600, true, FTDIR},
	}
	for _, tt := range tests {
		if got := FTDITypeOf(tt.bcd, tt.serial); got != tt.want {
			t.Errorf("FTDITypeOf(%#04x, %v) = %v, want %v", tt.bcd, tt.serial, got, tt.want)
		}
	}
}

// payloadTests are bulk IN transfers as an FT232R (64-byte packets) sends
// them: status bytes 01 60 lead every packet.
var payloadTests = []struct {
	name   string
	packet int
	in     []byte
	want   []byte
}{
	{"status only", 64, []byte{0x01, 0x60}, nil},
	{"one short packet", 64, []byte{0x01, 0x60, '/', '?', '!'}, []byte("/?!")},
	{"empty transfer", 64, nil, nil},
	{"runt", 64, []byte{0x01}, nil},
	{"two packets", 4, []byte{0x01, 0x60, 'a', 'b', 0x01, 0x60, 'c'}, []byte("abc")},
}

func TestFTDIPayload(t *testing.T) {
	for _, tt := range payloadTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ftdiPayload(nil, tt.in, tt.packet, nil); !bytes.Equal(got, tt.want) {
				t.Errorf("ftdiPayload(%x, %d) = %x, want %x", tt.in, tt.packet, got, tt.want)
			}
		})
	}
	// Full-size packets: 62 data bytes each.
	var in, want []byte
	for i := range 3 {
		in = append(in, 0x01, 0x60)
		for j := range 62 {
			b := byte(i*62 + j)
			in, want = append(in, b), append(want, b)
		}
	}
	if got := ftdiPayload(nil, in, 64, nil); !bytes.Equal(got, want) {
		t.Errorf("ftdiPayload(3 full packets) = %d bytes, want %d", len(got), len(want))
	}
	f := &ftdi{packet: 64}
	f.payload(nil, []byte{0x01, 0x60 | ftdiParityErr, 'x'})
	if f.lineErrors.Load() != 1 {
		t.Errorf("parity error in line status not counted")
	}
}

// FuzzFTDIPayload: no transfer panics, and the payload is the transfer
// less two bytes per packet; framing it again gives the same transfer.
func FuzzFTDIPayload(f *testing.F) {
	for _, tt := range payloadTests {
		f.Add(tt.in, uint8(tt.packet))
	}
	f.Fuzz(func(t *testing.T, in []byte, packet uint8) {
		pk := int(packet)
		if pk <= 2 {
			pk = 64
		}
		got := ftdiPayload(nil, in, int(packet), nil)
		want := 0
		for rest := len(in); rest > 0; rest -= pk {
			if n := min(pk, rest); n >= 2 {
				want += n - 2
			}
		}
		if len(got) != want {
			t.Fatalf("ftdiPayload(%d bytes, packet %d) = %d bytes, want %d", len(in), pk, len(got), want)
		}
		// Round trip: re-frame with status 01 60 and strip again.
		var framed []byte
		for rest := got; len(rest) > 0; {
			k := min(pk-2, len(rest))
			framed = append(append(framed, 0x01, 0x60), rest[:k]...)
			rest = rest[k:]
		}
		if back := ftdiPayload(nil, framed, pk, nil); !bytes.Equal(back, got) {
			t.Fatalf("re-framed payload %x came back as %x", got, back)
		}
	})
}

func TestFTDIStartSequence(t *testing.T) {
	f := newFakeFTDI(FTDIR, 64)
	p, err := openFakeFTDI(f, 300, "7E1")
	if err != nil {
		t.Fatal(err)
	}
	want := "[reset flow 0 baud 300 data 7E1 modem dtr=true rts=true latency 2 purge rx purge tx]"
	if got := fmt.Sprint(f.requests()); got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
	if err := p.SetLine(9600, "8N1"); err != nil {
		t.Fatal(err)
	}
	if b, fm := f.setting(); b != 9600 || fm != "8N1" || p.Line() != "9600 Bd 8N1" {
		t.Errorf("after SetLine(9600, 8N1) chip at %d %s, port says %s", b, fm, p.Line())
	}
	if err := p.SetLine(9600, "6N1"); KindOf(err) != KindInvalid {
		t.Errorf("SetLine(9600, 6N1) on FTDI = %v, want KindInvalid", err)
	}
	if err := p.SetLine(4_000_000, "8N1"); KindOf(err) != KindInvalid {
		t.Errorf("SetLine(4 MBd) on FT232R = %v, want KindInvalid", err)
	}
	if err := p.SetDTR(false); err != nil || f.dtr || !f.rts {
		t.Errorf("SetDTR(false) = %v; chip dtr %v rts %v", err, f.dtr, f.rts)
	}
	if err := p.SetRTS(false); err != nil || f.rts {
		t.Errorf("SetRTS(false) = %v; chip rts %v", err, f.rts)
	}
	if err := p.Drain(); err != nil {
		t.Errorf("Drain() = %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

// TestFTDIMultiPort: on an FT2232H port B every request carries the port
// in wIndex, and the baud divisor's high bits go in its high byte.
func TestFTDIMultiPort(t *testing.T) {
	f := newFakeFTDI(FTDI2232H, 512)
	if _, err := openFakeFTDI(f, 9600, "7E1"); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.requests() {
		if bytes.Contains([]byte(r), []byte("without a port")) {
			t.Error(r)
		}
	}
	if b, _ := f.setting(); b != 9600 {
		t.Errorf("chip at %d Bd, want 9600", b)
	}
}
