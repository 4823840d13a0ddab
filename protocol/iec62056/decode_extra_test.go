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
