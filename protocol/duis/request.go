package duis

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
)

// Request is a DUIS service request (XSD complexType Request; DOMAIN.md
// §11.1).
type Request struct {
	SchemaVersion string // e.g. "5.4"
	Header        Header
	Body          Body
	// Signature is the enveloped ds:Signature element as read, or nil.
	// Sign replaces it; Marshal writes it back unchanged.
	Signature *Node

	bodyErr error // why a known body element did not bind to its typed form
}

// Header is the request header, in XSD order.
type Header struct {
	RequestID                 RequestID  `duis:"RequestID"`
	FirstInSequence           *bool      `duis:"FirstInSequence"`
	PrecedingServiceRequestID *RequestID `duis:"PrecedingServiceRequestID"`
	CommandVariant            int        `duis:"CommandVariant" check:"range=1,9"`
	ServiceReference          string     `duis:"ServiceReference"`
	ServiceReferenceVariant   string     `duis:"ServiceReferenceVariant"`
}

// Document errors.
var (
	ErrNotRequest  = errors.New("duis: document element is not sr:Request")
	ErrNotResponse = errors.New("duis: document element is not sr:Response")
	ErrStructure   = errors.New("duis: unexpected document structure")
)

// SchemaVersion is the DUIS schema version this package writes.
const SchemaVersion = "5.4"

// Parse reads a DUIS request. Any well-formed request with a sound header
// parses: a body without a typed form, or one that does not bind, is kept
// as a GenericBody so Marshal gives it back unchanged; Validate then says
// what is wrong with it.
func Parse(data []byte) (*Request, error) {
	root, err := ParseXML(data)
	if err != nil {
		return nil, err
	}
	return requestFromNode(root)
}

func requestFromNode(root *Node) (*Request, error) {
	if root.Local != "Request" || root.Space != NamespaceSR {
		return nil, fmt.Errorf("%w: <%s> in %q", ErrNotRequest, root.Local, root.Space)
	}
	r := &Request{}
	r.SchemaVersion, _ = root.Attr("schemaVersion")
	body, sig, err := readEnvelope(root, reflect.ValueOf(&r.Header).Elem())
	if err != nil {
		return nil, err
	}
	r.Body, r.bodyErr = decodeBody(body)
	r.Signature = sig
	return r, nil
}

// readEnvelope checks the Header, Body and optional Signature of a DUIS
// request or response, decodes the header into header, and returns the one
// body element (prefixes normalised) and the signature, if any.
func readEnvelope(root *Node, header reflect.Value) (body, sig *Node, err error) {
	kids := root.Elements()
	if len(kids) < 2 || len(kids) > 3 || kids[0].Local != "Header" || kids[1].Local != "Body" {
		return nil, nil, fmt.Errorf("%w: want Header, Body and an optional Signature", ErrStructure)
	}
	if err := decodeValue(kids[0], header, root.Local+"/Header"); err != nil {
		return nil, nil, err
	}
	bodyKids := kids[1].Elements()
	if len(bodyKids) != 1 {
		return nil, nil, fmt.Errorf("%w: Body holds %d elements, want 1", ErrStructure, len(bodyKids))
	}
	body = bodyKids[0]
	normalise(body)
	carryNamespaces(body)
	if len(kids) == 3 {
		if kids[2].Local != "Signature" || kids[2].Space != NamespaceDS {
			return nil, nil, fmt.Errorf("%w: <%s> after Body", ErrStructure, kids[2].Local)
		}
		sig = kids[2]
		carryNamespaces(sig)
	}
	return body, sig, nil
}

// normalise rewrites the prefixes of the DUIS namespaces in a subtree to
// the ones Marshal declares on the document element (sr, ra, ds), so a
// kept subtree stays well-formed wherever its prefixes were declared.
func normalise(n *Node) {
	if n.Kind != ElementNode {
		return
	}
	switch n.Space {
	case NamespaceSR:
		n.Prefix = "sr"
	case NamespaceRA:
		n.Prefix = "ra"
	case NamespaceDS:
		n.Prefix = "ds"
	}
	n.NS = slices.DeleteFunc(n.NS, func(d NSDecl) bool {
		return d.URI == NamespaceSR || d.URI == NamespaceRA || d.URI == NamespaceDS
	})
	for _, c := range n.Children {
		normalise(c)
	}
}

