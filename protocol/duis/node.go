package duis

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespace URIs used by DUIS documents (DUIS XSD 5.4 targetNamespace and
// the imports it declares).
const (
	NamespaceSR    = "http://www.dccinterface.co.uk/ServiceUserGateway"
	NamespaceRA    = "http://www.dccinterface.co.uk/ResponseAndAlert"
	NamespaceDS    = "http://www.w3.org/2000/09/xmldsig#"
	NamespaceXSI   = "http://www.w3.org/2001/XMLSchema-instance"
	namespaceXML   = "http://www.w3.org/XML/1998/namespace"
	namespaceXMLNS = "http://www.w3.org/2000/xmlns/"
)

// Limits applied while reading XML from the wire: a DUIS document is small,
// so anything far beyond these is refused before it is held in memory.
const (
	MaxDocumentSize = 4 << 20 // bytes
	maxDepth        = 64
	maxNodes        = 200000
)

// NodeKind says what a Node holds.
type NodeKind uint8

// Node kinds.
const (
	ElementNode NodeKind = iota
	TextNode
	CommentNode
	ProcInstNode
)

// Attr is one ordinary (non-namespace) attribute.
type Attr struct {
	Prefix, Local string
	Space         string // resolved namespace URI; "" for unprefixed attributes
	Value         string
}

// NSDecl is one namespace declaration (xmlns or xmlns:prefix) on an element.
type NSDecl struct {
	Prefix string // "" for the default namespace
	URI    string
}

// Node is one item of a parsed XML document: an element with its ordered
// content, or a text, comment or processing-instruction item. The tree keeps
// everything exclusive canonicalisation needs (prefixes, declarations,
// whitespace), so a parsed document can be canonicalised and its signature
// checked.
type Node struct {
	Kind     NodeKind
	Prefix   string // element prefix as written
	Local    string // element local name; PI target
	Space    string // resolved namespace URI of the element
	NS       []NSDecl
	Attrs    []Attr
	Children []*Node
	Data     string // text, comment or PI content
}

// Elements returns the child elements of n in document order.
func (n *Node) Elements() []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Kind == ElementNode {
			out = append(out, c)
		}
	}
	return out
}

// Text returns the concatenated character data directly inside n.
func (n *Node) Text() string {
	var b strings.Builder
	for _, c := range n.Children {
		if c.Kind == TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// Attr returns the value of the unprefixed attribute local and whether it
// is present.
func (n *Node) Attr(local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Local == local && a.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// Child returns the first child element named local, or nil.
func (n *Node) Child(local string) *Node {
	for _, c := range n.Children {
		if c.Kind == ElementNode && c.Local == local {
			return c
		}
	}
	return nil
}

// newElem returns an element in the DUIS namespace with prefix sr.
func newElem(local string, children ...*Node) *Node {
	return &Node{Kind: ElementNode, Prefix: "sr", Local: local, Space: NamespaceSR, Children: children}
}

// newLeaf returns an sr element holding text.
func newLeaf(local, text string) *Node {
	n := newElem(local)
	if text != "" {
		n.Children = []*Node{{Kind: TextNode, Data: text}}
	}
	return n
}

// ParseError reports XML that could not be read, with the byte offset
// where reading stopped.
type ParseError struct {
	Offset int64
	Err    error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("duis: read xml at offset %d: %v", e.Offset, e.Err)
}
func (e *ParseError) Unwrap() error { return e.Err }

// Sentinel errors.
var (
	ErrTooLarge      = errors.New("duis: document too large")
	ErrTooDeep       = errors.New("duis: elements nested too deeply")
	ErrDTD           = errors.New("duis: DTDs and entity declarations are not accepted")
	ErrNoRoot        = errors.New("duis: no document element")
	ErrUnboundPrefix = errors.New("duis: namespace prefix not declared")
	ErrMismatch      = errors.New("duis: end tag does not match start tag")
)

// ParseXML reads one XML document into a Node tree and returns its
// document element. It refuses DTDs, documents over MaxDocumentSize and
// nesting deeper than 64 levels, and resolves namespace prefixes itself so
// the original prefixes survive (XML Namespaces 1.0 §6).
func ParseXML(data []byte) (*Node, error) {
	if len(data) > MaxDocumentSize {
		return nil, &ParseError{Offset: MaxDocumentSize, Err: ErrTooLarge}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "us-ascii") {
			return r, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	type frame struct {
		n     *Node
		scope map[string]string
	}
	base := map[string]string{"xml": namespaceXML, "": ""}
	var stack []frame
	var root *Node
	count := 0
	fail := func(err error) (*Node, error) { return nil, &ParseError{Offset: d.InputOffset(), Err: err} }
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		count++
		if count > maxNodes {
			return fail(ErrTooLarge)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return fail(ErrTooDeep)
			}
			if root != nil && len(stack) == 0 {
				return fail(errors.New("duis: more than one document element"))
			}
			parent := base
			if len(stack) > 0 {
				parent = stack[len(stack)-1].scope
			}
			scope := parent
			n := &Node{Kind: ElementNode, Prefix: t.Name.Space, Local: t.Name.Local}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.NS = append(n.NS, NSDecl{"", a.Value})
				case a.Name.Space == "xmlns":
					if a.Value == "" {
						return fail(fmt.Errorf("duis: empty namespace for prefix %q", a.Name.Local))
					}
					n.NS = append(n.NS, NSDecl{a.Name.Local, a.Value})
				}
			}
			if len(n.NS) > 0 {
				scope = make(map[string]string, len(parent)+len(n.NS))
				for k, v := range parent {
					scope[k] = v
				}
				for _, ns := range n.NS {
					scope[ns.Prefix] = ns.URI
				}
			}
			uri, ok := scope[n.Prefix]
			if !ok {
				return fail(fmt.Errorf("%w: %q on <%s>", ErrUnboundPrefix, n.Prefix, n.Local))
			}
			n.Space = uri
			for _, a := range t.Attr {
				if (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "xmlns" {
					continue
				}
				at := Attr{Prefix: a.Name.Space, Local: a.Name.Local, Value: a.Value}
				if a.Name.Space != "" {
					u, ok := scope[a.Name.Space]
					if !ok {
						return fail(fmt.Errorf("%w: %q on attribute %s", ErrUnboundPrefix, a.Name.Space, a.Name.Local))
					}
					at.Space = u
				}
				n.Attrs = append(n.Attrs, at)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1].n
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, frame{n, scope})
		case xml.EndElement:
			if len(stack) == 0 {
				return fail(ErrMismatch)
			}
			top := stack[len(stack)-1].n
			if top.Prefix != t.Name.Space || top.Local != t.Name.Local {
				return fail(fmt.Errorf("%w: <%s> closed by </%s>", ErrMismatch, top.Local, t.Name.Local))
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return fail(errors.New("duis: text outside the document element"))
				}
				continue
			}
			p := stack[len(stack)-1].n
			if k := len(p.Children); k > 0 && p.Children[k-1].Kind == TextNode {
				p.Children[k-1].Data += string(t)
			} else {
				p.Children = append(p.Children, &Node{Kind: TextNode, Data: string(t)})
			}
		case xml.Comment:
			if len(stack) > 0 {
				p := stack[len(stack)-1].n
				p.Children = append(p.Children, &Node{Kind: CommentNode, Data: string(t)})
			}
		case xml.ProcInst:
			if len(stack) > 0 {
				p := stack[len(stack)-1].n
				p.Children = append(p.Children, &Node{Kind: ProcInstNode, Local: t.Target, Data: string(t.Inst)})
			}
		case xml.Directive:
			return fail(ErrDTD)
		}
	}
	if len(stack) > 0 {
		return fail(io.ErrUnexpectedEOF)
	}
	if root == nil {
		return fail(ErrNoRoot)
	}
	return root, nil
}

