package duis

import (
	"bytes"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	// Hand-worked against C14N 1.0 §2.3 and Exc-C14N §3: unused namespace
	// declarations are dropped by the exclusive form and kept by the
	// inclusive one; attributes are sorted (unqualified first, then by
	// namespace URI); empty elements become start-end pairs; comments go;
	// text and attribute values are escaped; the excluded element and its
	// subtree vanish while the whitespace around it stays.
	in := []byte("<r:a xmlns:r=\"urn:r\" xmlns:u=\"urn:unused\" xmlns:z=\"urn:z\" z:k=\"1\" b=\"x&quot;&#9;\"><!--c--><r:e/>\n" +
		"<r:s>t &amp; &lt; &gt;&#13;</r:s><x xmlns=\"urn:d\"><y/></x><r:sig><r:in/></r:sig></r:a>")
	root, err := ParseXML(in)
	if err != nil {
		t.Fatal(err)
	}
	sig := root.Child("sig")
	tests := []struct {
		name      string
		exclusive bool
		want      string
	}{
		{"exclusive", true, `<r:a xmlns:r="urn:r" xmlns:z="urn:z" b="x&quot;&#x9;" z:k="1"><r:e></r:e>` + "\n" +
			`<r:s>t &amp; &lt; &gt;&#xD;</r:s><x xmlns="urn:d"><y></y></x></r:a>`},
		{"inclusive", false, `<r:a xmlns:r="urn:r" xmlns:u="urn:unused" xmlns:z="urn:z" b="x&quot;&#x9;" z:k="1"><r:e></r:e>` + "\n" +
			`<r:s>t &amp; &lt; &gt;&#xD;</r:s><x xmlns="urn:d"><y></y></x></r:a>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := canonicalize(root, baseScope(), sig, tc.exclusive)
			if !bytes.Equal(got, []byte(tc.want)) {
				t.Errorf("canonicalize =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	// A subtree canonicalized exclusively carries the declaration it uses
	// from its ancestors, and only that one.
	scope, ok := scopeAbove(root, sig)
	if !ok {
		t.Fatal("scopeAbove: sig not found")
	}
	if got, want := string(canonicalize(sig, scope, nil, true)), `<r:sig xmlns:r="urn:r"><r:in></r:in></r:sig>`; got != want {
		t.Errorf("subtree = %s, want %s", got, want)
	}
}

func TestUnknownEnumerationRoundTrips(t *testing.T) {
	r := sample(t, "8.14.2")
	r.Body.(*CHFInstallSuccessNoSMWAN).PremiseType = "Houseboat"
	out, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := back.Body.(*CHFInstallSuccessNoSMWAN)
	if !ok || b.PremiseType != "Houseboat" {
		t.Fatalf("PremiseType = %#v", back.Body)
	}
	wantProblem(t, back.Validate(), SeverityError, "Request/Body/CHFInstallSuccessNoSMWAN/PremiseType", `"Houseboat" is not in the enumeration`)
}

func TestParseXMLLimits(t *testing.T) {
	deep := bytes.Repeat([]byte("<a>"), maxDepth+1)
	if _, err := ParseXML(deep); err == nil {
		t.Errorf("ParseXML(depth %d) accepted", maxDepth+1)
	}
	if _, err := ParseXML(make([]byte, MaxDocumentSize+1)); err == nil {
		t.Errorf("ParseXML(oversized) accepted")
	}
	if _, err := ParseXML([]byte(`<a/><b/>`)); err == nil {
		t.Errorf("ParseXML(two roots) accepted")
	}
}
