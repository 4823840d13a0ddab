package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
)

// decoder turns message bytes into a JSON-marshalable decode: the same
// structure the package's conformance tests compare.
type decoder struct {
	about  string
	decode func(b []byte) (any, error)
}

// decoders maps `smetsctl decode <kind>` to its decoder.
var decoders = map[string]decoder{}

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
	fs := newFlags(e, "decode", "<kind> <hex|file>", about)
	if err := parseFlags(fs, args); err != nil {
		return err
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
	out, err := d.decode(in)
	if err != nil {
		return fmt.Errorf("decode %s: %w", fs.Arg(0), err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
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
