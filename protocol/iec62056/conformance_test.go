package iec62056_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/iec62056"
)

// conformanceWant holds, per vector id, the facts its recorded "meaning"
// states, re-typed as fields (the vectors themselves are read at test
// time and never copied here).
var conformanceWant = map[string]func(t *testing.T, d *iec62056.Decoded){
	"iec21-request-with-address": func(t *testing.T, d *iec62056.Decoded) {
		wantKind(t, d, iec62056.KindRequest)
		if d.Request.Address != "45678903" {
			t.Errorf("address = %q", d.Request.Address)
		}
	},
	"iec21-request-no-address": func(t *testing.T, d *iec62056.Decoded) {
		wantKind(t, d, iec62056.KindRequest)
		if d.Request.Address != "" {
			t.Errorf("address = %q", d.Request.Address)
		}
	},
	"iec21-identification-elster": func(t *testing.T, d *iec62056.Decoded) {
		wantIdent(t, d, "Els", '6', "2", "EK280", true, 19200)
	},
	"iec21-identification-apator-modeE": func(t *testing.T, d *iec62056.Decoded) {
		wantIdent(t, d, "APA", '5', "2", "NORAX30", false, 9600)
	},
	"local-modee-02": func(t *testing.T, d *iec62056.Decoded) {
		wantIdent(t, d, "GRX", '5', "", "12345678", false, 9600)
	},
	"iec21-ack-programming-9600": func(t *testing.T, d *iec62056.Decoded) {
		wantOption(t, d, '0', '5', '1')
	},
	"local-modee-03": func(t *testing.T, d *iec62056.Decoded) { wantOption(t, d, '2', '5', '2') },
	"local-modee-04": func(t *testing.T, d *iec62056.Decoded) { wantOption(t, d, '2', '5', '2') },
	"local-modee-01": func(t *testing.T, d *iec62056.Decoded) { wantKind(t, d, iec62056.KindRequest) },
	"iec21-p0-operand": func(t *testing.T, d *iec62056.Decoded) {
		wantCommand(t, d, "P0", "(1234567)")
	},
	"iec21-r1-read": func(t *testing.T, d *iec62056.Decoded) {
		wantCommand(t, d, "R1", "1.8.0(1)")
		wantRecords(t, d, 1, "1.8.0", "1", "")
	},
	"iec21-b0-break": func(t *testing.T, d *iec62056.Decoded) {
		wantCommand(t, d, "B0", "")
		if !d.Command.NoData {
			t.Errorf("B0 has a data set")
		}
	},
	"iec21-w2-write": func(t *testing.T, d *iec62056.Decoded) {
		wantCommand(t, d, "W2", "C003(910324092239)")
	},
	"iec21-answer-data": func(t *testing.T, d *iec62056.Decoded) {
		wantKind(t, d, iec62056.KindAnswer)
		wantRecords(t, d, 1, "3:171.0", "0", "")
	},
	"iec21-answer-data-2sets": func(t *testing.T, d *iec62056.Decoded) {
		wantKind(t, d, iec62056.KindAnswer)
		wantRecords(t, d, 2, "3:14", "314", "kWh")
	},
	"iec21-readout-minimal": func(t *testing.T, d *iec62056.Decoded) {
		wantKind(t, d, iec62056.KindReadout)
		wantRecords(t, d, 2, "3:14", "314", "kWh")
	},
	"iec21-readout-logarex": func(t *testing.T, d *iec62056.Decoded) {
		wantKind(t, d, iec62056.KindReadout)
		wantRecords(t, d, 24, "1-0:96.1.0*255", "001LOG0065282495", "")
		if d.Records[1].OBIS == nil || d.Records[1].OBIS.String() != "1-0:1.8.0*255" {
			t.Errorf("record 1 OBIS = %v", d.Records[1].OBIS)
		}
	},
	"iec21-readout-landisgyr-e350": func(t *testing.T, d *iec62056.Decoded) {
		wantKind(t, d, iec62056.KindReadout)
		wantRecords(t, d, 22, "F.F", "00", "")
		if r := d.Records[8]; r.Address != "1.8.0" || r.Values[0].Value != "061561.289" || r.Unit != "kWh" ||
			r.OBIS == nil || r.OBIS.String() != "1-0:1.8.0*255" {
			t.Errorf("record 8 = %+v", r)
		}
	},
}

