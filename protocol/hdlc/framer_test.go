package hdlc

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

func joinFrames(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestFramer(t *testing.T) {
	snrm := frameTests[0].frame
	get := frameTests[4].frame
	ua := frameTests[5].frame
	badFCS := bytes.Clone(get)
	badFCS[12] ^= 0x01
	badHCS := bytes.Clone(get)
	badHCS[6] ^= 0x01
	// A frame whose length field claims one byte more than it holds
	// (PROTOCOLS.md §11.9), followed by a good one.
	short := []byte{0x7E, 0xA0, 0x0B, 0x00, 0x22, 0x54, 0xD3, 0x61, 0x93, 0xF4, 0xE3, 0x7E}
	tests := []struct {
		name   string
		stream []byte
		want   [][]byte
	}{
		{"one", snrm, [][]byte{snrm}},
		{"back to back", joinFrames(snrm, get, ua), [][]byte{snrm, get, ua}},
		{"shared flag", joinFrames(snrm, get[1:], ua[1:]), [][]byte{snrm, get, ua}},
		{"leading garbage", joinFrames([]byte{0x00, 0xFF, 0x7E, 0x7E, 0xA0}, snrm), [][]byte{snrm}},
		{"garbage between", joinFrames(snrm, []byte("noise~\x7E\xA0\x09"), get), [][]byte{snrm, get}},
		{"bad fcs skipped", joinFrames(badFCS, ua), [][]byte{ua}},
		{"bad hcs skipped", joinFrames(badHCS, ua), [][]byte{ua}},
		{"declared longer", joinFrames(short, ua), [][]byte{ua}},
		{"truncated then good", joinFrames(get[:15], snrm), [][]byte{snrm}},
	}
	for _, tt := range tests {
		for _, split := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(tt.stream)
			if split {
				r = iotest.OneByteReader(r)
			}
			fr := NewFramer(r)
			for i, w := range tt.want {
				f, err := fr.Next()
				if err != nil {
					t.Fatalf("%s (split %v): frame %d: Next error %v", tt.name, split, i, err)
				}
				if enc, _ := f.MarshalBinary(); !bytes.Equal(enc, w) {
					t.Fatalf("%s (split %v): frame %d = %x, want %x", tt.name, split, i, enc, w)
				}
			}
			if _, err := fr.Next(); err != io.EOF {
				t.Errorf("%s (split %v): Next at end = %v, want EOF", tt.name, split, err)
			}
		}
	}
}

func TestFramerMaxLength(t *testing.T) {
	ua := frameTests[5].frame // length 30
	fr := NewFramer(bytes.NewReader(joinFrames(ua, frameTests[0].frame)))
	fr.SetMaxLength(20)
	f, err := fr.Next()
	if err != nil || f.Control != SNRM {
		t.Fatalf("Next = %v, %v, want the SNRM after a frame above the cap", f.Control, err)
	}
}

func TestFramerZeroReads(t *testing.T) {
	fr := NewFramer(zeroReader{})
	if _, err := fr.Next(); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("Next over (0, nil) reads = %v, want %v", err, io.ErrNoProgress)
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// loopReader returns the same stream forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func TestFramerNoAllocs(t *testing.T) {
	garbage := make([]byte, 300)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range garbage {
		garbage[i] = byte(r.IntN(256))
	}
	badFCS := bytes.Clone(frameTests[4].frame)
	badFCS[12] ^= 0x01
	fr := NewFramer(&loopReader{data: joinFrames(garbage, badFCS, frameTests[4].frame)})
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := fr.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Framer.Next allocates %.1f times per frame over garbage, want 0", allocs)
	}
}

func FuzzFramer(f *testing.F) {
	for _, tt := range frameTests {
		f.Add(tt.frame)
	}
	f.Add(joinFrames(frameTests[0].frame, []byte{0x7E, 0xA8, 0x55}, frameTests[4].frame))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := NewFramer(iotest.OneByteReader(bytes.NewReader(b)))
		for {
			f, err := fr.Next()
			if err != nil {
				return
			}
			enc, err := f.MarshalBinary()
			if err != nil {
				t.Fatalf("Encode(frame from %x): %v", b, err)
			}
			if !bytes.Contains(b, enc[1:len(enc)-1]) {
				t.Fatalf("frame %x is not in the input %x", enc, b)
			}
		}
	})
}

func BenchmarkFramer(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	var stream []byte
	frames := 0
	for len(stream) < 1<<20 {
		info := make([]byte, 100+r.IntN(900))
		for i := range info {
			info[i] = byte(r.IntN(256))
		}
		f := Frame{Dst: ClientAddress(16), Src: ServerAddress(1, 17, 2), Control: IControl(uint8(frames), 0, true), Info: info}
		stream, _ = f.Append(stream)
		frames++
		if frames%10 == 0 {
			stream = append(stream, 0x00, 0x7E, 0x13) // a little garbage
		}
	}
	lr := &loopReader{data: stream}
	fr := NewFramer(lr)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for range frames {
			if _, err := fr.Next(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() { _, _ = fr.Next() })), "allocs/frame")
}
