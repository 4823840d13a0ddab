package gbcs

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Tags of the outer GBCS APDUs (DLMS Green Book tags as GBCS uses them;
// DOMAIN.md §16.1).
const (
	TagGeneralCiphering = 0xDD // General-Ciphering: MAC wrapper, or GBT routing header
	TagGeneralSigning   = 0xDF // General-Signing: the grouping header
	TagGeneralBlock     = 0xE0 // General-Block-Transfer inside a GBT block
)

// SecurityControlGBCS is the security-control byte GBCS uses in the
// General-Ciphering security header: authentication only, suite 0x1 key set.
const SecurityControlGBCS = 0x11

// FrameKind says how a GBCS message is framed on the wire.
type FrameKind uint8

// Frame kinds (DOMAIN.md §16.1).
const (
	// FrameGeneralCiphering is a General-Signing APDU inside a DD 00
	// General-Ciphering wrapper that ends with a 12-byte MAC.
	FrameGeneralCiphering FrameKind = 1
	// FrameGeneralSigning is a bare General-Signing APDU (tag DF), used for
	// pre-commands and device-signed responses.
	FrameGeneralSigning FrameKind = 2
	// FrameBlockTransfer is a General Block Transfer stream (DD + routing
	// header + GBT block(s)); see Reassembler.
	FrameBlockTransfer FrameKind = 3
)

func (k FrameKind) String() string {
	switch k {
	case FrameGeneralCiphering:
		return "GeneralCiphering"
	case FrameGeneralSigning:
		return "GeneralSigning"
	case FrameBlockTransfer:
		return "GeneralBlockTransfer"
	}
	return fmt.Sprintf("FrameKind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k FrameKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// CRA is the Command/Response/Alert flag of the transaction-id (DOMAIN.md §16.2).
type CRA uint8

// CRA flag values.
const (
	CRACommand  CRA = 1
	CRAResponse CRA = 2
	CRAAlert    CRA = 3
)

func (c CRA) String() string {
	switch c {
	case CRACommand:
		return "Command"
	case CRAResponse:
		return "Response"
	case CRAAlert:
		return "Alert"
	}
	return fmt.Sprintf("CRA(%d)", uint8(c))
}

// MarshalText implements encoding.TextMarshaler.
func (c CRA) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// SystemTitle is an 8-byte entity identifier (EUI-64) used as a DLMS
// system title.
type SystemTitle [8]byte

// String returns the identifier as 16 upper-case hex digits.
func (s SystemTitle) String() string { return strings.ToUpper(hex.EncodeToString(s[:])) }

// MarshalText implements encoding.TextMarshaler (hex).
func (s SystemTitle) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts 16 hex
// digits with optional '-' or ':' separators.
func (s *SystemTitle) UnmarshalText(t []byte) error {
	clean := strings.NewReplacer("-", "", ":", "", " ", "").Replace(string(t))
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) != 8 {
		return fmt.Errorf("%w: system title %q", ErrHex, t)
	}
	copy(s[:], b)
	return nil
}

// TransactionID is the 9-byte transaction-id of the grouping header: the CRA
// flag and the 64-bit originator counter, big-endian (DOMAIN.md §16.2).
type TransactionID struct {
	CRA     CRA    `json:"cra"`
	Counter uint64 `json:"originatorCounter"`
}

// appendTo appends the length byte 09 and the nine bytes.
func (t TransactionID) appendTo(b []byte) []byte {
	b = append(b, 9, byte(t.CRA))
	return binary.BigEndian.AppendUint64(b, t.Counter)
}

// Hex is a byte slice that marshals to JSON as upper-case hex.
type Hex []byte

// MarshalText implements encoding.TextMarshaler.
func (h Hex) MarshalText() ([]byte, error) {
	return []byte(strings.ToUpper(hex.EncodeToString(h))), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hex) UnmarshalText(t []byte) error {
	b, err := hex.DecodeString(string(t))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrHex, err)
	}
	*h = b
	return nil
}

