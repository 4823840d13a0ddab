package gbcs

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// gbzTests are GBZ payloads written for this test following the GBZ
// layout of GBCS §7.2.11 (see the GBZPayload comment); attribute IDs and
// command IDs are ZCL/ZSE facts.
var gbzTests = []struct {
	name    string
	in      []byte
	alert   bool
	command string
	attrs   []uint16
}{
	{"read attributes on Metering", []byte{
		0x01, 0x09, 0x01, // profile, 1 component
		0x01, 0x07, 0x02, 0x00, 0x07, // last, Metering, length 7
		0x00, 0x05, 0x00, 0x06, 0x02, 0x07, 0x03, // FC, seq 5, Read Attributes, 0x0206, 0x0307
	}, false, "Read Attributes", []uint16{0x0206, 0x0307}},
	{"read attributes response with octet string", []byte{
		0x01, 0x09, 0x01,
		0x01, 0x07, 0x02, 0x00, 0x0E,
		0x08, 0x05, 0x01, 0x06, 0x02, 0x00, 0x41, 0x03, 0x02, 0x00, 0x07, 0x07, 0x03, 0x86,
	}, false, "Read Attributes Response", []uint16{0x0206, 0x0307}},
	{"default response", []byte{
		0x01, 0x09, 0x01,
		0x01, 0x07, 0x08, 0x00, 0x05,
		0x00, 0x02, 0x0B, 0x03, 0x86,
	}, false, "Default Response", nil},
	{"cluster-specific with from date-time", []byte{
		0x01, 0x09, 0x01,
		0x11, 0x07, 0x09, 0x00, 0x08,
		0x1E, 0x30, 0x2F, 0x40, // from date-time
		0x01, 0x05, 0x00, 0xFF,
	}, false, "Get Event Log", nil},
	{"encrypted component", []byte{
		0x01, 0x09, 0x01,
		0x03, 0x07, 0x02, 0x00, 0x0A,
		0x00, 0x00, 0x18, 0x00, 0x01, 0x00, 0x05, 0x31, 0x00, 0x00,
	}, false, "Read Attributes Response", nil},
	{"alert with one component", []byte{
		0x01, 0x09, 0x01,
		0x8F, 0x1F, 0x1E, 0x30, 0x2F, 0x40, // alert 0x8F1F low battery, timestamp
		0x01, 0x07, 0x02, 0x00, 0x03, 0x19, 0x07, 0x0B,
	}, true, "Get Notified Message", nil},
	{"two components", []byte{
		0x01, 0x09, 0x02,
		0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x09, 0x00, 0x00, 0x40, 0x06, 0x00,
		0x01, 0x07, 0x02, 0x00, 0x05, 0x00, 0x0A, 0x00, 0x14, 0x00,
	}, false, "Read Attributes", []uint16{0x4000, 0x0006}},
}

func TestGBZ(t *testing.T) {
	for _, tt := range gbzTests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGBZ(tt.in, tt.alert)
			if err != nil {
				t.Fatalf("ParseGBZ(%X) = %v", tt.in, err)
			}
			c := g.Components[0]
			if c.Command != tt.command {
				t.Errorf("ParseGBZ(%X) command = %q, want %q", tt.in, c.Command, tt.command)
			}
			var ids []uint16
			for _, a := range c.Attributes {
				ids = append(ids, a.ID)
			}
			if !reflect.DeepEqual(ids, tt.attrs) {
				t.Errorf("ParseGBZ(%X) attributes = %v, want %v", tt.in, ids, tt.attrs)
			}
			out, err := g.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, tt.in) {
				t.Errorf("AppendBinary(ParseGBZ(%X)) = %X", tt.in, out)
			}
		})
	}
	g, _ := ParseGBZ(gbzTests[5].in, true)
	if g.Alert.Code != 0x8F1F || g.Alert.AlertName != "Low Battery Capacity" {
		t.Errorf("alert = %+v", g.Alert)
	}
	if want := zigbeeEpoch.Add(0x1E302F40 * time.Second); !g.Alert.Timestamp.Equal(want) {
		t.Errorf("alert timestamp = %v, want %v", g.Alert.Timestamp, want)
	}
	// A future-dated style alert: use-case fields after the alert header
	// that are not components stay raw and round-trip.
	fd := []byte{0x01, 0x09, 0x01, 0x8F, 0x66, 0x1E, 0x30, 0x2F, 0x40, 0x01, 0x00, 0x7F, 0x00, 0x00}
	g, err := ParseGBZ(fd, true)
	if err != nil || !bytes.Equal(g.AlertData, fd[9:]) || g.Alert.Code != 0x8F66 {
		t.Errorf("ParseGBZ(future-dated alert) = %+v, %v", g, err)
	}
	if out, err := g.AppendBinary(nil); err != nil || !bytes.Equal(out, fd) {
		t.Errorf("AppendBinary(future-dated alert) = %X, %v", out, err)
	}
	g, _ = ParseGBZ(gbzTests[1].in, false)
	if a := g.Components[0].Attributes[0]; a.Name != "Current Meter ID" || !bytes.Equal(a.Value, []byte{3, 2, 0, 7}) {
		t.Errorf("attribute = %+v", a)
	}
}

func TestGBZErrors(t *testing.T) {
	for _, in := range [][]byte{
		nil,
		{0x01, 0x09},
		{0x01, 0x08, 0x00}, // wrong profile
		{0x01, 0x09, 0xFF}, // too many components
		{0x01, 0x09, 0x01, 0x01, 0x07, 0x02, 0x00},                   // short component header
		{0x01, 0x09, 0x01, 0x01, 0x07, 0x02, 0x00, 0x09, 0x00},       // length past end
		{0x01, 0x09, 0x01, 0x01, 0x07, 0x02, 0x00, 0x02, 0x00, 0x00}, // ZCL header cut
		{0x01, 0x09, 0x00, 0x00},                                     // trailing
	} {
		if _, err := ParseGBZ(in, false); err == nil {
			t.Errorf("ParseGBZ(%X) succeeded, want error", in)
		}
	}
}
