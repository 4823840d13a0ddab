package duis

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Identities and values of the DCC reference test data, as DOMAIN.md §2,
// §6.2 and conformance/gb/README.md "Conventions" state them.
const (
	testSupplier = "90-B3-D5-1F-30-01-00-00"
	testESME     = "00-DB-12-34-56-78-90-A0"
	testGSME     = "00-DB-12-34-56-78-90-A1"
	testCHF      = "00-DB-12-34-56-78-90-A2"
	testGPF      = "00-DB-12-34-56-78-90-A3"
	testPPMID    = "00-DB-12-34-56-78-90-A4"
)

func hdr(target string, extra map[string]string) map[string]string {
	m := map[string]string{"originator": testSupplier, "counter": "1000"}
	if target != "" {
		m["target"] = target
	}
	maps.Copy(m, extra)
	return m
}

// buildSamples holds one field set per typed variant (several for some),
// each valid against the XSD and the header rules.
var buildSamples = []struct {
	name    string
	variant string
	fields  map[string]string
}{
	{"12.1 UPRN", "12.1", hdr("", map[string]string{"UPRN": "123456789012"})},
	{"12.1 address", "12.1", hdr("", map[string]string{"PostCode": "AB1 2CD", "AddressIdentifier": "12"})},
	{"12.2 ESME", "12.2", hdr("", map[string]string{"DeviceID": testESME, "DeviceManufacturer": "AB01", "DeviceModel": "010A030B",
		"DeviceType": "ESME", "SMETSCHTSVersion": "SMETS V5.0", "FirmwareVersion": "0002012F", "ESMEVariant": "A"})},
	{"12.2 CHF", "12.2", hdr("", map[string]string{"DeviceID": testCHF, "DeviceManufacturer": "AB01", "DeviceModel": "010A030B",
		"DeviceType": "CHF", "AssociatedGPFDeviceID": testGPF})},
	{"8.2 device", "8.2", hdr("", map[string]string{"DeviceID": testCHF})},
	{"8.2 property", "8.2", hdr("", map[string]string{"PropertyFilter/PostCode": "AB1 2CD", "PropertyFilter/AddressIdentifier": "12"})},
	{"8.3", "8.3", hdr("", map[string]string{"DeviceID": testESME})},
	{"8.4 delete", "8.4", hdr("", map[string]string{"DeviceID": testESME, "DeleteDevice": "true"})},
	{"8.4 status", "8.4", hdr("", map[string]string{"DeviceID": testESME, "UpdateDeviceStatusExceptCH": "InstalledNotCommissioned"})},
	{"8.4 CH status", "8.4", hdr("", map[string]string{"DeviceID": testCHF, "UpdateDeviceStatusCH": "Withdrawn"})},
	{"8.4 details", "8.4", hdr("", map[string]string{"DeviceID": testESME, "UpdateDeviceDetails/DeviceModel": "010A030C"})},
	{"8.4 MPxN", "8.4", hdr("", map[string]string{"DeviceID": testESME, "UpdateMPxN/ExportMPAN": "1312345678333"})},
	{"8.6", "8.6", hdr("", map[string]string{"DeviceID": testESME, "DeviceType": "ESME", "MPxNs/ImportMPxN": "1312345678111", "OptInDate": "2026-12-01"})},
	{"8.11 add", "8.11", hdr(testCHF, map[string]string{"DeviceID": testESME, "RequestType": "Add", "JoinTimePeriod": "90",
		"InstallCode": "30313233343536373839414243444546", "ImportMPxN": "1312345678111", "SecondaryImportMPAN": "1312345678222"})},
	{"8.11 remove future", "8.11", hdr(testCHF, map[string]string{"DeviceID": testESME, "RequestType": "Remove", "ExecutionDateTime": "2026-12-01T10:00:00Z"})},
	{"8.12.1", "8.12.1", hdr(testCHF, map[string]string{"OldCHFID": "00-DB-12-34-56-78-90-B2"})},
	{"8.12.2", "8.12.2", hdr(testGPF, map[string]string{"OldGPFID": "00-DB-12-34-56-78-90-B3"})},
	{"8.13", "8.13", hdr("", map[string]string{"OriginalRequestID": testSupplier + ":" + testESME + ":999", "DeviceGBCSResponse": "3wkCAAAAAAAAA+g="})},
	{"8.14.1", "8.14.1", hdr("", map[string]string{"DeviceID": testCHF, "CHFInstallType": "New CHF Install", "InstallDateTime": "2026-11-28T09:30:00Z",
		"MPxN": "1312345678111", "AerialInstall": "false", "CHFLocation": "Indoors on external wall"})},
	{"8.14.2", "8.14.2", hdr("", map[string]string{"DeviceID": testCHF, "CHFInstallType": "CHF Install - no SM WAN", "MPxN": "1000999888",
		"AerialInstall": "true", "CHFLocation": "Basement or Cellar", "PremiseType": "Low Rise Apartment (MDU <= 5 floors)",
		"MetalObstructionCheck": "false", "ConnectivityObstructionCheck": "false", "SharedObstructionCheck": "true",
		"AdditionalInformation": "meter cupboard under stairs & steel door"})},
	{"8.14.3", "8.14.3", hdr("", map[string]string{"DeviceID": testCHF, "CHFFaultReturnType": "Fault identified post installation",
		"OtherDeviceID": testESME, "CHFConnectionMethod": "Hot-shoe", "CHFFaultReason": "LED Fault", "IncidentReference": "INC0001"})},
	{"8.14.4", "8.14.4", hdr("", map[string]string{"DeviceID": testCHF, "CHFNoFaultReturnType": "Lost or Stolen Hub"})},
	{"8.1.1 ESME", "8.1.1", hdr(testESME, map[string]string{"CurrentDateTime": "2014-12-31T23:59:10Z", "TolerancePeriod": "60"})},
	{"8.1.1 signed", "8.1.1", hdr(testESME, map[string]string{"commandVariant": "5", "GBCSPayload": "3wkBAAAAAAAAA+g="})},
	{"6.11 GSME", "6.11", hdr(testGSME, map[string]string{"CurrentDateTime": "2014-12-31T23:30:00Z", "TolerancePeriod": "3600"})},
	{"8.7.1", "8.7.1", hdr(testESME, map[string]string{"OtherDeviceID": testPPMID})},
	{"8.7.2", "8.7.2", hdr(testESME, map[string]string{"OtherDeviceID": "00-DB-12-34-56-78-90-A6"})},
	{"8.8.1", "8.8.1", hdr(testESME, map[string]string{"OtherDeviceID": testPPMID})},
	{"8.8.2", "8.8.2", hdr(testESME, map[string]string{"OtherDeviceID": testPPMID, "commandVariant": "3"})},
	{"8.9 CHF security", "8.9", hdr(testCHF, map[string]string{"ReadSecurityDetails": "true"})},
	{"8.9 meter", "8.9", hdr(testESME, nil)},
	{"6.20.1 twin", "6.20.1", hdr(testESME, map[string]string{"ImportMPAN": "1312345678111", "ImportMPANs/SecondaryImportMPAN": "1312345678222"})},
	{"6.20.1 gas", "6.20.1", hdr(testGSME, map[string]string{"ImportMPRN": "1000999888"})},
	{"11.2", "11.2", hdr(testESME, map[string]string{"firstInSequence": "true"})},
}

