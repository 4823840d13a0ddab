package iec62056

import (
	"bytes"
	"strings"
	"time"
)

// Char is one protocol character (a baud character, a mode character, a
// command letter). It marshals to JSON and text as the character itself.
type Char byte

// MarshalText returns the character.
func (c Char) MarshalText() ([]byte, error) { return []byte{byte(c)}, nil }

// UnmarshalText reads exactly one character.
func (c *Char) UnmarshalText(b []byte) error {
	if len(b) != 1 {
		return syntaxErr(0, ErrSyntax, "character %q is not one byte", b)
	}
	*c = Char(b[0])
	return nil
}

func (c Char) String() string { return string(rune(c)) }

// Limits of the message fields (IEC 62056-21 §6.3; PROTOCOLS.md §1.3).
const (
	MaxAddressLen = 32 // device address in a request
	MaxIdentLen   = 16 // identification after the baud character and \W pairs
	maxIdentLine  = 128
)

// Request is the sign-on request "/?" [device address] "!" CR LF
// (IEC 62056-21 §6.3.1). An empty address asks whichever meter listens.
//
//	2F 3F 34 35 36 37 38 39 30 33 21 0D 0A   /?45678903!
type Request struct {
	Address string `json:"address"`
}

// Bytes encodes the request.
func (r Request) Bytes() []byte {
	b := make([]byte, 0, len(r.Address)+5)
	b = append(b, '/', '?')
	b = append(b, r.Address...)
	return append(b, '!', CR, LF)
}

// ParseRequest decodes a complete request message.
func ParseRequest(b []byte) (Request, error) {
	if len(b) < 5 || b[0] != '/' || b[1] != '?' {
		return Request{}, syntaxErr(0, ErrSyntax, "request does not start with /?")
	}
	if !bytes.HasSuffix(b, []byte{'!', CR, LF}) {
		return Request{}, syntaxErr(len(b)-1, ErrSyntax, "request does not end with ! CR LF")
	}
	addr := b[2 : len(b)-3]
	if len(addr) > MaxAddressLen {
		return Request{}, syntaxErr(2, ErrTooLong, "device address of %d characters", len(addr))
	}
	for i, c := range addr {
		if c < 0x20 || c > 0x7E || c == '!' || c == '/' || c == '?' {
			return Request{}, syntaxErr(2+i, ErrSyntax, "byte 0x%02X in device address", c)
		}
	}
	return Request{Address: string(addr)}, nil
}

// Identification is the meter's answer to a request
// (IEC 62056-21 §6.3.2):
//
//	"/" X X X Z ["\" W]... ident CR LF      /Els6\2EK280
//
// X X X is the manufacturer's FLAG id; a lower-case third letter means the
// meter supports the 20 ms minimum reaction time. Z is the baud character,
// which also tells the mode (see Baud). Each "\" W pair is an enhanced
// identification character; W = '2' announces mode E (HDLC). The W
// characters are kept out of Ident.
type Identification struct {
	Manufacturer string `json:"manufacturer"`
	Baud         Char   `json:"baud_char"`
	Enhanced     string `json:"enhanced,omitempty"` // the W characters, in order
	Ident        string `json:"ident"`
}

// Bytes encodes the identification message.
func (id Identification) Bytes() []byte {
	b := make([]byte, 0, 8+2*len(id.Enhanced)+len(id.Ident))
	b = append(b, '/')
	b = append(b, id.Manufacturer...)
	b = append(b, byte(id.Baud))
	for i := 0; i < len(id.Enhanced); i++ {
		b = append(b, '\\', id.Enhanced[i])
	}
	b = append(b, id.Ident...)
	return append(b, CR, LF)
}

