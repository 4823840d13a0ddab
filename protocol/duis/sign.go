package duis

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Algorithm identifiers DUIS signatures use (DUIS §2; DOMAIN.md §11.1).
const (
	AlgExcC14N    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgECDSA256   = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	AlgEnveloped  = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	AlgSHA256     = "http://www.w3.org/2001/04/xmlenc#sha256"
	algInclC14N   = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	algExcC14NCom = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
)

// Signature errors.
var (
	ErrNoSignature        = errors.New("duis: document is not signed")
	ErrUnsupportedSig     = errors.New("duis: signature uses an algorithm or form DUIS does not")
	ErrDigestMismatch     = errors.New("duis: digest does not match the document")
	ErrBadSignature       = errors.New("duis: signature value does not verify")
	ErrUnknownSigner      = errors.New("duis: no certificate matches the signature's X509IssuerSerial")
	ErrNotECDSAP256       = errors.New("duis: key is not an ECDSA P-256 key")
	errSignatureMalformed = errors.New("duis: signature element malformed")
)

// SignatureError reports why a signature did not verify.
type SignatureError struct {
	Op  string // "check digest", "find certificate", ...
	Err error
}

func (e *SignatureError) Error() string { return "duis: " + e.Op + ": " + e.Err.Error() }
func (e *SignatureError) Unwrap() error { return e.Err }

// SignerInfo is what a signature's KeyInfo names: the signing
// certificate's issuer and serial number (X509IssuerSerial).
type SignerInfo struct {
	IssuerName   string
	SerialNumber *big.Int
}

// Sign signs a request as DUIS requires and returns the signed document:
// an enveloped XML signature (XMLDSig §6.6.4) over the whole request, with
// SignedInfo canonicalized by exclusive C14N, signed with ECDSA P-256 /
// SHA-256 (RFC 4051 §3.4.1: the value is r‖s, 32 bytes each), the
// reference digested with SHA-256, and KeyInfo naming cert by
// X509IssuerSerial. Any signature already on r is replaced; r itself is
// not changed.
func Sign(r *Request, key *ecdsa.PrivateKey, cert *x509.Certificate) ([]byte, error) {
	unsigned := *r
	unsigned.Signature = nil
	data, err := unsigned.Marshal()
	if err != nil {
		return nil, err
	}
	return signMarshalled(data, key, cert)
}

// SignResponse signs a response the way Sign signs a request; the
// inventory service uses it to answer in DUIS as the DCC does.
func SignResponse(r *Response, key *ecdsa.PrivateKey, cert *x509.Certificate) ([]byte, error) {
	unsigned := *r
	unsigned.Signature = nil
	data, err := unsigned.Marshal()
	if err != nil {
		return nil, err
	}
	return signMarshalled(data, key, cert)
}

