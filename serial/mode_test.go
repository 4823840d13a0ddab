package serial

import (
	"testing"

	bugst "go.bug.st/serial"
)

var formatTests = []struct {
	name   string
	in     string
	data   int
	parity Parity
	stop   StopBits
	ok     bool
}{
	{"IEC 62056-21 sign-on", "7E1", 7, EvenParity, OneStopBit, true},
	{"mode E HDLC", "8N1", 8, NoParity, OneStopBit, true},
	{"even 8 bits", "8E1", 8, EvenParity, OneStopBit, true},
	{"odd 7 bits", "7O1", 7, OddParity, OneStopBit, true},
	{"two stop bits", "8N2", 8, NoParity, TwoStopBits, true},
	{"one and a half", "5M1.5", 5, MarkParity, OnePointFiveStopBits, true},
	{"lower case parity", "7e1", 7, EvenParity, OneStopBit, true},
	{"space parity", "6S1", 6, SpaceParity, OneStopBit, true},
	{"empty", "", 0, 0, 0, false},
	{"nine bits", "9N1", 0, 0, 0, false},
	{"bad parity", "8X1", 0, 0, 0, false},
	{"bad stop", "8N3", 0, 0, 0, false},
	{"too long", "8N1.55", 0, 0, 0, false},
	{"stop only half", "8N1.", 0, 0, 0, false},
}

func TestParseFormat(t *testing.T) {
	for _, tt := range formatTests {
		t.Run(tt.name, func(t *testing.T) {
			d, p, s, err := ParseFormat(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseFormat(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if d != tt.data || p != tt.parity || s != tt.stop {
				t.Errorf("ParseFormat(%q) = %d, %d, %d, want %d, %d, %d", tt.in, d, p, s, tt.data, tt.parity, tt.stop)
			}
			m := Mode{Baud: 300, DataBits: d, Parity: p, StopBits: s}
			if d2, p2, s2, err := ParseFormat(m.Format()); err != nil || d2 != d || p2 != p || s2 != s {
				t.Errorf("ParseFormat(Format(%q) = %q) = %d, %d, %d, %v", tt.in, m.Format(), d2, p2, s2, err)
			}
		})
	}
}

// FuzzParseFormat: no input panics, and every accepted format round-trips
// through Mode.Format.
func FuzzParseFormat(f *testing.F) {
	for _, tt := range formatTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, p, st, err := ParseFormat(s)
		if err != nil {
			return
		}
		m, err := ModeFor(9600, s)
		if err != nil {
			t.Fatalf("ParseFormat(%q) ok but ModeFor = %v", s, err)
		}
		d2, p2, s2, err := ParseFormat(m.Format())
		if err != nil || d2 != d || p2 != p || s2 != st {
			t.Fatalf("round trip %q → %q → %d %d %d %v", s, m.Format(), d2, p2, s2, err)
		}
	})
}

func TestBugstMode7E1(t *testing.T) {
	m, err := ModeFor(300, Format7E1)
	if err != nil {
		t.Fatal(err)
	}
	bm := m.bugstMode()
	want := bugst.Mode{BaudRate: 300, DataBits: 7, Parity: bugst.EvenParity, StopBits: bugst.OneStopBit}
	if *bm != want {
		t.Errorf("bugstMode(7E1) = %+v, want %+v", *bm, want)
	}
	m = Mode{Baud: 9600, Lines: &Lines{DTR: true}}
	bm = m.bugstMode()
	if bm.DataBits != 8 || bm.InitialStatusBits == nil || !bm.InitialStatusBits.DTR || bm.InitialStatusBits.RTS {
		t.Errorf("bugstMode(8N1 with DTR) = %+v", *bm)
	}
	if got := m.String(); got != "9600 Bd 8N1" {
		t.Errorf("String() = %q", got)
	}
}
