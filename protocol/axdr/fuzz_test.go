package axdr

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func seedDecoders(f *testing.F) {
	for _, tt := range valueTests {
		f.Add(unhex(f, tt.hex))
	}
	for _, s := range []string{
		"", "07", "01 82 FF FF 00", "09 80", "13 12 03 00 01 00", "04 09 FF",
		"02 02 0F FD 16 1E 09 0F", // scaler_unit and trailing bytes
		"13 02 04 0A 0F 10 14 0B 02 41 42 01 00 02 00 00 00 00 00 00 00 03",
	} {
		f.Add(unhex(f, s))
	}
	f.Add(profileBuffer(f, 3))
}

// dirty is a value that sets every field of the Values it builds.
var dirty = []byte{0x01, 0x04, 0x09, 0x02, 0xAA, 0xBB, 0x04, 0x09, 0xFF, 0x80, 0x0A, 0x01, 0x41,
	0x13, 0x02, 0x02, 0x09, 0x11, 0x03, 0x01, 0xCC, 0x07}

// FuzzDecode checks the tree decoder: no panic, Skip agrees with Decode,
// the Values built stay within a fixed multiple of the input, and
// Decode(Encode(v)) == v.
func FuzzDecode(f *testing.F) {
	seedDecoders(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		v, n, err := Decode(in)
		sn, nodes, serr := skip(in, 0, 0)
		if (err == nil) != (serr == nil) {
			t.Fatalf("Decode(%x) error %v but skip error %v", in, err, serr)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(in) {
				t.Fatalf("Decode(%x) error %v is not an *Error with an offset inside the input", in, err)
			}
			return
		}
		if n <= 0 || n > len(in) || n != sn {
			t.Fatalf("Decode(%x) consumed %d, skip %d, input %d", in, n, sn, len(in))
		}
		if nodes > maxCompactExpansion*n {
			t.Fatalf("Decode(%x): %d Values from %d bytes", in, nodes, n)
		}
		enc, err := Append(nil, v)
		if err != nil {
			t.Fatalf("Append(Decode(%x)): %v", in, err)
		}
		v2, n2, err := Decode(enc)
		if err != nil || n2 != len(enc) || !v2.Equal(v) {
			t.Fatalf("Decode(Encode(%v)) = %v, %d, %v", v, v2, n2, err)
		}
		if !bytes.Equal(enc, in[:n]) {
			t.Fatalf("Append(Decode(%x)) = %x, want the same bytes", in[:n], enc)
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("json.Marshal(%v): %v", v, err)
		}
		// a Decoder that held another tree must not leak it into this one
		var d Decoder
		if _, _, err := d.Decode(dirty); err != nil {
			t.Fatal(err)
		}
		if v3, n3, err := d.Decode(in); err != nil || n3 != n || !v3.Equal(v) {
			t.Fatalf("Decoder.Decode(%x) = %v, %d, %v", in, v3, n3, err)
		}
	})
}

// FuzzReader walks arbitrary input with the streaming Reader, driven by
// PeekType, and checks it ends where Skip does.
func FuzzReader(f *testing.F) {
	seedDecoders(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(in)
		werr := walk(r, 0)
		n, serr := Skip(in)
		if (werr == nil) != (serr == nil) {
			t.Fatalf("walk(%x) error %v, Skip error %v", in, werr, serr)
		}
		if werr == nil && r.Offset() != n {
			t.Fatalf("walk(%x) ended at %d, Skip at %d", in, r.Offset(), n)
		}
		// typed reads on arbitrary bytes must fail cleanly, not panic
		for _, read := range []func(*Reader) error{
			func(r *Reader) error { _, err := r.Uint32(); return err },
			func(r *Reader) error { _, err := r.DateTime(); return err },
			func(r *Reader) error { _, err := r.OctetStringBytes(); return err },
			func(r *Reader) error { _, _, err := r.Integer(); return err },
			func(r *Reader) error { _, err := r.EnterStructure(); return err },
			func(r *Reader) error { _, err := r.ReadValue(); return err },
		} {
			r := NewReader(in)
			for read(r) == nil && r.Remaining() > 0 {
			}
		}
	})
}

// walk reads one value with the typed Reader calls.
func walk(r *Reader, depth int) error {
	t, err := r.PeekType()
	if err != nil {
		return err
	}
	switch t {
	case TypeArray, TypeStructure:
		if depth >= MaxDepth {
			return ErrTooDeep
		}
		var n int
		if t == TypeArray {
			n, err = r.EnterArray()
		} else {
			n, err = r.EnterStructure()
		}
		if err != nil {
			return err
		}
		for range n {
			if err := walk(r, depth+1); err != nil {
				return err
			}
		}
		return nil
	case TypeCompactArray:
		_, err := r.ReadValue()
		return err
	case TypeDateTime:
		_, err := r.DateTime()
		return err
	}
	if integerType(t) {
		_, _, err := r.Integer()
		return err
	}
	_, err = r.Simple()
	return err
}

// FuzzLength checks ReadLength against AppendLength.
func FuzzLength(f *testing.F) {
	for _, s := range []string{"00", "7F", "81 80", "82 04 9E", "84 7F FF FF FF", "80", "85 00"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		n, size, err := ReadLength(in)
		if err != nil {
			return
		}
		if size > len(in) || n < 0 || n > MaxLength {
			t.Fatalf("ReadLength(%x) = %d, %d", in, n, size)
		}
		enc := AppendLength(nil, n)
		n2, size2, err := ReadLength(enc)
		if err != nil || n2 != n || size2 != len(enc) || len(enc) > size {
			t.Fatalf("ReadLength(AppendLength(%d)) = %d, %d, %v from %x", n, n2, size2, err, enc)
		}
		if bytes.Equal(in[:size], enc) != (size == LengthSize(n)) {
			t.Fatalf("minimal form of %d: %x vs %x", n, in[:size], enc)
		}
	})
}
