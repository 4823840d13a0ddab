package gbcs

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// seedMessages adds the table-test messages, the §18.4 vector and, when the
// conformance folder is present, the RTDS messages (read at run time, not
// stored in the repository).
func seedMessages(f *testing.F) {
	for _, m := range sampleMessages() {
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(mustHex(f, vec184Message))
	if _, ok := conformance.Find(); ok {
		for _, name := range messageFiles(f) {
			f.Add(readMessageFile(f, name))
		}
	}
}

// FuzzParse: nothing panics, and whatever parses re-encodes to bytes that
// parse to the same Message.
func FuzzParse(f *testing.F) {
	seedMessages(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		out, err := m.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of parsed %X: %v", b, err)
		}
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(MarshalBinary(%X)) = %v", b, err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip of %X: %+v != %+v", b, m, m2)
		}
	})
}

// FuzzDecode runs the whole decoder (payloads, facts, JSON) on arbitrary
// bytes, including GBT streams.
func FuzzDecode(f *testing.F) {
	seedMessages(f)
	_, blocks := blocksOfF(f)
	var stream []byte
	for _, b := range blocks {
		stream, _ = b.AppendBinary(stream)
	}
	f.Add(stream)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("json.Marshal(Decode(%X)): %v", b, err)
		}
	})
}

func blocksOfF(f *testing.F) ([]byte, []Block) {
	msg := mustHex(f, vec184Message)
	blocks, err := SplitBlocks(msg, 40)
	if err != nil {
		f.Fatal(err)
	}
	return msg, blocks
}

// FuzzReassemble: block streams parse without panicking, re-encode to
// equal blocks, and reassembly never panics.
func FuzzReassemble(f *testing.F) {
	_, blocks := blocksOfF(f)
	var stream []byte
	for i, b := range blocks {
		stream, _ = b.AppendBinary(stream)
		one, _ := b.AppendBinary(nil)
		f.Add(one)
		if i == 1 {
			f.Add(append([]byte(nil), stream...))
		}
	}
	f.Add(stream)
	f.Fuzz(func(t *testing.T, b []byte) {
		blocks, err := ParseBlocks(b)
		if err != nil {
			return
		}
		var out []byte
		for i := range blocks {
			if out, err = blocks[i].AppendBinary(out); err != nil {
				t.Fatalf("AppendBinary(block %d of %X): %v", i, b, err)
			}
		}
		again, err := ParseBlocks(out)
		if err != nil || !reflect.DeepEqual(again, blocks) {
			t.Fatalf("block round trip of %X: %v", b, err)
		}
		var r Reassembler
		for _, blk := range blocks {
			if _, err := r.Add(blk); err != nil {
				return
			}
		}
		if r.Complete() {
			if _, err := r.Message(); err != nil {
				t.Fatalf("complete reassembler: %v", err)
			}
		}
	})
}

// FuzzDER: strict DER re-encodes to the same bytes; every typed ASN.1
// decoder survives arbitrary input and round-trips what it accepts.
func FuzzDER(f *testing.F) {
	for _, tt := range derTests {
		f.Add(tt.in)
	}
	// Join command (method B, Type 2 device) and set-time response, written
	// for this test.
	f.Add([]byte{0x30, 0x10, 0x02, 0x01, 0x02, 0x04, 0x08, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x02, 0x01, 0x06})
	f.Add([]byte{0x30, 0x14, 0x18, 0x0F, '2', '0', '2', '6', '1', '1', '2', '8', '1', '3', '2', '5', '0', '7', 'Z', 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := ParseDER(b); err == nil {
			if out := n.AppendDER(nil); !bytes.Equal(out, b) {
				t.Fatalf("AppendDER(ParseDER(%X)) = %X", b, out)
			}
		}
		check := func(name string, v asn1Encoder, err error, parse func([]byte) (any, error)) {
			if err != nil {
				return
			}
			out, err := v.AppendBinary(nil)
			if err != nil {
				return // e.g. a certificate that is not one DER element
			}
			back, err := parse(out)
			if err != nil || !reflect.DeepEqual(back, v) {
				t.Fatalf("%s round trip of %X: %+v, %v", name, b, back, err)
			}
		}
		j, err := ParseJoinDeviceCommand(b)
		check("join", j, err, func(b []byte) (any, error) { return ParseJoinDeviceCommand(b) })
		s, err := ParseSetTimeCommand(b)
		check("set time", s, err, func(b []byte) (any, error) { return ParseSetTimeCommand(b) })
		sr, err := ParseSetTimeResponse(b)
		check("set time response", sr, err, func(b []byte) (any, error) { return ParseSetTimeResponse(b) })
		a, err := ParseActivateFirmwareCommand(b)
		check("activate firmware", a, err, func(b []byte) (any, error) { return ParseActivateFirmwareCommand(b) })
		c7, err := ParseReadDeviceJoinDetails(b)
		check("CS07", c7, err, func(b []byte) (any, error) { return ParseReadDeviceJoinDetails(b) })
		g59, err := ParseGPFDeviceLogRestore(b)
		check("GCS59", g59, err, func(b []byte) (any, error) { return ParseGPFDeviceLogRestore(b) })
		g59r, err := ParseGPFDeviceLogRestoreResponse(b)
		check("GCS59 response", g59r, err, func(b []byte) (any, error) { return ParseGPFDeviceLogRestoreResponse(b) })
		g62, err := ParseGPFDeviceLogBackup(b)
		check("GCS62", g62, err, func(b []byte) (any, error) { return ParseGPFDeviceLogBackup(b) })
		c8, err := ParseFirmwareTransferAlert(b)
		check("CCS08", c8, err, func(b []byte) (any, error) { return ParseFirmwareTransferAlert(b) })
		cs8, err := ParseReadFirmwareVersion(b)
		check("CS08", cs8, err, func(b []byte) (any, error) { return ParseReadFirmwareVersion(b) })
		fa, err := ParseFirmwareActivationAlert(b)
		check("firmware activation alert", fa, err, func(b []byte) (any, error) { return ParseFirmwareActivationAlert(b) })
		ParseActivateFirmwareResponse(b)
		ParseUnjoinCommand(b)
		ParseIntegerPayload(b)
	})
}

// FuzzGBZ: GBZ payloads parse without panicking and round-trip.
func FuzzGBZ(f *testing.F) {
	for _, tt := range gbzTests {
		f.Add(tt.in, tt.alert)
	}
	f.Fuzz(func(t *testing.T, b []byte, alert bool) {
		g, err := ParseGBZ(b, alert)
		if err != nil {
			return
		}
		out, err := g.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary(ParseGBZ(%X)): %v", b, err)
		}
		g2, err := ParseGBZ(out, alert)
		if err != nil || !reflect.DeepEqual(g, g2) {
			t.Fatalf("GBZ round trip of %X: %+v vs %+v, %v", b, g, g2, err)
		}
	})
}

// FuzzReadText: text input never panics; hex text that decodes re-encodes
// to the same bytes.
func FuzzReadText(f *testing.F) {
	f.Add(vec184Message)
	f.Add("GBCS:DATA#0:2:DF09")
	f.Add("3wk=")
	f.Add("0x DD 00\n")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ReadText([]byte(s))
		if err != nil {
			return
		}
		if h, err := DecodeHexText([]byte(s)); err == nil {
			again, err := DecodeHexText([]byte(hex.EncodeToString(h)))
			if err != nil || !bytes.Equal(again, h) || !bytes.Equal(b, h) {
				t.Fatalf("hex round trip of %q: %X vs %X, %v", s, again, h, err)
			}
		}
	})
}
