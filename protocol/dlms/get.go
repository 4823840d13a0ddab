package dlms

import "fmt"

// GET service APDUs (IEC 62056-5-3 §9.3.6; PROTOCOLS.md §5.3).
//
//	C0 01 iip  class obis attr  sel               GetRequestNormal
//	C0 02 iip  block(u32)                         GetRequestNext
//	C0 03 iip  n {class obis attr sel}            GetRequestWithList
//	C4 01 iip  00 Data | 01 DAR                   GetResponseNormal
//	C4 02 iip  last block 00 raw | 01 DAR         GetResponseWithDatablock
//	C4 03 iip  n {00 Data | 01 DAR}               GetResponseWithList

// GetRequestNormal reads one attribute.
type GetRequestNormal struct {
	InvokeID  byte // invoke-id-and-priority
	Attribute AttributeDescriptor
	Access    *SelectiveAccess
}

// GetRequestNext asks for the block after Block in a block transfer.
type GetRequestNext struct {
	InvokeID byte
	Block    uint32
}

// GetRequestWithList reads several attributes at once.
type GetRequestWithList struct {
	InvokeID byte
	Items    []AttributeAccess
}

// GetResult is Get-Data-Result: a Data value, or a Data-Access-Result when
// Result is not Success.
type GetResult struct {
	Data   Data
	Result DataAccessResult
}

// Err returns the access result as an error, or nil on success.
func (g GetResult) Err() error {
	if g.Result != Success {
		return g.Result
	}
	return nil
}

func appendGetResult(dst []byte, g GetResult) []byte {
	if g.Result != Success {
		return append(dst, 1, byte(g.Result))
	}
	return append(append(dst, 0), g.Data...)
}

func (r *reader) getResult() GetResult {
	if r.flag() {
		d := DataAccessResult(r.u8())
		if d == Success && r.err == nil {
			r.fail(fmt.Errorf("%w: data-access-result success in the error choice", ErrMalformed))
		}
		return GetResult{Result: d}
	}
	return GetResult{Data: r.data()}
}

// GetResponseNormal carries the value of one attribute.
type GetResponseNormal struct {
	InvokeID byte
	Result   GetResult
}

// GetResponseWithDatablock carries one block of a long GET. Result is not
// Success when the block carries a Data-Access-Result instead of raw data.
type GetResponseWithDatablock struct {
	InvokeID byte
	Last     bool
	Block    uint32
	Raw      []byte
	Result   DataAccessResult
}

// GetResponseWithList carries one result per requested attribute.
type GetResponseWithList struct {
	InvokeID byte
	Results  []GetResult
}

func (*GetRequestNormal) apduName() string         { return "GET-Request-Normal" }
func (*GetRequestNext) apduName() string           { return "GET-Request-Next" }
func (*GetRequestWithList) apduName() string       { return "GET-Request-With-List" }
func (*GetResponseNormal) apduName() string        { return "GET-Response-Normal" }
func (*GetResponseWithDatablock) apduName() string { return "GET-Response-With-Datablock" }
func (*GetResponseWithList) apduName() string      { return "GET-Response-With-List" }

// AppendAPDU appends the A-XDR encoding.
func (a *GetRequestNormal) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagGetRequest, 1, a.InvokeID)
	dst = appendAttr(dst, a.Attribute)
	return appendAccess(dst, a.Access), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *GetRequestNext) AppendAPDU(dst []byte) ([]byte, error) {
	return appendU32(append(dst, TagGetRequest, 2, a.InvokeID), a.Block), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *GetRequestWithList) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagGetRequest, 3, a.InvokeID)
	dst = appendLength(dst, len(a.Items))
	for _, it := range a.Items {
		dst = appendAccess(appendAttr(dst, it.Attribute), it.Access)
	}
	return dst, nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *GetResponseNormal) AppendAPDU(dst []byte) ([]byte, error) {
	return appendGetResult(append(dst, TagGetResponse, 1, a.InvokeID), a.Result), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *GetResponseWithDatablock) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagGetResponse, 2, a.InvokeID)
	dst = appendBool(dst, a.Last)
	dst = appendU32(dst, a.Block)
	if a.Result != Success {
		return append(dst, 1, byte(a.Result)), nil
	}
	return appendOctets(append(dst, 0), a.Raw), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *GetResponseWithList) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagGetResponse, 3, a.InvokeID)
	dst = appendLength(dst, len(a.Results))
	for _, g := range a.Results {
		dst = appendGetResult(dst, g)
	}
	return dst, nil
}

func decodeGetRequest(r *reader, choice byte) APDU {
	iip := r.u8()
	switch choice {
	case 1:
		a := &GetRequestNormal{InvokeID: iip, Attribute: r.attr()}
		a.Access = r.access()
		return a
	case 2:
		return &GetRequestNext{InvokeID: iip, Block: r.u32()}
	case 3:
		a := &GetRequestWithList{InvokeID: iip}
		n := r.count(10)
		for i := 0; i < n && r.err == nil; i++ {
			it := AttributeAccess{Attribute: r.attr()}
			it.Access = r.access()
			a.Items = append(a.Items, it)
		}
		return a
	}
	return nil
}

func decodeGetResponse(r *reader, choice byte) APDU {
	iip := r.u8()
	switch choice {
	case 1:
		return &GetResponseNormal{InvokeID: iip, Result: r.getResult()}
	case 2:
		a := &GetResponseWithDatablock{InvokeID: iip, Last: r.bool(), Block: r.u32()}
		if r.flag() {
			a.Result = DataAccessResult(r.u8())
			if a.Result == Success && r.err == nil {
				r.fail(fmt.Errorf("%w: data-access-result success in the error choice", ErrMalformed))
			}
		} else {
			a.Raw = r.octets()
		}
		return a
	case 3:
		a := &GetResponseWithList{InvokeID: iip}
		n := r.count(2)
		for i := 0; i < n && r.err == nil; i++ {
			a.Results = append(a.Results, r.getResult())
		}
		return a
	}
	return nil
}
