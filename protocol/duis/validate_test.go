package duis

import (
	"bytes"
	"strings"
	"testing"
)

func built(t *testing.T, variant string, fields map[string]string) *Request {
	t.Helper()
	r, err := Build(variant, fields)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sample(t *testing.T, name string) *Request {
	t.Helper()
	for _, s := range buildSamples {
		if s.name == name {
			return built(t, s.variant, s.fields)
		}
	}
	t.Fatalf("no sample %q", name)
	return nil
}

// wantProblem fails unless ps holds a problem of severity sev at path whose
// message contains msg.
func wantProblem(t *testing.T, ps Problems, sev Severity, path, msg string) {
	t.Helper()
	for _, p := range ps {
		if p.Severity == sev && p.Path == path && strings.Contains(p.Message, msg) {
			return
		}
	}
	t.Errorf("no %s at %s containing %q; got:\n%s", sev, path, msg, ps)
}

func TestValidateTypedRules(t *testing.T) {
	tests := []struct {
		name string
		req  func(t *testing.T) *Request
		sev  Severity
		path string
		msg  string
	}{
		{"CV not allowed", func(t *testing.T) *Request { r := sample(t, "8.11 add"); r.Header.CommandVariant = 8; return r },
			SeverityError, "Request/Header/CommandVariant", "command variant 8 not allowed for 8.11"},
		{"critical without pre-command", func(t *testing.T) *Request { r := sample(t, "8.1.1 ESME"); r.Header.CommandVariant = 1; return r },
			SeverityError, "Request/Header/CommandVariant", "not allowed for 8.1.1"},
		{"CV 5 needs SignedPreCommand", func(t *testing.T) *Request { r := sample(t, "8.1.1 ESME"); r.Header.CommandVariant = 5; return r },
			SeverityError, "Request/Body/CommissionDeviceSynchroniseClock", "must carry a SignedPreCommand"},
		{"CV 4 with SignedPreCommand", func(t *testing.T) *Request { r := sample(t, "8.1.1 signed"); r.Header.CommandVariant = 4; return r },
			SeverityError, "Request/Body/SignedPreCommand", "command variant 4 takes the service request body"},
		{"SignedPreCommand on non-critical", func(t *testing.T) *Request {
			r := sample(t, "8.11 add")
			r.Body = &SignedPreCommand{GBCSPayload: []byte{1}}
			return r
		}, SeverityError, "Request/Body/SignedPreCommand", "only for critical"},
		{"reference mismatch", func(t *testing.T) *Request { r := sample(t, "8.14.2"); r.Header.ServiceReference = "8.1"; return r },
			SeverityError, "Request/Header/ServiceReference", `"8.1" does not match variant 8.14.2 (want 8.14)`},
		{"unknown variant", func(t *testing.T) *Request {
			r := sample(t, "8.3")
			r.Header.ServiceReferenceVariant = "8.99"
			return r
		},
			SeverityError, "Request/Header/ServiceReferenceVariant", "not a Service Reference Variant"},
		{"body for another variant", func(t *testing.T) *Request { r := sample(t, "8.3"); r.Body = &RestoreHANDeviceLog{}; return r },
			SeverityError, "Request/Body/RestoreHANDeviceLog", "does not match variant 8.3 (want DecommissionDevice)"},
		{"CV 9", func(t *testing.T) *Request { r := sample(t, "8.3"); r.Header.CommandVariant = 9; return r },
			SeverityError, "Request/Header/CommandVariant", "internal to the DCC"},
		{"unknown enumeration", func(t *testing.T) *Request {
			r := sample(t, "8.14.1")
			r.Body.(*CHFInstallSuccessSMWAN).CHFLocation = "Garden shed"
			return r
		}, SeverityError, "Request/Body/CHFInstallSuccessSMWAN/CHFLocation", `value "Garden shed" is not in the enumeration`},
		{"join period too long", func(t *testing.T) *Request {
			r := sample(t, "8.11 add")
			r.Body.(*UpdateHANDeviceLog).AddDeviceToCHFWhitelist.JoinTimePeriod = 3601
			return r
		}, SeverityError, "Request/Body/UpdateHANDeviceLog/AddDeviceToCHFWhitelist/JoinTimePeriod", "value 3601 outside 1..3600"},
		{"install code too short", func(t *testing.T) *Request {
			r := sample(t, "8.11 add")
			r.Body.(*UpdateHANDeviceLog).AddDeviceToCHFWhitelist.InstallCode = HexBinary{1, 2, 3, 4, 5}
			return r
		}, SeverityError, "Request/Body/UpdateHANDeviceLog/AddDeviceToCHFWhitelist/InstallCode", "length 5 outside 6..16 bytes"},
		{"user ref too long", func(t *testing.T) *Request {
			r := sample(t, "8.14.4")
			r.Body.(*CHFNoFaultReturn).UserRefID = ptr(strings.Repeat("x", 26))
			return r
		}, SeverityError, "Request/Body/CHFNoFaultReturn/UserRefID", "length 26 outside 0..25"},
		{"two queries", func(t *testing.T) *Request {
			r := sample(t, "8.2 device")
			r.Body.(*ReadInventory).MPxN = ptr(MPxN("1312345678111"))
			return r
		}, SeverityError, "Request/Body/ReadInventory", "exactly one of UPRN, DeviceID, MPxN, PropertyFilter"},
		{"no change in 8.4", func(t *testing.T) *Request {
			r := sample(t, "8.4 delete")
			r.Body.(*UpdateInventory).DeleteDevice = nil
			return r
		}, SeverityError, "Request/Body/UpdateInventory", "found 0"},
		{"UPRN too long", func(t *testing.T) *Request {
			r := sample(t, "12.1 UPRN")
			r.Body.(*RequestWANMatrix).UPRN = ptr(uint64(1234567890123))
			return r
		},
			SeverityError, "Request/Body/RequestWANMatrix/UPRN", "at most 12 digits"},
		{"bad date-time", func(t *testing.T) *Request {
			r := sample(t, "6.11 GSME")
			r.Body.(*SynchroniseClock).CurrentDateTime = "31/12/2014 23:30"
			return r
		}, SeverityError, "Request/Body/SynchroniseClock/CurrentDateTime", "not an xs:dateTime"},
		{"future dated non-dateable", func(t *testing.T) *Request {
			r := sample(t, "8.1.1 signed")
			r.Body.(*SignedPreCommand).ExecutionDateTime = ptr(DateTime("2026-12-01T00:00:00Z"))
			return r
		}, SeverityError, "Request/Body/SignedPreCommand/ExecutionDateTime", "8.1.1 cannot be future dated"},
		{"future dated with CV 3", func(t *testing.T) *Request {
			r := sample(t, "8.11 remove future")
			r.Header.CommandVariant = 3
			return r
		}, SeverityError, "Request/Body/UpdateHANDeviceLog/ExecutionDateTime", "use command variant 1 or 5"},
		{"MPAN check digit", func(t *testing.T) *Request { return sample(t, "8.11 add") },
			SeverityWarning, "Request/Body/UpdateHANDeviceLog/AddDeviceToCHFWhitelist/ImportMPxN", "fails the check-digit rule"},
		{"device SR to the DCC", func(t *testing.T) *Request {
			r := sample(t, "8.9 meter")
			r.Header.RequestID.Target = DCCAccessControlBroker
			return r
		}, SeverityWarning, "Request/Header/RequestID", "targets the DCC"},
		{"schema version", func(t *testing.T) *Request { r := sample(t, "8.3"); r.SchemaVersion = "v5"; return r },
			SeverityError, "Request/@schemaVersion", "not a decimal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, tc.req(t).Validate(), tc.sev, tc.path, tc.msg)
		})
	}
}