func TestBuildSamples(t *testing.T) {
	for _, s := range buildSamples {
		t.Run(s.name, func(t *testing.T) {
			r, err := Build(s.variant, s.fields)
			if err != nil {
				t.Fatalf("Build(%s) = %v", s.variant, err)
			}
			if ps := r.Validate(); !ps.OK() {
				t.Errorf("Validate:\n%s", ps)
			}
			out, err := r.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Marshal) = %v\n%s", err, out)
			}
			again, err := back.Marshal()
			if err != nil || string(again) != string(out) {
				t.Errorf("Marshal(Parse(Marshal(x))) differs:\n%s\n---\n%s", out, again)
			}
			if _, generic := back.Body.(*GenericBody); generic {
				t.Errorf("body re-read as generic: %v", back.bodyErr)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name    string
		variant string
		fields  map[string]string
		want    error
	}{
		{"unknown variant", "99.9", hdr(testESME, nil), ErrUnknownVariant},
		{"no typed body", "4.1.1", hdr(testESME, nil), ErrNoTypedBody},
		{"unknown field", "8.3", hdr("", map[string]string{"DeviceID": testESME, "Colour": "red"}), ErrUnknownField},
		{"missing required", "8.11", hdr(testCHF, map[string]string{"DeviceID": testESME}), ErrMissingField},
		{"missing required in present element", "8.11", hdr(testCHF, map[string]string{"DeviceID": testESME, "RequestType": "Add", "JoinTimePeriod": "90"}), ErrMissingField},
		{"device target missing", "8.11", map[string]string{"originator": testSupplier, "counter": "1"}, ErrMissingField},
		{"bad EUI", "8.3", hdr("", map[string]string{"DeviceID": "00-DB"}), ErrBadEUI64},
		{"bad counter", "8.3", hdr("", map[string]string{"DeviceID": testESME, "counter": "007"}), ErrBadRequestID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.variant, tc.fields)
			if !errors.Is(err, tc.want) {
				t.Errorf("Build(%s) = %v, want %v", tc.variant, err, tc.want)
			}
		})
	}
}

func TestBuildFields(t *testing.T) {
	got, err := BuildFields("8.11")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ExecutionDateTime", "DeviceID", "RequestType", "AddDeviceToCHFWhitelist/JoinTimePeriod",
		"AddDeviceToCHFWhitelist/InstallCode", "AddDeviceToCHFWhitelist/ImportMPxN",
		"AddDeviceToCHFWhitelist/SecondaryImportMPAN", "AddDeviceToCHFWhitelist/ExportMPAN"}
	if !slices.Equal(got, want) {
		t.Errorf("BuildFields(8.11) = %v, want %v", got, want)
	}
	for _, v := range catalogue {
		if !v.Typed() {
			if _, err := BuildFields(v.ID); !errors.Is(err, ErrNoTypedBody) {
				t.Errorf("BuildFields(%s) = %v, want ErrNoTypedBody", v.ID, err)
			}
			continue
		}
		if fs, err := BuildFields(v.ID); err != nil || len(fs) == 0 && v.ID != "11.2" && !strings.HasPrefix(v.ID, "8.9") {
			t.Errorf("BuildFields(%s) = %v, %v", v.ID, fs, err)
		}
	}
}
