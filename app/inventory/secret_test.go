package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/protocol/duis"
)

var (
	testKey = bytes.Repeat([]byte{0x42}, 32)
	// Device IDs and the 8.11 template install code are facts re-typed
	// from DOMAIN.md §2 and §6.2.
	esme = duis.EUI64{0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0xA0}
	gsme = duis.EUI64{0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0xA1}
	code = InstallCode([]byte("0123456789ABCDEF"))
)

func TestSealRoundTrip(t *testing.T) {
	s, err := NewSealer(testKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal(esme, code)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, code) {
		t.Fatalf("sealed bytes contain the install code")
	}
	got, err := s.Open(esme, sealed)
	if err != nil || !bytes.Equal(got, code) {
		t.Fatalf("Open(Seal(x)) = %x, %v", got.Bytes(), err)
	}
	if _, err := s.Open(gsme, sealed); !errors.Is(err, ErrUnseal) {
		t.Errorf("Open with another device = %v, want ErrUnseal", err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{1}, 32))
	if _, err := other.Open(esme, sealed); !errors.Is(err, ErrUnseal) {
		t.Errorf("Open with another key = %v, want ErrUnseal", err)
	}
	if _, err := s.Seal(esme, InstallCode{1, 2}); !errors.Is(err, ErrCodeSize) {
		t.Errorf("Seal(2 bytes) = %v, want ErrCodeSize", err)
	}
	if _, err := NewSealer([]byte("short")); !errors.Is(err, ErrKeySize) {
		t.Errorf("NewSealer(short) = %v", err)
	}
}

func TestInstallCodeNeverPrints(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "code", code)
	j, _ := json.Marshal(struct{ C InstallCode }{code})
	for _, s := range []string{fmt.Sprint(code), fmt.Sprintf("%v %+v %#v %s %x %q", code, code, code, code, code, code), buf.String(), string(j)} {
		if strings.Contains(s, "0123456789") || strings.Contains(s, "30313233") {
			t.Errorf("install code leaked: %s", s)
		}
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := NewSealer(testKey)
	sealed, _ := s.Seal(esme, code)
	f.Add(sealed)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := s.Open(esme, data); err == nil {
			re, err := s.Seal(esme, c)
			if err != nil {
				t.Fatalf("opened code does not seal again: %v", err)
			}
			if back, err := s.Open(esme, re); err != nil || !bytes.Equal(back, c) {
				t.Fatalf("round trip lost the code")
			}
		}
	})
}

func TestMaskMPxN(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"MPAN", "1312345678111", "*********8111"},
		{"short MPRN", "1234", "****"},
		{"MPRN", "7654321", "***4321"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		if got := MaskMPxN(tc.in); got != tc.want {
			t.Errorf("%s: MaskMPxN(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestSealBytes(t *testing.T) {
	s, err := NewSealer(testKey)
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte{9}, 32)
	b, err := s.SealBytes([]byte("seal key 1"), secret)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.OpenBytes([]byte("seal key 1"), b); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("OpenBytes = %x, %v", got, err)
	}
	if _, err := s.OpenBytes([]byte("seal key 2"), b); !errors.Is(err, ErrUnseal) {
		t.Errorf("other ad: %v", err)
	}
	if _, err := s.OpenBytes(nil, b[:10]); !errors.Is(err, ErrUnseal) {
		t.Errorf("short: %v", err)
	}
	if _, err := s.SealBytes(nil, make([]byte, MaxSecretBytes+1)); err == nil {
		t.Error("sealed more than MaxSecretBytes")
	}
}
