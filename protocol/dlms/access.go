package dlms

// The ACCESS service (IEC 62056-5-3 §9.3.9), used by the GB Companion
// Specification inside GBCS messages. Layouts checked against the GBCS RTDS
// messages (for example CCS01, ECS35c, ECS26e):
//
//	D9 | long-invoke-id-and-priority u32 | date-time: 00, or 0C + 12 bytes |
//	     n { 01 get attr | 02 set attr | 03 action method |
//	         04 get attr selector Data | 05 set attr selector Data } |
//	     n Data                                 (set values, action parameters, null-data for gets)
//	DA | long-invoke-id-and-priority u32 | date-time |
//	     00 (request specification absent) or 01 n {specs} |
//	     n Data                                 (get values, action return data, null-data otherwise) |
//	     n { 01 DAR | 02 DAR | 03 action-result }

// Access request specification kinds.
const (
	AccessGet              = 1
	AccessSet              = 2
	AccessAction           = 3
	AccessGetWithSelection = 4
	AccessSetWithSelection = 5
)

// AccessRequestSpec is one element of the request list. Attribute is used
// for gets and sets, Method for actions; Access for the with-selection kinds
// (its Parameters follow the selector without a presence flag).
type AccessRequestSpec struct {
	Kind      uint8
	Attribute AttributeDescriptor
	Method    MethodDescriptor
	Access    *SelectiveAccess
}

// AccessRequest is the ACCESS-Request APDU (tag D9).
type AccessRequest struct {
	LongInvokeID uint32
	DateTime     []byte // 12 bytes, or nil when absent
	Specs        []AccessRequestSpec
	Data         []Data // one per spec: value to set, action parameter, or null-data
}

// AccessResponseSpec is one result: Kind as in the request and the
// Data-Access-Result (get, set) or Action-Result (action).
type AccessResponseSpec struct {
	Kind   uint8
	Result uint8
}

// AccessResponse is the ACCESS-Response APDU (tag DA).
type AccessResponse struct {
	LongInvokeID uint32
	DateTime     []byte
	Specs        []AccessRequestSpec // echoed request specification, usually absent
	Data         []Data
	Results      []AccessResponseSpec
}

func (*AccessRequest) apduName() string  { return "ACCESS-Request" }
func (*AccessResponse) apduName() string { return "ACCESS-Response" }

func appendAccessSpecs(dst []byte, specs []AccessRequestSpec) []byte {
	dst = appendLength(dst, len(specs))
	for _, s := range specs {
		dst = append(dst, s.Kind)
		switch s.Kind {
		case AccessAction:
			dst = appendMethod(dst, s.Method)
		case AccessGetWithSelection, AccessSetWithSelection:
			dst = appendAttr(dst, s.Attribute)
			if s.Access != nil {
				dst = append(append(dst, s.Access.Selector), s.Access.Parameters...)
			} else {
				dst = append(dst, 0, 0) // selector 0 with null-data
			}
		default:
			dst = appendAttr(dst, s.Attribute)
		}
	}
	return dst
}

func (r *reader) accessSpecs() []AccessRequestSpec {
	n := r.count(10)
	var specs []AccessRequestSpec
	for i := 0; i < n && r.err == nil; i++ {
		s := AccessRequestSpec{Kind: r.u8()}
		switch s.Kind {
		case AccessGet, AccessSet:
			s.Attribute = r.attr()
		case AccessAction:
			s.Method = r.method()
		case AccessGetWithSelection, AccessSetWithSelection:
			s.Attribute = r.attr()
			s.Access = &SelectiveAccess{Selector: r.u8()}
			s.Access.Parameters = r.data()
		default:
			r.fail(ErrUnknownTag)
		}
		specs = append(specs, s)
	}
	return specs
}

func appendDataList(dst []byte, list []Data) []byte {
	dst = appendLength(dst, len(list))
	for _, d := range list {
		if d == nil {
			d = Data{0}
		}
		dst = append(dst, d...)
	}
	return dst
}

func (r *reader) dataList() []Data {
	n := r.count(1)
	var out []Data
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.data())
	}
	return out
}

// AppendAPDU appends the encoding.
func (a *AccessRequest) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendU32(append(dst, TagAccessRequest), a.LongInvokeID)
	dst = appendOctets(dst, a.DateTime)
	dst = appendAccessSpecs(dst, a.Specs)
	return appendDataList(dst, a.Data), nil
}

// AppendAPDU appends the encoding.
func (a *AccessResponse) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendU32(append(dst, TagAccessResponse), a.LongInvokeID)
	dst = appendOctets(dst, a.DateTime)
	if a.Specs != nil {
		dst = appendAccessSpecs(append(dst, 1), a.Specs)
	} else {
		dst = append(dst, 0)
	}
	dst = appendDataList(dst, a.Data)
	dst = appendLength(dst, len(a.Results))
	for _, s := range a.Results {
		dst = append(dst, s.Kind, s.Result)
	}
	return dst, nil
}

func decodeAccessRequest(r *reader) APDU {
	a := &AccessRequest{LongInvokeID: r.u32()}
	if dt := r.octets(); len(dt) > 0 {
		a.DateTime = dt
	}
	a.Specs = r.accessSpecs()
	a.Data = r.dataList()
	return a
}

func decodeAccessResponse(r *reader) APDU {
	a := &AccessResponse{LongInvokeID: r.u32()}
	if dt := r.octets(); len(dt) > 0 {
		a.DateTime = dt
	}
	if r.flag() {
		a.Specs = r.accessSpecs()
		if a.Specs == nil {
			a.Specs = []AccessRequestSpec{}
		}
	}
	a.Data = r.dataList()
	n := r.count(2)
	for i := 0; i < n && r.err == nil; i++ {
		a.Results = append(a.Results, AccessResponseSpec{Kind: r.u8(), Result: r.u8()})
	}
	return a
}
