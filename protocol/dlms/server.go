package dlms

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ObjectModel is what a Server serves: the COSEM objects of one logical
// device (the simulator provides them). Each Serve call makes its calls one
// at a time; a model shared by several concurrent Serve calls must be safe
// for concurrent use. Data are encoded A-XDR values; selective access
// arrives raw (decode it with ParseRangeAccess or ParseEntryAccess).
type ObjectModel interface {
	// GetAttribute returns the value of an attribute, or a
	// Data-Access-Result other than Success.
	GetAttribute(ctx context.Context, attr AttributeDescriptor, access *SelectiveAccess) (Data, DataAccessResult)
	// SetAttribute writes an attribute.
	SetAttribute(ctx context.Context, attr AttributeDescriptor, access *SelectiveAccess, value Data) DataAccessResult
	// Invoke runs a method and returns its return data (nil for none).
	Invoke(ctx context.Context, method MethodDescriptor, params Data) (Data, ActionResult)
}

// ServerConfig describes the associations a Server accepts: one
// authentication mechanism and, when Ciphered, suite 0/1 protection
// (IEC 62056-5-3 §7.2, §9.2; PROTOCOLS.md §12).
type ServerConfig struct {
	Mechanism   Mechanism
	Password    []byte // LLS secret
	Ciphered    bool   // require the LN-with-ciphering context
	Keys        Keys
	SystemTitle []byte // server system title (8 bytes)
	// InvocationCounter is the first counter the server uses.
	InvocationCounter uint32
	SecurityControl   byte        // 0x30 when zero
	Conformance       Conformance // offered; the response is the intersection
	MaxReceivePDU     uint16      // 0x0400 when zero
	SigningKey        *ecdsa.PrivateKey
	ClientKey         *ecdsa.PublicKey // HLS-7: the client's public key
	Rand              io.Reader
	Logf              func(string, ...any)
}

// Server answers associations and services over a Transport from an
// ObjectModel, with the same security as the Client.
type Server struct {
	model ObjectModel
	cfg   ServerConfig

	mu       sync.Mutex
	sendIC   uint32 // persists across associations: counters only move forward
	recvIC   uint32
	recvSeen bool
}

