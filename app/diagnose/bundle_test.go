package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
			b.Entries[1].Body = json.RawMessage(strings.Replace(string(b.Entries[1].Body), "1234.5", "1034.5", 1))
		}, 1},
		{"edit header", func(b *Bundle) {
			b.Entries[0].Body = json.RawMessage(strings.Replace(string(b.Entries[0].Body), "E-7", "E-8", 1))
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