// carryNamespaces declares on n every prefix its subtree uses but that
// was declared above it (other than the DUIS prefixes the writer
// declares itself), so the subtree stays well-formed when it is written
// under a new document element.
func carryNamespaces(n *Node) {
	declared := map[string]bool{"xml": true}
	var missing []NSDecl
	need := func(prefix, uri string) {
		if declared[prefix] || (prefix == "" && uri == "") || containsPrefix(missing, prefix) ||
			(prefix == "sr" && uri == NamespaceSR) || (prefix == "ra" && uri == NamespaceRA) || (prefix == "ds" && uri == NamespaceDS) {
			return
		}
		missing = append(missing, NSDecl{prefix, uri})
	}
	var walk func(e *Node, declared map[string]bool)
	walk = func(e *Node, outer map[string]bool) {
		if e.Kind != ElementNode {
			return
		}
		inner := outer
		if len(e.NS) > 0 {
			inner = make(map[string]bool, len(outer)+len(e.NS))
			for k := range outer {
				inner[k] = true
			}
			for _, d := range e.NS {
				inner[d.Prefix] = true
			}
		}
		if !inner[e.Prefix] {
			need(e.Prefix, e.Space)
		}
		for _, a := range e.Attrs {
			if a.Prefix != "" && !inner[a.Prefix] {
				need(a.Prefix, a.Space)
			}
		}
		for _, c := range e.Children {
			walk(c, inner)
		}
	}
	walk(n, declared)
	n.NS = append(n.NS, missing...)
}

// node builds the document element for r.
func (r *Request) node() *Node {
	root := &Node{Kind: ElementNode, Prefix: "sr", Local: "Request", Space: NamespaceSR,
		NS: []NSDecl{{"sr", NamespaceSR}}}
	v := r.SchemaVersion
	if v == "" {
		v = SchemaVersion
	}
	root.Attrs = []Attr{{Local: "schemaVersion", Value: v}}
	h := newElem("Header")
	encodeStruct(h, reflect.ValueOf(r.Header))
	var body *Node
	if r.Body != nil {
		body = encodeBody(r.Body)
	}
	b := newElem("Body")
	if body != nil {
		b.Children = []*Node{body}
		if usesNamespace(body, NamespaceRA) {
			root.NS = append(root.NS, NSDecl{"ra", NamespaceRA})
		}
	}
	root.Children = []*Node{h, b}
	if r.Signature != nil {
		root.Children = append(root.Children, r.Signature)
	}
	declareDS(root)
	return root
}

// declareDS declares the ds prefix on the document element when the
// document holds an XML signature element.
func declareDS(root *Node) {
	if usesNamespace(root, NamespaceDS) && !containsPrefix(root.NS, "ds") {
		root.NS = append(root.NS, NSDecl{"ds", NamespaceDS})
	}
}

func usesNamespace(n *Node, uri string) bool {
	if n.Kind == ElementNode && n.Space == uri {
		return true
	}
	for _, c := range n.Children {
		if usesNamespace(c, uri) {
			return true
		}
	}
	return false
}

