package dlms

import "fmt"

// Short-name (SN) referencing services (IEC 62056-5-3 §9.4; DLMS UA Green
// Book, xDLMS ASN.1): variables are named by a 16-bit base name plus
// offset instead of class, OBIS and attribute.
//
//	05 ReadRequest   n {variable-access-specification}
//	0C ReadResponse  n {00 Data | 01 DAR | 02 last block(u16) raw | 03 block(u16)}
//	06 WriteRequest  n {variable-access-specification}  n Data
//	0D WriteResponse n {00 | 01 DAR | 02 block(u16)}
//	16 UnconfirmedWriteRequest  as WriteRequest
//
// variable-access-specification:
//
//	02 name(u16) | 04 name(u16) selector Data | 05 block(u16) |
//	06 last block(u16) raw | 07 last block(u16)

// Tags of the SN services.
const (
	TagReadRequest             = 0x05
	TagWriteRequest            = 0x06
	TagReadResponse            = 0x0C
	TagWriteResponse           = 0x0D
	TagUnconfirmedWriteRequest = 0x16
)

// Variable-Access-Specification kinds.
const (
	VariableName         = 2
	ParameterizedAccess  = 4
	BlockNumberAccess    = 5
	ReadDataBlockAccess  = 6
	WriteDataBlockAccess = 7
)

// VariableAccess is one Variable-Access-Specification. Name is used by
// VariableName and ParameterizedAccess (with Selector and Parameter), Block
// by the block kinds, Last and Raw by the data-block kinds.
type VariableAccess struct {
	Kind      uint8
	Name      uint16
	Selector  uint8
	Parameter Data
	Block     uint16
	Last      bool
	Raw       []byte
}

func appendVariableAccess(dst []byte, list []VariableAccess) []byte {
	dst = appendLength(dst, len(list))
	for _, v := range list {
		dst = append(dst, v.Kind)
		switch v.Kind {
		case VariableName:
			dst = appendU16(dst, v.Name)
		case ParameterizedAccess:
			dst = append(appendU16(dst, v.Name), v.Selector)
			dst = append(dst, v.Parameter...)
		case BlockNumberAccess:
			dst = appendU16(dst, v.Block)
		case ReadDataBlockAccess:
			dst = appendOctets(appendU16(appendBool(dst, v.Last), v.Block), v.Raw)
		case WriteDataBlockAccess:
			dst = appendU16(appendBool(dst, v.Last), v.Block)
		}
	}
	return dst
}

func (r *reader) variableAccess() []VariableAccess {
	n := r.count(3)
	var out []VariableAccess
	for i := 0; i < n && r.err == nil; i++ {
		v := VariableAccess{Kind: r.u8()}
		switch v.Kind {
		case VariableName:
			v.Name = r.u16()
		case ParameterizedAccess:
			v.Name = r.u16()
			v.Selector = r.u8()
			v.Parameter = r.data()
		case BlockNumberAccess:
			v.Block = r.u16()
		case ReadDataBlockAccess:
			v.Last = r.bool()
			v.Block = r.u16()
			v.Raw = r.octets()
		case WriteDataBlockAccess:
			v.Last = r.bool()
			v.Block = r.u16()
		default:
			r.off--
			r.fail(fmt.Errorf("%w: variable access kind %d", ErrUnknownTag, v.Kind))
		}
		out = append(out, v)
	}
	return out
}

// ReadRequest reads SN variables.
type ReadRequest struct{ Variables []VariableAccess }

// WriteRequest writes SN variables; Unconfirmed selects the
// UnconfirmedWriteRequest (16), which has no response.
type WriteRequest struct {
	Unconfirmed bool
	Variables   []VariableAccess
	Values      []Data
}

// ReadResult is one element of a ReadResponse. Kind 0 data, 1
// data-access-error, 2 data-block-result, 3 block-number.
type ReadResult struct {
	Kind   uint8
	Data   Data
	Result DataAccessResult
	Last   bool
	Block  uint16
	Raw    []byte
}

// ReadResponse answers a ReadRequest.
type ReadResponse struct{ Results []ReadResult }

