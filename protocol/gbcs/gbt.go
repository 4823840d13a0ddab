package gbcs

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// GBT limits, checked before allocating. GBCS bounds one large message at
// 63 blocks of 1,149 octets (DOMAIN.md §16.2); the caps leave room above.
const (
	MaxBlocks      = 255
	MaxBlockData   = 4096
	MaxReassembled = 256 << 10
)

// BlockHeader is the routing header of a General Block Transfer block: a
// General-Ciphering tag followed by the grouping-header fields, with the
// key-info byte, then the security header (DOMAIN.md §16.2):
//
//	DD 09 <CRA> <counter:8> 08 <originator:8> 08 <recipient:8>
//	00 | 0C <date-time:12>  <n> <other-info>  <key-info>
//	<len>  11 <invocation counter:4>  E0 <GBT APDU>
type BlockHeader struct {
	TransactionID
	Originator        SystemTitle `json:"originator"`
	Recipient         SystemTitle `json:"recipient"`
	DateTime          Hex         `json:"dateTime,omitempty"`
	OtherInfo         OtherInfo   `json:"otherInfo"`
	KeyInfo           byte        `json:"keyInfo"`
	SecurityControl   byte        `json:"securityControl"`
	InvocationCounter uint32      `json:"invocationCounter"`
}

// Block is one General Block Transfer block: the routing header and the
// GBT APDU fields (IEC 62056-5-3 general-block-transfer, tag E0).
type Block struct {
	Header    BlockHeader `json:"header"`
	Last      bool        `json:"last"`
	Streaming bool        `json:"streaming,omitempty"`
	Window    uint8       `json:"window"`
	Number    uint16      `json:"number"`
	Ack       uint16      `json:"ack"`
	Data      Hex         `json:"data"`
}

// ParseBlocks decodes a stream of one or more concatenated GBT blocks.
func ParseBlocks(b []byte) ([]Block, error) {
	var out []Block
	p := 0
	for p < len(b) {
		if len(out) == MaxBlocks {
			return nil, decodeErr("GBT stream", p, fmt.Errorf("%w: more than %d blocks", ErrBlocks, MaxBlocks))
		}
		blk, n, err := parseBlock(b, p)
		if err != nil {
			return nil, err
		}
		out = append(out, blk)
		p = n
	}
	if len(out) == 0 {
		return nil, decodeErr("GBT stream", 0, ErrShort)
	}
	return out, nil
}