// signMarshalled signs a document this package wrote (no signature yet).
func signMarshalled(data []byte, key *ecdsa.PrivateKey, cert *x509.Certificate) ([]byte, error) {
	if key == nil || key.Curve == nil || key.Curve.Params().Name != "P-256" {
		return nil, ErrNotECDSAP256
	}
	if cert == nil || cert.SerialNumber == nil {
		return nil, errors.New("duis: sign: no certificate")
	}
	root, err := ParseXML(data)
	if err != nil {
		return nil, fmt.Errorf("sign: re-read own output: %w", err)
	}
	sig := signatureSkeleton(cert.Issuer.String(), cert.SerialNumber)
	if !containsPrefix(root.NS, "ds") {
		root.NS = append(root.NS, NSDecl{"ds", NamespaceDS})
	}
	// Insert the signature before the closing indentation, with its own
	// indentation in front; that whitespace is part of the signed content.
	ws := &Node{Kind: TextNode, Data: "\n  "}
	if n := len(root.Children); n > 0 && root.Children[n-1].Kind == TextNode {
		tail := root.Children[n-1]
		root.Children = append(root.Children[:n-1], ws, sig, tail)
	} else {
		root.Children = append(root.Children, ws, sig)
	}
	indentTree(sig, 1)

	digest := sha256.Sum256(canonicalize(root, baseScope(), sig, false))
	sigPath(sig, "SignedInfo", "Reference", "DigestValue").Children = []*Node{{Kind: TextNode, Data: base64.StdEncoding.EncodeToString(digest[:])}}

	si := sig.Child("SignedInfo")
	scope, _ := scopeAbove(root, si)
	h := sha256.Sum256(canonicalize(si, scope, nil, true))
	rr, ss, err := ecdsa.Sign(rand.Reader, key, h[:])
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	raw := make([]byte, 64)
	rr.FillBytes(raw[:32])
	ss.FillBytes(raw[32:])
	sig.Child("SignatureValue").Children = []*Node{{Kind: TextNode, Data: base64.StdEncoding.EncodeToString(raw)}}

	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	writeExact(&b, root)
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func baseScope() map[string]string { return map[string]string{"": "", "xml": namespaceXML} }

func dsElem(local string, children ...*Node) *Node {
	return &Node{Kind: ElementNode, Prefix: "ds", Local: local, Space: NamespaceDS, Children: children}
}

func dsLeaf(local, text string) *Node {
	return dsElem(local, &Node{Kind: TextNode, Data: text})
}

func withAlg(n *Node, alg string) *Node {
	n.Attrs = []Attr{{Local: "Algorithm", Value: alg}}
	return n
}

func signatureSkeleton(issuer string, serial *big.Int) *Node {
	ref := dsElem("Reference",
		dsElem("Transforms", withAlg(dsElem("Transform"), AlgEnveloped)),
		withAlg(dsElem("DigestMethod"), AlgSHA256),
		dsElem("DigestValue"))
	ref.Attrs = []Attr{{Local: "URI", Value: ""}}
	return dsElem("Signature",
		dsElem("SignedInfo",
			withAlg(dsElem("CanonicalizationMethod"), AlgExcC14N),
			withAlg(dsElem("SignatureMethod"), AlgECDSA256),
			ref),
		dsElem("SignatureValue"),
		dsElem("KeyInfo", dsElem("X509Data", dsElem("X509IssuerSerial",
			dsLeaf("X509IssuerName", issuer),
			dsLeaf("X509SerialNumber", serial.String())))))
}

// indentTree inserts indentation text between the child elements of an
// element-only subtree.
func indentTree(n *Node, depth int) {
	els := n.Elements()
	if len(els) == 0 {
		return
	}
	var kids []*Node
	for _, e := range els {
		kids = append(kids, &Node{Kind: TextNode, Data: "\n" + strings.Repeat("  ", depth+1)}, e)
		indentTree(e, depth+1)
	}
	n.Children = append(kids, &Node{Kind: TextNode, Data: "\n" + strings.Repeat("  ", depth)})
}

func sigPath(n *Node, names ...string) *Node {
	for _, name := range names {
		if n == nil {
			return nil
		}
		n = n.Child(name)
	}
	return n
}

// writeExact writes a tree exactly as it stands: no re-indentation.
func writeExact(b *bytes.Buffer, n *Node) {
	if n.Kind != ElementNode {
		writeNode(b, n, 0)
		return
	}
	name, closed := writeStartTag(b, n)
	if closed {
		return
	}
	for _, c := range n.Children {
		writeExact(b, c)
	}
	b.WriteString("</" + name + ">")
}

// Signer returns the issuer and serial number a signed document's KeyInfo
// names, so the caller can find the certificate.
func Signer(data []byte) (SignerInfo, error) {
	root, err := ParseXML(data)
	if err != nil {
		return SignerInfo{}, err
	}
	sig := documentSignature(root)
	if sig == nil {
		return SignerInfo{}, ErrNoSignature
	}
	return signerInfo(sig)
}

func documentSignature(root *Node) *Node {
	for _, c := range root.Elements() {
		if c.Local == "Signature" && c.Space == NamespaceDS {
			return c
		}
	}
	return nil
}

func signerInfo(sig *Node) (SignerInfo, error) {
	is := sigPath(sig, "KeyInfo", "X509Data", "X509IssuerSerial")
	if is == nil || is.Child("X509IssuerName") == nil || is.Child("X509SerialNumber") == nil {
		return SignerInfo{}, &SignatureError{Op: "read KeyInfo", Err: fmt.Errorf("%w: no X509IssuerSerial", ErrUnsupportedSig)}
	}
	serial, ok := new(big.Int).SetString(strings.TrimSpace(is.Child("X509SerialNumber").Text()), 10)
	if !ok {
		return SignerInfo{}, &SignatureError{Op: "read KeyInfo", Err: fmt.Errorf("%w: serial number is not an integer", errSignatureMalformed)}
	}
	return SignerInfo{IssuerName: strings.TrimSpace(is.Child("X509IssuerName").Text()), SerialNumber: serial}, nil
}

// VerifyDigest checks only the reference digest of a signed DUIS document:
// that the document, minus its enveloped signature, is what was signed.
// It needs no key; Verify does this and checks the signature value too.
func VerifyDigest(data []byte) error {
	root, err := ParseXML(data)
	if err != nil {
		return err
	}
	_, err = checkDigest(root)
	return err
}

// checkDigest verifies the algorithms and the reference digest and returns
// the signature element.
func checkDigest(root *Node) (*Node, error) {
	sig := documentSignature(root)
	if sig == nil {
		return nil, ErrNoSignature
	}
	si := sig.Child("SignedInfo")
	if si == nil {
		return nil, &SignatureError{Op: "read SignedInfo", Err: errSignatureMalformed}
	}
	alg := func(n *Node) string {
		if n == nil {
			return ""
		}
		v, _ := n.Attr("Algorithm")
		return v
	}
	if a := alg(si.Child("CanonicalizationMethod")); a != AlgExcC14N {
		return nil, &SignatureError{Op: "check CanonicalizationMethod", Err: fmt.Errorf("%w: %q", ErrUnsupportedSig, a)}
	}
	if a := alg(si.Child("SignatureMethod")); a != AlgECDSA256 {
		return nil, &SignatureError{Op: "check SignatureMethod", Err: fmt.Errorf("%w: %q", ErrUnsupportedSig, a)}
	}
	var refs []*Node
	for _, c := range si.Elements() {
		if c.Local == "Reference" {
			refs = append(refs, c)
		}
	}
	if len(refs) != 1 {
		return nil, &SignatureError{Op: "check Reference", Err: fmt.Errorf("%w: %d references, want 1", ErrUnsupportedSig, len(refs))}
	}
	ref := refs[0]
	if uri, ok := ref.Attr("URI"); !ok || uri != "" {
		return nil, &SignatureError{Op: "check Reference", Err: fmt.Errorf("%w: URI %q, want the whole document", ErrUnsupportedSig, uri)}
	}
	enveloped, exclusive := false, false
	if tr := ref.Child("Transforms"); tr != nil {
		for _, t := range tr.Elements() {
			switch a := alg(t); a {
			case AlgEnveloped:
				enveloped = true
			case AlgExcC14N:
				exclusive = true
			case algInclC14N:
			default:
				return nil, &SignatureError{Op: "check Transforms", Err: fmt.Errorf("%w: transform %q", ErrUnsupportedSig, a)}
			}
		}
	}
	if !enveloped {
		return nil, &SignatureError{Op: "check Transforms", Err: fmt.Errorf("%w: not an enveloped signature", ErrUnsupportedSig)}
	}
	if a := alg(ref.Child("DigestMethod")); a != AlgSHA256 {
		return nil, &SignatureError{Op: "check DigestMethod", Err: fmt.Errorf("%w: %q", ErrUnsupportedSig, a)}
	}
	dv := ref.Child("DigestValue")
	if dv == nil {
		return nil, &SignatureError{Op: "read DigestValue", Err: errSignatureMalformed}
	}
	var want Base64Binary
	if err := want.UnmarshalText([]byte(dv.Text())); err != nil {
		return nil, &SignatureError{Op: "read DigestValue", Err: err}
	}
	got := sha256.Sum256(canonicalize(root, baseScope(), sig, exclusive))
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return nil, &SignatureError{Op: "check digest", Err: ErrDigestMismatch}
	}
	return sig, nil
}

