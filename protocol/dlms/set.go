package dlms

// SET service APDUs (IEC 62056-5-3 §9.3.7; PROTOCOLS.md §5.4).
//
//	C1 01 iip  class obis attr sel  Data                 SetRequestNormal
//	C1 02 iip  class obis attr sel  last block raw       SetRequestWithFirstDatablock
//	C1 03 iip  last block raw                            SetRequestWithDatablock
//	C1 04 iip  n {class obis attr sel}  n Data           SetRequestWithList
//	C5 01 iip  DAR                                       SetResponseNormal
//	C5 02 iip  block                                     SetResponseDatablock
//	C5 03 iip  DAR block                                 SetResponseLastDatablock
//	C5 05 iip  n DAR                                     SetResponseWithList

// SetRequestNormal writes one attribute.
type SetRequestNormal struct {
	InvokeID  byte
	Attribute AttributeDescriptor
	Access    *SelectiveAccess
	Value     Data
}

// SetRequestWithFirstDatablock starts a long SET.
type SetRequestWithFirstDatablock struct {
	InvokeID  byte
	Attribute AttributeDescriptor
	Access    *SelectiveAccess
	Datablock
}

// SetRequestWithDatablock continues a long SET.
type SetRequestWithDatablock struct {
	InvokeID byte
	Datablock
}

// SetRequestWithList writes several attributes.
type SetRequestWithList struct {
	InvokeID byte
	Items    []AttributeAccess
	Values   []Data
}

// SetRequestWithListAndFirstDatablock starts a long SET of several attributes.
type SetRequestWithListAndFirstDatablock struct {
	InvokeID byte
	Items    []AttributeAccess
	Datablock
}

// SetResponseLastDatablockWithList answers the last block of a long SET of
// several attributes.
type SetResponseLastDatablockWithList struct {
	InvokeID byte
	Results  []DataAccessResult
	Block    uint32
}

// SetResponseNormal answers SetRequestNormal.
type SetResponseNormal struct {
	InvokeID byte
	Result   DataAccessResult
}

// SetResponseDatablock acknowledges one block of a long SET.
type SetResponseDatablock struct {
	InvokeID byte
	Block    uint32
}

// SetResponseLastDatablock answers the last block of a long SET.
type SetResponseLastDatablock struct {
	InvokeID byte
	Result   DataAccessResult
	Block    uint32
}

// SetResponseWithList answers SetRequestWithList.
type SetResponseWithList struct {
	InvokeID byte
	Results  []DataAccessResult
}

func (*SetRequestNormal) apduName() string             { return "SET-Request-Normal" }
func (*SetRequestWithFirstDatablock) apduName() string { return "SET-Request-With-First-Datablock" }
func (*SetRequestWithDatablock) apduName() string      { return "SET-Request-With-Datablock" }
func (*SetRequestWithList) apduName() string           { return "SET-Request-With-List" }
func (*SetResponseNormal) apduName() string            { return "SET-Response-Normal" }
func (*SetRequestWithListAndFirstDatablock) apduName() string {
	return "SET-Request-With-List-And-First-Datablock"
}
func (*SetResponseLastDatablockWithList) apduName() string {
	return "SET-Response-Last-Datablock-With-List"
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetRequestWithListAndFirstDatablock) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendLength(append(dst, TagSetRequest, 5, a.InvokeID), len(a.Items))
	for _, it := range a.Items {
		dst = appendAccess(appendAttr(dst, it.Attribute), it.Access)
	}
	return appendBlock(dst, a.Datablock), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetResponseLastDatablockWithList) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendLength(append(dst, TagSetResponse, 4, a.InvokeID), len(a.Results))
	for _, d := range a.Results {
		dst = append(dst, byte(d))
	}
	return appendU32(dst, a.Block), nil
}
func (*SetResponseDatablock) apduName() string     { return "SET-Response-Datablock" }
func (*SetResponseLastDatablock) apduName() string { return "SET-Response-Last-Datablock" }
func (*SetResponseWithList) apduName() string      { return "SET-Response-With-List" }

