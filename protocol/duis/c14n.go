package duis

import (
	"bytes"
	"sort"
)

// XML canonicalization without comments for the node-sets DUIS signs: a
// whole element subtree, optionally minus one excluded element (the
// enveloped signature, XMLDSig §6.6.4).
//
// Two forms are needed. SignedInfo is canonicalized with the method it
// names, Exclusive XML Canonicalization 1.0
// (http://www.w3.org/2001/10/xml-exc-c14n#). The Reference to the whole
// document lists only the enveloped-signature transform, so its node-set is
// turned into octets with the default of XMLDSig §4.3.3.2, inclusive
// Canonical XML 1.0 (http://www.w3.org/TR/2001/REC-xml-c14n-20010315); the
// DCC's own signed responses digest that way. No InclusiveNamespaces
// prefix list is supported; DUIS does not use one.
//
// Rules applied (C14N 1.0 §2.3, Exc-C14N §3):
//   - exclusive: a namespace declaration is written on an element when the
//     element or one of its attributes visibly uses the prefix and no output
//     ancestor already wrote the same declaration;
//   - inclusive: every namespace in scope is written on an element unless
//     its nearest output ancestor already wrote the same declaration;
//   - declarations come first, sorted by prefix (default first), then
//     attributes sorted by namespace URI and local name;
//   - empty elements are written as start-end tag pairs;
//   - comments are dropped; text and attribute values are escaped.

// canonicalize writes the exclusive canonical form of n. scope holds the
// namespace bindings in scope at n's parent (prefix to URI, "" for the
// default namespace); exclude, when not nil, is left out with its subtree.
func canonicalize(n *Node, scope map[string]string, exclude *Node, exclusive bool) []byte {
	var b bytes.Buffer
	c := &c14n{b: &b, exclude: exclude, exclusive: exclusive}
	c.element(n, scope, map[string]string{"": ""})
	return b.Bytes()
}

type c14n struct {
	b         *bytes.Buffer
	exclude   *Node
	exclusive bool
}

func (c *c14n) element(n *Node, parentScope, rendered map[string]string) {
	b := c.b
	scope := parentScope
	if len(n.NS) > 0 {
		scope = make(map[string]string, len(parentScope)+len(n.NS))
		for k, v := range parentScope {
			scope[k] = v
		}
		for _, d := range n.NS {
			scope[d.Prefix] = d.URI
		}
	}
	var used []string
	if c.exclusive {
		used = append(used, n.Prefix)
		for _, a := range n.Attrs {
			if a.Prefix != "" && a.Prefix != "xml" {
				used = append(used, a.Prefix)
			}
		}
	} else {
		for p := range scope {
			if p != "xml" {
				used = append(used, p)
			}
		}
	}
	var decls []NSDecl
	var out map[string]string
	for _, p := range used {
		uri := scope[p]
		if r, ok := rendered[p]; ok && r == uri {
			continue
		}
		if !containsPrefix(decls, p) {
			decls = append(decls, NSDecl{p, uri})
		}
	}
	if len(decls) > 0 {
		out = make(map[string]string, len(rendered)+len(decls))
		for k, v := range rendered {
			out[k] = v
		}
		for _, d := range decls {
			out[d.Prefix] = d.URI
		}
	} else {
		out = rendered
	}
	sort.Slice(decls, func(i, j int) bool { return decls[i].Prefix < decls[j].Prefix })
	attrs := append([]Attr(nil), n.Attrs...)
	sort.SliceStable(attrs, func(i, j int) bool {
		if attrs[i].Space != attrs[j].Space {
			return attrs[i].Space < attrs[j].Space
		}
		return attrs[i].Local < attrs[j].Local
	})
	name := n.Local
	if n.Prefix != "" {
		name = n.Prefix + ":" + n.Local
	}
	b.WriteByte('<')
	b.WriteString(name)
	for _, d := range decls {
		if d.Prefix == "" {
			b.WriteString(` xmlns="`)
		} else {
			b.WriteString(` xmlns:` + d.Prefix + `="`)
		}
		escapeAttr(b, d.URI)
		b.WriteByte('"')
	}
	for _, a := range attrs {
		b.WriteByte(' ')
		if a.Prefix != "" {
			b.WriteString(a.Prefix + ":")
		}
		b.WriteString(a.Local + `="`)
		escapeAttr(b, a.Value)
		b.WriteByte('"')
	}
	b.WriteByte('>')
	for _, k := range n.Children {
		switch k.Kind {
		case ElementNode:
			if k != c.exclude {
				c.element(k, scope, out)
			}
		case TextNode:
			escapeText(b, k.Data)
		case ProcInstNode:
			b.WriteString("<?" + k.Local)
			if k.Data != "" {
				b.WriteString(" " + k.Data)
			}
			b.WriteString("?>")
		}
	}
	b.WriteString("</" + name + ">")
}

func containsPrefix(ds []NSDecl, p string) bool {
	for _, d := range ds {
		if d.Prefix == p {
			return true
		}
	}
	return false
}

// scopeAbove returns the namespace bindings in scope at target's parent,
// walking down from root, or false when target is not under root.
func scopeAbove(root, target *Node) (map[string]string, bool) {
	var walk func(n *Node, scope map[string]string) (map[string]string, bool)
	walk = func(n *Node, scope map[string]string) (map[string]string, bool) {
		if n == target {
			return scope, true
		}
		inner := scope
		if len(n.NS) > 0 {
			inner = make(map[string]string, len(scope)+len(n.NS))
			for k, v := range scope {
				inner[k] = v
			}
			for _, d := range n.NS {
				inner[d.Prefix] = d.URI
			}
		}
		for _, c := range n.Children {
			if c.Kind == ElementNode {
				if s, ok := walk(c, inner); ok {
					return s, true
				}
			}
		}
		return nil, false
	}
	return walk(root, map[string]string{"": "", "xml": namespaceXML})
}
