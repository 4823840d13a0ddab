package diagnose

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/sim"
)

// TestOpticalReadout runs the whole optical path in virtual time: sign-on
// at 300 Bd, mode E to 9600 Bd, HDLC, LLS association, then a readout.
func TestOpticalReadout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, sim.Quirks{sim.QuirkCorruptEventLog: true})
		probe, port := sim.NewLine(sim.LineConfig{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.ServeOptical(ctx, port) }()
		defer func() {
			cancel()
			probe.Close()
			<-done
		}()
		cfg := readerConfig(m.Clock)
		s, err := Open(ctx, Optical(probe, OpticalConfig{Name: "sim", ClientSAP: sim.SAPReader, ServerLogical: 1,
			ServerPhysical: sim.HDLCPhysical}), cfg)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		r, err := s.Read(ctx, Request{Sections: []Section{SectionIdentity, SectionClock, SectionEvents}})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		b, err := NewBundle(Header{JobID: "J-3"}, s, r)
		if err != nil {
			t.Fatal(err)
		}
		var tb TraceBody
		if err := json.Unmarshal(b.Entries[2].Body, &tb); err != nil || len(tb.LinkFrames) < 4 || !strings.HasPrefix(tb.LinkFrames[0].Hex, "7ea0") {
			t.Errorf("trace has %d HDLC frames (%v), want SNRM first", len(tb.LinkFrames), err)
		}
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if r.Device.Serial != "23110201" || r.Events[0].Corrupted == 0 {
			t.Errorf("readout: device %+v, %d corrupted", r.Device, r.Events[0].Corrupted)
		}
		p := s.Params()
		if p["transport"] != "optical-hdlc" || p["baud"] != "9600" || p["mechanism"] == "" {
			t.Errorf("Params = %v", p)
		}
	})
}
