package gbcs

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

func blocksOf(t *testing.T, size int) ([]byte, []Block) {
	t.Helper()
	msg := mustHex(t, vec184Message)
	blocks, err := SplitBlocks(msg, size)
	if err != nil {
		t.Fatal(err)
	}
	return msg, blocks
}

func TestGBTRoundTrip(t *testing.T) {
	for _, size := range []int{1, 17, 64, 177, 178, 1000} {
		msg, blocks := blocksOf(t, size)
		var stream []byte
		for i := range blocks {
			var err error
			if stream, err = blocks[i].AppendBinary(stream); err != nil {
				t.Fatal(err)
			}
		}
		parsed, err := ParseBlocks(stream)
		if err != nil {
			t.Fatalf("size %d: ParseBlocks: %v", size, err)
		}
		if !reflect.DeepEqual(parsed, blocks) {
			t.Errorf("size %d: ParseBlocks(stream) differs from the blocks written", size)
		}
		got, _, err := Reassemble(stream)
		if err != nil || !bytes.Equal(got, msg) {
			t.Errorf("size %d: Reassemble = %X, %v", size, got, err)
		}
		d, err := Decode(stream)
		if err != nil {
			t.Fatalf("size %d: Decode: %v", size, err)
		}
		if len(d.Blocks) != len(blocks) || d.MessageCode != 0x00B3 {
			t.Errorf("size %d: Decode blocks %d code %v", size, len(d.Blocks), d.MessageCode)
		}
	}
}

func TestReassemblerOrder(t *testing.T) {
	msg, blocks := blocksOf(t, 10)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		var r Reassembler
		order := rng.Perm(len(blocks))
		for i, k := range order {
			done, err := r.Add(blocks[k])
			if err != nil {
				t.Fatalf("trial %d: Add(block %d): %v", trial, blocks[k].Number, err)
			}
			if done != (i == len(order)-1) {
				t.Fatalf("trial %d: done = %v after %d of %d blocks", trial, done, i+1, len(order))
			}
			if _, err := r.Add(blocks[k]); err != nil { // duplicates are harmless
				t.Fatalf("trial %d: duplicate: %v", trial, err)
			}
		}
		got, err := r.Message()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("trial %d: Message = %X, %v", trial, got, err)
		}
	}
}

func TestReassemblerErrors(t *testing.T) {
	_, blocks := blocksOf(t, 50)
	other := blocks[1]
	other.Header.Counter++
	conflict := blocks[0]
	conflict.Data = Hex{1, 2, 3}
	zero := blocks[0]
	zero.Number = 0
	lastEarly := blocks[1]
	lastEarly.Last = true
	tests := []struct {
		name string
		add  []Block
	}{
		{"other message", []Block{blocks[0], other}},
		{"conflicting duplicate", []Block{blocks[0], conflict}},
		{"block zero", []Block{zero}},
		{"block after last", []Block{lastEarly, blocks[2]}},
		{"last before higher block", []Block{blocks[2], lastEarly}},
		{"two last blocks", []Block{blocks[3], lastEarly}},
	}
	for _, tt := range tests {
		var r Reassembler
		var err error
		for _, b := range tt.add {
			if _, err = r.Add(b); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrBlocks) {
			t.Errorf("%s: error = %v, want ErrBlocks", tt.name, err)
		}
	}
	var r Reassembler
	r.Add(blocks[0])
	if _, err := r.Message(); !errors.Is(err, ErrBlocks) {
		t.Errorf("incomplete Message error = %v", err)
	}
	// A stream missing its last block does not reassemble.
	var stream []byte
	for _, b := range blocks[:len(blocks)-1] {
		stream, _ = b.AppendBinary(stream)
	}
	if _, _, err := Reassemble(stream); !errors.Is(err, ErrBlocks) {
		t.Errorf("Reassemble(without last) = %v, want ErrBlocks", err)
	}
}

func TestParseBlocksErrors(t *testing.T) {
	_, blocks := blocksOf(t, 50)
	good, _ := blocks[0].AppendBinary(nil)
	for i := 0; i < len(good); i++ {
		if _, err := ParseBlocks(good[:i]); err == nil {
			t.Errorf("ParseBlocks(first %d bytes) succeeded", i)
		}
	}
	bad := append([]byte(nil), good...)
	bad[len(bad)-len(blocks[0].Data)-7] = 0xE1 // GBT tag
	if _, err := ParseBlocks(bad); !errors.Is(err, ErrTag) {
		t.Errorf("ParseBlocks(bad GBT tag) = %v, want ErrTag", err)
	}
}

// TestConformanceGBT cuts every RTDS message into GBT blocks, streams them
// and decodes the stream: the reassembled message must decode to the same
// header and payload as the original.
func TestConformanceGBT(t *testing.T) {
	for i, name := range messageFiles(t) {
		raw := readMessageFile(t, name)
		size := 16 + (i*37)%120
		blocks, err := SplitBlocks(raw, size)
		if err != nil {
			t.Fatalf("%s: SplitBlocks: %v", name, err)
		}
		var stream []byte
		for j := len(blocks) - 1; j >= 0; j-- { // reverse order: reassembly must sort
			if stream, err = blocks[j].AppendBinary(stream); err != nil {
				t.Fatal(err)
			}
		}
		want, _ := Decode(raw)
		got, err := Decode(stream)
		if err != nil {
			t.Errorf("%s: Decode(GBT stream of %d blocks): %v", name, len(blocks), err)
			continue
		}
		if !reflect.DeepEqual(got.Header, want.Header) || got.PayloadError != want.PayloadError {
			t.Errorf("%s: GBT decode differs from the plain decode", name)
		}
	}
}
