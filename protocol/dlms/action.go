package dlms

// ACTION service APDUs (IEC 62056-5-3 §9.3.8; PROTOCOLS.md §5.5).
//
//	C3 01 iip  class obis method  00 | 01 Data             ActionRequestNormal
//	C3 02 iip  block                                       ActionRequestNextPblock
//	C3 03 iip  n {class obis method}  n {00 | 01 Data}     ActionRequestWithList
//	C3 04 iip  class obis method  last block raw           ActionRequestWithFirstPblock
//	C3 06 iip  last block raw                              ActionRequestWithPblock
//	C7 01 iip  result  00 | 01 (00 Data | 01 DAR)          ActionResponseNormal
//	C7 02 iip  last block raw                              ActionResponseWithPblock
//	C7 03 iip  n {result  00 | 01 (00 Data | 01 DAR)}      ActionResponseWithList
//	C7 04 iip  block                                       ActionResponseNextPblock

// ActionRequestNormal invokes one method. Parameters is nil when absent.
type ActionRequestNormal struct {
	InvokeID   byte
	Method     MethodDescriptor
	Parameters Data
}

// ActionRequestNextPblock asks for the next block of a long action response.
type ActionRequestNextPblock struct {
	InvokeID byte
	Block    uint32
}

// ActionRequestWithList invokes several methods; Parameters[i] nil = absent.
type ActionRequestWithList struct {
	InvokeID   byte
	Methods    []MethodDescriptor
	Parameters []Data
}

// ActionRequestWithFirstPblock starts an action whose parameters span blocks.
type ActionRequestWithFirstPblock struct {
	InvokeID byte
	Method   MethodDescriptor
	Datablock
}

// ActionRequestWithListAndFirstPblock starts several actions whose
// parameters span blocks.
type ActionRequestWithListAndFirstPblock struct {
	InvokeID byte
	Methods  []MethodDescriptor
	Datablock
}

// ActionRequestWithPblock continues it.
type ActionRequestWithPblock struct {
	InvokeID byte
	Datablock
}

// ActionOutcome is Action-Response-With-Optional-Data: the action result and
// the optional return parameters (nil when absent).
type ActionOutcome struct {
	Result ActionResult
	Return *GetResult
}

// Err returns the action result, or the access result of the return data,
// as an error; nil on success.
func (o ActionOutcome) Err() error {
	if o.Result != 0 {
		return o.Result
	}
	if o.Return != nil {
		return o.Return.Err()
	}
	return nil
}

func appendOutcome(dst []byte, o ActionOutcome) []byte {
	dst = append(dst, byte(o.Result))
	if o.Return == nil {
		return append(dst, 0)
	}
	return appendGetResult(append(dst, 1), *o.Return)
}

func (r *reader) outcome() ActionOutcome {
	o := ActionOutcome{Result: ActionResult(r.u8())}
	if r.flag() && r.err == nil {
		g := r.getResult()
		o.Return = &g
	}
	return o
}

// ActionResponseNormal answers ActionRequestNormal.
type ActionResponseNormal struct {
	InvokeID byte
	ActionOutcome
}

// ActionResponseWithPblock carries one block of a long action response.
type ActionResponseWithPblock struct {
	InvokeID byte
	Datablock
}

// ActionResponseWithList answers ActionRequestWithList.
type ActionResponseWithList struct {
	InvokeID byte
	Outcomes []ActionOutcome
}

// ActionResponseNextPblock acknowledges a parameter block and asks for the next.
type ActionResponseNextPblock struct {
	InvokeID byte
	Block    uint32
}

func (*ActionRequestNormal) apduName() string          { return "ACTION-Request-Normal" }
func (*ActionRequestNextPblock) apduName() string      { return "ACTION-Request-Next-Pblock" }
func (*ActionRequestWithList) apduName() string        { return "ACTION-Request-With-List" }
func (*ActionRequestWithFirstPblock) apduName() string { return "ACTION-Request-With-First-Pblock" }
func (*ActionRequestWithPblock) apduName() string      { return "ACTION-Request-With-Pblock" }
func (*ActionRequestWithListAndFirstPblock) apduName() string {
	return "ACTION-Request-With-List-And-First-Pblock"
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionRequestWithListAndFirstPblock) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendLength(append(dst, TagActionRequest, 5, a.InvokeID), len(a.Methods))
	for _, m := range a.Methods {
		dst = appendMethod(dst, m)
	}
	return appendBlock(dst, a.Datablock), nil
}
func (*ActionResponseNormal) apduName() string     { return "ACTION-Response-Normal" }
func (*ActionResponseWithPblock) apduName() string { return "ACTION-Response-With-Pblock" }
func (*ActionResponseWithList) apduName() string   { return "ACTION-Response-With-List" }
func (*ActionResponseNextPblock) apduName() string { return "ACTION-Response-Next-Pblock" }

