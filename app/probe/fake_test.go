package probe_test

import (
	"context"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

// behaviour is how a fake optical port misbehaves.
type behaviour int

const (
	modeCOnly    behaviour = iota // no mode E: answers 2Z2 with a readout (PROTOCOLS.md §11.3)
	stopsAfterID                  // identifies itself, then falls silent
	garbles                       // answers every request with noise
	mirrors                       // a probe that hears only itself: no meter
)

// fakeMeter serves one misbehaving optical port on the meter end of a
// line, built from the meter-side pieces of package iec62056, until the
// line closes.
func fakeMeter(t *testing.T, b behaviour, lc sim.LineConfig) *sim.End {
	t.Helper()
	if lc.Baud == 0 {
		lc.Baud, lc.Format = 300, "7E1"
	}
	end, meter := sim.NewLine(lc)
	done := make(chan struct{})
	go func() {
		defer close(done)
		serveFake(meter, b)
	}()
	t.Cleanup(func() {
		end.Close()
		meter.Close()
		<-done
	})
	return end
}

func serveFake(p *sim.End, b behaviour) {
	id := iec62056.Identification{Manufacturer: "FAK", Baud: '5', Ident: "MODEC-1"}
	ro := &iec62056.Readout{Records: []iec62056.Record{{Address: "C.1.0", Values: []iec62056.Value{{Value: "99887766"}}}, {Address: "1.8.0", Values: []iec62056.Value{{Value: "000123.456", Unit: "kWh"}}}}}
	var buf []byte
	var chunk [256]byte
	next := func() ([]byte, bool) {
		for {
			for len(buf) > 0 {
				n, err := iec62056.FrameLength(buf, false)
				if err != nil {
					buf = buf[1:]
					continue
				}
				if n == 0 {
					break
				}
				msg := buf[:n:n]
				buf = buf[n:]
				return msg, true
			}
			p.SetReadDeadline(time.Now().Add(3 * time.Second))
			n, err := p.Read(chunk[:])
			for _, c := range chunk[:n] {
				buf = append(buf, c&0x7F)
			}
			if err != nil && n == 0 {
				if isDeadline(err) {
					buf = buf[:0]
					return nil, true // idle: back to the start
				}
				return nil, false
			}
		}
	}
	for {
		p.SetLine(300, "7E1")
		msg, ok := next()
		if !ok {
			return
		}
		cm, err := iec62056.ParseClientMessage(msg)
		if msg == nil || err != nil || cm.Request == nil {
			continue
		}
		time.Sleep(200 * time.Millisecond) // reaction time
		switch b {
		case garbles:
			p.Write([]byte("/\x1b\x7f?%\x01\x10#\x19\r\n"))
			continue
		case stopsAfterID:
			p.Write(id.Bytes())
			continue
		}
		p.Write(id.Bytes())
		msg, ok = next()
		if !ok {
			return
		}
		cm, err = iec62056.ParseClientMessage(msg)
		if msg == nil || err != nil || cm.OptionSelect == nil {
			continue
		}
		time.Sleep(200 * time.Millisecond)
		if !cm.OptionSelect.ModeE() {
			p.SetLine(9600, "7E1")
		} // else: V = 2 is unknown here, the readout goes at 300 Bd
		p.Write(ro.Bytes())
	}
}

func isDeadline(err error) bool {
	t, ok := err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

// serveHub runs a simulated communications hub on a serial line at baud
// 8N1 (direct HDLC) and returns the client's end.
func serveHub(t *testing.T, baud int) *sim.End {
	t.Helper()
	h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: "00-DB-12-34-56-78-90-B0"}, Start: testStart})
	if err != nil {
		t.Fatal(err)
	}
	end, hub := sim.NewLine(sim.LineConfig{Baud: baud, Format: "8N1"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeSerial(ctx, hub) }()
	t.Cleanup(func() {
		cancel()
		end.Close()
		if err := <-done; err != nil {
			t.Errorf("ServeSerial: %v", err)
		}
	})
	return end
}