// Message is one GBCS message: the grouping header of the General-Signing
// APDU, its payload, signature and, for General-Ciphering frames, the
// security header and MAC (GBCS §7.2; byte layout in DOMAIN.md §16.2):
//
//	DD 00 00 00 00 00 00      General-Ciphering tag + six absent fields
//	<len>                     BER length of what follows, MAC included
//	11 00 00 00 00            security control + invocation counter
//	DF                        General-Signing tag
//	09 <CRA> <counter:8>      transaction-id
//	08 <originator:8>         originator system title
//	08 <recipient:8>          recipient system title
//	00 | 0C <date-time:12>    date-time (absent or DLMS date-time)
//	<n> <other-info>          message code [+ supplementary fields]
//	<len> <payload>           content
//	00 | 40 <r‖s:64>          signature (absent in pre-commands)
//	<MAC:12>                  only in General-Ciphering frames
//
// Message values decoded by Parse keep slices into the input buffer.
type Message struct {
	Kind FrameKind `json:"frame"`

	// SecurityControl and InvocationCounter form the security header of a
	// General-Ciphering frame (always 0x11 and 0 in GBCS).
	SecurityControl   byte   `json:"securityControl,omitempty"`
	InvocationCounter uint32 `json:"invocationCounter,omitempty"`

	TransactionID
	Originator SystemTitle `json:"originator"`
	Recipient  SystemTitle `json:"recipient"`
	// DateTime is the 12-byte DLMS date-time of the grouping header, or
	// nil when absent.
	DateTime  Hex       `json:"dateTime,omitempty"`
	OtherInfo OtherInfo `json:"otherInfo"`
	Payload   Hex       `json:"payload"`

	// SignatureOmitted is true when the message ends right after the
	// payload, as pre-commands issued by RTDS and DCC Boxed do.
	SignatureOmitted bool `json:"signatureOmitted,omitempty"`
	// Signature is the raw ECDSA r‖s (64 bytes) or empty when the
	// signature length byte is 00.
	Signature Hex `json:"signature,omitempty"`
	// MAC is the 12-byte GMAC tag of a General-Ciphering frame.
	MAC Hex `json:"mac,omitempty"`
}

// MessageCode returns the message code from the other-information field.
func (m *Message) MessageCode() MessageCode { return m.OtherInfo.MessageCode }

// Parse decodes one GBCS message framed as General-Ciphering (DD 00) or
// bare General-Signing (DF). A General Block Transfer stream (DD followed
// by a non-zero byte) must first be put together with Reassemble. The
// returned Message refers to b; it does not copy the payload.
func Parse(b []byte) (*Message, error) {
	if len(b) == 0 {
		return nil, decodeErr("message", 0, ErrShort)
	}
	switch b[0] {
	case TagGeneralSigning:
		m := &Message{Kind: FrameGeneralSigning}
		n, err := m.parseSigning(b, 0, len(b))
		if err != nil {
			return nil, err
		}
		if n != len(b) {
			return nil, decodeErr("general-signing", n, ErrTrailing)
		}
		return m, nil
	case TagGeneralCiphering:
		if len(b) > 1 && b[1] != 0 {
			return nil, decodeErr("general-ciphering", 1, fmt.Errorf("%w: block transfer stream; reassemble it first", ErrTag))
		}
		m := &Message{Kind: FrameGeneralCiphering}
		if err := m.parseCiphering(b); err != nil {
			return nil, err
		}
		return m, nil
	}
	return nil, decodeErr("message", 0, fmt.Errorf("%w: %#02x, want DD or DF", ErrTag, b[0]))
}

