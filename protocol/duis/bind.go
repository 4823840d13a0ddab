package duis

import (
	"encoding"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// The typed bodies are Go structs whose fields follow the XSD sequence in
// order. Struct tags drive both directions and validation:
//
//	duis:"ElementName"        element name (local, in the sr namespace)
//	check:"len=1,13"          string length (characters) bounds
//	check:"hex=6,16"          hexBinary length (bytes) bounds
//	check:"range=0,86400"     integer bounds
//	check:"digits=12"         at most this many decimal digits
//	choice:"group"            exactly one field of the group must be present
//	choice:"group?"           at most one (an optional choice)
//	duis:"*"                  on a *Node field: any one further element, kept as read
//
// A pointer or slice field is optional (minOccurs 0); any other field is
// required. Leaf values are strings, booleans, integers or types with
// MarshalText/UnmarshalText; a struct field is a nested element; Empty is
// an element with no content.

// Empty is an element that carries no content, such as 8.4 DeleteDevice or
// 8.9 ReadSecurityDetails.
type Empty struct{}

// HexBinary is an xs:hexBinary value, written in upper case.
type HexBinary []byte

// MarshalText implements encoding.TextMarshaler.
func (h HexBinary) MarshalText() ([]byte, error) {
	return []byte(strings.ToUpper(hex.EncodeToString(h))), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *HexBinary) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if len(s) > 2*MaxDocumentSize {
		return ErrTooLarge
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not hexBinary: %v", err)
	}
	*h = v
	return nil
}

// Base64Binary is an xs:base64Binary value (a GBCS payload), written in
// standard base64 without line breaks.
type Base64Binary []byte

// MarshalText implements encoding.TextMarshaler.
func (b Base64Binary) MarshalText() ([]byte, error) {
	return []byte(base64.StdEncoding.EncodeToString(b)), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. Whitespace inside the
// text (line breaks, &#13;) is ignored, as xs:base64Binary allows.
func (b *Base64Binary) UnmarshalText(t []byte) error {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, string(t))
	v, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not base64Binary: %v", err)
	}
	*b = v
	return nil
}

// FieldError reports an element of a body that could not be bound to its
// typed form. Path is the element path, for example
// "Body/UpdateHANDeviceLog/AddDeviceToCHFWhitelist/InstallCode".
type FieldError struct {
	Path string
	Err  error
}

func (e *FieldError) Error() string { return "duis: decode " + e.Path + ": " + plain(e.Err) }

// plain returns an error's text without the package prefix, for messages
// that already say where they come from.
func plain(err error) string        { return strings.TrimPrefix(err.Error(), "duis: ") }
func (e *FieldError) Unwrap() error { return e.Err }

// Binding errors.
var (
	ErrMissingElement    = errors.New("duis: required element missing")
	ErrUnexpectedElement = errors.New("duis: unexpected element")
)

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	emptyType           = reflect.TypeFor[Empty]()
	nodePtrType         = reflect.TypeFor[*Node]()
)

type fieldInfo struct {
	index  int
	name   string
	check  string
	choice string
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

func structFields(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	f := computeFields(t)
	fieldCache.Store(t, f)
	return f
}

func computeFields(t reflect.Type) []fieldInfo {
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("duis")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, fieldInfo{index: i, name: name, check: f.Tag.Get("check"), choice: f.Tag.Get("choice")})
	}
	return out
}

func hasField(t reflect.Type, name string) bool {
	for _, fi := range structFields(t) {
		if fi.name == name || fi.name == "*" {
			return true
		}
	}
	return false
}

