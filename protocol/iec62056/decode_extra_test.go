package iec62056

import (
	"encoding/json"
	"testing"
)

func TestDecodeHex(t *testing.T) {
	// PROTOCOLS.md §1.6: B0 exit 01 42 30 03 71.
	d, err := DecodeHex("0x01 42 30 03 71")
	if err != nil || d.Kind != KindCommand || d.Command.Name() != "B0" {
		t.Fatalf("DecodeHex = %+v, %v", d, err)
	}
	if _, err := DecodeHex("zz"); err == nil {
		t.Errorf("DecodeHex(zz) gave no error")
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"command","ascii":"\\x01B0\\x03q","bcc":"0x71","bcc_ok":true,"meaning":"break (exit programming mode) command B0","command":{"command":"B","type":"0","data":"","no_data":true}}`
	if string(b) != want {
		t.Errorf("json = %s\nwant   %s", b, want)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Op: "read out", Kind: KindGarbled, Err: &SyntaxError{Offset: 12, Err: ErrBCC}}
	if got, want := e.Error(), "read out: decode at offset 12: iec62056: bad block check character"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := (&Error{Op: "sign on", Kind: KindNoAnswer}).Error(); got != "iec62056: sign on: no answer" {
		t.Errorf("Error() without cause = %q", got)
	}
	for k := KindOther; k <= KindCanceled; k++ {
		if k.String() == "" || k.String()[0] == 'k' {
			t.Errorf("Kind(%d).String() = %q", k, k.String())
		}
	}
	if Kind(200).String() != "kind(200)" {
		t.Errorf("unknown kind = %q", Kind(200).String())
	}
}

func TestLookupAndOBISText(t *testing.T) {
	ro := &Readout{Records: []Record{{Address: "1.8.0", OBIS: &OBIS{1, 0, 1, 8, 0, 255}, Values: []Value{{"5", "kWh"}}}}}
	for _, addr := range []string{"1.8.0", "1-0:1.8.0*255", "1-0:1.8.0"} {
		if r, ok := ro.Lookup(addr); !ok || r.Values[0].Value != "5" {
			t.Errorf("Lookup(%q) = %+v, %v", addr, r, ok)
		}
	}
	if _, ok := ro.Lookup("2.8.0"); ok {
		t.Errorf("Lookup(2.8.0) found a record")
	}
	var o OBIS
	if err := o.UnmarshalText([]byte("C.1.0")); err != nil || o != (OBIS{0, 0, 96, 1, 0, 255}) {
		t.Errorf("UnmarshalText(C.1.0) = %v, %v", o, err)
	}
	if err := o.UnmarshalText([]byte("x")); err == nil {
		t.Errorf("UnmarshalText(x) gave no error")
	}
	var c Char
	if err := c.UnmarshalText([]byte("5")); err != nil || c != '5' || c.String() != "5" {
		t.Errorf("Char.UnmarshalText(5) = %v, %v", c, err)
	}
	if err := c.UnmarshalText([]byte("55")); err == nil {
		t.Errorf("Char.UnmarshalText(55) gave no error")
	}
}