func (m *Message) parseCiphering(b []byte) error {
	const op = "general-ciphering"
	if len(b) < 8 {
		return decodeErr(op, len(b), ErrShort)
	}
	for i := 1; i < 7; i++ {
		if b[i] != 0 {
			return decodeErr(op, i, fmt.Errorf("%w: header field %d not empty", ErrTag, i))
		}
	}
	n, size, err := readBERLength(b, 7)
	if err != nil {
		return decodeErr(op, 7, err)
	}
	start := 7 + size
	end := start + n
	if end > len(b) {
		return decodeErr(op, 7, fmt.Errorf("%w: ciphered content of %d bytes, %d left", ErrShort, n, len(b)-start))
	}
	if end != len(b) {
		return decodeErr(op, end, ErrTrailing)
	}
	if n < 5+1+12 {
		return decodeErr(op, 7, fmt.Errorf("%w: ciphered content of %d bytes", ErrLength, n))
	}
	m.SecurityControl = b[start]
	m.InvocationCounter = binary.BigEndian.Uint32(b[start+1:])
	if b[start+5] != TagGeneralSigning {
		return decodeErr(op, start+5, fmt.Errorf("%w: %#02x, want DF", ErrTag, b[start+5]))
	}
	macAt := end - 12
	got, err := m.parseSigning(b, start+5, macAt)
	if err != nil {
		return err
	}
	if got != macAt {
		return decodeErr("general-signing", got, ErrTrailing)
	}
	if m.SignatureOmitted {
		return decodeErr("general-signing", got, fmt.Errorf("%w: no signature length byte before the MAC", ErrShort))
	}
	m.MAC = b[macAt:end]
	return nil
}

// parseSigning decodes a General-Signing APDU that starts at b[off] (the DF
// tag) and may not extend past end. It returns the offset after it.
func (m *Message) parseSigning(b []byte, off, end int) (int, error) {
	const op = "grouping header"
	b = b[:end]
	p := off + 1 // after DF
	need := func(k int) error {
		if p+k > len(b) {
			return decodeErr(op, p, ErrShort)
		}
		return nil
	}
	if err := need(10); err != nil {
		return 0, err
	}
	if b[p] != 9 {
		return 0, decodeErr(op, p, fmt.Errorf("%w: transaction-id length %d, want 9", ErrLength, b[p]))
	}
	m.CRA = CRA(b[p+1])
	m.Counter = binary.BigEndian.Uint64(b[p+2:])
	p += 10
	for _, st := range []*SystemTitle{&m.Originator, &m.Recipient} {
		if err := need(9); err != nil {
			return 0, err
		}
		if b[p] != 8 {
			return 0, decodeErr(op, p, fmt.Errorf("%w: system title length %d, want 8", ErrLength, b[p]))
		}
		copy(st[:], b[p+1:p+9])
		p += 9
	}
	if err := need(1); err != nil {
		return 0, err
	}
	switch dl := int(b[p]); dl {
	case 0:
		p++
	case 12:
		if err := need(13); err != nil {
			return 0, err
		}
		m.DateTime = b[p+1 : p+13]
		p += 13
	default:
		return 0, decodeErr(op, p, fmt.Errorf("%w: date-time length %d, want 0 or 12", ErrLength, dl))
	}
	n, size, err := readBERLength(b, p)
	if err != nil {
		return 0, decodeErr(op, p, err)
	}
	p += size
	if err := need(n); err != nil {
		return 0, err
	}
	oi, err := parseOtherInfo(b[p : p+n])
	if err != nil {
		return 0, decodeErr("other-information", p, err)
	}
	m.OtherInfo = oi
	p += n
	n, size, err = readBERLength(b, p)
	if err != nil {
		return 0, decodeErr("content length", p, err)
	}
	p += size
	if err := need(n); err != nil {
		return 0, decodeErr("content", p, fmt.Errorf("%w: %d bytes announced, %d left", ErrShort, n, len(b)-p))
	}
	m.Payload = b[p : p+n]
	p += n
	if p == len(b) {
		m.SignatureOmitted = true
		return p, nil
	}
	n, size, err = readBERLength(b, p)
	if err != nil {
		return 0, decodeErr("signature", p, err)
	}
	p += size
	if p+n > len(b) {
		return 0, decodeErr("signature", p, ErrShort)
	}
	m.Signature = b[p : p+n]
	p += n
	return p, nil
}

