package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/sync/outbox"
)

func fixedClock() func() time.Time {
	t := testStart
	return func() time.Time { t = t.Add(time.Second); return t }
}

func sampleBundle(t *testing.T) *Bundle {
	t.Helper()
	b := &Bundle{Version: BundleVersion, now: fixedClock()}
	r := &Readout{Device: &Identity{Kind: "meter", Serial: "23110201"},
		Registers: []RegisterValue{{OBIS: cosem.MustOBIS("1-0:1.8.0*255"), Name: "Active energy import (+A)", Value: 1234.5, Unit: "Wh", Text: "1234.5 Wh <&>"}}}
	for _, step := range []struct {
		kind string
		v    any
	}{{KindHeader, Header{ID: "b1", JobID: "J-1", Engineer: "E-7"}}, {KindReadout, r}, {KindNote, "meter seal intact"}} {
		if err := b.Append(step.kind, step.v); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	return b
}

func TestBundleRoundTripAndVerify(t *testing.T) {
	b := sampleBundle(t)
	if err := b.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var buf bytes.Buffer
	if err := b.Save(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := LoadBundle(&buf)
	if err != nil {
		t.Fatalf("LoadBundle: %v", err)
	}
	if err := got.Verify(); err != nil {
		t.Fatalf("Verify after Save/Load: %v", err)
	}
	if got.Head() != b.Head() || len(b.Head()) != 64 {
		t.Errorf("Head = %s, want %s", got.Head(), b.Head())
	}
	r, err := got.Readout()
	if err != nil || r.Device.Serial != "23110201" {
		t.Errorf("Readout = %+v, %v", r, err)
	}
	h, err := got.Header()
	if err != nil || h.JobID != "J-1" {
		t.Errorf("Header = %+v, %v", h, err)
	}
}

func TestBundleTamper(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(b *Bundle)
		wantSeq int
	}{
		{"edit readout value", func(b *Bundle) {
			b.Entries[1].Body = json.RawMessage(strings.Replace(string(rawBody(t, b.Entries[1])), "1234.5", "1034.5", 1))
		}, 1},
		{"edit header", func(b *Bundle) {
			b.Entries[0].Body = json.RawMessage(strings.Replace(string(rawBody(t, b.Entries[0])), "E-7", "E-8", 1))
		}, 0},
		{"drop middle entry", func(b *Bundle) { b.Entries = append(b.Entries[:1], b.Entries[2:]...) }, 1},
		{"move timestamp", func(b *Bundle) { b.Entries[2].At = b.Entries[2].At.Add(time.Hour) }, 2},
		{"rehash one entry only", func(b *Bundle) {
			b.Entries[1].Body = json.RawMessage(`{"device":{"kind":"hub"}}`)
			b.Entries[1].Hash, _ = entryHash(b.Entries[1])
		}, 2},
		{"drop header", func(b *Bundle) { b.Entries = b.Entries[1:] }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := sampleBundle(t)
			tt.tamper(b)
			err := b.Verify()
			var te *TamperError
			if !errors.As(err, &te) || !errors.Is(err, ErrTampered) || te.Seq != tt.wantSeq {
				t.Errorf("Verify = %v, want TamperError at %d", err, tt.wantSeq)
			}
		})
	}
}

