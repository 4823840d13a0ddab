package diagnose

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
)

var eventCols = []cosem.CaptureObject{cosem.ClockRestriction,
	{Class: cosem.ClassData, LogicalName: cosem.MustOBIS("0-0:96.11.0*255"), Attribute: 2}}

// encodeEvents builds an event log buffer: array of structure{date-time
// octet-string, long-unsigned code} (IEC 62056-6-2 §4.3.6 buffer layout).
func encodeEvents(evs []Event) []byte {
	out := axdr.AppendLength([]byte{byte(axdr.TypeArray)}, len(evs))
	for _, e := range evs {
		out = append(out, byte(axdr.TypeStructure), 2, byte(axdr.TypeOctetString), 12)
		out = axdr.FromTime(e.Time).AppendBody(out)
		out = append(out, byte(axdr.TypeLongUnsigned))
		out = binary.BigEndian.AppendUint16(out, e.Code)
	}
	return out
}

func TestDecodeEventLog(t *testing.T) {
	now := testStart
	good := encodeEvents([]Event{{Time: now.Add(-time.Hour), Code: 1}, {Time: now.Add(-50 * time.Minute), Code: 2}})
	// Provenance: hand-made per PROTOCOLS.md §6.4 (date-time layout); the
	// second entry has month 14, day 32, hour 99 as a bad flash page gives.
	bad := []byte{0x01, 0x02,
		0x02, 0x02, 0x09, 0x0C, 0x07, 0xEA, 0x07, 0x0E, 0x02, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x00, 0x01,
		0x02, 0x02, 0x09, 0x0C, 0x07, 0xEA, 0x0E, 0x20, 0x02, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0xFF, 0xFF}
	tests := []struct {
		name    string
		buf     []byte
		wantN   int
		corrupt []bool
		wantErr bool
	}{
		{name: "good", buf: good, wantN: 2, corrupt: []bool{false, false}},
		{name: "corrupted entry", buf: bad, wantN: 2, corrupt: []bool{false, true}},
		{name: "future date", buf: encodeEvents([]Event{{Time: now.Add(72 * time.Hour), Code: 5}}), wantN: 1, corrupt: []bool{true}},
		{name: "not an array", buf: []byte{0x12, 0x00, 0x01}, wantErr: true},
		{name: "truncated", buf: good[:len(good)-3], wantErr: true},
		{name: "trailing bytes", buf: append(append([]byte{}, good...), 0x00), wantErr: true},
		{name: "entry not a structure", buf: []byte{0x01, 0x01, 0x12, 0x00, 0x01}, wantN: 1, corrupt: []bool{true}},
		{name: "code too wide", buf: []byte{0x01, 0x01, 0x02, 0x02, 0x09, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00}, wantN: 1, corrupt: []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeEventLog(tt.buf, eventCols, axdr.DeviationNormal, now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("DecodeEventLog(%x) error = %v, want error %v", tt.buf, err, tt.wantErr)
			}
			if len(got) != tt.wantN {
				t.Fatalf("DecodeEventLog(%x) = %d entries, want %d", tt.buf, len(got), tt.wantN)
			}
			for i, c := range tt.corrupt {
				if got[i].Corrupt != c {
					t.Errorf("entry %d = %+v, want corrupt %v", i, got[i], c)
				}
			}
		})
	}
}

func FuzzDecodeEventLog(f *testing.F) {
	f.Add(encodeEvents([]Event{{Time: testStart, Code: 1}, {Time: testStart.Add(time.Minute), Code: 0xFFFF}}))
	f.Add([]byte{0x01, 0x01, 0x12, 0x00, 0x01})
	f.Add([]byte{0x01, 0x01, 0x02, 0x02, 0x09, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, buf []byte) {
		evs, err := DecodeEventLog(buf, eventCols, axdr.DeviationNormal, testStart)
		if err != nil {
			return
		}
		// Round trip: entries with a good time and code re-encode to the
		// same decode.
		var keep []Event
		for _, e := range evs {
			if !e.Corrupt {
				keep = append(keep, e)
			}
		}
		again, err := DecodeEventLog(encodeEvents(keep), eventCols, axdr.DeviationNormal, testStart)
		if err != nil || len(again) != len(keep) {
			t.Fatalf("round trip: %d entries, %v; want %d", len(again), err, len(keep))
		}
		for i := range keep {
			if !again[i].Time.Equal(keep[i].Time) || again[i].Code != keep[i].Code || again[i].Corrupt {
				t.Fatalf("round trip entry %d: %+v, want %+v", i, again[i], keep[i])
			}
		}
	})
}