// NewServer returns a Server for model.
func NewServer(model ObjectModel, cfg ServerConfig) *Server {
	if cfg.SecurityControl == 0 {
		cfg.SecurityControl = SCAuthentication | SCEncryption
	}
	if cfg.MaxReceivePDU == 0 {
		cfg.MaxReceivePDU = 0x0400
	}
	if cfg.Conformance == 0 {
		cfg.Conformance = ConfGet | ConfSet | ConfAction | ConfSelectiveAccess | ConfBlockTransferWithGet |
			ConfBlockTransferWithSet | ConfBlockTransferWithAction | ConfMultipleReferences | ConfAccess
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &Server{model: model, cfg: cfg, sendIC: cfg.InvocationCounter}
}

// session is the state of one association.
type session struct {
	s           *Server
	ch          *channel
	associated  bool
	authPending bool // HLS: only reply_to_HLS_authentication allowed
	mechanism   Mechanism
	clientTitle []byte
	ctos, stoc  []byte
	clientMax   int
	conf        Conformance

	// pending long response (GET datablocks or ACTION pblocks)
	longRaw    []byte
	longBlock  uint32
	longIsAct  bool
	longInvoke byte
	// pending long request (SET datablocks or ACTION pblocks)
	inAttr   AttributeDescriptor
	inAccess *SelectiveAccess
	inMethod MethodDescriptor
	inRaw    []byte
	inBlock  uint32
	inKind   byte // 0 none, 1 set, 2 action
}

// Serve answers APDUs from t until ctx ends or the transport fails. After
// RLRQ it waits for a new AARQ. It returns nil when the peer closes the
// transport.
func (s *Server) Serve(ctx context.Context, t Transport) error {
	ss := &session{s: s}
	ss.reset(t)
	for {
		b, err := t.Receive(ctx)
		if err != nil {
			s.saveCounters(ss)
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("serve: %w", err)
		}
		resp := ss.handle(ctx, b)
		if resp == nil {
			continue
		}
		out, err := ss.ch.encode(resp)
		if err != nil {
			s.logf("dlms server: encode %s: %v", Name(resp), err)
			continue
		}
		if err := t.Send(ctx, out); err != nil {
			s.saveCounters(ss)
			return fmt.Errorf("serve: %w", err)
		}
		if _, ok := resp.(*ReleaseResponse); ok {
			s.saveCounters(ss)
			ss.reset(t)
		}
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

func (s *Server) saveCounters(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.ch.sendIC > s.sendIC {
		s.sendIC = ss.ch.sendIC
	}
	if ss.ch.recvSeen && (!s.recvSeen || ss.ch.recvIC > s.recvIC) {
		s.recvIC, s.recvSeen = ss.ch.recvIC, true
	}
}

func (ss *session) reset(t Transport) {
	s := ss.s
	s.mu.Lock()
	ch := &channel{t: t, ciphered: s.cfg.Ciphered, keys: Keys{EK: s.cfg.Keys.EK, AK: s.cfg.Keys.AK},
		ownTitle: s.cfg.SystemTitle, sc: s.cfg.SecurityControl, sendIC: s.sendIC,
		recvIC: s.recvIC, recvSeen: s.recvSeen, maxBuild: maxAssembled, logf: s.cfg.Logf}
	s.mu.Unlock()
	*ss = session{s: s, ch: ch}
}

func exception(state, svc uint8) *ExceptionResponse {
	return &ExceptionResponse{StateError: state, ServiceError: svc}
}

// handle answers one received APDU; nil means no answer.
func (ss *session) handle(ctx context.Context, b []byte) APDU {
	if len(b) > 0 && b[0] == TagAARQ {
		a, err := Decode(b)
		if err != nil && !errors.Is(err, ErrTrailingBytes) {
			ss.s.logf("dlms server: %v", err)
			return nil
		}
		if ss.associated {
			ss.s.saveCounters(ss)
			ss.reset(ss.ch.t)
		}
		return ss.associate(a.(*AARQ))
	}
	a, err := ss.ch.open(b)
	if err != nil {
		ss.s.logf("dlms server: %v", err)
		switch {
		case errors.Is(err, ErrInvocationCounter):
			e := exception(1, ExcInvocationCounterError)
			e.InvocationCounter = ss.ch.recvIC + 1
			return e
		case errors.Is(err, ErrDecipher), errors.Is(err, ErrNoKey):
			return exception(1, ExcDecipheringError)
		}
		return exception(2, ExcServiceNotSupported)
	}
	if _, ok := a.(*ReleaseRequest); ok {
		return &ReleaseResponse{HasReason: true}
	}
	if !ss.associated {
		return exception(1, ExcOperationNotPossible)
	}
	if ss.authPending {
		if r, ok := a.(*ActionRequestNormal); ok && r.Method == ReplyToHLSAuth {
			return ss.replyToHLS(r)
		}
		return exception(1, ExcOperationNotPossible)
	}
	return ss.service(ctx, a)
}

// limit is the largest plain APDU the client accepts.
func (ss *session) limit() int {
	m := ss.clientMax
	if ss.ch.ciphered {
		m -= cipherOverhead
	}
	return m
}

func (ss *session) blockSize() int {
	return max(ss.limit()-16, 8)
}

// service answers the xDLMS services.
func (ss *session) service(ctx context.Context, a APDU) APDU {
	m := ss.s.model
	switch r := a.(type) {
	case *GetRequestNormal:
		ss.longRaw = nil
		d, res := m.GetAttribute(ctx, r.Attribute, r.Access)
		resp := &GetResponseNormal{InvokeID: r.InvokeID, Result: GetResult{Data: d, Result: res}}
		return ss.fitGet(r.InvokeID, resp, d, res)
	case *GetRequestWithList:
		ss.longRaw = nil
		resp := &GetResponseWithList{InvokeID: r.InvokeID}
		for _, it := range r.Items {
			d, res := m.GetAttribute(ctx, it.Attribute, it.Access)
			resp.Results = append(resp.Results, GetResult{Data: d, Result: res})
		}
		enc, _ := Encode(resp)
		if len(enc) > ss.limit() {
			raw := appendLength(nil, len(resp.Results))
			for _, g := range resp.Results {
				raw = appendGetResult(raw, g)
			}
			return ss.startLong(r.InvokeID, raw, false)
		}
		return resp
	case *GetRequestNext:
		if ss.longRaw == nil && ss.longBlock == 0 || ss.longIsAct {
			return &GetResponseWithDatablock{InvokeID: r.InvokeID, Last: true, Block: r.Block, Result: NoLongGetInProgress}
		}
		if r.Block != ss.longBlock {
			return &GetResponseWithDatablock{InvokeID: r.InvokeID, Last: true, Block: r.Block, Result: DataBlockNumberInvalid}
		}
		return ss.nextBlock(r.InvokeID)
	case *SetRequestNormal:
		return &SetResponseNormal{InvokeID: r.InvokeID, Result: m.SetAttribute(ctx, r.Attribute, r.Access, r.Value)}
	case *SetRequestWithList:
		resp := &SetResponseWithList{InvokeID: r.InvokeID}
		for i, it := range r.Items {
			res := TypeUnmatched
			if i < len(r.Values) {
				res = m.SetAttribute(ctx, it.Attribute, it.Access, r.Values[i])
			}
			resp.Results = append(resp.Results, res)
		}
		return resp
	case *SetRequestWithFirstDatablock:
		ss.inKind, ss.inAttr, ss.inAccess, ss.inRaw, ss.inBlock = 1, r.Attribute, r.Access, nil, 0
		return ss.setBlock(ctx, r.InvokeID, r.Datablock)
	case *SetRequestWithDatablock:
		if ss.inKind != 1 {
			return &SetResponseLastDatablock{InvokeID: r.InvokeID, Result: NoLongSetInProgress, Block: r.Block}
		}
		return ss.setBlock(ctx, r.InvokeID, r.Datablock)
	case *ActionRequestNormal:
		ss.longRaw = nil
		return ss.invoke(ctx, r.InvokeID, r.Method, r.Parameters)
	case *ActionRequestWithFirstPblock:
		ss.inKind, ss.inMethod, ss.inRaw, ss.inBlock = 2, r.Method, nil, 0
		return ss.actionBlock(ctx, r.InvokeID, r.Datablock)
	case *ActionRequestWithPblock:
		if ss.inKind != 2 {
			return &ActionResponseNormal{InvokeID: r.InvokeID, ActionOutcome: ActionOutcome{Result: 16}}
		}
		return ss.actionBlock(ctx, r.InvokeID, r.Datablock)
	case *ActionRequestNextPblock:
		if !ss.longIsAct || r.Block != ss.longBlock {
			return &ActionResponseNormal{InvokeID: r.InvokeID, ActionOutcome: ActionOutcome{Result: 16}}
		}
		return ss.nextBlock(r.InvokeID)
	case *ActionRequestWithList:
		resp := &ActionResponseWithList{InvokeID: r.InvokeID}
		for i, md := range r.Methods {
			var p Data
			if i < len(r.Parameters) {
				p = r.Parameters[i]
			}
			d, res := m.Invoke(ctx, md, p)
			o := ActionOutcome{Result: res}
			if d != nil {
				o.Return = &GetResult{Data: d}
			}
			resp.Outcomes = append(resp.Outcomes, o)
		}
		return resp
	case *AccessRequest:
		return ss.access(ctx, r)
	}
	return exception(2, ExcServiceNotSupported)
}

// access answers an ACCESS-Request spec by spec (IEC 62056-5-3 §9.3.9).
func (ss *session) access(ctx context.Context, r *AccessRequest) APDU {
	m := ss.s.model
	resp := &AccessResponse{LongInvokeID: r.LongInvokeID}
	for i, sp := range r.Specs {
		var in Data
		if i < len(r.Data) {
			in = r.Data[i]
		}
		out := Data{0}
		var res uint8
		switch sp.Kind {
		case AccessGet, AccessGetWithSelection:
			d, dar := m.GetAttribute(ctx, sp.Attribute, sp.Access)
			if dar == Success {
				out = d
			}
			res = uint8(dar)
			sp.Kind = AccessGet
		case AccessSet, AccessSetWithSelection:
			res = uint8(m.SetAttribute(ctx, sp.Attribute, sp.Access, in))
			sp.Kind = AccessSet
		case AccessAction:
			d, ar := m.Invoke(ctx, sp.Method, in)
			if d != nil {
				out = d
			}
			res = uint8(ar)
		}
		resp.Data = append(resp.Data, out)
		resp.Results = append(resp.Results, AccessResponseSpec{Kind: sp.Kind, Result: res})
	}
	return resp
}

// String describes the configuration without its secrets.
func (c ServerConfig) String() string {
	return fmt.Sprintf("ServerConfig{mechanism %s, ciphered %t, keys %v, password %s, title %X}",
		c.Mechanism, c.Ciphered, c.Keys, redact(c.Password), c.SystemTitle)
}

// GoString keeps %#v from printing secrets.
func (c ServerConfig) GoString() string { return c.String() }
