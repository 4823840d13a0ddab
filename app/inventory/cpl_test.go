package inventory

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/protocol/duis"
)

// Manufacturer AB01, model 010A030B and firmware 0002012F are the test
// identities of DOMAIN.md §3.2.
func testCPL(t *testing.T) *CPL {
	t.Helper()
	c, err := NewCPL([]CPLEntry{
		{DeviceType: duis.DeviceESME, Manufacturer: "AB01", Model: "010A030B", HardwareVersion: "0100", FirmwareVersion: "0002012F",
			ImageHash: strings.Repeat("ab", 32), GBCSVersion: "4.2", SMETSCHTSVersion: "SMETS V5.0", Status: "Active"},
		{DeviceType: duis.DeviceESME, Manufacturer: "AB01", Model: "010A030B", FirmwareVersion: "00020100", Status: "Withdrawn"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCPLCheck(t *testing.T) {
	c := testCPL(t)
	base := Device{Type: duis.DeviceESME, Manufacturer: "ab01", Model: "010A030B", FirmwareVersion: "0002012f", GBCSVersion: "4.2"}
	tests := []struct {
		name  string
		edit  func(*Device)
		codes []string
	}{
		{"active", func(*Device) {}, nil},
		{"unknown model", func(d *Device) { d.Model = "FFFF" }, []string{"cpl-model-unknown"}},
		{"unknown firmware", func(d *Device) { d.FirmwareVersion = "00000001" }, []string{"cpl-firmware-unknown"}},
		{"withdrawn firmware", func(d *Device) { d.FirmwareVersion = "00020100" }, []string{"cpl-not-active"}},
		{"type", func(d *Device) { d.Type = duis.DeviceGSME }, []string{"cpl-type-mismatch"}},
		{"gbcs", func(d *Device) { d.GBCSVersion = "3.2" }, []string{"cpl-gbcs-mismatch"}},
		{"hardware", func(d *Device) { d.HardwareVersion = "0200" }, []string{"cpl-hardware-mismatch"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := base
			tc.edit(&d)
			var got []string
			for _, f := range c.Check(d) {
				got = append(got, f.Code)
			}
			if !slices.Equal(got, tc.codes) {
				t.Errorf("Check(%+v) = %v, want %v", d, got, tc.codes)
			}
		})
	}
	if s, fw := c.Statuses(base); s == nil || *s != "Active" || *fw != "Active" {
		t.Errorf("Statuses = %v, %v", s, fw)
	}
}

func TestNewCPLRejects(t *testing.T) {
	ok := CPLEntry{DeviceType: duis.DeviceESME, Manufacturer: "AB01", Model: "M", FirmwareVersion: "1", Status: "Active"}
	bad := []struct {
		name string
		e    []CPLEntry
	}{
		{"hash", []CPLEntry{func() CPLEntry { e := ok; e.ImageHash = "abc"; return e }()}},
		{"status", []CPLEntry{func() CPLEntry { e := ok; e.Status = "Lovely"; return e }()}},
		{"type", []CPLEntry{func() CPLEntry { e := ok; e.DeviceType = "X"; return e }()}},
		{"duplicate", []CPLEntry{ok, ok}},
		{"missing model", []CPLEntry{func() CPLEntry { e := ok; e.Model = ""; return e }()}},
	}
	for _, tc := range bad {
		if _, err := NewCPL(tc.e); !errors.Is(err, ErrBadCPLEntry) {
			t.Errorf("%s: NewCPL = %v, want ErrBadCPLEntry", tc.name, err)
		}
	}
}
