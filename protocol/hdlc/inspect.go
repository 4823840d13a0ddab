package hdlc

import (
	"bytes"
	"encoding/hex"
	"strings"
)

// LLC headers of IEC 62056-46 (PROTOCOLS.md §2.1): destination LSAP E6,
// source LSAP E6 (command, client to server) or E7 (response), quality 00.
// They open the information field of the first segment of an APDU.
var (
	LLCClient = []byte{0xE6, 0xE6, 0x00}
	LLCServer = []byte{0xE6, 0xE7, 0x00}
)

// Decoded is a frame described for people and tools: `smetsctl decode hdlc`
// prints it as JSON, and the conformance test compares it with the decode
// recorded beside each vector. Hex strings are lower-case.
type Decoded struct {
	Length         int     `json:"length"`
	Segmented      bool    `json:"segmented"`
	Dst            string  `json:"dst"`
	Src            string  `json:"src"`
	DstDecoded     []int   `json:"dst_decoded"`
	SrcDecoded     []int   `json:"src_decoded"`
	Control        string  `json:"control"`
	ControlDecoded string  `json:"control_decoded"`
	Info           string  `json:"info"`
	LLC            string  `json:"llc,omitempty"`
	APDU           string  `json:"apdu,omitempty"`
	Params         *Params `json:"params,omitempty"`
}

// Inspect decodes one whole frame (both flags included) into a Decoded.
// An I or UI frame whose information field starts with an LLC header gets
// LLC and APDU; an SNRM or UA frame with an information field gets Params.
func Inspect(frame []byte) (Decoded, error) {
	f, err := DecodeFrame(frame)
	if err != nil {
		return Decoded{}, err
	}
	a := 3 // after flag and format
	d := Decoded{
		Length:         f.EncodedLen(),
		Segmented:      f.Segmented,
		Dst:            hex.EncodeToString(frame[a : a+f.Dst.Size]),
		Src:            hex.EncodeToString(frame[a+f.Dst.Size : a+f.Dst.Size+f.Src.Size]),
		DstDecoded:     f.Dst.Decoded(),
		SrcDecoded:     f.Src.Decoded(),
		Control:        hex.EncodeToString([]byte{byte(f.Control)}),
		ControlDecoded: f.Control.String(),
		Info:           hex.EncodeToString(f.Info),
	}
	switch f.Control.Kind() {
	case KindI, KindUI:
		if len(f.Info) >= 3 && (bytes.HasPrefix(f.Info, LLCClient) || bytes.HasPrefix(f.Info, LLCServer)) {
			d.LLC = hex.EncodeToString(f.Info[:3])
			d.APDU = hex.EncodeToString(f.Info[3:])
		}
	case KindSNRM, KindUA:
		if len(f.Info) > 0 {
			p, err := ParseParams(f.Info)
			if err != nil {
				return d, err
			}
			d.Params = &p
		}
	}
	return d, nil
}

// InspectHex is Inspect for a hex string; spaces, colons and a 0x prefix
// are ignored.
func InspectHex(s string) (Decoded, error) {
	s = strings.NewReplacer(" ", "", ":", "", "\n", "", "\t", "").Replace(strings.TrimPrefix(strings.TrimSpace(s), "0x"))
	b, err := hex.DecodeString(s)
	if err != nil {
		return Decoded{}, &FrameError{Op: "decode hex", Offset: 0, Err: err}
	}
	return Inspect(b)
}
