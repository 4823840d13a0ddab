package sim_test

import (
	"context"
	"encoding/binary"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

var fuzzObjects = []struct {
	class cosem.ClassID
	ln    cosem.OBIS
}{
	{cosem.ClassProfileGeneric, sim.LoadProfileOBIS},
	{cosem.ClassProfileGeneric, sim.BillingOBIS},
	{cosem.ClassProfileGeneric, cosem.OBIS{0, 0, 99, 98, 0, 255}},
	{cosem.ClassClock, sim.ClockOBIS},
	{cosem.ClassDisconnectControl, cosem.OBIS{0, 0, 96, 3, 10, 255}},
	{cosem.ClassZigBeeNetworkControl, sim.NetworkControlOBIS},
	{sim.LocalDeliveryClass, sim.LocalDeliveryOBIS},
	{cosem.ClassAssociationLN, cosem.OBIS{0, 0, 40, 0, 0, 255}},
	{cosem.ClassZigBeeNetworkControl, sim.GPFDeviceLogOBIS},
	{cosem.ClassProfileGeneric, sim.HubEventLogOBIS},
}

// FuzzObjectModel feeds what a client can send (attribute and method
// indexes, selectors, access parameters, values) to the meter's and the
// hub's object models: nothing may panic, and every buffer read decodes
// as exactly one A-XDR value.
func FuzzObjectModel(f *testing.F) {
	seed := func(obj, attr, sel uint8, params axdr.Value) {
		b, _ := axdr.Encode(params)
		f.Add(obj, attr, sel, b)
	}
	from := axdr.FromTime(testStart.Add(-2 * time.Hour))
	to := axdr.FromTime(testStart)
	seed(0, 2, 1, cosem.RangeDescriptor{Restricting: cosem.ClockRestriction, From: from, To: to}.Value())
	seed(0, 2, 2, cosem.EntryDescriptor{FromEntry: 1, ToEntry: 3}.Value())
	seed(1, 2, 2, cosem.EntryDescriptor{FromEntry: 0xFFFFFFFF, ToEntry: 2}.Value())
	seed(2, 2, 1, cosem.RangeDescriptor{Restricting: cosem.ClockRestriction, From: to, To: from}.Value())
	seed(3, 2, 0, axdr.OctetString(make([]byte, 12)))
	seed(5, 1, 0, axdr.Structure(axdr.OctetString(make([]byte, 8)), axdr.Enum(1), axdr.OctetString(make([]byte, 16)), axdr.Enum(0)))
	seed(6, 1, 0, axdr.OctetString([]byte{0xDD, 0x00}))
	seed(7, 2, 0, axdr.Null())
	seed(5, 5, 0, axdr.Structure(axdr.OctetString(make([]byte, 8)), axdr.Array(axdr.Structure(axdr.OctetString(make([]byte, 8)), axdr.OctetString(nil)))))
	seed(8, 4, 0, axdr.Null())
	m, err := sim.NewESME(sim.ESMEConfig{Identity: sim.Identity{Flag: "SMK", Serial: "1", DeviceID: "00-00-00-00-00-00-00-01"}, Start: testStart})
	if err != nil {
		f.Fatal(err)
	}
	h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: "00-00-00-00-00-00-00-02"}, Start: testStart})
	if err != nil {
		f.Fatal(err)
	}
	models := []dlms.ObjectModel{m.Model(sim.LevelManagement), h.Model(sim.LevelManagement), m.Model(sim.LevelPublic)}
	f.Fuzz(func(t *testing.T, obj, attr, sel uint8, params []byte) {
		o := fuzzObjects[int(obj)%len(fuzzObjects)]
		ctx := context.Background()
		for _, model := range models {
			ad := dlms.AttributeDescriptor{Class: o.class, Instance: o.ln, Attribute: int8(attr)}
			var access *dlms.SelectiveAccess
			if sel != 0 {
				access = &dlms.SelectiveAccess{Selector: sel, Parameters: params}
			}
			if d, res := model.GetAttribute(ctx, ad, access); res == dlms.Success {
				if _, n, err := axdr.Decode(d); err != nil || n > len(d) {
					t.Fatalf("GetAttribute(%v, %x) = %x: %v", ad, params, d, err)
				}
			}
			model.SetAttribute(ctx, ad, nil, params)
			model.Invoke(ctx, dlms.MethodDescriptor{Class: o.class, Instance: o.ln, Method: int8(attr)}, params)
		}
	})
}

// FuzzDeliver: any bytes handed to local delivery are refused or
// answered with a GBCS message, never a panic.
func FuzzDeliver(f *testing.F) {
	f.Add([]byte{0xDD, 0x00})
	f.Add([]byte{0xDF, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0x05, 0x16})
	f.Add(binary.BigEndian.AppendUint64([]byte{0xDF, 0x09, 0x01}, 7))
	h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: "00-00-00-00-00-00-00-02"}, Start: testStart})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = h.Deliver(b)
	})
}

// FuzzOpticalPort sends arbitrary bytes to the optical port at 300 Bd:
// the meter must neither panic nor stay confused; after a quiet minute
// (virtual time) a normal sign-on and readout work.
func FuzzOpticalPort(f *testing.F) {
	f.Add([]byte("/?!\r\n"))
	f.Add([]byte("/?!\r\n\x06051\r\n"))
	f.Add([]byte("/?!\r\n\x06252\r\n~\xa0\x07\x03!\x93\x0f\x01~"))
	f.Add([]byte{0x01, 'R', '1', 0x02, '1', '.', '8', '.', '0', '(', ')', 0x03, 0x00})
	f.Add([]byte("\x00\x00\x00/"))
	f.Fuzz(func(t *testing.T, noise []byte) {
		if len(noise) > 512 {
			noise = noise[:512]
		}
		synctest.Test(t, func(t *testing.T) {
			m := newMeter(t, nil)
			probe := optical(t, m, sim.LineConfig{})
			if _, err := probe.Write(noise); err != nil {
				t.Fatal(err)
			}
			time.Sleep(70 * time.Second) // programming mode gives up after 60 s
			probe.SetLine(300, "7E1")
			ctx := context.Background()
			cl, err := iec62056.SignOn(ctx, probe, iec62056.Options{})
			if err != nil {
				t.Fatalf("SignOn after %x: %v", noise, err)
			}
			if _, err := cl.ReadOut(ctx); err != nil {
				t.Fatalf("ReadOut after %x: %v", noise, err)
			}
		})
	})
}
