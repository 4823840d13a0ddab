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
		if err := json.Unmarshal(rawBody(t, b.Entries[2]), &tb); err != nil || len(tb.LinkFrames) < 4 || !strings.HasPrefix(tb.LinkFrames[0].Hex, "7ea0") {
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

func TestAddressSize(t *testing.T) {
	tests := []struct {
		name                    string
		logical, physical, size int
		want                    int
	}{
		{"given 4, small physical", 1, 17, 4, 4},
		{"given 2, physical 0", 1, 0, 2, 2},
		{"given 1", 1, 0, 1, 1},
		{"logical only", 1, 0, 0, 1},
		{"both fit 7 bits", 1, 17, 0, 2},
		{"physical past 7 bits", 1, 1007, 0, 4},
		{"logical past 7 bits", 300, 0, 0, 4},
		{"bad size guessed", 1, 17, 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AddressSize(tt.logical, tt.physical, tt.size); got != tt.want {
				t.Errorf("AddressSize(%d, %d, %d) = %d, want %d", tt.logical, tt.physical, tt.size, got, tt.want)
			}
		})
	}
}