// WriteXML writes n as an indented XML document with an XML declaration.
// Whitespace-only text between elements is replaced by the indentation;
// comments are kept.
func WriteXML(w io.Writer, n *Node) error {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	writeNode(&b, n, 0)
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

func hasElementChild(n *Node) bool {
	for _, c := range n.Children {
		if c.Kind == ElementNode || c.Kind == CommentNode {
			return true
		}
	}
	return false
}

func writeNode(b *bytes.Buffer, n *Node, depth int) {
	switch n.Kind {
	case TextNode:
		escapeText(b, n.Data)
		return
	case CommentNode:
		b.WriteString("<!--")
		b.WriteString(n.Data)
		b.WriteString("-->")
		return
	case ProcInstNode:
		b.WriteString("<?" + n.Local + " " + n.Data + "?>")
		return
	}
	name, closed := writeStartTag(b, n)
	if closed {
		return
	}
	if hasElementChild(n) {
		for _, c := range n.Children {
			if c.Kind == TextNode && strings.TrimSpace(c.Data) == "" {
				continue
			}
			b.WriteByte('\n')
			b.WriteString(strings.Repeat("  ", depth+1))
			if c.Kind == TextNode {
				// Mixed content (not used by DUIS): keep the text, not
				// the layout around it.
				escapeText(b, strings.TrimSpace(c.Data))
				continue
			}
			writeNode(b, c, depth+1)
		}
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("  ", depth))
	} else {
		for _, c := range n.Children {
			writeNode(b, c, depth+1)
		}
	}
	b.WriteString("</" + name + ">")
}

func escapeText(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteByte(c)
		}
	}
}

// writeStartTag writes the start tag of element n with its namespace
// declarations and attributes. An element with no children is written
// whole as an empty-element tag and closed is true. It returns the
// qualified name for the end tag.
func writeStartTag(b *bytes.Buffer, n *Node) (name string, closed bool) {
	name = n.Local
	if n.Prefix != "" {
		name = n.Prefix + ":" + n.Local
	}
	b.WriteByte('<')
	b.WriteString(name)
	for _, ns := range n.NS {
		if ns.Prefix == "" {
			b.WriteString(` xmlns="`)
		} else {
			b.WriteString(` xmlns:` + ns.Prefix + `="`)
		}
		escapeAttr(b, ns.URI)
		b.WriteByte('"')
	}
	for _, a := range n.Attrs {
		b.WriteByte(' ')
		if a.Prefix != "" {
			b.WriteString(a.Prefix + ":")
		}
		b.WriteString(a.Local + `="`)
		escapeAttr(b, a.Value)
		b.WriteByte('"')
	}
	if len(n.Children) == 0 {
		b.WriteString("/>")
		return name, true
	}
	b.WriteByte('>')
	return name, false
}

func escapeAttr(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '"':
			b.WriteString("&quot;")
		case '\t':
			b.WriteString("&#x9;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteByte(c)
		}
	}
}
