package diagnose

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/sim"
)

// TestInstantaneous reads the simulated ESME's instantaneous values, then
// refreshes them as a live view does: values only, in one GET-with-list,
// and they move with the meter's clock.
func TestInstantaneous(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		ctx, s := open(t, pipeConnector(t, readerServer(m.Model(sim.LevelReader))), readerConfig(m.Clock))
		first, err := s.Instantaneous(ctx)
		if err != nil {
			t.Fatalf("Instantaneous: %v", err)
		}
		want := []struct{ name, unit string }{
			{"Voltage L1", "V"}, {"Current L1", "A"}, {"Active power, net (import − export)", "W"}, {"Supply frequency", "Hz"},
		}
		if len(first) != len(want) {
			t.Fatalf("Instantaneous = %+v, want %d values", first, len(want))
		}
		for i, w := range want {
			if r := first[i]; r.Name != w.name || r.Unit != w.unit || !r.Instantaneous {
				t.Errorf("value %d = %+v, want %s in %s", i, r, w.name, w.unit)
			}
		}
		if v := first[0].Value; v < 200 || v > 260 {
			t.Errorf("voltage %v V, want a mains voltage", v)
		}
		moved := false
		for range 5 {
			frames, _, before := s.Trace()
			time.Sleep(3 * time.Second) // the live view's period; virtual time
			again, err := s.Instantaneous(ctx)
			if err != nil || len(again) != len(first) {
				t.Fatalf("refresh = %+v, %v", again, err)
			}
			after, _, bytes := s.Trace()
			if len(after)-len(frames) != 2 {
				t.Errorf("refresh took %d APDUs, want one GET-with-list and its answer", len(after)-len(frames))
			}
			if bytes-before > 200 {
				t.Errorf("refresh moved %d bytes", bytes-before)
			}
			for i := range again {
				if again[i].OBIS != first[i].OBIS || again[i].Unit != first[i].Unit {
					t.Errorf("refresh value %d = %+v, want %s", i, again[i], first[i].OBIS)
				}
				if again[i].Value != first[i].Value {
					moved = true
				}
			}
		}
		if !moved {
			t.Error("no instantaneous value moved in 15 s of meter time")
		}
	})
}

func TestInstantaneousNotOffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil)
		ctx, s := open(t, pipeConnector(t, readerServer(h.Model(sim.LevelReader))), readerConfig(h.Clock))
		if got, err := s.Instantaneous(ctx); !errors.Is(err, ErrNotOffered) {
			t.Errorf("hub Instantaneous = %+v, %v; want ErrNotOffered", got, err)
		}
	})
}

func TestInstantName(t *testing.T) {
	tests := []struct {
		name string
		obis string
		want string
		ok   bool
	}{
		{"net active power", "1-0:16.7.0*255", "Active power, net (import − export)", true},
		{"voltage L2", "1-0:52.7.0*255", "Voltage L2", true},
		{"power factor", "1-0:13.7.0*255", "Power factor", true},
		{"reactive import", "1-0:3.7.0*255", "Reactive power import (+Q)", true},
		{"energy register", "1-0:1.8.0*255", "", false},
		{"gas", "7-0:3.7.0*255", "", false},
		{"unknown quantity", "1-0:99.7.0*255", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := InstantName(cosem.MustOBIS(tt.obis))
			if got != tt.want || ok != tt.ok {
				t.Errorf("InstantName(%s) = %q, %v; want %q, %v", tt.obis, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestInstantOrder: a three-phase meter's values come in a GB display's
// order whatever the object list's order.
func TestInstantOrder(t *testing.T) {
	var in []RegisterValue
	for _, c := range []uint8{14, 73, 13, 3, 21, 16, 71, 31, 72, 52, 32, 99} {
		in = append(in, RegisterValue{OBIS: cosem.OBIS{1, 0, c, 7, 0, 255}})
	}
	var got []uint8
	for _, r := range sortInstant(in) {
		got = append(got, r.OBIS.C())
	}
	want := []uint8{32, 52, 72, 31, 71, 16, 3, 13, 14, 21, 73, 99}
	if string(got) != string(want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}
