package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/protocol/gbcs"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/protocol/iec62056"
)

// decoder turns message bytes into a JSON-marshalable decode: the same
// structure the package's conformance tests compare.
type decoder struct {
	about  string
	decode func(b []byte, o decodeOptions) (any, error)
}

// decodeOptions carry what ciphered messages need to be opened.
type decodeOptions struct {
	keys        dlms.Keys
	systemTitle []byte
}

// decoders maps `smetsctl decode <kind>` to its decoder.
var decoders = map[string]decoder{
	"hdlc": {about: "an HDLC frame (IEC 62056-46), both 7E flags included", decode: func(b []byte, _ decodeOptions) (any, error) {
		return hdlc.Inspect(b)
	}},
	"iec21": {about: "an IEC 62056-21 message (request, identification, option select, readout, command)", decode: func(b []byte, _ decodeOptions) (any, error) {
		return iec62056.Decode(b)
	}},
	"wrapper": {about: "an IEC 62056-47 wrapper frame (TCP/UDP header and APDU)", decode: decodeWrapper},
	"axdr":    {about: "one tagged A-XDR Data value", decode: decodeAXDR},
	"apdu": {about: "a DLMS/COSEM APDU (ACSE or xDLMS; ciphered ones opened with --key/--auth-key/--system-title)", decode: func(b []byte, o decodeOptions) (any, error) {
		return dlms.Explain(b, dlms.ExplainOptions{Keys: o.keys, SystemTitle: o.systemTitle})
	}},
	"duis": {about: "a DUIS request, response or alert (XML)", decode: decodeDUIS},
	"gbcs": {about: "a GBCS message (General-Ciphering, General-Signing or GBT; a file may hold hex, GFI lines or base64)", decode: decodeGBCS},
}

// decodeGBCS decodes binary GBCS, or, when the bytes are a text file that
// was not plain hex, reads them as GFI lines or base64.
func decodeGBCS(b []byte, _ decodeOptions) (any, error) {
	d, err := gbcs.Decode(b)
	if err == nil {
		return d, nil
	}
	if utf8.Valid(b) {
		if d, terr := gbcs.DecodeText(string(b)); terr == nil {
			return d, nil
		}
	}
	return nil, err
}

// duisDecode is what `decode duis` prints: the document with its kind and,
// for a request, the catalogue entry of its variant.
type duisDecode struct {
	Kind        string         `json:"kind"` // "request" or "response"
	Variant     string         `json:"variant,omitempty"`
	Name        string         `json:"name,omitempty"`
	BodyElement string         `json:"body_element,omitempty"`
	Problems    []string       `json:"problems,omitempty"`
	Request     *duis.Request  `json:"request,omitempty"`
	Response    *duis.Response `json:"response,omitempty"`
}

func decodeDUIS(b []byte, _ decodeOptions) (any, error) {
	d, err := duis.ParseDocument(b)
	if err != nil {
		return nil, err
	}
	out := duisDecode{Kind: "response", Request: d.Request, Response: d.Response}
	if d.Request != nil {
		out.Kind = "request"
		out.Variant = d.Request.Header.ServiceReferenceVariant
		if v, ok := d.Request.Variant(); ok {
			out.Name, out.BodyElement = v.Name, v.BodyElement
		}
	}
	for _, p := range d.Validate() {
		out.Problems = append(out.Problems, p.String())
	}
	return out, nil
}

// decodeWrapper decodes one wrapper frame and explains its APDU.
func decodeWrapper(b []byte, o decodeOptions) (any, error) {
	f, n, err := dlms.ParseWrapperFrame(b)
	if err != nil {
		return nil, err
	}
	out := struct {
		Version          uint16            `json:"version"`
		SourceWPort      uint16            `json:"source_wport"`
		DestinationWPort uint16            `json:"destination_wport"`
		Length           int               `json:"length"`
		APDU             *dlms.Explanation `json:"apdu,omitempty"`
		APDUError        string            `json:"apdu_error,omitempty"`
		Trailing         string            `json:"trailing,omitempty"`
	}{Version: f.Version, SourceWPort: f.Source, DestinationWPort: f.Destination, Length: len(f.APDU)}
	if e, err := dlms.Explain(f.APDU, dlms.ExplainOptions{Keys: o.keys, SystemTitle: o.systemTitle}); err != nil {
		out.APDUError = err.Error()
	} else {
		out.APDU = e
	}
	if n < len(b) {
		out.Trailing = hex.EncodeToString(b[n:])
	}
	return out, nil
}

// decodeAXDR decodes one Data value and reports any bytes after it.
func decodeAXDR(b []byte, _ decodeOptions) (any, error) {
	v, n, err := axdr.Decode(b)
	if err != nil {
		return nil, err
	}
	if n == len(b) {
		return v, nil
	}
	return struct {
		Value    axdr.Value `json:"value"`
		Trailing string     `json:"trailing"`
	}{v, hex.EncodeToString(b[n:])}, nil
}

func decoderKinds() []string {
	kinds := make([]string, 0, len(decoders))
	for k := range decoders {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

func runDecode(ctx context.Context, e *env, args []string) error {
	about := "Decode one protocol message and print the decode as JSON.\n" +
		"The input is hex on the command line (spaces allowed), or a file holding hex text or raw bytes.\n\nKinds:"
	for _, k := range decoderKinds() {
		about += fmt.Sprintf("\n  %-8s %s", k, decoders[k].about)
	}
	fs := newFlags(e, "decode", "[--key HEX --auth-key HEX --system-title HEX] <kind> <hex|file>", about)
	key := fs.String("key", "", "global unicast encryption key (hex) for ciphered APDUs")
	authKey := fs.String("auth-key", "", "authentication key (hex) for ciphered APDUs")
	title := fs.String("system-title", "", "sender's system title (hex), when the APDU does not carry it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var o decodeOptions
	for _, f := range []struct {
		name string
		in   string
		out  *[]byte
	}{{"--key", *key, &o.keys.EK}, {"--auth-key", *authKey, &o.keys.AK}, {"--system-title", *title, &o.systemTitle}} {
		if f.in == "" {
			continue
		}
		b, err := parseHex(f.in)
		if err != nil {
			fmt.Fprintf(e.stderr, "%s: not hex\n", f.name)
			return errUsage
		}
		*f.out = b
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	d, ok := decoders[fs.Arg(0)]
	if !ok {
		fmt.Fprintf(e.stderr, "unknown kind %q; kinds: %s\n", fs.Arg(0), strings.Join(decoderKinds(), ", "))
		return errUsage
	}
	in, err := readInput(fs.Arg(1))
	if err != nil {
		return err
	}
	out, err := d.decode(in, o)
	if err != nil {
		return fmt.Errorf("decode %s: %w", fs.Arg(0), err)
	}
	return writeJSON(e.stdout, out)
}

// readInput returns the bytes named by arg: a file (hex text or raw bytes)
// or a hex string.
func readInput(arg string) ([]byte, error) {
	if b, err := os.ReadFile(arg); err == nil {
		if h, err := parseHex(string(b)); err == nil {
			return h, nil
		}
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	b, err := parseHex(arg)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a file nor hex: %w", shorten(arg), err)
	}
	return b, nil
}

// parseHex decodes hex text, ignoring white space, colons and dashes.
func parseHex(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == ':' || r == '-' {
			return -1
		}
		return r
	}, s)
	clean = strings.TrimPrefix(strings.TrimPrefix(clean, "0x"), "0X")
	if clean == "" {
		return nil, errors.New("no hex digits")
	}
	return hex.DecodeString(clean)
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