// TestValidateDocumentProblems feeds XML with problems the typed form
// cannot hold: they must be reported at the element, and the document must
// still re-serialise without loss.
func TestValidateDocumentProblems(t *testing.T) {
	base, err := sample(t, "8.14.1").Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		from, to string
		path     string
		msg      string
	}{
		{"missing required element", "<sr:CHFLocation>Indoors on external wall</sr:CHFLocation>", "",
			"Request/Body/CHFInstallSuccessSMWAN/CHFLocation", "required element missing"},
		{"elements out of order", "<sr:AerialInstall>false</sr:AerialInstall>\n      <sr:CHFLocation>Indoors on external wall</sr:CHFLocation>",
			"<sr:CHFLocation>Indoors on external wall</sr:CHFLocation>\n      <sr:AerialInstall>false</sr:AerialInstall>",
			"Request/Body/CHFInstallSuccessSMWAN/AerialInstall", "required element missing"},
		{"unexpected element", "<sr:AerialInstall>false</sr:AerialInstall>", "<sr:AerialInstall>false</sr:AerialInstall><sr:Colour>red</sr:Colour>",
			"Request/Body/CHFInstallSuccessSMWAN/Colour", "unexpected element"},
		{"bad boolean", "<sr:AerialInstall>false</sr:AerialInstall>", "<sr:AerialInstall>no</sr:AerialInstall>",
			"Request/Body/CHFInstallSuccessSMWAN/AerialInstall", `"no" is not a boolean`},
		{"bad EUI", "<sr:DeviceID>00-DB-12-34-56-78-90-A2</sr:DeviceID>", "<sr:DeviceID>00-DB-12</sr:DeviceID>",
			"Request/Body/CHFInstallSuccessSMWAN/DeviceID", "malformed EUI-64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(base, []byte(tc.from)) {
				t.Fatalf("sample lacks %q:\n%s", tc.from, base)
			}
			in := bytes.Replace(base, []byte(tc.from), []byte(tc.to), 1)
			wantProblem(t, Validate(in), SeverityError, tc.path, tc.msg)
			r, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := r.Marshal()
			a, _ := ParseXML(in)
			b, _ := ParseXML(out)
			if err := equivalent(a, b, ""); err != nil {
				t.Errorf("generic body lost content: %v", err)
			}
		})
	}
}

