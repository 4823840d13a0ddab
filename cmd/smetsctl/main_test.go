package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/app"
	"github.com/smetskit/smetskit/serial"
)

// smetsctl runs one command line in-process.
func smetsctl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), &env{stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := smetsctl(t, "version")
	if code != 0 || !strings.Contains(out, app.Version) {
		t.Errorf("version = %d, %q; want 0 and the version %s", code, out, app.Version)
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, c := range commands() {
		code, _, errOut := smetsctl(t, c.name, "--help")
		if code != 0 || !strings.Contains(errOut, "Usage: smetsctl "+c.name) {
			t.Errorf("%s --help = %d, %q; want 0 and a usage line", c.name, code, errOut)
		}
	}
	code, out, _ := smetsctl(t, "help")
	if code != 0 {
		t.Errorf("help exit = %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help does not list %q", c.name)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	code, _, errOut := smetsctl(t, "frobnicate")
	if code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command = %d, %q", code, errOut)
	}
}

func TestPortsJSONAndTable(t *testing.T) {
	listPorts = func() ([]serial.PortInfo, error) {
		return []serial.PortInfo{{Name: "/dev/ttyUSB0", USB: true, VID: 0x0403, PID: 0x6001, SerialNumber: "A1", Chip: "FTDI FT232R"}}, nil
	}
	t.Cleanup(func() { listPorts = serial.List })

	code, out, _ := smetsctl(t, "ports", "--json")
	var got []serial.PortInfo
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 1 || got[0].VID != 0x0403 {
		t.Errorf("ports --json = %d, %q", code, out)
	}
	code, out, _ = smetsctl(t, "ports")
	if code != 0 || !strings.Contains(out, "0403:6001") || !strings.Contains(out, "FTDI FT232R") {
		t.Errorf("ports = %d, %q", code, out)
	}

	listPorts = func() ([]serial.PortInfo, error) { return nil, errors.New("enumerator broke") }
	code, _, errOut := smetsctl(t, "ports")
	if code != 1 || !strings.Contains(errOut, "enumerator broke") {
		t.Errorf("ports with failing enumerator = %d, %q", code, errOut)
	}
}

func TestPortsOnThisMachine(t *testing.T) {
	code, out, errOut := smetsctl(t, "ports", "--json")
	if code != 0 {
		t.Fatalf("ports --json = %d, %s", code, errOut)
	}
	var got []serial.PortInfo
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Errorf("ports --json printed %q: %v", out, err)
	}
}

func TestReadInput(t *testing.T) {
	dir := t.TempDir()
	hexFile := filepath.Join(dir, "msg.hex")
	os.WriteFile(hexFile, []byte("7E A0 07\n03 21 93 0F 01 7E\n"), 0o644)
	rawFile := filepath.Join(dir, "msg.bin")
	os.WriteFile(rawFile, []byte{0x7E, 0xFF, 0x7E}, 0o644)
	tests := []struct {
		name, arg string
		want      []byte
		wantErr   bool
	}{
		{name: "hex argument", arg: "7EA0 0703", want: []byte{0x7E, 0xA0, 0x07, 0x03}},
		{name: "hex file", arg: hexFile, want: []byte{0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E}},
		{name: "raw file", arg: rawFile, want: []byte{0x7E, 0xFF, 0x7E}},
		{name: "not hex", arg: "hello", wantErr: true},
		{name: "odd digits", arg: "7E0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readInput(tt.arg)
			if (err != nil) != tt.wantErr || !bytes.Equal(got, tt.want) {
				t.Errorf("readInput(%q) = %X, %v; want %X (error %v)", tt.arg, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDecodeUsage(t *testing.T) {
	code, _, errOut := smetsctl(t, "decode", "no-such-kind", "00")
	if code != 2 || !strings.Contains(errOut, "unknown kind") {
		t.Errorf("decode with unknown kind = %d, %q", code, errOut)
	}
	if code, _, _ := smetsctl(t, "decode"); code != 2 {
		t.Errorf("decode with no arguments = %d, want 2", code)
	}
}