func isLeaf(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// decodeStruct fills the struct v from the child elements of n, strictly
// in XSD order.
func decodeStruct(n *Node, v reflect.Value, path string) error {
	kids := n.Elements()
	pos := 0
	for _, fi := range structFields(v.Type()) {
		fv := v.Field(fi.index)
		ft := fv.Type()
		switch {
		case ft == nodePtrType:
			// duis:"*" keeps any one further element as it was read.
			if pos < len(kids) {
				normalise(kids[pos])
				fv.Set(reflect.ValueOf(kids[pos]))
				pos++
			}
		case ft.Kind() == reflect.Slice && !isLeaf(ft):
			et := ft.Elem()
			for pos < len(kids) && kids[pos].Local == fi.name {
				ev := reflect.New(et).Elem()
				if err := decodeValue(kids[pos], ev, path+"/"+fi.name); err != nil {
					return err
				}
				fv.Set(reflect.Append(fv, ev))
				pos++
			}
		case ft.Kind() == reflect.Pointer:
			if pos < len(kids) && kids[pos].Local == fi.name {
				pv := reflect.New(ft.Elem())
				if err := decodeValue(kids[pos], pv.Elem(), path+"/"+fi.name); err != nil {
					return err
				}
				fv.Set(pv)
				pos++
			}
		default:
			if pos >= len(kids) {
				return &FieldError{Path: path + "/" + fi.name, Err: ErrMissingElement}
			}
			if got := kids[pos].Local; got != fi.name {
				if !hasField(v.Type(), got) {
					return &FieldError{Path: path + "/" + got, Err: ErrUnexpectedElement}
				}
				return &FieldError{Path: path + "/" + fi.name, Err: fmt.Errorf("%w (found %s: out of order?)", ErrMissingElement, got)}
			}
			if err := decodeValue(kids[pos], fv, path+"/"+fi.name); err != nil {
				return err
			}
			pos++
		}
	}
	if pos < len(kids) {
		return &FieldError{Path: path + "/" + kids[pos].Local, Err: ErrUnexpectedElement}
	}
	return nil
}

func decodeValue(n *Node, v reflect.Value, path string) error {
	if n.Space != NamespaceSR {
		return &FieldError{Path: path, Err: fmt.Errorf("element in namespace %q, want %q", n.Space, NamespaceSR)}
	}
	t := v.Type()
	if t == emptyType {
		if len(n.Elements()) > 0 || strings.TrimSpace(n.Text()) != "" {
			return &FieldError{Path: path, Err: errors.New("element must be empty")}
		}
		return nil
	}
	if !isLeaf(t) {
		if t.Kind() != reflect.Struct {
			panic("duis: unsupported field type " + t.String())
		}
		if strings.TrimSpace(n.Text()) != "" {
			return &FieldError{Path: path, Err: errors.New("text where only elements are allowed")}
		}
		return decodeStruct(n, v, path)
	}
	if len(n.Elements()) > 0 {
		return &FieldError{Path: path, Err: fmt.Errorf("element <%s> inside a value", n.Elements()[0].Local)}
	}
	text := n.Text()
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			return &FieldError{Path: path, Err: err}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Bool:
		switch strings.TrimSpace(text) {
		case "true", "1":
			v.SetBool(true)
		case "false", "0":
			v.SetBool(false)
		default:
			return &FieldError{Path: path, Err: fmt.Errorf("%q is not a boolean", text)}
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(strings.TrimSpace(text), 10, t.Bits())
		if err != nil {
			return &FieldError{Path: path, Err: fmt.Errorf("%q is not an integer", text)}
		}
		v.SetInt(i)
	default:
		u, err := strconv.ParseUint(strings.TrimSpace(text), 10, t.Bits())
		if err != nil {
			return &FieldError{Path: path, Err: fmt.Errorf("%q is not an unsigned integer", text)}
		}
		v.SetUint(u)
	}
	return nil
}

// encodeStruct appends the elements for struct v to n.
func encodeStruct(n *Node, v reflect.Value) {
	for _, fi := range structFields(v.Type()) {
		fv := v.Field(fi.index)
		switch {
		case fv.Type() == nodePtrType:
			if !fv.IsNil() {
				n.Children = append(n.Children, fv.Interface().(*Node))
			}
		case fv.Kind() == reflect.Slice && !isLeaf(fv.Type()):
			for i := 0; i < fv.Len(); i++ {
				n.Children = append(n.Children, encodeValue(fi.name, fv.Index(i)))
			}
		case fv.Kind() == reflect.Pointer:
			if !fv.IsNil() {
				n.Children = append(n.Children, encodeValue(fi.name, fv.Elem()))
			}
		default:
			n.Children = append(n.Children, encodeValue(fi.name, fv))
		}
	}
}

func encodeValue(name string, v reflect.Value) *Node {
	t := v.Type()
	if t == emptyType {
		return newElem(name)
	}
	if !isLeaf(t) {
		e := newElem(name)
		encodeStruct(e, v)
		return e
	}
	if t.Implements(textMarshalerType) {
		b, _ := v.Interface().(encoding.TextMarshaler).MarshalText()
		return newLeaf(name, string(b))
	}
	switch t.Kind() {
	case reflect.String:
		return newLeaf(name, v.String())
	case reflect.Bool:
		return newLeaf(name, strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int32, reflect.Int64:
		return newLeaf(name, strconv.FormatInt(v.Int(), 10))
	default:
		return newLeaf(name, strconv.FormatUint(v.Uint(), 10))
	}
}

// validateStruct checks struct v against its tags and appends problems.
func validateStruct(v reflect.Value, path string, ps *Problems) {
	groups := map[string]int{}
	var order []string
	for _, fi := range structFields(v.Type()) {
		fv := v.Field(fi.index)
		p := path + "/" + fi.name
		if fi.choice != "" {
			if _, ok := groups[fi.choice]; !ok {
				order = append(order, fi.choice)
			}
			if !fv.IsNil() {
				groups[fi.choice]++
			}
		}
		switch {
		case fv.Type() == nodePtrType:
		case fv.Kind() == reflect.Slice && !isLeaf(fv.Type()):
			for i := 0; i < fv.Len(); i++ {
				validateValue(fv.Index(i), fi.check, fmt.Sprintf("%s[%d]", p, i+1), ps)
			}
		case fv.Kind() == reflect.Pointer:
			if !fv.IsNil() {
				validateValue(fv.Elem(), fi.check, p, ps)
			}
		default:
			validateValue(fv, fi.check, p, ps)
		}
	}
	for _, g := range order {
		if n := groups[g]; n != 1 && !(n == 0 && strings.HasSuffix(g, "?")) {
			var names []string
			for _, fi := range structFields(v.Type()) {
				if fi.choice == g {
					names = append(names, fi.name)
				}
			}
			want := "exactly one"
			if strings.HasSuffix(g, "?") {
				want = "at most one"
			}
			ps.add(path, "%s of %s is allowed, found %d", want, strings.Join(names, ", "), groups[g])
		}
	}
}

func validateValue(v reflect.Value, check, path string, ps *Problems) {
	if ev, ok := v.Interface().(enumValue); ok && !ev.Known() {
		ps.add(path, "value %q is not in the enumeration (%s)", v.String(), strings.Join(ev.Values(), " | "))
	}
	if v.Kind() == reflect.Struct && v.Type() != emptyType && !isLeaf(v.Type()) {
		validateStruct(v, path, ps)
		return
	}
	if check == "" {
		return
	}
	kind, arg, _ := strings.Cut(check, "=")
	lo, hi, _ := strings.Cut(arg, ",")
	min, _ := strconv.ParseInt(lo, 10, 64)
	max, _ := strconv.ParseInt(hi, 10, 64)
	switch kind {
	case "len":
		n := int64(len([]rune(v.String())))
		if n < min || n > max {
			ps.add(path, "length %d outside %d..%d characters", n, min, max)
		}
	case "hex":
		n := int64(v.Len())
		if n < min || n > max {
			ps.add(path, "length %d outside %d..%d bytes", n, min, max)
		}
	case "range":
		var n int64
		if v.CanInt() {
			n = v.Int()
		} else {
			n = int64(v.Uint())
		}
		if n < min || n > max {
			ps.add(path, "value %d outside %d..%d", n, min, max)
		}
	case "digits":
		n := v.Uint()
		if n == 0 || len(strconv.FormatUint(n, 10)) > int(min) {
			ps.add(path, "value %d must be a positive integer of at most %d digits", n, min)
		}
	case "datetime":
		if err := checkDateTime(v.String(), arg == "date"); err != nil {
			ps.add(path, "%v", err)
		}
	}
}