func parseBlock(b []byte, off int) (Block, int, error) {
	const op = "GBT block"
	var blk Block
	h := &blk.Header
	p := off
	need := func(k int) error {
		if p+k > len(b) {
			return decodeErr(op, p, ErrShort)
		}
		return nil
	}
	if err := need(2 + 10 + 18); err != nil {
		return blk, 0, err
	}
	if b[p] != TagGeneralCiphering {
		return blk, 0, decodeErr(op, p, fmt.Errorf("%w: %#02x, want DD", ErrTag, b[p]))
	}
	p++
	if b[p] != 9 {
		return blk, 0, decodeErr(op, p, fmt.Errorf("%w: transaction-id length %d, want 9", ErrLength, b[p]))
	}
	h.CRA = CRA(b[p+1])
	h.Counter = binary.BigEndian.Uint64(b[p+2:])
	p += 10
	for _, st := range []*SystemTitle{&h.Originator, &h.Recipient} {
		if b[p] != 8 {
			return blk, 0, decodeErr(op, p, fmt.Errorf("%w: system title length %d, want 8", ErrLength, b[p]))
		}
		copy(st[:], b[p+1:p+9])
		p += 9
	}
	if err := need(1); err != nil {
		return blk, 0, err
	}
	switch b[p] {
	case 0:
		p++
	case 12:
		if err := need(13); err != nil {
			return blk, 0, err
		}
		h.DateTime = b[p+1 : p+13]
		p += 13
	default:
		return blk, 0, decodeErr(op, p, fmt.Errorf("%w: date-time length %d", ErrLength, b[p]))
	}
	n, size, err := readBERLength(b, p)
	if err != nil {
		return blk, 0, decodeErr(op, p, err)
	}
	p += size
	if err := need(n); err != nil {
		return blk, 0, err
	}
	if h.OtherInfo, err = parseOtherInfo(b[p : p+n]); err != nil {
		return blk, 0, decodeErr(op, p, err)
	}
	p += n
	if err := need(1); err != nil {
		return blk, 0, err
	}
	h.KeyInfo = b[p]
	p++
	n, size, err = readBERLength(b, p)
	if err != nil {
		return blk, 0, decodeErr(op, p, err)
	}
	p += size
	end := p + n
	if end > len(b) {
		return blk, 0, decodeErr(op, p, fmt.Errorf("%w: ciphered service of %d bytes, %d left", ErrShort, n, len(b)-p))
	}
	if n < 5+1+5+1 {
		return blk, 0, decodeErr(op, p, fmt.Errorf("%w: ciphered service of %d bytes", ErrLength, n))
	}
	h.SecurityControl = b[p]
	h.InvocationCounter = binary.BigEndian.Uint32(b[p+1:])
	p += 5
	if b[p] != TagGeneralBlock {
		return blk, 0, decodeErr(op, p, fmt.Errorf("%w: %#02x, want E0", ErrTag, b[p]))
	}
	ctl := b[p+1]
	blk.Last = ctl&0x80 != 0
	blk.Streaming = ctl&0x40 != 0
	blk.Window = ctl & 0x3F
	blk.Number = binary.BigEndian.Uint16(b[p+2:])
	blk.Ack = binary.BigEndian.Uint16(b[p+4:])
	p += 6
	dl, size, err := readBERLength(b[:end], p)
	if err != nil {
		return blk, 0, decodeErr(op, p, err)
	}
	p += size
	if dl > MaxBlockData {
		return blk, 0, decodeErr(op, p, fmt.Errorf("%w: block data of %d bytes", ErrLength, dl))
	}
	if p+dl != end {
		return blk, 0, decodeErr(op, p, fmt.Errorf("%w: block data of %d bytes in %d", ErrLength, dl, end-p))
	}
	blk.Data = b[p:end]
	return blk, end, nil
}

// AppendBinary appends the wire form of the block.
func (blk *Block) AppendBinary(b []byte) ([]byte, error) {
	h := &blk.Header
	if h.DateTime != nil && len(h.DateTime) != 12 {
		return nil, fmt.Errorf("encode GBT block: %w: date-time of %d bytes", ErrLength, len(h.DateTime))
	}
	if len(blk.Data) > MaxBlockData || blk.Window > 0x3F {
		return nil, fmt.Errorf("encode GBT block: %w: data %d bytes, window %d", ErrLength, len(blk.Data), blk.Window)
	}
	b = append(b, TagGeneralCiphering)
	b = h.TransactionID.appendTo(b)
	b = append(b, 8)
	b = append(b, h.Originator[:]...)
	b = append(b, 8)
	b = append(b, h.Recipient[:]...)
	b = append(b, byte(len(h.DateTime)))
	b = append(b, h.DateTime...)
	b, err := h.OtherInfo.appendTo(b)
	if err != nil {
		return nil, err
	}
	b = append(b, h.KeyInfo)
	apdu := 6 + berLengthSize(len(blk.Data)) + len(blk.Data)
	b = appendBERLength(b, 5+apdu)
	b = append(b, h.SecurityControl)
	b = binary.BigEndian.AppendUint32(b, h.InvocationCounter)
	ctl := blk.Window
	if blk.Last {
		ctl |= 0x80
	}
	if blk.Streaming {
		ctl |= 0x40
	}
	b = append(b, TagGeneralBlock, ctl)
	b = binary.BigEndian.AppendUint16(b, blk.Number)
	b = binary.BigEndian.AppendUint16(b, blk.Ack)
	b = appendBERLength(b, len(blk.Data))
	return append(b, blk.Data...), nil
}

