package duis

import (
	"slices"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// xsdEnumerations reads the DUIS XSD at test time and returns the
// enumeration values of every named simple type, and of anonymous simple
// types under a named element.
func xsdEnumerations(t *testing.T) map[string][]string {
	t.Helper()
	root, err := ParseXML(conformance.Read(t, "gb/duis/DUIS_Schema_V5.4.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var walk func(n *Node, owner string)
	walk = func(n *Node, owner string) {
		for _, c := range n.Elements() {
			name, _ := c.Attr("name")
			o := owner
			if (c.Local == "simpleType" || c.Local == "element") && name != "" {
				o = name
			}
			if c.Local == "enumeration" {
				v, _ := c.Attr("value")
				if !slices.Contains(out[o], v) {
					out[o] = append(out[o], v)
				}
			}
			walk(c, o)
		}
	}
	walk(root, "")
	return out
}

// TestConformanceEnumerations checks every enumeration table of the
// package against the XSD, value for value and in order.
func TestConformanceEnumerations(t *testing.T) {
	xsd := xsdEnumerations(t)
	tests := []struct {
		xsdName string
		values  []string
	}{
		{"DeviceType", deviceTypes},
		{"DeviceStatus", deviceStatuses},
		{"UpdateDeviceStatusExceptCH", statusExceptCH},
		{"UpdateDeviceStatusCH", statusCH},
		{"CHFInstallType", chfInstallTypes},
		{"CHFLocation", chfLocations},
		{"PremiseType", premiseTypes},
		{"CHFFaultReturnType", chfFaultReturnTypes},
		{"CHFFaultReason", chfFaultReasons},
		{"CHFNoFaultReturnType", chfNoFaultReturnTypes},
		{"CHFConnectionMethod", chfConnectionMethods},
		{"CSPRegion", cspRegions},
		{"ESMEVariant", esmeVariants},
		{"CPLStatus", cplStatuses},
		{"FirmwareVersionStatus", cplStatuses},
		{"Connectivity", connectivities},
		{"ConnectivityLikelihood", likelihoods},
		{"RequestType", hanRequestTypes},
		{"DCCAlertCode", dccAlertCodes},
		{"ResponseCode", responseCodes},
	}
	for _, tc := range tests {
		if got := xsd[tc.xsdName]; !slices.Equal(got, tc.values) {
			t.Errorf("%s: package has %v, XSD has %v", tc.xsdName, tc.values, got)
		}
	}
	// Every variant of the catalogue is in the XSD's ServiceReferenceVariant
	// enumeration, and every family in ServiceReference.
	for _, v := range catalogue {
		if !slices.Contains(xsd["ServiceReferenceVariant"], v.ID) {
			t.Errorf("variant %s not in the XSD", v.ID)
		}
		if !slices.Contains(xsd["ServiceReference"], v.ServiceReference()) {
			t.Errorf("service reference %s not in the XSD", v.ServiceReference())
		}
	}
	// Every body element of the catalogue is an element the XSD's request
	// Body choice allows.
	root, err := ParseXML(conformance.Read(t, "gb/duis/DUIS_Schema_V5.4.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	bodyChoice := map[string]bool{}
	for _, ct := range root.Elements() {
		if name, _ := ct.Attr("name"); ct.Local != "complexType" || name != "Request" {
			continue
		}
		var walk func(n *Node, inBody bool)
		walk = func(n *Node, inBody bool) {
			for _, c := range n.Elements() {
				name, _ := c.Attr("name")
				if inBody && c.Local == "element" {
					bodyChoice[name] = true
					continue
				}
				walk(c, inBody || (c.Local == "element" && name == "Body"))
			}
		}
		walk(ct, false)
	}
	for _, v := range catalogue {
		if !bodyChoice[v.BodyElement] {
			t.Errorf("%s: body element %s is not in the XSD Body choice", v.ID, v.BodyElement)
		}
	}
	for el := range typedBodies {
		if !bodyChoice[el] {
			t.Errorf("typed body %s is not in the XSD Body choice", el)
		}
	}
	if n := len(xsd["ServiceReferenceVariant"]); n != len(catalogue) {
		t.Errorf("XSD has %d variants, catalogue %d", n, len(catalogue))
	}
}
