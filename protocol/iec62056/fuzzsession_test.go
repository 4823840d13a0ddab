package iec62056

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"testing/synctest"
	"time"
)

// scriptPort answers each write with the next segment of a script: the
// fuzzer's bytes split at 0xFF. Reads past the segment time out at once.
type scriptPort struct {
	segs  [][]byte
	ready []byte
	chunk int
}

func (p *scriptPort) Write(b []byte) (int, error) {
	if len(p.segs) > 0 {
		p.ready = append(p.ready, p.segs[0]...)
		p.segs = p.segs[1:]
	}
	return len(b), nil
}

func (p *scriptPort) Read(b []byte) (int, error) {
	if len(p.ready) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	n := min(len(b), p.chunk, len(p.ready))
	copy(b, p.ready[:n])
	p.ready = p.ready[n:]
	return n, nil
}

func (p *scriptPort) SetReadDeadline(time.Time) error { return nil }
func (p *scriptPort) SetLine(int, string) error       { return nil }

// FuzzClient feeds arbitrary meter answers to the session driver: sign-on,
// readout, programming mode and mode E must end with a result or an error,
// never a panic or a hang. Seeds are the hand-made exchanges of the tables
// (PROTOCOLS.md §9.1 sequence).
func FuzzClient(f *testing.F) {
	sep := []byte{0xFF}
	ident := []byte("/LGZ4ZMF100AC.M26\r\n")
	ro := (&Readout{Records: []Record{{Address: "1.8.0", Values: []Value{{"1", "kWh"}}}}}).Bytes()
	f.Add(bytes.Join([][]byte{ident, ro}, sep), uint8(3), false)
	f.Add(bytes.Join([][]byte{ident, Block{Data: "1.8.0(1)\r\n", Partial: true}.Bytes(), ro}, sep), uint8(64), true)
	f.Add(bytes.Join([][]byte{ident, OperandMessage("123"), {ACK}, AnswerMessage(Record{Address: "1.8.0", Values: []Value{{"5", ""}}})}, sep), uint8(1), false)
	f.Add(bytes.Join([][]byte{ident, []byte("\x06242\r\n")}, sep), uint8(7), true)
	f.Fuzz(func(t *testing.T, script []byte, chunk uint8, echo bool) {
		synctest.Test(t, func(t *testing.T) {
			p := &scriptPort{segs: bytes.Split(script, sep), chunk: int(chunk%64) + 1}
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			opt := Options{Echo: echo, MaxMessage: 4096}
			cl, err := SignOn(ctx, p, opt)
			if err != nil {
				return
			}
			cl.ReadOut(ctx)
			if s, err := cl.Program(ctx, Auth{Password: "1"}); err == nil {
				s.Read(ctx, "1.8.0")
				s.Write(ctx, "1.8.0", "2")
				s.Break(ctx)
			}
			if l, err := cl.EnterModeE(ctx); err == nil {
				l.Read(make([]byte, 8))
			}
		})
	})
}

// TestSoftParityError checks that a character with bad parity in the
// identification (SoftParity: the driver checks parity itself) is a
// garbled answer, and that a correct one passes.
func TestSoftParityError(t *testing.T) {
	ident := []byte("/LGZ4ZMF100AC.M26\r\n")
	withParity := func(b []byte) []byte {
		out := make([]byte, len(b))
		for i, c := range b {
			out[i] = withEvenParity(c)
		}
		return out
	}
	tests := []struct {
		name  string
		bytes []byte
		kind  Kind
	}{
		{"good parity", withParity(ident), KindOther},
		{"one bad character", func() []byte { b := withParity(ident); b[3] ^= 0x80; return b }(), KindGarbled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &scriptPort{segs: [][]byte{tt.bytes}, chunk: 8}
				_, err := SignOn(context.Background(), p, Options{SoftParity: true})
				if KindOf(err) != tt.kind {
					t.Fatalf("SignOn(%x) error = %v, want kind %v", tt.bytes, err, tt.kind)
				}
				if tt.kind == KindGarbled && !errors.Is(err, ErrParity) {
					t.Errorf("error %v does not wrap ErrParity", err)
				}
			})
		})
	}
}