// AppendAPDU appends the A-XDR encoding.
func (a *SetRequestNormal) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagSetRequest, 1, a.InvokeID)
	dst = appendAccess(appendAttr(dst, a.Attribute), a.Access)
	return append(dst, a.Value...), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetRequestWithFirstDatablock) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagSetRequest, 2, a.InvokeID)
	dst = appendAccess(appendAttr(dst, a.Attribute), a.Access)
	return appendBlock(dst, a.Datablock), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetRequestWithDatablock) AppendAPDU(dst []byte) ([]byte, error) {
	return appendBlock(append(dst, TagSetRequest, 3, a.InvokeID), a.Datablock), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetRequestWithList) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagSetRequest, 4, a.InvokeID)
	dst = appendLength(dst, len(a.Items))
	for _, it := range a.Items {
		dst = appendAccess(appendAttr(dst, it.Attribute), it.Access)
	}
	dst = appendLength(dst, len(a.Values))
	for _, v := range a.Values {
		dst = append(dst, v...)
	}
	return dst, nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetResponseNormal) AppendAPDU(dst []byte) ([]byte, error) {
	return append(dst, TagSetResponse, 1, a.InvokeID, byte(a.Result)), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetResponseDatablock) AppendAPDU(dst []byte) ([]byte, error) {
	return appendU32(append(dst, TagSetResponse, 2, a.InvokeID), a.Block), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetResponseLastDatablock) AppendAPDU(dst []byte) ([]byte, error) {
	return appendU32(append(dst, TagSetResponse, 3, a.InvokeID, byte(a.Result)), a.Block), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *SetResponseWithList) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendLength(append(dst, TagSetResponse, 5, a.InvokeID), len(a.Results))
	for _, d := range a.Results {
		dst = append(dst, byte(d))
	}
	return dst, nil
}

func decodeSetRequest(r *reader, choice byte) APDU {
	iip := r.u8()
	switch choice {
	case 1:
		a := &SetRequestNormal{InvokeID: iip, Attribute: r.attr()}
		a.Access = r.access()
		a.Value = r.data()
		return a
	case 2:
		a := &SetRequestWithFirstDatablock{InvokeID: iip, Attribute: r.attr()}
		a.Access = r.access()
		a.Datablock = r.block()
		return a
	case 3:
		return &SetRequestWithDatablock{InvokeID: iip, Datablock: r.block()}
	case 4:
		a := &SetRequestWithList{InvokeID: iip}
		n := r.count(10)
		for i := 0; i < n && r.err == nil; i++ {
			it := AttributeAccess{Attribute: r.attr()}
			it.Access = r.access()
			a.Items = append(a.Items, it)
		}
		m := r.count(1)
		for i := 0; i < m && r.err == nil; i++ {
			a.Values = append(a.Values, r.data())
		}
		return a
	case 5:
		a := &SetRequestWithListAndFirstDatablock{InvokeID: iip}
		n := r.count(10)
		for i := 0; i < n && r.err == nil; i++ {
			it := AttributeAccess{Attribute: r.attr()}
			it.Access = r.access()
			a.Items = append(a.Items, it)
		}
		a.Datablock = r.block()
		return a
	}
	return nil
}

func decodeSetResponse(r *reader, choice byte) APDU {
	iip := r.u8()
	switch choice {
	case 1:
		return &SetResponseNormal{InvokeID: iip, Result: DataAccessResult(r.u8())}
	case 2:
		return &SetResponseDatablock{InvokeID: iip, Block: r.u32()}
	case 3:
		return &SetResponseLastDatablock{InvokeID: iip, Result: DataAccessResult(r.u8()), Block: r.u32()}
	case 4:
		a := &SetResponseLastDatablockWithList{InvokeID: iip}
		n := r.count(1)
		for i := 0; i < n && r.err == nil; i++ {
			a.Results = append(a.Results, DataAccessResult(r.u8()))
		}
		a.Block = r.u32()
		return a
	case 5:
		a := &SetResponseWithList{InvokeID: iip}
		n := r.count(1)
		for i := 0; i < n && r.err == nil; i++ {
			a.Results = append(a.Results, DataAccessResult(r.u8()))
		}
		return a
	}
	return nil
}
