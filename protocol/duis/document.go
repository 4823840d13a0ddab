package duis

import (
	"errors"
	"fmt"
)

// Document is a parsed DUIS document: exactly one of Request or Response
// is set.
type Document struct {
	Request  *Request
	Response *Response
}

// ErrUnknownDocument reports a document element that is neither
// sr:Request nor sr:Response.
var ErrUnknownDocument = errors.New("duis: document is neither sr:Request nor sr:Response")

// ParseDocument reads a DUIS request, response or alert, whichever data
// holds. It is what `smetsctl decode duis` prints.
func ParseDocument(data []byte) (*Document, error) {
	root, err := ParseXML(data)
	if err != nil {
		return nil, err
	}
	if root.Space == NamespaceSR {
		switch root.Local {
		case "Request":
			r, err := requestFromNode(root)
			if err != nil {
				return nil, err
			}
			return &Document{Request: r}, nil
		case "Response":
			r, err := responseFromNode(root)
			if err != nil {
				return nil, err
			}
			return &Document{Response: r}, nil
		}
	}
	return nil, fmt.Errorf("%w: <%s> in %q", ErrUnknownDocument, root.Local, root.Space)
}

// Validate checks the document.
func (d *Document) Validate() Problems {
	if d.Request != nil {
		return d.Request.Validate()
	}
	return d.Response.Validate()
}

// Marshal writes the document.
func (d *Document) Marshal() ([]byte, error) {
	if d.Request != nil {
		return d.Request.Marshal()
	}
	return d.Response.Marshal()
}

// Validate parses data as a DUIS request or response and returns every
// problem found, each located by element path. A document that cannot be
// read at all gives one problem at path "document". This is `smetsctl duis
// validate`.
func Validate(data []byte) Problems {
	d, err := ParseDocument(data)
	if err != nil {
		path := "document"
		var fe *FieldError
		if errors.As(err, &fe) {
			path = fe.Path
		}
		return Problems{{Path: path, Severity: SeverityError, Message: err.Error()}}
	}
	return d.Validate()
}

// Format parses data and writes it back in the package's canonical layout
// (two-space indentation, sr/ds prefixes, upper-case EUIs). Content and
// element order are unchanged; a signature, if present, is kept but will
// no longer verify when whitespace changed. This is `smetsctl duis format`.
func Format(data []byte) ([]byte, error) {
	d, err := ParseDocument(data)
	if err != nil {
		return nil, err
	}
	return d.Marshal()
}