func TestValidateUnreadable(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"not xml", "hello", "read xml"},
		{"dtd", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>`, "DTDs"},
		{"wrong root", `<x/>`, "neither sr:Request nor sr:Response"},
		{"bad header", `<sr:Request xmlns:sr="` + NamespaceSR + `" schemaVersion="5.4"><sr:Header><sr:RequestID>x</sr:RequestID></sr:Header><sr:Body><sr:X/></sr:Body></sr:Request>`, "malformed request ID"},
		{"unbound prefix", `<sr:Request/>`, "not declared"},
		{"unclosed", `<a><b></a>`, "read xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := Validate([]byte(tc.in))
			if len(ps) != 1 || ps.OK() || !strings.Contains(ps[0].Message, tc.msg) {
				t.Errorf("Validate(%q) = %v, want one error containing %q", tc.in, ps, tc.msg)
			}
		})
	}
}

func TestGenericBodyRoundTrip(t *testing.T) {
	// A variant without a typed body (4.1.1, Read Instantaneous Import
	// Registers) is kept as read.
	in := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<sr:Request xmlns:sr="` + NamespaceSR + `" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>` + testSupplier + `:` + testESME + `:1000</sr:RequestID>
    <sr:CommandVariant>1</sr:CommandVariant>
    <sr:ServiceReference>4.1</sr:ServiceReference>
    <sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    <sr:ReadInstantaneousImportRegisters/>
  </sr:Body>
</sr:Request>
`)
	r, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Body.(*GenericBody); !ok || r.Body.BodyElement() != "ReadInstantaneousImportRegisters" {
		t.Fatalf("Body = %#v", r.Body)
	}
	if ps := r.Validate(); !ps.OK() {
		t.Errorf("Validate:\n%s", ps)
	}
	out, _ := r.Marshal()
	if !bytes.Equal(out, in) {
		t.Errorf("Marshal(Parse(x)) != x:\n%s", out)
	}
}

// TestForeignPrefixesCarried: prefixes declared on the document element
// and used inside the body or signature (xsi, another name for the ds
// namespace) must still be declared after re-serialisation.
func TestForeignPrefixesCarried(t *testing.T) {
	in := []byte(`<r:Request xmlns:r="` + NamespaceSR + `" xmlns:xsi="` + NamespaceXSI + `" xmlns:n3="` + NamespaceDS + `" schemaVersion="5.4">` +
		`<r:Header><r:RequestID>` + testSupplier + `:` + testESME + `:1</r:RequestID><r:CommandVariant>1</r:CommandVariant>` +
		`<r:ServiceReference>4.1</r:ServiceReference><r:ServiceReferenceVariant>4.1.1</r:ServiceReferenceVariant></r:Header>` +
		`<r:Body><r:ReadInstantaneousImportRegisters xsi:nil="false"/></r:Body><n3:Signature><n3:SignedInfo/></n3:Signature></r:Request>`)
	d, err := ParseDocument(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseXML(out)
	if err != nil {
		t.Fatalf("own output unreadable: %v\n%s", err, out)
	}
	a, _ := ParseXML(in)
	if err := equivalent(a, b, ""); err != nil {
		t.Errorf("round trip differs: %v\n%s", err, out)
	}
}
