package iec62056

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Message kinds reported by Decode.
const (
	KindRequest        = "request"
	KindIdentification = "identification"
	KindOptionSelect   = "option-select"
	KindAck            = "ack"
	KindNak            = "nak"
	KindCommand        = "command"
	KindAnswer         = "answer"
	KindReadout        = "readout"
	KindErrorAnswer    = "error-answer"
)

// Decoded is the interpretation of one IEC 62056-21 message, as printed by
// `smetsctl decode iec21 <hex>` and compared by the conformance tests.
type Decoded struct {
	Kind  string `json:"kind"`
	ASCII string `json:"ascii"`
	BCC   string `json:"bcc,omitempty"` // "0x6B" as received
	BCCOK *bool  `json:"bcc_ok,omitempty"`
	// BCCComputed is the BCC the bytes call for, set when it differs.
	BCCComputed string `json:"bcc_computed,omitempty"`
	Meaning     string `json:"meaning"`

	Request        *Request        `json:"request,omitempty"`
	Identification *Identification `json:"identification,omitempty"`
	OptionSelect   *OptionSelect   `json:"option_select,omitempty"`
	Command        *Command        `json:"command,omitempty"`
	Block          *Block          `json:"block,omitempty"`
	Records        []Record        `json:"records,omitempty"`

	// Trailing counts bytes after the message; they are not decoded.
	Trailing int `json:"trailing,omitempty"`
}

// Decode interprets one message at the start of msg (client or meter side:
// request, identification, option select, ACK, NAK, command, answer or
// readout). It returns a *SyntaxError for bytes that form no message. A
// BCC mismatch returns the full decode, BCCOK false, and a *SyntaxError
// wrapping ErrBCC with the offset of the BCC.
func Decode(msg []byte) (*Decoded, error) {
	n, err := FrameLength(msg, true)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		if len(msg) > 0 && msg[0] == ACK {
			n = 1
		} else {
			return nil, syntaxErr(len(msg), ErrTruncated, "incomplete message")
		}
	}
	if msg[0] == ACK && len(msg) >= 6 && msg[1] >= '0' && msg[1] <= '9' {
		n = 6
	}
	m := msg[:n]
	d := &Decoded{ASCII: ASCII(m), Trailing: len(msg) - n}
	switch m[0] {
	case '/':
		if len(m) > 1 && m[1] == '?' {
			r, err := ParseRequest(m)
			if err != nil {
				return nil, err
			}
			d.Kind, d.Request = KindRequest, &r
			if r.Address == "" {
				d.Meaning = "request message without device address"
			} else {
				d.Meaning = fmt.Sprintf("request message for device address '%s'", r.Address)
			}
			return d, nil
		}
		id, err := ParseIdentification(m)
		if err != nil {
			return nil, err
		}
		d.Kind, d.Identification = KindIdentification, id
		d.Meaning = describeIdentification(id)
		return d, nil
	case ACK:
		if n == 1 {
			d.Kind, d.Meaning = KindAck, "acknowledge"
			return d, nil
		}
		o, err := ParseOptionSelect(m)
		if err != nil {
			return nil, err
		}
		d.Kind, d.OptionSelect = KindOptionSelect, &o
		d.Meaning = describeOptionSelect(o)
		return d, nil
	case NAK:
		d.Kind, d.Meaning = KindNak, "negative acknowledge: repeat the last message"
		return d, nil
	}
	cmd, blk, _, ferr := parseFramed(m)
	if cmd == nil && blk == nil {
		return nil, ferr
	}
	if ferr != nil && !errors.Is(ferr, ErrBCC) {
		return nil, ferr
	}
	ok := ferr == nil
	d.BCC, d.BCCOK = fmt.Sprintf("0x%02X", m[n-1]), &ok
	if !ok {
		d.BCCComputed = fmt.Sprintf("0x%02X", xorBCC(m[1:n-1]))
	}
	if cmd != nil {
		d.Kind, d.Command = KindCommand, cmd
		d.Meaning = describeCommand(cmd)
		if !cmd.NoData && cmd.Command != CmdPassword {
			d.Records, _ = ParseDataSets(cmd.Data, 4)
		}
		return d, ferr
	}
	d.Block = blk
	recs, perr := ParseDataSets(blk.Data, 1)
	d.Records = recs
	switch {
	case blk.ErrorText() != "":
		d.Kind = KindErrorAnswer
		d.Meaning = fmt.Sprintf("error answer '%s'", blk.ErrorText())
	case blk.IsReadout():
		d.Kind = KindReadout
		d.Meaning = fmt.Sprintf("readout data message: %d data sets", len(recs))
	default:
		d.Kind = KindAnswer
		d.Meaning = fmt.Sprintf("answer data message: %d data sets", len(recs))
	}
	if blk.Partial {
		d.Meaning += " (partial block, EOT)"
	}
	if perr != nil {
		d.Meaning += "; " + perr.Error()
	}
	if !ok {
		d.Meaning = "BAD BCC: " + d.Meaning
	}
	return d, ferr
}