// ParseIdentification decodes a complete identification message.
// Identifications longer than MaxIdentLen are accepted up to a line of 128
// bytes, because meters in the field exceed the limit.
func ParseIdentification(b []byte) (*Identification, error) {
	if len(b) > maxIdentLine {
		return nil, syntaxErr(maxIdentLine, ErrTooLong, "identification of %d bytes", len(b))
	}
	if len(b) < 7 || b[0] != '/' {
		return nil, syntaxErr(0, ErrSyntax, "identification does not start with / and 4 characters")
	}
	if b[1] == '?' {
		return nil, syntaxErr(1, ErrUnexpected, "a request, not an identification")
	}
	if b[len(b)-2] != CR || b[len(b)-1] != LF {
		return nil, syntaxErr(len(b)-1, ErrSyntax, "identification does not end with CR LF")
	}
	body := b[:len(b)-2]
	for i, c := range body {
		if c < 0x20 || c > 0x7E {
			return nil, syntaxErr(i, ErrSyntax, "byte 0x%02X in identification", c)
		}
	}
	for i := 1; i <= 3; i++ {
		if !isLetter(body[i]) {
			return nil, syntaxErr(i, ErrSyntax, "manufacturer id %q is not three letters", body[1:4])
		}
	}
	id := &Identification{Manufacturer: string(body[1:4]), Baud: Char(body[4])}
	i := 5
	var enh []byte
	for i+1 < len(body) && body[i] == '\\' {
		enh = append(enh, body[i+1])
		i += 2
	}
	if i < len(body) && body[i] == '\\' {
		return nil, syntaxErr(i, ErrSyntax, "escape \\ without an enhanced identification character")
	}
	id.Enhanced = string(enh)
	id.Ident = string(body[i:])
	return id, nil
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// FastReaction reports whether the third letter of the manufacturer id is
// lower case: the meter then supports a 20 ms minimum reaction time
// instead of 200 ms (IEC 62056-21 §6.3.2).
func (id *Identification) FastReaction() bool {
	return len(id.Manufacturer) == 3 && id.Manufacturer[2] >= 'a' && id.Manufacturer[2] <= 'z'
}

// ReactionTime is the minimum time to wait after the meter's last
// character before sending: 20 ms or 200 ms (see FastReaction).
func (id *Identification) ReactionTime() time.Duration {
	if id.FastReaction() {
		return 20 * time.Millisecond
	}
	return 200 * time.Millisecond
}

// ModeE reports whether the enhanced identification announces mode E
// (W = '2', HDLC). Meters without it may still accept mode E: ask anyway
// (PROTOCOLS.md §11.3).
func (id *Identification) ModeE() bool { return strings.IndexByte(id.Enhanced, '2') >= 0 }

// Mode is the protocol mode the baud character implies: 'B' for 'A'…'F',
// 'C' for '0'…'9' (mode C or E, told apart by the option select), 'A'
// for anything else (IEC 62056-21 §6.3.2, §6.4).
func (id *Identification) Mode() byte {
	switch c := byte(id.Baud); {
	case c >= '0' && c <= '9':
		return 'C'
	case c >= 'A' && c <= 'F':
		return 'B'
	}
	return 'A'
}

// BaudRate is the speed the meter proposes: 300·2ⁿ for mode C baud
// characters '0'…'6', 600·2ⁿ for mode B 'A'…'F', and 300 otherwise.
func (id *Identification) BaudRate() int {
	if r, ok := BaudRate(id.Baud); ok {
		return r
	}
	if c := byte(id.Baud); c >= 'A' && c <= 'F' {
		return 600 << (c - 'A')
	}
	return 300
}

// BaudRate returns the speed of a mode C/E baud character ('0' = 300 …
// '6' = 19200); ok is false for other characters.
func BaudRate(z Char) (rate int, ok bool) {
	if z >= '0' && z <= '6' {
		return 300 << (z - '0'), true
	}
	return 0, false
}

// BaudChar returns the mode C/E baud character for rate, rounding down to
// the nearest defined speed; rates below 600 give '0'.
func BaudChar(rate int) Char {
	z := Char('0')
	for c := Char('1'); c <= '6'; c++ {
		if r, _ := BaudRate(c); r <= rate {
			z = c
		}
	}
	return z
}

// Protocol control characters (V) and mode control characters (Y) of the
// option select (IEC 62056-21 §6.3.3).
const (
	ProtocolNormal    Char = '0'
	ProtocolSecondary Char = '1'
	ProtocolHDLC      Char = '2' // mode E
	ModeReadout       Char = '0'
	ModeProgramming   Char = '1'
	ModeBinary        Char = '2' // HDLC
)

// OptionSelect is the acknowledgement/option select message
// ACK V Z Y CR LF (IEC 62056-21 §6.3.3): protocol control V, baud
// character Z, mode control Y.
//
//	06 30 35 31 0D 0A   programming mode at 9600 Bd
//	06 32 35 32 0D 0A   mode E (HDLC) at 9600 Bd
type OptionSelect struct {
	Protocol Char `json:"protocol_char"`
	Baud     Char `json:"baud_char"`
	Mode     Char `json:"mode_char"`
}

// Bytes encodes the option select.
func (o OptionSelect) Bytes() []byte {
	return []byte{ACK, byte(o.Protocol), byte(o.Baud), byte(o.Mode), CR, LF}
}

// ParseOptionSelect decodes a complete option select message.
func ParseOptionSelect(b []byte) (OptionSelect, error) {
	if len(b) != 6 || b[0] != ACK || b[4] != CR || b[5] != LF {
		return OptionSelect{}, syntaxErr(0, ErrSyntax, "option select is not ACK V Z Y CR LF")
	}
	for i := 1; i <= 3; i++ {
		if b[i] < 0x20 || b[i] > 0x7E {
			return OptionSelect{}, syntaxErr(i, ErrSyntax, "byte 0x%02X in option select", b[i])
		}
	}
	return OptionSelect{Protocol: Char(b[1]), Baud: Char(b[2]), Mode: Char(b[3])}, nil
}

// ModeE reports whether the option select asks for the HDLC hand-over:
// both V and Y must be '2' (PROTOCOLS.md §11.3).
func (o OptionSelect) ModeE() bool { return o.Protocol == ProtocolHDLC && o.Mode == ModeBinary }

// Command is a programming-mode command message (IEC 62056-21 §6.3.8):
//
//	SOH C D STX data ETX BCC      (SOH C D ETX BCC when there is no data set)
//
// C is the command letter (P password, W write, R read, E execute, B
// break), D the command type digit. Partial marks a block that ends with
// EOT instead of ETX.
type Command struct {
	Command Char   `json:"command"`
	Type    Char   `json:"type"`
	Data    string `json:"data"`
	NoData  bool   `json:"no_data,omitempty"` // SOH C D ETX: no STX and no data set (B0)
	Partial bool   `json:"partial,omitempty"`
}

// Command letters.
const (
	CmdPassword Char = 'P'
	CmdWrite    Char = 'W'
	CmdRead     Char = 'R'
	CmdExecute  Char = 'E'
	CmdBreak    Char = 'B'
)

// Name is the two-character command name, for example "R1".
func (c Command) Name() string { return string([]byte{byte(c.Command), byte(c.Type)}) }

// Bytes encodes the command with its BCC.
func (c Command) Bytes() []byte {
	b := make([]byte, 0, len(c.Data)+7)
	b = append(b, SOH, byte(c.Command), byte(c.Type))
	if !c.NoData {
		b = append(b, STX)
		b = append(b, c.Data...)
	}
	if c.Partial {
		b = append(b, EOT)
	} else {
		b = append(b, ETX)
	}
	return append(b, xorBCC(b[1:]))
}

// DataSet returns the command's data set: "1.8.0(1)" gives address "1.8.0"
// and value "1". A data set without brackets is returned as the address.
func (c Command) DataSet() (address, value string) {
	d := c.Data
	i := strings.IndexByte(d, '(')
	if i < 0 {
		return d, ""
	}
	j := strings.LastIndexByte(d, ')')
	if j < i {
		return d[:i], d[i+1:]
	}
	return d[:i], d[i+1 : j]
}

// Block is a data message: STX data ETX BCC, or STX data EOT BCC for a
// partial block (IEC 62056-21 §6.3.5, §6.3.9). It carries readouts and
// answers to programming commands.
type Block struct {
	Data    string `json:"data"`
	Partial bool   `json:"partial,omitempty"`
}

// Bytes encodes the block with its BCC.
func (k Block) Bytes() []byte {
	b := make([]byte, 0, len(k.Data)+3)
	b = append(b, STX)
	b = append(b, k.Data...)
	if k.Partial {
		b = append(b, EOT)
	} else {
		b = append(b, ETX)
	}
	return append(b, xorBCC(b[1:]))
}

// IsReadout reports whether the data block ends with the readout end
// line "!" CR LF.
func (k Block) IsReadout() bool { return strings.HasSuffix(k.Data, "!\r\n") }

// ErrorText returns the meter's error text when the block is an error
// answer "(ERxx)" or "(...)" without an address, and "" otherwise.
func (k Block) ErrorText() string {
	d := strings.TrimRight(k.Data, "\r\n")
	if len(d) >= 2 && d[0] == '(' && d[len(d)-1] == ')' && strings.Count(d, "(") == 1 {
		inner := d[1 : len(d)-1]
		if strings.HasPrefix(strings.ToUpper(inner), "ER") {
			return inner
		}
	}
	return ""
}

// parseFramed decodes a block or command at the start of b and returns it
// with the number of bytes it used. A BCC mismatch is reported as a
// *SyntaxError wrapping ErrBCC, together with the decoded message.
func parseFramed(b []byte) (cmd *Command, blk *Block, n int, err error) {
	if len(b) == 0 {
		return nil, nil, 0, syntaxErr(0, ErrTruncated, "")
	}
	start := 0
	switch b[0] {
	case SOH:
		if len(b) < 4 {
			return nil, nil, 0, syntaxErr(len(b), ErrTruncated, "command header")
		}
		cmd = &Command{Command: Char(b[1]), Type: Char(b[2])}
		if !isLetter(b[1]) || b[2] < '0' || b[2] > '9' {
			return nil, nil, 0, syntaxErr(1, ErrSyntax, "command %q is not a letter and a digit", b[1:3])
		}
		switch b[3] {
		case STX:
			start = 4
		case ETX, EOT:
			cmd.NoData = true
			start = 3
		default:
			return nil, nil, 0, syntaxErr(3, ErrSyntax, "byte 0x%02X after the command, want STX or ETX", b[3])
		}
	case STX:
		start = 1
		blk = &Block{}
	default:
		return nil, nil, 0, syntaxErr(0, ErrSyntax, "byte 0x%02X, want SOH or STX", b[0])
	}
	end := -1
	for i := start; i < len(b); i++ {
		c := b[i] & 0x7F
		if c == ETX || c == EOT {
			end = i
			break
		}
		if c == SOH || c == STX {
			return nil, nil, 0, syntaxErr(i, ErrSyntax, "byte 0x%02X inside a block", b[i])
		}
	}
	if end < 0 {
		return nil, nil, 0, syntaxErr(len(b), ErrTruncated, "no ETX or EOT")
	}
	if end+1 >= len(b) {
		return nil, nil, 0, syntaxErr(len(b), ErrTruncated, "no BCC after %s", ctlName(b[end]))
	}
	data := string(b[start:end])
	partial := b[end]&0x7F == EOT
	if cmd != nil {
		cmd.Data, cmd.Partial = data, partial
	} else {
		blk.Data, blk.Partial = data, partial
	}
	n = end + 2
	want := xorBCC(b[1 : end+1])
	if got := b[end+1] & 0x7F; got != want {
		err = syntaxErr(end+1, ErrBCC, "got 0x%02X, computed 0x%02X", b[end+1], want)
	}
	return cmd, blk, n, err
}

func ctlName(c byte) string {
	switch c & 0x7F {
	case ETX:
		return "ETX"
	case EOT:
		return "EOT"
	}
	return "end"
}

// ParseCommand decodes a command message at the start of b. Bytes after
// the BCC are not examined. On a BCC mismatch it returns the command and a
// *SyntaxError wrapping ErrBCC.
func ParseCommand(b []byte) (*Command, error) {
	if len(b) == 0 || b[0] != SOH {
		return nil, syntaxErr(0, ErrSyntax, "command does not start with SOH")
	}
	cmd, _, _, err := parseFramed(b)
	return cmd, err
}

// ParseBlock decodes a data message at the start of b. Bytes after the BCC
// are not examined. On a BCC mismatch it returns the block and a
// *SyntaxError wrapping ErrBCC.
func ParseBlock(b []byte) (*Block, error) {
	if len(b) == 0 || b[0] != STX {
		return nil, syntaxErr(0, ErrSyntax, "data message does not start with STX")
	}
	_, blk, _, err := parseFramed(b)
	return blk, err
}