func deviceLogValue(ids ...[]byte) axdr.Value {
	rows := make([]axdr.Value, len(ids))
	for i, id := range ids {
		rows[i] = axdr.Structure(axdr.OctetString(id), axdr.BitString([]byte{0xC0}, 5),
			axdr.Int8(-48), axdr.Int8(-60), axdr.Int8(-80), axdr.Uint8(255), axdr.Uint8(220), axdr.Uint8(160),
			axdr.OctetString(axdr.FromTime(testStart).AppendBody(nil)), axdr.Uint8(1), axdr.Uint16(2), axdr.Uint16(412),
			axdr.Uint8(1), axdr.Uint8(2))
	}
	return axdr.Array(rows...)
}

func TestDecodeDeviceLog(t *testing.T) {
	id := []byte{0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0xA0}
	got, err := DecodeDeviceLog(deviceLogValue(id))
	if err != nil || len(got) != 1 {
		t.Fatalf("DecodeDeviceLog = %+v, %v", got, err)
	}
	if e := got[0]; e.DeviceID != "00-DB-12-34-56-78-90-A0" || e.RSSI != -60 || e.Failures != 2 || e.Successes != 412 || !e.LastSeen.Equal(testStart) {
		t.Errorf("entry = %+v", e)
	}
	for _, v := range []axdr.Value{axdr.Uint8(1), axdr.Array(axdr.Uint8(1)), axdr.Array(axdr.Structure())} {
		if _, err := DecodeDeviceLog(v); err == nil {
			t.Errorf("DecodeDeviceLog(%v) succeeded", v)
		}
	}
}

func FuzzDecodeDeviceLog(f *testing.F) {
	seed, _ := axdr.Encode(deviceLogValue([]byte{0, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0xA0}, []byte{1, 2, 3}))
	f.Add(seed)
	f.Add([]byte{0x01, 0x01, 0x02, 0x01, 0x09, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _, err := axdr.Decode(b)
		if err != nil {
			return
		}
		got, err := DecodeDeviceLog(v)
		if err != nil {
			return
		}
		// Round trip on the identifiers: re-encoding the device IDs gives
		// the same IDs back.
		var ids [][]byte
		for _, e := range got {
			var id [8]byte
			if _, err := parseEUIText(e.DeviceID, id[:]); err == nil {
				ids = append(ids, id[:])
			}
		}
		again, err := DecodeDeviceLog(deviceLogValue(ids...))
		if err != nil || len(again) != len(ids) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// parseEUIText reads the DUIS text form back (test helper).
func parseEUIText(s string, dst []byte) (int, error) {
	var b [8]byte
	n, err := fmtSscanf(s, &b)
	copy(dst, b[:])
	return n, err
}

func fmtSscanf(s string, b *[8]byte) (int, error) {
	return fmt.Sscanf(s, "%02X-%02X-%02X-%02X-%02X-%02X-%02X-%02X", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7])
}

// BenchmarkDecodeEventLog decodes a full 100-entry event log buffer (the
// size GB meters keep); MB/s is reported by SetBytes.
func BenchmarkDecodeEventLog(b *testing.B) {
	evs := make([]Event, 100)
	for i := range evs {
		evs[i] = Event{Time: testStart.Add(-time.Duration(i) * time.Hour), Code: uint16(i%3 + 1)}
	}
	buf := encodeEvents(evs)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeEventLog(buf, eventCols, axdr.DeviationNormal, testStart); err != nil {
			b.Fatal(err)
		}
	}
}
