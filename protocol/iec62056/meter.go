package iec62056

import (
	"strings"
)

// This file holds the meter side: parsing what a client sends and
// encoding what a meter answers, for the meter simulator
// (PROTOCOLS.md §12).

// ClientMessage is one message a client sends to a meter. Exactly one of
// the fields is set.
type ClientMessage struct {
	Request      *Request      `json:"request,omitempty"`
	OptionSelect *OptionSelect `json:"option_select,omitempty"`
	Command      *Command      `json:"command,omitempty"`
	Ack          bool          `json:"ack,omitempty"` // next partial block, please
	Nak          bool          `json:"nak,omitempty"` // repeat the last block
}

// ParseClientMessage decodes one complete client message (cut from the
// stream with FrameLength): a request, an option select, a programming
// command, ACK or NAK. A command with a bad BCC is returned together with
// a *SyntaxError wrapping ErrBCC; the meter should answer NAK.
func ParseClientMessage(b []byte) (*ClientMessage, error) {
	if len(b) == 0 {
		return nil, syntaxErr(0, ErrTruncated, "empty message")
	}
	switch b[0] {
	case '/':
		r, err := ParseRequest(b)
		if err != nil {
			return nil, err
		}
		return &ClientMessage{Request: &r}, nil
	case ACK:
		if len(b) == 1 {
			return &ClientMessage{Ack: true}, nil
		}
		o, err := ParseOptionSelect(b)
		if err != nil {
			return nil, err
		}
		return &ClientMessage{OptionSelect: &o}, nil
	case NAK:
		if len(b) != 1 {
			return nil, syntaxErr(1, ErrSyntax, "bytes after NAK")
		}
		return &ClientMessage{Nak: true}, nil
	case SOH:
		cmd, err := ParseCommand(b)
		if cmd == nil {
			return nil, err
		}
		return &ClientMessage{Command: cmd}, err
	}
	return nil, syntaxErr(0, ErrUnexpected, "byte 0x%02X starts no client message", b[0])
}

// Addressed reports whether a meter with device address own must answer
// r: an empty request address asks every meter; otherwise the addresses
// must match, ignoring leading zeros (unverified: meters differ).
func (r Request) Addressed(own string) bool {
	if r.Address == "" || r.Address == own {
		return true
	}
	trim := func(s string) string { return strings.TrimLeft(s, "0") }
	return trim(r.Address) == trim(own) && trim(own) != ""
}

// Confirm returns the option select a meter sends back to confirm mode E
// (PROTOCOLS.md §12): the client's choice with Z capped at the meter's own
// proposed baud character.
func (o OptionSelect) Confirm(proposed Char) OptionSelect {
	if _, ok := BaudRate(o.Baud); !ok || o.Baud > proposed {
		o.Baud = proposed
	}
	return o
}

// OperandMessage encodes the P0 password operand the meter sends on
// entering programming mode: SOH P 0 STX (operand) ETX BCC
// (IEC 62056-21 §6.4.4, PROTOCOLS.md §1.6).
func OperandMessage(operand string) []byte {
	return Command{Command: CmdPassword, Type: '0', Data: "(" + operand + ")"}.Bytes()
}

// AnswerMessage encodes an answer to a read command: the records as data
// lines inside STX … ETX BCC, without the readout end line. A single
// record is sent without a line end, as in "STX 3:171.0(0) ETX".
func AnswerMessage(recs ...Record) []byte {
	var b []byte
	for _, r := range recs {
		b = AppendDataSet(b, r)
	}
	if len(recs) == 1 {
		b = b[:len(b)-2]
	}
	return Block{Data: string(b)}.Bytes()
}

// ErrorMessage encodes an error answer STX (text) ETX BCC, for example
// ErrorMessage("ER01"); the text is manufacturer-specific.
func ErrorMessage(text string) []byte { return Block{Data: "(" + text + ")"}.Bytes() }

// ReadoutBlocks encodes a readout as data messages of at most maxData
// data characters each: partial blocks end with EOT, the last with ETX
// (IEC 62056-21 §6.3.9). maxData ≤ 0 gives one block.
func ReadoutBlocks(r *Readout, maxData int) [][]byte {
	data := r.Data()
	if maxData <= 0 || len(data) <= maxData {
		return [][]byte{Block{Data: data}.Bytes()}
	}
	var out [][]byte
	for len(data) > maxData {
		out = append(out, Block{Data: data[:maxData], Partial: true}.Bytes())
		data = data[maxData:]
	}
	return append(out, Block{Data: data}.Bytes())
}
