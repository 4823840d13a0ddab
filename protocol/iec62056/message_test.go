package iec62056

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// Unit-test vectors. Provenance: the worked examples of PROTOCOLS.md §1.3,
// §1.4, §1.6 and §9.1 (re-typed as facts), plus messages built by hand for
// this package with their BCC computed by hand.
var decodeTests = []struct {
	name string
	msg  []byte
	kind string
	bcc  string
	err  error
}{
	// PROTOCOLS.md §1.3: "/?!\r\n"
	{"request no address", []byte("/?!\r\n"), KindRequest, "", nil},
	// PROTOCOLS.md §1.3: "/?45678903!\r\n"
	{"request with address", []byte("/?45678903!\r\n"), KindRequest, "", nil},
	// PROTOCOLS.md §1.3: "/Els6\2EK280\r\n"
	{"identification enhanced", []byte("/Els6\\2EK280\r\n"), KindIdentification, "", nil},
	// PROTOCOLS.md §9.1: "/LGZ4ZMF100AC.M26\r\n"
	{"identification mode C", []byte("/LGZ4ZMF100AC.M26\r\n"), KindIdentification, "", nil},
	// hand-made: mode B baud character 'E' (9600)
	{"identification mode B", []byte("/ABCEmeter\r\n"), KindIdentification, "", nil},
	// PROTOCOLS.md §1.3: 06 30 35 30 0D 0A readout at 9600
	{"option select readout", []byte{0x06, 0x30, 0x35, 0x30, 0x0D, 0x0A}, KindOptionSelect, "", nil},
	// PROTOCOLS.md §1.3: 06 32 35 32 0D 0A mode E at 9600
	{"option select mode E", []byte{0x06, 0x32, 0x35, 0x32, 0x0D, 0x0A}, KindOptionSelect, "", nil},
	{"ack", []byte{0x06}, KindAck, "", nil},
	{"nak", []byte{0x15}, KindNak, "", nil},
	// PROTOCOLS.md §1.4 worked example, R1 read of 1.8.0(1), BCC 6B
	{"R1 read", []byte{0x01, 0x52, 0x31, 0x02, 0x31, 0x2E, 0x38, 0x2E, 0x30, 0x28, 0x31, 0x29, 0x03, 0x6B}, KindCommand, "0x6B", nil},
	// PROTOCOLS.md §1.6: B0 exit 01 42 30 03 71
	{"B0 break", []byte{0x01, 0x42, 0x30, 0x03, 0x71}, KindCommand, "0x71", nil},
	// PROTOCOLS.md §1.6: P0 operand, BCC 50
	{"P0 operand", []byte{0x01, 0x50, 0x30, 0x02, 0x28, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x29, 0x03, 0x50}, KindCommand, "0x50", nil},
	// hand-made: readout "1.8.0(1*kWh)" CR LF "!" CR LF, BCC 55 checked with a Python XOR
	{"readout", Block{Data: "1.8.0(1*kWh)\r\n!\r\n"}.Bytes(), KindReadout, "0x55", nil},
	// hand-made: error answer (ER01), BCC 14 checked with a Python XOR
	{"error answer", Block{Data: "(ER01)"}.Bytes(), KindErrorAnswer, "0x14", nil},
	// PROTOCOLS.md §1.4 R1 example with the BCC changed: must fail
	{"bad BCC", []byte{0x01, 0x52, 0x31, 0x02, 0x31, 0x2E, 0x38, 0x2E, 0x30, 0x28, 0x31, 0x29, 0x03, 0x6C}, KindCommand, "0x6C", ErrBCC},
	{"garbage", []byte{0x41, 0x42}, "", "", ErrSyntax},
	{"truncated block", []byte{0x02, 0x31, 0x28}, "", "", ErrTruncated},
	{"identification no letters", []byte("/123456\r\n"), "", "", ErrSyntax},
	{"request bad address", []byte("/?a\x01b!\r\n"), "", "", ErrSyntax},
}

func TestDecode(t *testing.T) {
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(tt.msg)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Decode(%x) error = %v, want %v", tt.msg, err, tt.err)
				}
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Errorf("Decode(%x) error %T is not a *SyntaxError", tt.msg, err)
				}
				if tt.kind == "" {
					return
				}
			} else if err != nil {
				t.Fatalf("Decode(%x): %v", tt.msg, err)
			}
			if d.Kind != tt.kind || d.BCC != tt.bcc {
				t.Errorf("Decode(%x) = %s %s, want %s %s", tt.msg, d.Kind, d.BCC, tt.kind, tt.bcc)
			}
		})
	}
}