// Marshal writes r as an indented DUIS document.
func (r *Request) Marshal() ([]byte, error) {
	if r.Body == nil {
		return nil, fmt.Errorf("%w: request has no body", ErrStructure)
	}
	var b bytes.Buffer
	if err := WriteXML(&b, r.node()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Variant returns the catalogue entry named by the header.
func (r *Request) Variant() (Variant, bool) { return LookupVariant(r.Header.ServiceReferenceVariant) }

var schemaVersionRE = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)

// Validate checks r against the DUIS XSD (required elements,
// enumerations, lengths and patterns of the typed bodies) and the header
// rules of DUIS §2 as DOMAIN.md §11–§13 describe them: the Service
// Reference is the variant's family, the command variant is allowed for
// the variant, critical SRs go only through pre-commands (CV 4 with the SR
// body, CV 5/6/7 with a SignedPreCommand), and the body element matches
// the variant. MPAN check digits are reported as warnings.
func (r *Request) Validate() Problems {
	var ps Problems
	if r.SchemaVersion == "" {
		ps.add("Request/@schemaVersion", "required attribute missing")
	} else if !schemaVersionRE.MatchString(r.SchemaVersion) {
		ps.add("Request/@schemaVersion", "%q is not a decimal", r.SchemaVersion)
	}
	h := r.Header
	validateStruct(reflect.ValueOf(h), "Request/Header", &ps)
	v, known := r.Variant()
	if !known {
		ps.add("Request/Header/ServiceReferenceVariant", "%q is not a Service Reference Variant of DUIS 5.4", h.ServiceReferenceVariant)
	} else if ref := v.ServiceReference(); h.ServiceReference != ref {
		ps.add("Request/Header/ServiceReference", "%q does not match variant %s (want %s)", h.ServiceReference, v.ID, ref)
	}
	if h.CommandVariant == 9 {
		ps.add("Request/Header/CommandVariant", "command variant 9 is internal to the DCC and not used in service requests")
	}
	bodyPath := "Request/Body"
	if r.Body == nil {
		ps.add(bodyPath, "body missing")
		return ps
	}
	bodyPath += "/" + r.Body.BodyElement()
	_, signed := r.Body.(*SignedPreCommand)
	if known {
		allowed := v.AllowedCommandVariants()
		switch {
		case !slices.Contains(allowed, h.CommandVariant):
			ps.add("Request/Header/CommandVariant", "command variant %d not allowed for %s (allowed: %v)", h.CommandVariant, v.ID, allowed)
		case v.Critical && h.CommandVariant == 4 && signed:
			ps.add(bodyPath, "command variant 4 takes the service request body; a SignedPreCommand goes with 5, 6 or 7")
		case v.Critical && h.CommandVariant >= 5 && !signed:
			ps.add(bodyPath, "critical service request with command variant %d must carry a SignedPreCommand", h.CommandVariant)
		}
		if signed && !v.Critical {
			ps.add(bodyPath, "SignedPreCommand is only for critical service requests; %s is not critical", v.ID)
		}
		if !signed && v.BodyElement != "" && r.Body.BodyElement() != v.BodyElement {
			ps.add(bodyPath, "body element %s does not match variant %s (want %s)", r.Body.BodyElement(), v.ID, v.BodyElement)
		}
		if !v.NonDevice && h.RequestID.Target == DCCAccessControlBroker {
			ps.warn("Request/Header/RequestID", "device service request %s targets the DCC instead of a device", v.ID)
		}
		if fd, ok := executionDateTime(r.Body); ok && fd && !v.FutureDateable() {
			ps.add(bodyPath+"/ExecutionDateTime", "%s cannot be future dated", v.ID)
		} else if ok && fd && h.CommandVariant != 1 && h.CommandVariant != 5 {
			ps.add(bodyPath+"/ExecutionDateTime", "future-dated requests use command variant 1 or 5, not %d", h.CommandVariant)
		}
	}
	if r.bodyErr != nil {
		msg, path := r.bodyErr.Error(), bodyPath
		var fe *FieldError
		if errors.As(r.bodyErr, &fe) {
			path, msg = "Request/"+fe.Path, plain(fe.Err)
		}
		ps.add(path, "%s", msg)
		return ps
	}
	if _, generic := r.Body.(*GenericBody); !generic {
		validateValue(reflect.ValueOf(r.Body).Elem(), "", bodyPath, &ps)
		mpanWarnings(reflect.ValueOf(r.Body).Elem(), bodyPath, &ps)
	} else if g := r.Body.(*GenericBody); g.Node.Space != NamespaceSR {
		ps.add(bodyPath, "body element is not in the DUIS namespace")
	}
	return ps
}

// executionDateTime reports whether b has an ExecutionDateTime field and
// whether it is set.
func executionDateTime(b Body) (set, has bool) {
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false, false
	}
	f := v.Elem().FieldByName("ExecutionDateTime")
	if !f.IsValid() {
		return false, false
	}
	return !f.IsNil(), true
}

// mpanWarnings walks a typed body and warns about MPANs whose check digit
// does not match (a warning only: DOMAIN.md §2).
func mpanWarnings(v reflect.Value, path string, ps *Problems) {
	for _, fi := range structFields(v.Type()) {
		f := v.Field(fi.index)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		p := path + "/" + fi.name
		switch x := f.Interface().(type) {
		case MPAN:
			if len(x) == 13 && !x.CheckDigitOK() {
				ps.warn(p, "MPAN %s fails the check-digit rule", string(x))
			}
		case MPxN:
			if len(x) == 13 && !MPAN(x).CheckDigitOK() {
				ps.warn(p, "MPAN %s fails the check-digit rule", string(x))
			}
		default:
			if f.Kind() == reflect.Struct && !isLeaf(f.Type()) && f.Type() != emptyType {
				mpanWarnings(f, p, ps)
			}
		}
	}
}