// Verify checks the enveloped signature of a DUIS document (request or
// response): the algorithms are those DUIS uses, the reference digest
// matches the document, and the signature value verifies under the
// certificate among certs whose issuer and serial number match the
// signature's X509IssuerSerial. It returns that certificate.
func Verify(data []byte, certs ...*x509.Certificate) (*x509.Certificate, error) {
	root, err := ParseXML(data)
	if err != nil {
		return nil, err
	}
	sig, err := checkDigest(root)
	if err != nil {
		return nil, err
	}
	who, err := signerInfo(sig)
	if err != nil {
		return nil, err
	}
	var cert *x509.Certificate
	for _, c := range certs {
		if c != nil && c.SerialNumber != nil && c.SerialNumber.Cmp(who.SerialNumber) == 0 && sameDN(c.Issuer.String(), who.IssuerName) {
			cert = c
			break
		}
	}
	if cert == nil {
		return nil, &SignatureError{Op: "find certificate", Err: fmt.Errorf("%w: issuer %q serial %s", ErrUnknownSigner, who.IssuerName, who.SerialNumber)}
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve.Params().Name != "P-256" {
		return nil, &SignatureError{Op: "check key", Err: ErrNotECDSAP256}
	}
	var raw Base64Binary
	sv := sig.Child("SignatureValue")
	if sv == nil {
		return nil, &SignatureError{Op: "read SignatureValue", Err: errSignatureMalformed}
	}
	if err := raw.UnmarshalText([]byte(sv.Text())); err != nil || len(raw) != 64 {
		return nil, &SignatureError{Op: "read SignatureValue", Err: fmt.Errorf("%w: want 64 bytes r||s", errSignatureMalformed)}
	}
	si := sig.Child("SignedInfo")
	scope, _ := scopeAbove(root, si)
	h := sha256.Sum256(canonicalize(si, scope, nil, true))
	r, s := new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])
	if !ecdsa.Verify(pub, h[:], r, s) {
		return nil, &SignatureError{Op: "verify signature value", Err: ErrBadSignature}
	}
	return cert, nil
}

// sameDN compares two distinguished names written as RFC 4514 strings,
// ignoring spaces around separators and the case of attribute types
// ("CN=U1, OU=07" equals "cn=U1,OU=07").
func sameDN(a, b string) bool {
	norm := func(s string) string {
		parts := strings.Split(s, ",")
		for i, p := range parts {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			parts[i] = strings.ToUpper(strings.TrimSpace(k)) + "=" + strings.TrimSpace(v)
		}
		return strings.Join(parts, ",")
	}
	return norm(a) == norm(b)
}