func TestBCC(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
		want byte
		ok   bool
	}{
		// PROTOCOLS.md §1.4 worked example
		{"R1", []byte{0x01, 0x52, 0x31, 0x02, 0x31, 0x2E, 0x38, 0x2E, 0x30, 0x28, 0x31, 0x29, 0x03}, 0x6B, true},
		// PROTOCOLS.md §1.6 B0
		{"B0", []byte{0x01, 0x42, 0x30, 0x03}, 0x71, true},
		{"STX only", []byte{0x02, 0x41, 0x04}, 0x41 ^ 0x04, true},
		{"no end", []byte{0x02, 0x41}, 0, false},
		{"no start", []byte{0x41, 0x03}, 0, false},
	}
	for _, tt := range tests {
		got, ok := BCC(tt.msg)
		if got != tt.want || ok != tt.ok {
			t.Errorf("BCC(%x) = %02x %v, want %02x %v", tt.msg, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIdentification(t *testing.T) {
	tests := []struct {
		name  string
		msg   string
		want  Identification
		mode  byte
		baud  int
		fast  bool
		modeE bool
	}{
		// PROTOCOLS.md §1.3
		{"elster", "/Els6\\2EK280\r\n", Identification{"Els", '6', "2", "EK280"}, 'C', 19200, true, true},
		// PROTOCOLS.md §9.1
		{"landis", "/LGZ4ZMF100AC.M26\r\n", Identification{"LGZ", '4', "", "ZMF100AC.M26"}, 'C', 4800, false, false},
		// hand-made: two enhanced characters
		{"two W", "/XYZ5\\2\\9abc\r\n", Identification{"XYZ", '5', "29", "abc"}, 'C', 9600, false, true},
		{"mode B", "/ABCEx\r\n", Identification{"ABC", 'E', "", "x"}, 'B', 9600, false, false},
		{"mode A", "/ABC:x\r\n", Identification{"ABC", ':', "", "x"}, 'A', 300, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseIdentification([]byte(tt.msg))
			if err != nil {
				t.Fatalf("ParseIdentification(%q): %v", tt.msg, err)
			}
			if *id != tt.want || id.Mode() != tt.mode || id.BaudRate() != tt.baud || id.FastReaction() != tt.fast || id.ModeE() != tt.modeE {
				t.Errorf("ParseIdentification(%q) = %+v mode %c %d Bd fast %v E %v", tt.msg, id, id.Mode(), id.BaudRate(), id.FastReaction(), id.ModeE())
			}
			if got := id.Bytes(); string(got) != tt.msg {
				t.Errorf("Bytes() = %q, want %q", got, tt.msg)
			}
		})
	}
}

func TestBaudChar(t *testing.T) {
	for _, tt := range []struct {
		rate int
		want Char
	}{{300, '0'}, {600, '1'}, {4800, '4'}, {9600, '5'}, {10000, '5'}, {19200, '6'}, {115200, '6'}, {0, '0'}} {
		if got := BaudChar(tt.rate); got != tt.want {
			t.Errorf("BaudChar(%d) = %c, want %c", tt.rate, got, tt.want)
		}
	}
}

func TestFrameLength(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		lone bool
		want int
		err  bool
	}{
		{"empty", nil, false, 0, false},
		{"request partial", []byte("/?!\r"), false, 0, false},
		{"request", []byte("/?!\r\nxx"), false, 5, false},
		{"lone ack waits", []byte{ACK}, false, 0, false},
		{"lone ack", []byte{ACK}, true, 1, false},
		{"option select partial", []byte{ACK, '0', '5'}, false, 0, false},
		{"option select", []byte{ACK, '0', '5', '0', CR, LF, 0x02}, false, 6, false},
		{"ack then stx", []byte{ACK, STX}, false, 1, false},
		{"nak", []byte{NAK, 1}, false, 1, false},
		{"block needs bcc", []byte{STX, 'a', ETX}, false, 0, false},
		{"block", []byte{STX, 'a', ETX, 0x62, 0}, false, 4, false},
		{"partial block", []byte{STX, 'a', EOT, 0x65}, false, 4, false},
		{"garbage", []byte{0x00}, false, 0, true},
		{"long ident", append([]byte{'/'}, bytes.Repeat([]byte{'a'}, 200)...), false, 0, true},
	}
	for _, tt := range tests {
		got, err := FrameLength(tt.in, tt.lone)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("%s: FrameLength(%x, %v) = %d, %v; want %d, err %v", tt.name, tt.in, tt.lone, got, err, tt.want, tt.err)
		}
	}
}

func TestCommandRoundTrip(t *testing.T) {
	cmds := []Command{
		{Command: 'R', Type: '1', Data: "1.8.0()"},
		{Command: 'W', Type: '2', Data: "C003(910324092239)"},
		{Command: 'B', Type: '0', NoData: true},
		{Command: 'P', Type: '1', Data: "(00000000)"},
		{Command: 'R', Type: '5', Data: "P.01(;)", Partial: true},
	}
	for _, c := range cmds {
		b := c.Bytes()
		got, err := ParseCommand(b)
		if err != nil {
			t.Fatalf("ParseCommand(%x): %v", b, err)
		}
		if !reflect.DeepEqual(*got, c) {
			t.Errorf("ParseCommand(%x) = %+v, want %+v", b, *got, c)
		}
	}
}

// FuzzDecode checks that no input panics Decode and that every message it
// accepts re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add(tt.msg)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		d, err := Decode(msg)
		if err != nil || d == nil {
			return
		}
		n := len(msg) - d.Trailing
		var enc []byte
		switch {
		case d.Request != nil:
			enc = d.Request.Bytes()
		case d.Identification != nil:
			enc = d.Identification.Bytes()
		case d.OptionSelect != nil:
			enc = d.OptionSelect.Bytes()
		case d.Command != nil:
			enc = d.Command.Bytes()
		case d.Block != nil:
			enc = d.Block.Bytes()
		default:
			enc = msg[:1]
		}
		if !bytes.Equal(enc, msg[:n]) && !hasHighBit(msg[:n]) {
			t.Fatalf("encode(Decode(%x)) = %x", msg[:n], enc)
		}
	})
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c&0x80 != 0 {
			return true
		}
	}
	return false
}

// FuzzFrameLength checks that FrameLength never panics or returns a length
// beyond its input.
func FuzzFrameLength(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add(tt.msg, false)
	}
	f.Fuzz(func(t *testing.T, b []byte, lone bool) {
		n, err := FrameLength(b, lone)
		if n < 0 || n > len(b) || (err != nil && n != 0) {
			t.Fatalf("FrameLength(%x) = %d, %v", b, n, err)
		}
	})
}
