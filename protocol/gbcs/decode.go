package gbcs

import (
	"fmt"
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
