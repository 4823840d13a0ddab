package gbcs

import (
	"fmt"
	"strings"
)

// Decoded is the full decode of one GBCS message, shaped for JSON output
// (smetsctl decode gbcs). Header fields are always set when Decode
// succeeds; a payload that does not decode leaves Payload partly empty and
// the reason in PayloadError, so the header is still shown.
type Decoded struct {
	Length int `json:"length"`
	// Blocks describes the GBT blocks when the input was a block stream.
	Blocks []BlockInfo `json:"blocks,omitempty"`

	Header *Message `json:"header"`

	MessageCode MessageCode `json:"messageCode"`
	UseCase     string      `json:"useCase,omitempty"`
	Title       string      `json:"title,omitempty"`

	Payload      *Payload      `json:"payload,omitempty"`
	PayloadError string        `json:"payloadError,omitempty"`
	Facts        *InstallFacts `json:"facts,omitempty"`
}

// BlockInfo summarises one GBT block of a reassembled message.
type BlockInfo struct {
	Number uint16 `json:"number"`
	Last   bool   `json:"last,omitempty"`
	Length int    `json:"length"`
}

// DecodeText decodes a GBCS message given as text: hex with any whitespace
// and newlines (a .HEX file or a command-line argument), DCC GFI lines, or
// base64 (see ReadText). It is the entry point of `smetsctl decode gbcs`.
func DecodeText(text string) (*Decoded, error) {
	b, err := ReadText([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("decode gbcs text: %w", err)
	}
	return Decode(b)
}

// Decode decodes a GBCS message: a General-Ciphering or General-Signing
// frame, or a General Block Transfer stream, which it reassembles first.
// Decoded.Header keeps slices into b.
func Decode(b []byte) (*Decoded, error) {
	d := &Decoded{Length: len(b)}
	if len(b) > 1 && b[0] == TagGeneralCiphering && b[1] != 0 {
		msg, blocks, err := Reassemble(b)
		if err != nil {
			return nil, err
		}
		for _, blk := range blocks {
			d.Blocks = append(d.Blocks, BlockInfo{Number: blk.Number, Last: blk.Last, Length: len(blk.Data)})
		}
		b = msg
	}
	m, err := Parse(b)
	if err != nil {
		return nil, err
	}
	d.Header = m
	d.MessageCode = m.MessageCode()
	d.UseCase = d.MessageCode.UseCaseID()
	d.Title = d.MessageCode.Title()
	p, err := DecodePayload(m)
	d.Payload = p
	if err != nil {
		d.PayloadError = err.Error()
		return d, nil
	}
	d.Facts = ExtractFacts(m, p)
	return d, nil
}

// Summary renders the decode as a few lines of text for a terminal: the
// frame, the route, the use case, the payload kind and the facts.
func (d *Decoded) Summary() string {
	var b strings.Builder
	h := d.Header
	fmt.Fprintf(&b, "%s %s, %d bytes", h.Kind, h.CRA, d.Length)
	if len(d.Blocks) > 0 {
		fmt.Fprintf(&b, " in %d GBT blocks", len(d.Blocks))
	}
	fmt.Fprintf(&b, "\n%s -> %s, originator counter %d\n", h.Originator, h.Recipient, h.Counter)
	fmt.Fprintf(&b, "message code %s\n", d.MessageCode)
	if id := h.OtherInfo.SupplementaryRemotePartyID; id != nil {
		fmt.Fprintf(&b, "on behalf of %s\n", id)
	}
	switch {
	case h.SignatureOmitted:
		b.WriteString("signature: none (pre-command)\n")
	case len(h.Signature) == 0:
		b.WriteString("signature: none\n")
	default:
		fmt.Fprintf(&b, "signature: %d bytes\n", len(h.Signature))
	}
	if d.Payload != nil {
		fmt.Fprintf(&b, "payload: %s, %d bytes\n", d.Payload.Kind, len(h.Payload))
	}
	if d.PayloadError != "" {
		fmt.Fprintf(&b, "payload error: %s\n", d.PayloadError)
	}
	if f := d.Facts; f != nil {
		if f.Action != "" {
			fmt.Fprintf(&b, "asks: %s", f.Action)
			if f.Target != nil {
				fmt.Fprintf(&b, " %s", f.Target)
			}
			if f.TargetType != "" {
				fmt.Fprintf(&b, " (%s)", f.TargetType)
			}
			if f.JoinMethod != "" {
				fmt.Fprintf(&b, ", %s", f.JoinMethod)
			}
			if f.JoinTimeout != 0 {
				fmt.Fprintf(&b, ", join window %d s", f.JoinTimeout)
			}
			b.WriteByte('\n')
		}
		if f.Outcome != "" {
			fmt.Fprintf(&b, "outcome: %s", f.Outcome)
			if len(f.Failures) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(f.Failures, "; "))
			}
			b.WriteByte('\n')
		}
		if f.AlertCode != nil {
			fmt.Fprintf(&b, "alert: %s\n", *f.AlertCode)
		}
		for _, r := range []*ResponseCode{f.JoinResult, f.UnjoinResult, f.FirmwareResult} {
			if r != nil {
				fmt.Fprintf(&b, "response code %d: %s\n", r.Code, r.Name)
			}
		}
		if f.FirmwareVersion != "" {
			fmt.Fprintf(&b, "firmware version: %s\n", f.FirmwareVersion)
		}
		if f.Manufacturer != "" || f.Model != "" {
			fmt.Fprintf(&b, "device: %s %s\n", f.Manufacturer, f.Model)
		}
		if f.DeviceTime != "" {
			fmt.Fprintf(&b, "device time: %s (%s)\n", f.DeviceTime, f.TimeStatus)
		}
		for _, e := range f.DeviceLog {
			fmt.Fprintf(&b, "device log: %s", e.EntityID)
			if e.DeviceType != "" {
				fmt.Fprintf(&b, " %s", e.DeviceType)
			}
			if e.Historic {
				b.WriteString(" (historic)")
			}
			if e.LastCommunication != "" {
				fmt.Fprintf(&b, ", last heard %s", e.LastCommunication)
			}
			if len(e.HashedLinkKey) > 0 {
				b.WriteString(", link key set")
			}
			if e.JoinResult != nil {
				fmt.Fprintf(&b, ", %s", e.JoinResult.Name)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}