// DecodeHex is Decode for a hex string such as "0142300371"; spaces,
// colons and a leading "0x" are ignored.
func DecodeHex(s string) (*Decoded, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	s = strings.NewReplacer(" ", "", ":", "", "\n", "", "\t", "").Replace(s)
	msg, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: hex: %v", ErrSyntax, err)
	}
	return Decode(msg)
}

func describeIdentification(id *Identification) string {
	var b strings.Builder
	fmt.Fprintf(&b, "identification: manufacturer '%s'", id.Manufacturer)
	if id.FastReaction() {
		b.WriteString(" (20 ms reaction time)")
	}
	switch id.Mode() {
	case 'C':
		if r, ok := BaudRate(id.Baud); ok {
			fmt.Fprintf(&b, ", baud char '%c' (%d, mode C/E)", id.Baud, r)
		} else {
			fmt.Fprintf(&b, ", baud char '%c' (reserved)", id.Baud)
		}
	case 'B':
		fmt.Fprintf(&b, ", baud char '%c' (%d, mode B)", id.Baud, id.BaudRate())
	default:
		fmt.Fprintf(&b, ", baud char '%c' (mode A, 300)", id.Baud)
	}
	if id.Enhanced != "" {
		fmt.Fprintf(&b, ", enhanced identification '\\%s'", strings.Join(strings.Split(id.Enhanced, ""), "\\"))
		if id.ModeE() {
			b.WriteString(" (mode E / HDLC)")
		}
	}
	fmt.Fprintf(&b, ", identification '%s'", id.Ident)
	return b.String()
}

func describeOptionSelect(o OptionSelect) string {
	proto := map[Char]string{'0': "normal", '1': "secondary", '2': "HDLC"}[o.Protocol]
	mode := map[Char]string{'0': "data readout", '1': "programming mode", '2': "binary mode (HDLC)"}[o.Mode]
	if proto == "" {
		proto = "reserved"
	}
	if mode == "" {
		mode = "manufacturer-specific or reserved"
	}
	rate := "unknown speed"
	if r, ok := BaudRate(o.Baud); ok {
		rate = fmt.Sprint(r)
	}
	return fmt.Sprintf("ACK option select: protocol char '%c' (%s), baud char '%c' (%s), mode char '%c' (%s)",
		o.Protocol, proto, o.Baud, rate, o.Mode, mode)
}

var commandNames = map[string]string{
	"P0": "password operand", "P1": "password", "P2": "ciphered password",
	"W1": "write", "W2": "formatted write", "W5": "write (manufacturer-specific)",
	"R1": "read", "R2": "formatted read", "R5": "profile read", "R6": "profile read",
	"E2": "execute", "B0": "break (exit programming mode)",
}

func describeCommand(c *Command) string {
	name := commandNames[c.Name()]
	if name == "" {
		name = "command"
	}
	s := fmt.Sprintf("%s command %s", name, c.Name())
	if !c.NoData {
		if addr, val := c.DataSet(); addr != "" {
			s += fmt.Sprintf(" address %s data '%s'", addr, val)
		} else {
			s += fmt.Sprintf(" data '%s'", val)
		}
	}
	if c.Partial {
		s += " (partial block, EOT)"
	}
	return s
}

// ASCII returns msg as a display string: printable characters as they
// are, backslash doubled, CR, LF and tab as \r \n \t, and every other
// byte as \xhh.
func ASCII(msg []byte) string {
	var b strings.Builder
	b.Grow(len(msg) + 8)
	for _, c := range msg {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == CR:
			b.WriteString(`\r`)
		case c == LF:
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c >= 0x20 && c < 0x7F:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}
