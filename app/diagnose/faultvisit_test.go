package diagnose

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/sim"
	"github.com/smetskit/smetskit/sync/outbox"
)

// TestFaultVisit is issue 9's done-when scenario at the app layer: on the
// "faults" site a meter with a corrupted event log and a hub with a full
// device log are diagnosed; each readout becomes a bundle that is attached
// to the job and queued for sync, and the CSV and PDF are produced.
func TestFaultVisit(t *testing.T) {
	dir := t.TempDir()
	var bundles []*Bundle
	var csvs []string
	synctest.Test(t, func(t *testing.T) {
		sc, err := sim.LoadScenario("faults")
		if err != nil {
			t.Fatal(err)
		}
		site, err := sim.NewSite(sc, time.Time{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		m, h := site.Meters[0], site.Hub
		t0 := time.Now()
		start := m.Clock.Now()
		laptop := func() time.Time { return start.Add(time.Since(t0)) }

		// The meter writes the deviation with the wrong sign (quirk
		// inverted-deviation): the engineer sets the sign for this model.
		cfg := readerConfig(m.Clock)
		cfg.Now, cfg.DeviationSign = laptop, axdr.DeviationReversed
		ctx, s := open(t, pipeConnector(t, readerServer(m.Model(sim.LevelReader))), cfg)
		r, err := s.Read(ctx, Request{From: laptop().Add(-12 * time.Hour)})
		if err != nil {
			t.Fatalf("read meter: %v", err)
		}
		if len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Text, "corrupted") {
			t.Errorf("meter problems = %+v, want the corrupted event log only", r.Problems)
		}
		b, err := NewBundle(Header{JobID: "J-0042", Engineer: "E-17"}, s, r)
		if err != nil {
			t.Fatal(err)
		}
		bundles = append(bundles, b)
		var buf bytes.Buffer
		if err := WriteCSV(&buf, r, SectionEvents); err != nil {
			t.Fatal(err)
		}
		csvs = append(csvs, buf.String())

		cfg = readerConfig(h.Clock)
		cfg.Now = laptop
		ctx, s = open(t, pipeConnector(t, readerServer(h.Model(sim.LevelReader))), cfg)
		r, err = s.Read(ctx, Request{})
		if err != nil {
			t.Fatalf("read hub: %v", err)
		}
		var full, wan bool
		for _, p := range r.Problems {
			full = full || strings.Contains(p.Text, "device log full")
			wan = wan || strings.Contains(p.Text, "no WAN")
		}
		if !full || !wan {
			t.Errorf("hub problems = %+v, want a full device log and no WAN", r.Problems)
		}
		if b, err = NewBundle(Header{JobID: "J-0042", Engineer: "E-17"}, s, r); err != nil {
			t.Fatal(err)
		}
		bundles = append(bundles, b)
		buf.Reset()
		if err := WriteCSV(&buf, r, SectionHubLog); err != nil {
			t.Fatal(err)
		}
		csvs = append(csvs, buf.String())
	})

	// Outside the bubble: the store (SQLite) and the renderer.
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "app.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	att := StoreAttacher{DB: db, Dir: filepath.Join(dir, "evidence")}
	for i, b := range bundles {
		if err := att.Attach(ctx, "J-0042", b); err != nil {
			t.Fatalf("Attach bundle %d: %v", i, err)
		}
		var pdf bytes.Buffer
		if err := WritePDF(&pdf, b); err != nil {
			t.Fatalf("WritePDF %d: %v", i, err)
		}
		path := filepath.Join(dir, []string{"meter", "hub"}[i]+".pdf")
		if err := os.WriteFile(path, pdf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		checkRenders(t, path)
	}
	msgs, err := db.Outbox().Messages(ctx, outbox.Filter{})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("outbox holds %d messages (%v), want 2 evidence bundles", len(msgs), err)
	}
	if !strings.Contains(csvs[0], ",true,") || strings.Count(csvs[1], "\n") != 17 {
		t.Errorf("CSVs:\n%s\n%s", csvs[0], csvs[1])
	}
}
