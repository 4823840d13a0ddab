package diagnose

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/sim"
)

// faultReadout reads a meter with a corrupted event log and returns the
// readout and its bundle.
func faultReadout(t *testing.T) (*Readout, *Bundle) {
	t.Helper()
	var r *Readout
	var b *Bundle
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, sim.Quirks{sim.QuirkCorruptEventLog: true})
		ctx, s := open(t, pipeConnector(t, readerServer(m.Model(sim.LevelReader))), readerConfig(m.Clock))
		now := m.Clock.Now()
		var err error
		if r, err = s.Read(ctx, Request{From: now.Add(-48 * time.Hour), To: now}); err != nil {
			t.Fatalf("Read: %v", err)
		}
		if b, err = NewBundle(Header{JobID: "J-9", Engineer: "E-1"}, s, r); err != nil {
			t.Fatalf("NewBundle: %v", err)
		}
	})
	return r, b
}

func TestExports(t *testing.T) {
	r, _ := faultReadout(t)
	for _, sec := range Sections() {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, r, sec); err != nil {
			t.Fatalf("WriteCSV(%s): %v", sec, err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("CSV %s does not parse: %v", sec, err)
		}
		if sec == SectionHubLog || sec == SectionWAN {
			if len(recs) != 0 {
				t.Errorf("CSV %s on a meter: %d records, want none", sec, len(recs))
			}
			continue
		}
		if len(recs) < 2 {
			t.Errorf("CSV %s: %d records", sec, len(recs))
		}
		var tb bytes.Buffer
		if err := WriteTable(&tb, r, sec); err != nil || !strings.Contains(tb.String(), "== "+string(sec)+" ==") {
			t.Errorf("WriteTable(%s) = %q, %v", sec, tb.String(), err)
		}
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r, SectionEvents); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "65535,invalid (erased or corrupted entry),true") {
		t.Errorf("events CSV has no corrupted entry:\n%s", buf.String())
	}
	buf.Reset()
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var back Readout
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back.Events) != len(r.Events) || back.Profiles[0].Rows[3].Values[2] != r.Profiles[0].Rows[3].Values[2] {
		t.Errorf("JSON round trip: %v", err)
	}
	if err := WriteCSV(&buf, r, "nonsense"); err == nil {
		t.Errorf("WriteCSV of an unknown section succeeded")
	}
}

func TestPDFRenders(t *testing.T) {
	_, b := faultReadout(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		name   string
		tamper bool
	}{{"verified", false}, {"tampered", true}} {
		t.Run(tt.name, func(t *testing.T) {
			bb := *b
			bb.Entries = append([]Entry(nil), b.Entries...)
			if tt.tamper {
				bb.Entries[1].Body = json.RawMessage(strings.Replace(string(rawBody(t, bb.Entries[1])), `"kind":"meter"`, `"kind":"hub"`, 1))
			}
			var buf bytes.Buffer
			if err := WritePDF(&buf, &bb); err != nil {
				t.Fatalf("WritePDF: %v", err)
			}
			if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || buf.Len() < 2000 {
				t.Fatalf("not a PDF: %d bytes", buf.Len())
			}
			path := filepath.Join(dir, tt.name+".pdf")
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			checkRenders(t, path)
		})
	}
}

// checkRenders rasterises the first page with pdftoppm (poppler-utils).
// Without pdftoppm it skips, unless CI=true, where it fails.
func checkRenders(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pdftoppm not found: CI must install poppler-utils to check that reports render")
		}
		t.Skip("pdftoppm not found (install poppler-utils): PDF render check skipped")
	}
	out := strings.TrimSuffix(path, ".pdf")
	cmd := exec.Command(bin, "-png", "-r", "40", "-f", "1", "-l", "2", path, out)
	if msg, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(msg)) > 0 {
		t.Fatalf("pdftoppm %s: %v\n%s", path, err, msg)
	}
	pngs, _ := filepath.Glob(out + "*.png")
	if len(pngs) == 0 {
		t.Fatalf("pdftoppm wrote no page image for %s", path)
	}
	for _, p := range pngs {
		if fi, err := os.Stat(p); err != nil || fi.Size() < 1000 {
			t.Errorf("page image %s is empty", p)
		}
	}
}