func appendOptionalData(dst []byte, d Data) []byte {
	if d == nil {
		return append(dst, 0)
	}
	return append(append(dst, 1), d...)
}

func (r *reader) optionalData() Data {
	if !r.flag() || r.err != nil {
		return nil
	}
	return r.data()
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionRequestNormal) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendMethod(append(dst, TagActionRequest, 1, a.InvokeID), a.Method)
	return appendOptionalData(dst, a.Parameters), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionRequestNextPblock) AppendAPDU(dst []byte) ([]byte, error) {
	return appendU32(append(dst, TagActionRequest, 2, a.InvokeID), a.Block), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionRequestWithList) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendLength(append(dst, TagActionRequest, 3, a.InvokeID), len(a.Methods))
	for _, m := range a.Methods {
		dst = appendMethod(dst, m)
	}
	dst = appendLength(dst, len(a.Parameters))
	for _, p := range a.Parameters {
		dst = appendOptionalData(dst, p)
	}
	return dst, nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionRequestWithFirstPblock) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendMethod(append(dst, TagActionRequest, 4, a.InvokeID), a.Method)
	return appendBlock(dst, a.Datablock), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionRequestWithPblock) AppendAPDU(dst []byte) ([]byte, error) {
	return appendBlock(append(dst, TagActionRequest, 6, a.InvokeID), a.Datablock), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionResponseNormal) AppendAPDU(dst []byte) ([]byte, error) {
	return appendOutcome(append(dst, TagActionResponse, 1, a.InvokeID), a.ActionOutcome), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionResponseWithPblock) AppendAPDU(dst []byte) ([]byte, error) {
	return appendBlock(append(dst, TagActionResponse, 2, a.InvokeID), a.Datablock), nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionResponseWithList) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendLength(append(dst, TagActionResponse, 3, a.InvokeID), len(a.Outcomes))
	for _, o := range a.Outcomes {
		dst = appendOutcome(dst, o)
	}
	return dst, nil
}

// AppendAPDU appends the A-XDR encoding.
func (a *ActionResponseNextPblock) AppendAPDU(dst []byte) ([]byte, error) {
	return appendU32(append(dst, TagActionResponse, 4, a.InvokeID), a.Block), nil
}

func decodeActionRequest(r *reader, choice byte) APDU {
	iip := r.u8()
	switch choice {
	case 1:
		a := &ActionRequestNormal{InvokeID: iip, Method: r.method()}
		a.Parameters = r.optionalData()
		return a
	case 2:
		return &ActionRequestNextPblock{InvokeID: iip, Block: r.u32()}
	case 3:
		a := &ActionRequestWithList{InvokeID: iip}
		n := r.count(9)
		for i := 0; i < n && r.err == nil; i++ {
			a.Methods = append(a.Methods, r.method())
		}
		m := r.count(1)
		for i := 0; i < m && r.err == nil; i++ {
			a.Parameters = append(a.Parameters, r.optionalData())
		}
		return a
	case 4:
		a := &ActionRequestWithFirstPblock{InvokeID: iip, Method: r.method()}
		a.Datablock = r.block()
		return a
	case 5:
		a := &ActionRequestWithListAndFirstPblock{InvokeID: iip}
		n := r.count(9)
		for i := 0; i < n && r.err == nil; i++ {
			a.Methods = append(a.Methods, r.method())
		}
		a.Datablock = r.block()
		return a
	case 6:
		return &ActionRequestWithPblock{InvokeID: iip, Datablock: r.block()}
	}
	return nil
}

func decodeActionResponse(r *reader, choice byte) APDU {
	iip := r.u8()
	switch choice {
	case 1:
		return &ActionResponseNormal{InvokeID: iip, ActionOutcome: r.outcome()}
	case 2:
		return &ActionResponseWithPblock{InvokeID: iip, Datablock: r.block()}
	case 3:
		a := &ActionResponseWithList{InvokeID: iip}
		n := r.count(2)
		for i := 0; i < n && r.err == nil; i++ {
			a.Outcomes = append(a.Outcomes, r.outcome())
		}
		return a
	case 4:
		return &ActionResponseNextPblock{InvokeID: iip, Block: r.u32()}
	}
	return nil
}
