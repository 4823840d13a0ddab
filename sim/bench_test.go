package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

// BenchmarkLoadProfileBuffer measures building the 13-month load profile
// buffer in process (the simulator's side of a full profile read).
func BenchmarkLoadProfileBuffer(b *testing.B) {
	m, err := sim.NewESME(sim.ESMEConfig{Identity: sim.Identity{Flag: "SMK", Serial: "1", DeviceID: "00-00-00-00-00-00-00-01"}, Start: testStart})
	if err != nil {
		b.Fatal(err)
	}
	model := m.Model(sim.LevelReader)
	sel, _ := dlms.RangeAccess(cosem.RangeDescriptor{Restricting: cosem.ClockRestriction,
		From: axdr.FromTime(testStart.AddDate(-2, 0, 0)), To: axdr.FromTime(testStart.Add(time.Hour))})
	attr := dlms.AttributeDescriptor{Class: cosem.ClassProfileGeneric, Instance: sim.LoadProfileOBIS, Attribute: 2}
	var n int
	for b.Loop() {
		d, res := model.GetAttribute(context.Background(), attr, sel)
		if res != dlms.Success {
			b.Fatal(res)
		}
		n = len(d)
	}
	b.SetBytes(int64(n))
	b.ReportMetric(float64(n), "bytes/op")
}