// SplitBlocks cuts a complete GBCS message into GBT blocks of at most size
// data bytes, numbered from 1, the last one flagged. The routing header is
// taken from the message (key-info 0).
func SplitBlocks(msg []byte, size int) ([]Block, error) {
	m, err := Parse(msg)
	if err != nil {
		return nil, fmt.Errorf("split message into blocks: %w", err)
	}
	if size < 1 || size > MaxBlockData {
		return nil, fmt.Errorf("split message into blocks: %w: block size %d", ErrLength, size)
	}
	n := (len(msg) + size - 1) / size
	if n > MaxBlocks {
		return nil, fmt.Errorf("split message into blocks: %w: %d blocks", ErrBlocks, n)
	}
	h := BlockHeader{TransactionID: m.TransactionID, Originator: m.Originator, Recipient: m.Recipient,
		OtherInfo: OtherInfo{MessageCode: m.MessageCode()}, SecurityControl: SecurityControlGBCS}
	out := make([]Block, 0, n)
	for i := 0; i < n; i++ {
		end := min((i+1)*size, len(msg))
		out = append(out, Block{Header: h, Number: uint16(i + 1), Data: msg[i*size : end], Last: i == n-1})
	}
	return out, nil
}

// Reassembler collects GBT blocks in any order and yields the complete
// message once the last block and every block before it have arrived.
// Duplicates with identical data are ignored. The zero value is ready.
type Reassembler struct {
	header BlockHeader
	blocks map[uint16][]byte
	last   uint16
	size   int
}

// Add records one block. It reports whether the message is complete.
func (r *Reassembler) Add(blk Block) (bool, error) {
	if blk.Number == 0 || blk.Number > MaxBlocks {
		return false, fmt.Errorf("%w: block number %d", ErrBlocks, blk.Number)
	}
	if r.blocks == nil {
		r.blocks = make(map[uint16][]byte)
		r.header = blk.Header
	} else if !sameRoute(r.header, blk.Header) {
		return false, fmt.Errorf("%w: block %d belongs to another message", ErrBlocks, blk.Number)
	}
	if old, ok := r.blocks[blk.Number]; ok {
		if !bytes.Equal(old, blk.Data) {
			return false, fmt.Errorf("%w: block %d received twice with different data", ErrBlocks, blk.Number)
		}
		return r.Complete(), nil
	}
	if r.last != 0 && blk.Number > r.last {
		return false, fmt.Errorf("%w: block %d after last block %d", ErrBlocks, blk.Number, r.last)
	}
	if blk.Last {
		if r.last != 0 {
			return false, fmt.Errorf("%w: two last blocks (%d and %d)", ErrBlocks, r.last, blk.Number)
		}
		for n := range r.blocks {
			if n > blk.Number {
				return false, fmt.Errorf("%w: block %d before last block %d", ErrBlocks, n, blk.Number)
			}
		}
		r.last = blk.Number
	}
	if r.size+len(blk.Data) > MaxReassembled {
		return false, fmt.Errorf("%w: reassembled message over %d bytes", ErrLength, MaxReassembled)
	}
	r.blocks[blk.Number] = blk.Data
	r.size += len(blk.Data)
	return r.Complete(), nil
}

// Complete reports whether every block up to the last has arrived.
func (r *Reassembler) Complete() bool {
	return r.last != 0 && len(r.blocks) == int(r.last)
}

// Header returns the routing header of the first block added.
func (r *Reassembler) Header() BlockHeader { return r.header }

// Message returns the reassembled message bytes.
func (r *Reassembler) Message() ([]byte, error) {
	if !r.Complete() {
		return nil, fmt.Errorf("%w: %d of %d blocks", ErrBlocks, len(r.blocks), r.last)
	}
	out := make([]byte, 0, r.size)
	for n := uint16(1); n <= r.last; n++ {
		out = append(out, r.blocks[n]...)
	}
	return out, nil
}

func sameRoute(a, b BlockHeader) bool {
	return a.TransactionID == b.TransactionID && a.Originator == b.Originator && a.Recipient == b.Recipient &&
		a.OtherInfo.MessageCode == b.OtherInfo.MessageCode
}

// Reassemble decodes a GBT stream and returns the reassembled message and
// the blocks it was made from.
func Reassemble(stream []byte) ([]byte, []Block, error) {
	blocks, err := ParseBlocks(stream)
	if err != nil {
		return nil, nil, err
	}
	var r Reassembler
	for _, blk := range blocks {
		if _, err := r.Add(blk); err != nil {
			return nil, blocks, fmt.Errorf("reassemble block %d: %w", blk.Number, err)
		}
	}
	msg, err := r.Message()
	if err != nil {
		return nil, blocks, fmt.Errorf("reassemble: %w", err)
	}
	return msg, blocks, nil
}
