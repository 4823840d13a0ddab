package diagnose

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"
)

// sntpAnswer builds a server answer (RFC 4330 §4 layout) for req with
// transmit time t.
func sntpAnswer(req []byte, t time.Time) []byte {
	b := make([]byte, 48)
	b[0], b[1] = 0x24, 2 // version 4, mode 4; stratum 2
	copy(b[24:32], req[40:48])
	binary.BigEndian.PutUint64(b[40:], ntpTime(t))
	return b
}

func TestSNTP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no UDP: %v", err)
	}
	defer pc.Close()
	serverTime := time.Date(2026, 7, 14, 9, 41, 0, 0, time.UTC)
	go func() {
		buf := make([]byte, 64)
		n, from, err := pc.ReadFrom(buf)
		if err != nil || n < 48 {
			return
		}
		_, _ = pc.WriteTo(sntpAnswer(buf[:n], serverTime), from)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := SNTP(ctx, pc.LocalAddr().String(), nil)
	if err != nil {
		t.Fatalf("SNTP: %v", err)
	}
	if d := got.Sub(serverTime); d < 0 || d > 5*time.Second {
		t.Errorf("SNTP = %v, want %v plus half a round trip", got, serverTime)
	}
}

func TestParseSNTP(t *testing.T) {
	req := make([]byte, 48)
	binary.BigEndian.PutUint64(req[40:], 12345)
	good := sntpAnswer(req, testStart)
	tests := []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"good", good, true},
		{"short", good[:47], false},
		{"client mode", append([]byte{0x23}, good[1:]...), false},
		{"alarm", append([]byte{0xE4}, good[1:]...), false},
		{"kiss of death", append([]byte{0x24, 0}, good[2:]...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSNTP(tt.b, req[40:48])
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadNTP)) {
				t.Fatalf("ParseSNTP(%x) = %v, %v", tt.b, got, err)
			}
			if tt.ok && !got.Equal(testStart) {
				t.Errorf("ParseSNTP = %v, want %v", got, testStart)
			}
		})
	}
	other := make([]byte, 8)
	if _, err := ParseSNTP(good, other); !errors.Is(err, ErrBadNTP) {
		t.Errorf("answer to another request accepted")
	}
}

func FuzzParseSNTP(f *testing.F) {
	req := make([]byte, 48)
	f.Add(sntpAnswer(req, testStart))
	f.Add([]byte{0x24})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseSNTP(b, nil)
		if err != nil {
			return
		}
		// Round trip through the timestamp encoding, to the nanosecond
		// the 32-bit fraction holds.
		again, err := ParseSNTP(sntpAnswer(req, got), nil)
		if err != nil || again.Sub(got) > time.Microsecond || got.Sub(again) > time.Microsecond {
			t.Fatalf("round trip %v -> %v, %v", got, again, err)
		}
	})
}