func TestParseBundleRejects(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"version":2,"entries":[]}`, `{"version":1,"entries":[{"seq":"x"}]}`} {
		if _, err := ParseBundle([]byte(in)); !errors.Is(err, ErrBadBundle) {
			t.Errorf("ParseBundle(%q) = %v, want ErrBadBundle", in, err)
		}
	}
}

func FuzzParseBundle(f *testing.F) {
	b := &Bundle{Version: BundleVersion, now: fixedClock()}
	_ = b.Append(KindHeader, Header{ID: "x"})
	_ = b.Append(KindNote, "n")
	var buf bytes.Buffer
	_ = b.Save(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"entries":[{"seq":0,"kind":"header","body":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		if b.Verify() != nil {
			return
		}
		// A verified bundle survives a round trip and still verifies.
		var out bytes.Buffer
		if err := b.Save(&out); err != nil {
			t.Fatalf("Save: %v", err)
		}
		b2, err := ParseBundle(out.Bytes())
		if err != nil || b2.Verify() != nil || b2.Head() != b.Head() {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func TestStoreAttacher(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "app.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	defer db.Close()
	a := StoreAttacher{DB: db, Dir: filepath.Join(dir, "evidence")}
	b := sampleBundle(t)
	for i := 0; i < 2; i++ { // the second attach is a no-op
		if err := a.Attach(ctx, "J-1", b); err != nil {
			t.Fatalf("Attach %d: %v", i, err)
		}
	}
	msgs, err := db.Outbox().Messages(ctx, outbox.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Kind != OutboxKindEvidence || msgs[0].JobID != "J-1" {
		t.Fatalf("outbox = %+v, want one evidence message", msgs)
	}
	got, err := ParseBundle(msgs[0].Payload)
	if err != nil || got.Verify() != nil || got.Head() != b.Head() {
		t.Errorf("queued payload does not verify: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "evidence", "evidence-*.json")); len(m) != 1 {
		t.Errorf("evidence files = %v", m)
	}
	b.Entries[1].Body = json.RawMessage(`{}`)
	if err := a.Attach(ctx, "J-1", b); !errors.Is(err, ErrTampered) {
		t.Errorf("Attach of a tampered bundle = %v, want ErrTampered", err)
	}
}

// rawBody is an entry's body as JSON, whether kept as JSON or as a value.
func rawBody(t *testing.T, e Entry) json.RawMessage {
	t.Helper()
	b, err := e.RawBody()
	if err != nil {
		t.Fatalf("RawBody of entry %d: %v", e.Seq, err)
	}
	return b
}

// An entry Append made keeps its value and hashed it while encoding; the
// hash is the one of its marshalled JSON (the chain's format unchanged),
// whatever the value holds: HTML characters, newlines, nothing.
func TestBundleHashWhileEncoding(t *testing.T) {
	b := sampleBundle(t)
	for _, v := range []any{"line one\nline two <b>&", nil, TraceBody{Frames: []Frame{{At: testStart, Dir: "tx", Hex: "7ea0"}}, Bytes: 2}} {
		if err := b.Append(KindNote, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range b.Entries {
		body, err := json.Marshal(e.value)
		if err != nil {
			t.Fatal(err)
		}
		asJSON := e
		asJSON.Body, asJSON.value = body, nil
		if h, err := entryHash(asJSON); err != nil || h != e.Hash {
			t.Errorf("entry %d (%s): hash %s as JSON, %s kept (%v)", e.Seq, e.Kind, h, e.Hash, err)
		}
		if !bytes.Equal(rawBody(t, e), body) {
			t.Errorf("entry %d: RawBody %s, want %s", e.Seq, rawBody(t, e), body)
		}
	}
	// Saved, the bodies are written out and verify as JSON.
	var buf bytes.Buffer
	if err := b.Save(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := LoadBundle(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); err != nil || got.Head() != b.Head() {
		t.Errorf("saved and loaded: Verify %v, head %s, want %s", err, got.Head(), b.Head())
	}
	// A value changed after Append no longer matches its hash.
	r, _ := b.Entries[1].value.(*Readout)
	r.Registers[0].Value = 1
	var te *TamperError
	if err := b.Verify(); !errors.As(err, &te) || te.Seq != 1 {
		t.Errorf("Verify after the readout changed: %v, want entry 1 tampered", err)
	}
}

// Trace returns the kept trace as it is and a loaded one decoded.
func TestBundleTrace(t *testing.T) {
	b := sampleBundle(t)
	if _, ok := b.Trace(); ok {
		t.Errorf("Trace of a bundle without one: ok")
	}
	tb := TraceBody{LinkFrames: []Frame{{At: testStart, Dir: "rx", Hex: "7ea0"}}, Bytes: 9}
	if err := b.Append(KindTrace, tb); err != nil {
		t.Fatal(err)
	}
	got, ok := b.Trace()
	if !ok || len(got.LinkFrames) != 1 || &got.LinkFrames[0] != &tb.LinkFrames[0] {
		t.Errorf("kept Trace = %+v, %v; want the appended body itself", got, ok)
	}
	var buf bytes.Buffer
	if err := b.Save(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadBundle(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := loaded.Trace(); !ok || got.Bytes != 9 || len(got.LinkFrames) != 1 || got.LinkFrames[0].Hex != "7ea0" {
		t.Errorf("loaded Trace = %+v, %v", got, ok)
	}
}

// noFinalNewline drops only the newline that ends the stream, however the
// writes are split.
func TestNoFinalNewline(t *testing.T) {
	for _, writes := range [][]string{
		{"{\"a\":1}\n"},
		{"{\"a\":", "1}", "\n"},
		{"x\n", "y\n"},
		{"", "\n", ""},
	} {
		var got bytes.Buffer
		w := &noFinalNewline{w: &got}
		for _, p := range writes {
			if n, err := w.Write([]byte(p)); err != nil || n != len(p) {
				t.Fatalf("Write(%q) = %d, %v", p, n, err)
			}
		}
		want := strings.TrimSuffix(strings.Join(writes, ""), "\n")
		if got.String() != want {
			t.Errorf("writes %q gave %q, want %q", writes, got.String(), want)
		}
	}
}

// BenchmarkBundleReadout adds a 13-month readout (19,404 half-hourly rows
// of 4 columns) to a bundle. kept-value is Append: the entry keeps the
// readout and hashes it while encoding. json is the former way, for
// comparison: marshal, compact a copy to hash, keep the JSON. kept-B is
// the JSON a bundle holds afterwards.
func BenchmarkBundleReadout(b *testing.B) {
	start := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	p := ProfileReading{Name: "Load profile 1", Columns: []string{"Clock", "Status", "Import", "Export"}, Units: []string{"", "", "Wh", "Wh"}}
	for i := range 19404 {
		at := start.Add(time.Duration(i) * 30 * time.Minute)
		p.Rows = append(p.Rows, ProfileRow{Time: at, Cells: []string{at.Format(time.RFC3339), "0", fmt.Sprint(3400000 + i*97), fmt.Sprint(1400000 + i*13)},
			Values: []float64{0, 0, float64(3400000 + i*97), float64(1400000 + i*13)}, Numeric: []bool{false, true, true, true}})
	}
	r := &Readout{Profiles: []ProfileReading{p}}
	b.Run("kept-value", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bb := &Bundle{Version: BundleVersion, now: fixedClock()}
			if err := bb.Append(KindReadout, r); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(0, "kept-B")
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		var kept int
		for b.Loop() {
			body, err := json.Marshal(r)
			if err != nil {
				b.Fatal(err)
			}
			var c bytes.Buffer
			if err := json.Compact(&c, body); err != nil {
				b.Fatal(err)
			}
			kept = len(body)
		}
		b.ReportMetric(float64(kept), "kept-B")
	})
}
