package cosem

import (
	"errors"
	"testing"
)

func TestParseOBIS(t *testing.T) {
	want := OBIS{1, 0, 1, 8, 0, 255} // PROTOCOLS.md §7: 1-0:1.8.0*255 → 01 00 01 08 00 FF
	for _, s := range []string{"1-0:1.8.0*255", "1-0:1.8.0&255", "1-0:1.8.0", "1.0.1.8.0.255", "1.0.1.8.0", " 1.0.1.8.0.255 ", "0100010800FF", "0100010800ff"} {
		got, err := ParseOBIS(s)
		if err != nil || got != want {
			t.Errorf("ParseOBIS(%q) = %v, %v, want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "1-0:1.8", "1-0:1.8.0.0*255", "1.0.1.8", "1.0.1.8.0.256", "1-0-1.8.0", "a.b.c.d.e.f", "1.0.1.8.0.255.1", "0100010800FG", "1-0:1.8.0*"} {
		if _, err := ParseOBIS(s); !errors.Is(err, ErrBadOBIS) {
			t.Errorf("ParseOBIS(%q) error %v, want ErrBadOBIS", s, err)
		}
	}
	if s := want.String(); s != "1-0:1.8.0*255" {
		t.Errorf("String() = %q", s)
	}
	if s := want.Dotted(); s != "1.0.1.8.0.255" {
		t.Errorf("Dotted() = %q", s)
	}
	var o OBIS
	if err := o.UnmarshalText([]byte("0.0.1.0.0.255")); err != nil || o.Name() != "Clock" {
		t.Errorf("UnmarshalText clock: %v %v", o, err)
	}
	if b, _ := o.MarshalText(); string(b) != "0-0:1.0.0*255" {
		t.Errorf("MarshalText = %s", b)
	}
	if _, err := OBISFromBytes([]byte{1, 2, 3}); !errors.Is(err, ErrBadOBIS) {
		t.Errorf("OBISFromBytes(3 bytes) = %v", err)
	}
}

func TestOBISNames(t *testing.T) {
	tests := []struct {
		obis, name string
	}{
		{"0-0:1.0.0*255", "Clock"},
		{"0-0:42.0.0*255", "COSEM logical device name"},
		{"0-0:40.0.0*255", "Current association (Association LN)"},
		{"0-0:40.0.3*255", "Association LN 3"},
		{"1-0:1.8.0*255", "Active energy import (+A), total"},
		{"1-0:1.8.2*255", "Active energy import (+A), rate 2"},
		{"1-0:2.8.1*3", "Active energy export (−A), rate 1, billing period 3"},
		{"0-0:96.3.10*255", "Disconnect control"},
		{"1-0:99.1.0*255", "Load profile 1"},
		{"0-0:43.1.1*255", "Invocation counter 1"},
		{"0-1:24.2.1*255", "M-Bus channel 1 value (DSMR gas reading)"},
		{"9-9:9.9.9*9", ""},
	}
	for _, tt := range tests {
		if got := MustOBIS(tt.obis).Name(); got != tt.name {
			t.Errorf("Name(%s) = %q, want %q", tt.obis, got, tt.name)
		}
	}
}

func FuzzParseOBIS(f *testing.F) {
	for _, s := range []string{"1-0:1.8.0*255", "1.0.1.8.0", "0100010800FF", "1-0:", "...", "1-0:1.8.0&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOBIS(s)
		if err != nil {
			return
		}
		for _, form := range []string{o.String(), o.Dotted()} {
			back, err := ParseOBIS(form)
			if err != nil || back != o {
				t.Fatalf("ParseOBIS(%q) = %v, %v, want %v (from %q)", form, back, err, o, s)
			}
		}
		_ = o.Name()
	})
}
