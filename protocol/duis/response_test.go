package duis

import (
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func mustEUI(s string) EUI64 {
	e, err := ParseEUI64(s)
	if err != nil {
		panic(err)
	}
	return e
}

func mustRID(s string) RequestID {
	r, err := ParseRequestID(s)
	if err != nil {
		panic(err)
	}
	return r
}

// responseSamples are hand-written responses and alerts built from the
// facts in DOMAIN.md §3.2 (an 8.2 inventory: CHF Pending, ESME
// InstalledNotCommissioned), §11.2 (N24 alert, 6.11 PreCommand, device
// alert) and §6.2 (12.1 WAN matrix).
var responseSamples = []struct {
	name string
	resp *Response
}{
	{"8.2 inventory", &Response{SchemaVersion: "5.4",
		Header: ResponseHeader{RequestID: ptr(mustRID(testSupplier + ":90-B3-D5-1F-30-00-00-02:1000")),
			ResponseID: ptr(mustRID("90-B3-D5-1F-30-00-00-02:" + testSupplier + ":1000")), ResponseCode: "I0", ResponseDateTime: "2026-11-28T10:00:00Z"},
		ResponseMessage: &ResponseMessage{ServiceReference: "8.2", ServiceReferenceVariant: "8.2",
			DSPInventory: &DSPInventory{Device: []InventoryDevice{
				{DeviceID: mustEUI(testCHF), DeviceType: DeviceCHF, DeviceStatus: ptr(StatusPending), DeviceManufacturer: "AB01", DeviceModel: "010A030B",
					SMETSCHTSVersion: ptr("SMETS V1.58"), DeviceFirmwareVersion: ptr("0002012F"), DeviceFirmwareVersionStatus: ptr(CPLStatus("Active")),
					CPLStatus: ptr(CPLStatus("Active")), UPRN: ptr(uint64(123456789012)), PropertyFilter: &PartialAddress{PostCode: "AB1 2CD", AddressIdentifier: "12"},
					CSPRegion: ptr(CSPRegion("Central")), DeviceGBCSVersion: ptr("4.2"), HANVariant: ptr("Single Band")},
				{DeviceID: mustEUI(testESME), DeviceType: DeviceESME, DeviceStatus: ptr(StatusInstalledNotCommissioned), DeviceManufacturer: "GFI", DeviceModel: "9001",
					ImportMPxN: ptr(MPxN("1312345678111")), ESMEVariant: ptr(ESMEVariant("A")), Connectivity: ptr(Connectivity("Cellular"))},
			}}}}},
	{"12.1 WAN matrix", &Response{SchemaVersion: "5.4",
		Header: ResponseHeader{RequestID: ptr(mustRID(testSupplier + ":90-B3-D5-1F-30-00-00-02:1001")), ResponseCode: "I0", ResponseDateTime: "2026-11-28T10:00:01.5Z"},
		ResponseMessage: &ResponseMessage{ServiceReference: "12.1", ServiceReferenceVariant: "12.1",
			DSPWANMatrix: &DSPWANMatrix{Request: RequestWANMatrix{UPRN: ptr(uint64(10023))},
				DSPWANMatrixResponse: []WANMatrixResponse{
					{CSPRegion: "North", CSPRegionResponseCode: "I0", CoverageAvailability: ptr(true), WANTechnology: ptr("4G"), ConnectivityLikelihood: ptr(ConnectivityLikelihood("High"))},
					{CSPRegion: "Central", CSPRegionResponseCode: "E19"},
				}}}}},
	{"6.11 pre-command", &Response{SchemaVersion: "5.4",
		Header:          ResponseHeader{RequestID: ptr(mustRID(testSupplier + ":" + testESME + ":1002")), ResponseCode: "I0", ResponseDateTime: "2026-11-28T10:00:02Z"},
		ResponseMessage: &ResponseMessage{ServiceReference: "6.11", ServiceReferenceVariant: "6.11", PreCommand: &PreCommand{GBCSVersion: "4.2", GBCSPayload: []byte{0xDF, 0x09, 0x01}}}}},
	{"N24 alert", &Response{SchemaVersion: "5.4",
		Header: ResponseHeader{ResponseCode: "I0", ResponseDateTime: "2026-11-28T10:00:03Z"},
		DCCAlertMessage: &DCCAlertMessage{DCCAlertCode: "N24", DCCAlert: DCCAlert{UpdateHANDeviceLogResult: &UpdateHANDeviceLogResult{
			UpdateHANDeviceLogServiceRequestID: mustRID(testSupplier + ":" + testCHF + ":1002")}}}}},
	{"8F20 device alert", &Response{SchemaVersion: "5.4",
		Header:             ResponseHeader{ResponseID: ptr(mustRID(testCHF + ":" + testSupplier + ":4000")), ResponseCode: "I0", ResponseDateTime: "2026-11-28T10:00:04Z"},
		DeviceAlertMessage: &DeviceAlertMessage{AlertCode: HexBinary{0x8F, 0x20}, GBCSPayload: []byte{0xDD, 0x00}}}},
}

func TestResponseSamples(t *testing.T) {
	for _, s := range responseSamples {
		t.Run(s.name, func(t *testing.T) {
			if ps := s.resp.Validate(); !ps.OK() {
				t.Errorf("Validate:\n%s", ps)
			}
			out, err := s.resp.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseResponse(out)
			if err != nil {
				t.Fatalf("ParseResponse(Marshal) = %v\n%s", err, out)
			}
			if back.bodyErr != nil || back.Other != nil {
				t.Fatalf("body did not bind: %v", back.bodyErr)
			}
			again, _ := back.Marshal()
			if string(again) != string(out) {
				t.Errorf("round trip differs:\n%s\n---\n%s", out, again)
			}
		})
	}
}

func TestResponseUnknownAlertKept(t *testing.T) {
	// A DCC alert body without a typed form (DOMAIN.md §11.2 lists
	// CommsHubAlert) is kept as read.
	in := `<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4"><sr:Header>` +
		`<sr:ResponseCode>I0</sr:ResponseCode><sr:ResponseDateTime>2026-11-28T10:00:00Z</sr:ResponseDateTime></sr:Header>` +
		`<sr:Body><sr:DCCAlertMessage><sr:DCCAlertCode>N42</sr:DCCAlertCode><sr:DCCAlert><sr:CommsHubAlert><sr:CommsHubDeviceID>` + testCHF +
		`</sr:CommsHubDeviceID></sr:CommsHubAlert></sr:DCCAlert></sr:DCCAlertMessage></sr:Body></sr:Response>`
	r, err := ParseResponse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if r.DCCAlertMessage == nil || r.DCCAlertMessage.DCCAlert.Other == nil || r.DCCAlertMessage.DCCAlert.Other.Local != "CommsHubAlert" {
		t.Fatalf("CommsHubAlert not kept: %+v", r.DCCAlertMessage)
	}
	out, _ := r.Marshal()
	a, _ := ParseXML([]byte(in))
	b, _ := ParseXML(out)
	if err := equivalent(a, b, ""); err != nil {
		t.Error(err)
	}
}

func TestNewResponseSigned(t *testing.T) {
	req := sample(t, "8.2 device")
	resp := NewResponse(req, CodeSuccess, time.Date(2026, 11, 28, 10, 0, 0, 5e6, time.UTC))
	resp.ResponseMessage.DSPInventory = &DSPInventory{Device: []InventoryDevice{{DeviceID: mustEUI(testCHF), DeviceType: DeviceCHF,
		DeviceStatus: ptr(StatusPending), DeviceManufacturer: "AB01", DeviceModel: "010A030B"}}}
	if got := resp.Header.ResponseID.String(); got != "90-B3-D5-1F-30-00-00-02:"+testSupplier+":1000" {
		t.Errorf("ResponseID = %s", got)
	}
	if resp.Header.ResponseDateTime != "2026-11-28T10:00:00.005Z" {
		t.Errorf("ResponseDateTime = %s", resp.Header.ResponseDateTime)
	}
	if ps := resp.Validate(); !ps.OK() {
		t.Errorf("Validate:\n%s", ps)
	}
	key, cert := testSigner(t, 5)
	signed, err := SignResponse(resp, key, cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(signed, cert); err != nil {
		t.Errorf("Verify(signed response) = %v", err)
	}
	back, err := ParseResponse(signed)
	if err != nil || back.Signature == nil || back.ResponseMessage.DSPInventory == nil {
		t.Fatalf("ParseResponse(signed) = %+v, %v", back, err)
	}
}

func TestDeviceStatusChangeKind(t *testing.T) {
	in := `<sr:Response xmlns:sr="` + NamespaceSR + `" schemaVersion="5.4"><sr:Header><sr:ResponseCode>I0</sr:ResponseCode>` +
		`<sr:ResponseDateTime>2026-11-28T10:00:00Z</sr:ResponseDateTime></sr:Header><sr:Body><sr:DCCAlertMessage>` +
		`<sr:DCCAlertCode>N1</sr:DCCAlertCode><sr:DCCAlert><sr:DeviceStatusChangeEvent><sr:DeviceID>` + testESME + `</sr:DeviceID>` +
		`<sr:DeviceSuspended/></sr:DeviceStatusChangeEvent></sr:DCCAlert></sr:DCCAlertMessage></sr:Body></sr:Response>`
	r, err := ParseResponse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	ev := r.DCCAlertMessage.DCCAlert.DeviceStatusChangeEvent
	if ev == nil || ev.Kind() != "DeviceSuspended" || ev.DeviceID != mustEUI(testESME) {
		t.Fatalf("event = %+v", ev)
	}
}
