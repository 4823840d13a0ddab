package iec62056

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Provenance: PROTOCOLS.md §1.3, §1.6 examples (re-typed), and hand-made.
var clientMessageTests = []struct {
	name string
	msg  []byte
	want *ClientMessage
	err  error
}{
	{"request", []byte("/?!\r\n"), &ClientMessage{Request: &Request{}}, nil},
	{"request address", []byte("/?45678903!\r\n"), &ClientMessage{Request: &Request{Address: "45678903"}}, nil},
	{"option select", []byte{0x06, 0x30, 0x35, 0x31, 0x0D, 0x0A}, &ClientMessage{OptionSelect: &OptionSelect{'0', '5', '1'}}, nil},
	{"ack", []byte{0x06}, &ClientMessage{Ack: true}, nil},
	{"nak", []byte{0x15}, &ClientMessage{Nak: true}, nil},
	// PROTOCOLS.md §1.4 R1 example
	{"R1", []byte{0x01, 0x52, 0x31, 0x02, 0x31, 0x2E, 0x38, 0x2E, 0x30, 0x28, 0x31, 0x29, 0x03, 0x6B},
		&ClientMessage{Command: &Command{Command: 'R', Type: '1', Data: "1.8.0(1)"}}, nil},
	// PROTOCOLS.md §1.6 B0
	{"B0", []byte{0x01, 0x42, 0x30, 0x03, 0x71}, &ClientMessage{Command: &Command{Command: 'B', Type: '0', NoData: true}}, nil},
	{"R1 bad BCC", []byte{0x01, 0x52, 0x31, 0x02, 0x31, 0x2E, 0x38, 0x2E, 0x30, 0x28, 0x31, 0x29, 0x03, 0x00},
		&ClientMessage{Command: &Command{Command: 'R', Type: '1', Data: "1.8.0(1)"}}, ErrBCC},
	{"identification is not a client message", []byte("/LGZ4ZMF100AC.M26\r\n"), nil, ErrSyntax},
	{"data block is not a client message", Block{Data: "x"}.Bytes(), nil, ErrUnexpected},
	{"empty", nil, nil, ErrTruncated},
}

func TestParseClientMessage(t *testing.T) {
	for _, tt := range clientMessageTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseClientMessage(tt.msg)
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseClientMessage(%x) error = %v, want %v", tt.msg, err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseClientMessage(%x) = %+v, want %+v", tt.msg, got, tt.want)
			}
		})
	}
}

// FuzzParseClientMessage checks that no input panics the meter-side
// parser and that accepted messages re-encode to the same bytes.
func FuzzParseClientMessage(f *testing.F) {
	for _, tt := range clientMessageTests {
		f.Add(tt.msg)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := ParseClientMessage(msg)
		if err != nil {
			return
		}
		var enc []byte
		switch {
		case m.Request != nil:
			enc = m.Request.Bytes()
		case m.OptionSelect != nil:
			enc = m.OptionSelect.Bytes()
		case m.Command != nil:
			enc = m.Command.Bytes()
			if n, _ := FrameLength(msg, true); n > 0 {
				msg = msg[:n]
			}
		case m.Ack:
			enc = []byte{ACK}
		case m.Nak:
			enc = []byte{NAK}
		}
		if string(enc) != string(msg) && !hasHighBit(msg) {
			t.Fatalf("encode(ParseClientMessage(%x)) = %x", msg, enc)
		}
	})
}

func TestAddressed(t *testing.T) {
	for _, tt := range []struct {
		req, own string
		want     bool
	}{
		{"", "123", true}, {"123", "123", true}, {"00123", "123", true}, {"124", "123", false}, {"0", "", false}, {"1", "", false},
	} {
		if got := (Request{Address: tt.req}).Addressed(tt.own); got != tt.want {
			t.Errorf("Request{%q}.Addressed(%q) = %v, want %v", tt.req, tt.own, got, tt.want)
		}
	}
}

func TestConfirm(t *testing.T) {
	// PROTOCOLS.md §12: cap Z at the meter's own proposal.
	for _, tt := range []struct {
		in       OptionSelect
		proposed Char
		want     Char
	}{
		{OptionSelect{'2', '6', '2'}, '5', '5'},
		{OptionSelect{'2', '4', '2'}, '5', '4'},
		{OptionSelect{'2', 'x', '2'}, '5', '5'},
	} {
		if got := tt.in.Confirm(tt.proposed); got.Baud != tt.want || got.Protocol != '2' || got.Mode != '2' {
			t.Errorf("%+v.Confirm(%c) = %+v, want Z %c", tt.in, tt.proposed, got, tt.want)
		}
	}
}

func TestMeterEncoders(t *testing.T) {
	// PROTOCOLS.md §1.6: P0 operand 1234567 has BCC 50.
	if got := OperandMessage("1234567"); got[len(got)-1] != 0x50 || string(got[1:3]) != "P0" {
		t.Errorf("OperandMessage = %x", got)
	}
	// PROTOCOLS.md §1.6: answer "3:171.0(0)" has BCC 12.
	ans := AnswerMessage(Record{Address: "3:171.0", Values: []Value{{Value: "0"}}})
	if string(ans[1:len(ans)-2]) != "3:171.0(0)" || ans[len(ans)-1] != 0x12 {
		t.Errorf("AnswerMessage = %q", ans)
	}
	if d, err := Decode(ErrorMessage("ER01")); err != nil || d.Kind != KindErrorAnswer {
		t.Errorf("Decode(ErrorMessage) = %+v, %v", d, err)
	}
	ro := &Readout{Records: []Record{{Address: "1.8.0", Values: []Value{{"1", "kWh"}}}, {Address: "2.8.0", Values: []Value{{"2", "kWh"}}}}}
	blocks := ReadoutBlocks(ro, 7)
	var data strings.Builder
	for i, b := range blocks {
		blk, err := ParseBlock(b)
		if err != nil {
			t.Fatalf("block %d: %v", i, err)
		}
		if blk.Partial != (i < len(blocks)-1) {
			t.Errorf("block %d partial = %v", i, blk.Partial)
		}
		data.WriteString(blk.Data)
	}
	if data.String() != ro.Data() {
		t.Errorf("joined blocks = %q, want %q", data.String(), ro.Data())
	}
}