// WriteResult is one element of a WriteResponse: Kind 0 success, 1
// data-access-error, 2 block-number.
type WriteResult struct {
	Kind   uint8
	Result DataAccessResult
	Block  uint16
}

// WriteResponse answers a WriteRequest.
type WriteResponse struct{ Results []WriteResult }

func (*ReadRequest) apduName() string   { return "ReadRequest" }
func (*ReadResponse) apduName() string  { return "ReadResponse" }
func (*WriteResponse) apduName() string { return "WriteResponse" }
func (a *WriteRequest) apduName() string {
	if a.Unconfirmed {
		return "UnconfirmedWriteRequest"
	}
	return "WriteRequest"
}

// AppendAPDU appends the A-XDR encoding.
func (a *ReadRequest) AppendAPDU(dst []byte) ([]byte, error) {
	return appendVariableAccess(append(dst, TagReadRequest), a.Variables), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *WriteRequest) AppendAPDU(dst []byte) ([]byte, error) {
	tag := byte(TagWriteRequest)
	if a.Unconfirmed {
		tag = TagUnconfirmedWriteRequest
	}
	dst = appendVariableAccess(append(dst, tag), a.Variables)
	dst = appendLength(dst, len(a.Values))
	for _, v := range a.Values {
		dst = append(dst, v...)
	}
	return dst, nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ReadResponse) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendLength(append(dst, TagReadResponse), len(a.Results))
	for _, x := range a.Results {
		dst = append(dst, x.Kind)
		switch x.Kind {
		case 0:
			dst = append(dst, x.Data...)
		case 1:
			dst = append(dst, byte(x.Result))
		case 2:
			dst = appendOctets(appendU16(appendBool(dst, x.Last), x.Block), x.Raw)
		case 3:
			dst = appendU16(dst, x.Block)
		default:
			return nil, fmt.Errorf("%w: read result kind %d", ErrUnknownTag, x.Kind)
		}
	}
	return dst, nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *WriteResponse) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendLength(append(dst, TagWriteResponse), len(a.Results))
	for _, x := range a.Results {
		dst = append(dst, x.Kind)
		switch x.Kind {
		case 0:
		case 1:
			dst = append(dst, byte(x.Result))
		case 2:
			dst = appendU16(dst, x.Block)
		default:
			return nil, fmt.Errorf("%w: write result kind %d", ErrUnknownTag, x.Kind)
		}
	}
	return dst, nil
}

func decodeSN(r *reader, tag byte) APDU {
	switch tag {
	case TagReadRequest:
		return &ReadRequest{Variables: r.variableAccess()}
	case TagWriteRequest, TagUnconfirmedWriteRequest:
		a := &WriteRequest{Unconfirmed: tag == TagUnconfirmedWriteRequest, Variables: r.variableAccess()}
		n := r.count(1)
		for i := 0; i < n && r.err == nil; i++ {
			a.Values = append(a.Values, r.data())
		}
		return a
	case TagReadResponse:
		a := &ReadResponse{}
		n := r.count(2)
		for i := 0; i < n && r.err == nil; i++ {
			x := ReadResult{Kind: r.u8()}
			switch x.Kind {
			case 0:
				x.Data = r.data()
			case 1:
				x.Result = DataAccessResult(r.u8())
			case 2:
				x.Last = r.bool()
				x.Block = r.u16()
				x.Raw = r.octets()
			case 3:
				x.Block = r.u16()
			default:
				r.off--
				r.fail(fmt.Errorf("%w: read result kind %d", ErrUnknownTag, x.Kind))
			}
			a.Results = append(a.Results, x)
		}
		return a
	case TagWriteResponse:
		a := &WriteResponse{}
		n := r.count(1)
		for i := 0; i < n && r.err == nil; i++ {
			x := WriteResult{Kind: r.u8()}
			switch x.Kind {
			case 0:
			case 1:
				x.Result = DataAccessResult(r.u8())
			case 2:
				x.Block = r.u16()
			default:
				r.off--
				r.fail(fmt.Errorf("%w: write result kind %d", ErrUnknownTag, x.Kind))
			}
			a.Results = append(a.Results, x)
		}
		return a
	}
	return nil
}