func TestConformanceIEC21(t *testing.T) {
	vecs := conformance.Vectors(t, "dlms/iec62056_21.json")
	for _, v := range conformance.Vectors(t, "dlms/interop_captures_local.json") {
		var step struct {
			Step string `json:"step"`
		}
		if json.Unmarshal(v.Decode, &step) == nil && step.Step == "iec62056-21" {
			vecs = append(vecs, v)
		}
	}
	passed := 0
	for _, v := range vecs {
		ok := t.Run(v.ID, func(t *testing.T) {
			msg, err := hex.DecodeString(v.Hex)
			if err != nil {
				t.Fatalf("vector hex: %v", err)
			}
			var want struct {
				ASCII   string `json:"ascii"`
				BCC     string `json:"bcc"`
				Meaning string `json:"meaning"`
			}
			if err := json.Unmarshal(v.Decode, &want); err != nil {
				t.Fatalf("vector decode: %v", err)
			}
			d, err := iec62056.Decode(msg)
			// The one negative vector is the minimal readout with its BCC
			// changed; the computed BCC is the good one, 0x22.
			negative := strings.HasPrefix(want.Meaning, "NEGATIVE")
			if negative {
				var se *iec62056.SyntaxError
				if !errors.Is(err, iec62056.ErrBCC) || !errors.As(err, &se) || se.Offset != len(msg)-1 {
					t.Fatalf("Decode(%x) error = %v, want ErrBCC at offset %d", msg, err, len(msg)-1)
				}
				if d == nil || d.BCCOK == nil || *d.BCCOK || d.BCCComputed != "0x22" {
					t.Fatalf("Decode(%x) = %+v, want decode with bcc_ok false", msg, d)
				}
			} else if err != nil {
				t.Fatalf("Decode(%x): %v", msg, err)
			}
			if d.ASCII != want.ASCII {
				t.Errorf("Decode(%x).ASCII = %q, want %q", msg, d.ASCII, want.ASCII)
			}
			if want.BCC != "" && !strings.EqualFold(d.BCC, want.BCC) {
				t.Errorf("Decode(%x).BCC = %q, want %q", msg, d.BCC, want.BCC)
			}
			if d.Trailing != 0 {
				t.Errorf("Decode(%x).Trailing = %d", msg, d.Trailing)
			}
			if check := conformanceWant[v.ID]; check != nil {
				check(t, d)
			} else if !negative {
				t.Errorf("no expectation for %s (meaning %q); decoded %s: %s", v.ID, want.Meaning, d.Kind, d.Meaning)
			}
			// Round trip: re-encoding the decoded message gives the bytes back.
			if got := reencode(d); got != nil && !negative && string(got) != string(msg) {
				t.Errorf("encode(Decode(%x)) = %x", msg, got)
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("%d of %d IEC 62056-21 conformance vectors pass", passed, len(vecs))
}

func reencode(d *iec62056.Decoded) []byte {
	switch {
	case d.Request != nil:
		return d.Request.Bytes()
	case d.Identification != nil:
		return d.Identification.Bytes()
	case d.OptionSelect != nil:
		return d.OptionSelect.Bytes()
	case d.Command != nil:
		return d.Command.Bytes()
	case d.Block != nil:
		return d.Block.Bytes()
	}
	return nil
}

func wantKind(t *testing.T, d *iec62056.Decoded, kind string) {
	t.Helper()
	if d.Kind != kind {
		t.Fatalf("kind = %q, want %q (%s)", d.Kind, kind, d.Meaning)
	}
}

func wantIdent(t *testing.T, d *iec62056.Decoded, man string, z byte, enh, ident string, fast bool, baud int) {
	t.Helper()
	wantKind(t, d, iec62056.KindIdentification)
	id := d.Identification
	if id.Manufacturer != man || byte(id.Baud) != z || id.Enhanced != enh || id.Ident != ident ||
		id.FastReaction() != fast || id.BaudRate() != baud || id.ModeE() != (enh == "2") {
		t.Errorf("identification = %+v (fast %v, %d Bd)", id, id.FastReaction(), id.BaudRate())
	}
}

func wantOption(t *testing.T, d *iec62056.Decoded, v, z, y byte) {
	t.Helper()
	wantKind(t, d, iec62056.KindOptionSelect)
	o := d.OptionSelect
	if byte(o.Protocol) != v || byte(o.Baud) != z || byte(o.Mode) != y {
		t.Errorf("option select = %+v", o)
	}
}

func wantCommand(t *testing.T, d *iec62056.Decoded, name, data string) {
	t.Helper()
	wantKind(t, d, iec62056.KindCommand)
	if d.Command.Name() != name || d.Command.Data != data {
		t.Errorf("command = %s %q, want %s %q", d.Command.Name(), d.Command.Data, name, data)
	}
}

func wantRecords(t *testing.T, d *iec62056.Decoded, n int, addr, val, unit string) {
	t.Helper()
	if len(d.Records) != n {
		t.Fatalf("%d records, want %d: %+v", len(d.Records), n, d.Records)
	}
	r := d.Records[0]
	if r.Address != addr || len(r.Values) == 0 || r.Values[0].Value != val || r.Unit != unit {
		t.Errorf("record 0 = %+v, want %s(%s*%s)", r, addr, val, unit)
	}
}