// AppendBinary appends the wire form of m to b (encoding.BinaryAppender).
// For FrameGeneralCiphering a nil MAC is written as 12 zero bytes and the
// security control is written as set (GBCS uses SecurityControlGBCS); Seal
// sets both. FrameBlockTransfer is not a Message encoding: use
// SplitBlocks.
func (m *Message) AppendBinary(b []byte) ([]byte, error) {
	switch m.Kind {
	case FrameGeneralSigning:
		return m.appendSigning(b)
	case FrameGeneralCiphering:
		if m.SignatureOmitted {
			return nil, fmt.Errorf("encode general-ciphering: %w: signature length byte required", ErrLength)
		}
		if m.MAC != nil && len(m.MAC) != 12 {
			return nil, fmt.Errorf("encode general-ciphering: %w: MAC of %d bytes", ErrLength, len(m.MAC))
		}
		inner := m.signingLen()
		b = append(b, TagGeneralCiphering, 0, 0, 0, 0, 0, 0)
		b = appendBERLength(b, 5+inner+12)
		b = m.appendSecurityHeader(b)
		b, err := m.appendSigning(b)
		if err != nil {
			return nil, err
		}
		if m.MAC == nil {
			return append(b, make([]byte, 12)...), nil
		}
		return append(b, m.MAC...), nil
	}
	return nil, fmt.Errorf("encode message: %w: frame kind %v", ErrTag, m.Kind)
}

// MarshalBinary returns the wire form of m.
func (m *Message) MarshalBinary() ([]byte, error) { return m.AppendBinary(nil) }

func (m *Message) appendSecurityHeader(b []byte) []byte {
	b = append(b, m.SecurityControl)
	return binary.BigEndian.AppendUint32(b, m.InvocationCounter)
}

// signingLen is the encoded length of the General-Signing APDU.
func (m *Message) signingLen() int {
	n := m.headerLen() + len(m.Payload)
	if !m.SignatureOmitted {
		n += berLengthSize(len(m.Signature)) + len(m.Signature)
	}
	return n
}

// headerLen is the length of the grouping header from DF through the
// content-length field.
func (m *Message) headerLen() int {
	oi := m.OtherInfo.encodedLen()
	n := 1 + 10 + 9 + 9 + 1 + len(m.DateTime) + berLengthSize(oi) + oi + berLengthSize(len(m.Payload))
	return n
}

// appendHeader appends the grouping header from DF through the content
// length.
func (m *Message) appendHeader(b []byte) ([]byte, error) {
	if m.DateTime != nil && len(m.DateTime) != 12 {
		return nil, fmt.Errorf("encode grouping header: %w: date-time of %d bytes", ErrLength, len(m.DateTime))
	}
	b = append(b, TagGeneralSigning)
	b = m.TransactionID.appendTo(b)
	b = append(b, 8)
	b = append(b, m.Originator[:]...)
	b = append(b, 8)
	b = append(b, m.Recipient[:]...)
	b = append(b, byte(len(m.DateTime)))
	b = append(b, m.DateTime...)
	var err error
	b, err = m.OtherInfo.appendTo(b)
	if err != nil {
		return nil, err
	}
	return appendBERLength(b, len(m.Payload)), nil
}

func (m *Message) appendSigning(b []byte) ([]byte, error) {
	b, err := m.appendHeader(b)
	if err != nil {
		return nil, err
	}
	b = append(b, m.Payload...)
	if m.SignatureOmitted {
		return b, nil
	}
	b = appendBERLength(b, len(m.Signature))
	return append(b, m.Signature...), nil
}

// Reply returns the response skeleton to command m, as a device builds
// it: originator and recipient swapped, CRA Response, the same originator
// counter and other-information, the given payload, a null signature and
// the same framing. Sign and Seal it as the use case requires.
func (m *Message) Reply(payload []byte) *Message {
	r := &Message{
		Kind:            m.Kind,
		SecurityControl: m.SecurityControl,
		TransactionID:   TransactionID{CRA: CRAResponse, Counter: m.Counter},
		Originator:      m.Recipient,
		Recipient:       m.Originator,
		OtherInfo:       m.OtherInfo,
		Payload:         payload,
		Signature:       Hex{},
	}
	if r.Kind == FrameGeneralCiphering {
		r.MAC = make(Hex, MACSize)
	}
	return r
}
