package probe

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// Identity values as meters send them: octet-string and visible-string
// (A-XDR tags 09 and 0A, PROTOCOLS.md §6.1), plus the LDN of the mode E
// exchange in PROTOCOLS.md §9.2.
var textTests = []struct {
	name string
	in   []byte
	want string
	ok   bool
}{
	{name: "octet-string LDN, PROTOCOLS.md §9.2", in: []byte{0x09, 0x10, 'G', 'R', 'X', '0', '0', '0', '0', '0', '0', '0', '1', '2', '3', '4', '5', '6'}, want: "GRX0000000123456", ok: true},
	{name: "visible-string serial", in: []byte{0x0A, 0x08, '2', '3', '1', '1', '0', '0', '0', '7'}, want: "23110007", ok: true},
	{name: "trailing bytes ignored", in: []byte{0x0A, 0x02, 'A', 'B', 0xFF, 0x00}, want: "AB", ok: true},
	{name: "control characters replaced", in: []byte{0x09, 0x03, 'A', 0x1B, 0x07}, want: "A??", ok: true},
	{name: "not text", in: []byte{0x11, 0x05}},
	{name: "truncated", in: []byte{0x09, 0x10, 'G'}},
	{name: "empty", in: nil},
}

func TestParseText(t *testing.T) {
	for _, tt := range textTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseText(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseText(%x) = %q, %v, want %q (ok %t)", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseText(f *testing.F) {
	for _, tt := range textTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseText(b)
		if err != nil {
			return
		}
		if !utf8.ValidString(s) || len(s) > 4*maxText {
			t.Fatalf("parseText(%x) = %q", b, s)
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7F {
				t.Fatalf("parseText(%x) = %q: control character left", b, s)
			}
		}
		// Round trip: printable text survives encoding as it was read.
		enc, err := axdr.Encode(axdr.OctetString([]byte(s)))
		if err != nil {
			t.Fatal(err)
		}
		if back, err := parseText(enc); err != nil || back != printableCut(s) {
			t.Fatalf("parseText(encode(%q)) = %q, %v", s, back, err)
		}
	})
}

// printableCut is s as parseText returns it again: at most maxText bytes,
// a rune cut there replaced.
func printableCut(s string) string {
	if len(s) <= maxText {
		return s
	}
	return printable([]byte(s)[:maxText])
}

// FuzzFileStore feeds arbitrary file contents to the store: Get must not
// panic, and a Put over whatever was there must read back.
func FuzzFileStore(f *testing.F) {
	f.Add([]byte(`{"version":1,"profiles":[{"manufacturer":"SMk","model":"SIM-E1","protocol":"mode-e","baud":300,"hdlc_address":{"logical":1,"size":1}}]}`))
	f.Add([]byte(`{"profiles":null}`))
	f.Add([]byte(`{not json`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "p.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s := NewFileStore(path)
		_, _, _ = s.Get("SMk", "SIM-E1")
		p := Profile{Manufacturer: "ABc", Model: "M\x00odel\"", Protocol: DirectHDLC, Baud: 9600, Address: &Address{Logical: 1, Physical: 17, Size: 2}}
		if err := s.Put(p); err != nil {
			t.Fatalf("Put over %q: %v", b, err)
		}
		got, ok, err := s.Get("abc", "M\x00odel\"")
		if err != nil || !ok || !reflect.DeepEqual(got, p) {
			t.Fatalf("Get after Put over %q = %+v, %v, %v", b, got, ok, err)
		}
	})
}

// scripted is a Port that returns the given reads in turn.
type scripted struct{ reads [][]byte }

func (s *scripted) Read(p []byte) (int, error) {
	if len(s.reads) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p, s.reads[0])
	s.reads = s.reads[1:]
	return n, nil
}
func (s *scripted) Write(p []byte) (int, error)        { return len(p), nil }
func (s *scripted) SetReadDeadline(time.Time) error    { return nil }
func (s *scripted) SetLine(baud int, fmt string) error { return nil }

func TestWatchedPortEcho(t *testing.T) {
	tests := []struct {
		name          string
		sent          string
		reads         []string
		echoes, other int64
	}{
		{name: "request echoed, then the identification", sent: "/?!\r\n", reads: []string{"/?!", "\r\n/SMk5\\2SIM\r\n"}, echoes: 1, other: 12},
		{name: "identification alone starts like the request", sent: "/?!\r\n", reads: []string{"/SMk5\r\n"}, other: 7},
		{name: "mode E confirmation is no echo", sent: "\x06252\r\n", reads: []string{"\x06252\r\n"}, other: 6},
		{name: "echo with the parity bit set", sent: "/?!\r\n", reads: []string{"\xaf?!\x8d\n"}, echoes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs [][]byte
			for _, r := range tt.reads {
				rs = append(rs, []byte(r))
			}
			w := &watchedPort{Port: &scripted{reads: rs}}
			w.Write([]byte(tt.sent))
			var buf [64]byte
			for range tt.reads {
				w.Read(buf[:])
			}
			if e, o := w.counts(); e != tt.echoes || o != tt.other {
				t.Errorf("after %q: echoes %d, other %d; want %d, %d", tt.reads, e, o, tt.echoes, tt.other)
			}
			if _, err := w.Read(buf[:]); err == nil || w.failed() != nil {
				t.Errorf("a time-out counted as a port failure: %v", w.failed())
			}
		})
	}
}

// FuzzWatchedPort: any received bytes are counted once, never panic.
func FuzzWatchedPort(f *testing.F) {
	f.Add([]byte("/?!\r\n"), []byte("/?!\r\n/SMk5\r\n"))
	f.Add([]byte{0x06, '2', '5', '2', '\r', '\n'}, []byte{0x06})
	f.Add([]byte{}, []byte{0x7E, 0xA0})
	f.Fuzz(func(t *testing.T, sent, got []byte) {
		w := &watchedPort{Port: &scripted{reads: [][]byte{got}}}
		w.Write(sent)
		buf := make([]byte, len(got)+1)
		n, _ := w.Read(buf)
		e, o := w.counts()
		if e > 1 || o > int64(n) || (e == 1 && int(o)+min(len(sent), maxEcho) != n) {
			t.Fatalf("sent %x got %x: echoes %d other %d of %d", sent, got, e, o, n)
		}
		if !bytes.Equal(buf[:n], got) {
			t.Fatalf("Read changed the bytes")
		}
	})
}
