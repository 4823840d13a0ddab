package dlms

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ClientConfig describes the association a Client asks for.
//
// A ciphered association (Keys.EK set and Ciphered true) uses the
// LN-with-ciphering context: the Initiate and every service APDU are
// protected with SecurityControl (0x30 when zero) under the sender's system
// title and invocation counter. Read the meter's invocation counter
// (0.0.43.1.x.255, class 1) through a public association first and pass a
// value above it as InvocationCounter (PROTOCOLS.md §8.2).
type ClientConfig struct {
	Mechanism       Mechanism
	Password        []byte // LLS secret
	Ciphered        bool
	Keys            Keys   // EK, AK, and a Dedicated key to propose in the Initiate
	SystemTitle     []byte // client system title (8 bytes), for ciphering and HLS 5/7
	SecurityControl byte
	// InvocationCounter is the next counter this client uses; read the
	// counter the association ended with from Client.InvocationCounter.
	InvocationCounter uint32
	Conformance       Conformance // DefaultConformance when zero
	MaxReceivePDU     uint16      // 0xFFFF when zero
	// Challenge is the CtoS challenge for HLS; 16 random bytes when nil.
	Challenge []byte
	// SigningKey and ServerKey are the ECDSA keys of HLS mechanism 7
	// (suite 1: P-256).
	SigningKey *ecdsa.PrivateKey
	ServerKey  *ecdsa.PublicKey
	// MaxResponseSize caps Data rebuilt from blocks (16 MiB when zero).
	MaxResponseSize int
	Rand            io.Reader            // crypto/rand when nil
	Logf            func(string, ...any) // engineer log; never receives keys
}

// Client is one association with a server over a Transport. Its methods
// are safe for concurrent use but run one request at a time. Every call
// blocks until the response arrives or ctx ends.
type Client struct {
	mu          sync.Mutex
	ch          *channel
	cfg         ClientConfig
	negotiated  InitiateResponse
	serverTitle []byte
	invoke      byte
	closed      bool
}

// Negotiated returns the server's InitiateResponse: conformance, max PDU.
func (c *Client) Negotiated() InitiateResponse { return c.negotiated }

// ServerSystemTitle returns the title the server sent in the AARE.
func (c *Client) ServerSystemTitle() []byte { return c.serverTitle }

// InvocationCounter returns the next invocation counter the client will
// use; store it so the next association starts above it.
func (c *Client) InvocationCounter() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ch.sendIC
}

func (c *Client) nextInvoke() byte {
	c.invoke = (c.invoke + 1) & 0x0F
	return 0xC0 | c.invoke // high priority, confirmed
}

// maxSend is the largest APDU the server accepts, before ciphering.
func (c *Client) maxSend() int {
	m := int(c.negotiated.MaxReceivePDU)
	if m == 0 {
		m = 0xFFFF
	}
	if c.cfg.Ciphered {
		m -= cipherOverhead
	}
	return m
}

// roundTrip sends a request and returns the response with the same invoke
// id. Responses with another invoke id (late answers to an earlier request)
// and unsolicited notifications are skipped. When the server refuses the
// request for its invocation counter and names the counter it expects, the
// client moves its counter forward to it and sends the request once more:
// the server did not process the refused request.
func (c *Client) roundTrip(ctx context.Context, req APDU) (APDU, error) {
	if c.closed {
		return nil, ErrNotAssociated
	}
	for attempt := 0; ; attempt++ {
		if err := c.ch.send(ctx, req); err != nil {
			return nil, err
		}
		resp, err := c.await(ctx, req)
		var se *ServiceError
		if attempt == 0 && errors.As(err, &se) {
			if x, ok := se.APDU.(*ExceptionResponse); ok && x.ServiceError == ExcInvocationCounterError && x.InvocationCounter > c.ch.sendIC {
				c.ch.log("dlms: server expects invocation counter %d, moving forward from %d", x.InvocationCounter, c.ch.sendIC)
				c.ch.sendIC = x.InvocationCounter
				continue
			}
		}
		return resp, err
	}
}

func (c *Client) await(ctx context.Context, req APDU) (APDU, error) {
	want, _ := InvokeIDOf(req)
	for {
		a, err := c.ch.receive(ctx)
		if err != nil {
			return nil, err
		}
		switch r := a.(type) {
		case *ExceptionResponse:
			err := &ServiceError{APDU: r}
			if r.StateError == 1 && r.ServiceError == ExcOperationNotPossible {
				// The server no longer knows the association: it restarted.
				return nil, fmt.Errorf("%w: %w", ErrPeerRestarted, err)
			}
			return nil, err
		case *ConfirmedServiceError:
			return nil, &ServiceError{APDU: r}
		case *DataNotification, *EventNotification:
			c.ch.log("dlms: %s while waiting for %s (skipped)", Name(a), Name(req))
			continue
		case *AARE, *ReleaseResponse:
			return nil, fmt.Errorf("%w: %s while waiting for %s", ErrPeerRestarted, Name(a), Name(req))
		}
		if _, ok := a.(*AccessResponse); ok {
			if _, isAccess := req.(*AccessRequest); isAccess {
				return a, nil
			}
		}
		got, ok := InvokeIDOf(a)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnexpectedAPDU, Name(a))
		}
		if got&0x0F != want&0x0F {
			c.ch.log("dlms: %s with invoke id %d while waiting for %d (skipped)", Name(a), got&0x0F, want&0x0F)
			continue
		}
		return a, nil
	}
}

// Get reads one attribute, following service-specific block transfer
// (IEC 62056-5-3 §9.3.6; PROTOCOLS.md §5.7). A Data-Access-Result other
// than success is returned as the error (a DataAccessResult).
func (c *Client) Get(ctx context.Context, attr AttributeDescriptor, access *SelectiveAccess) (Data, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	iip := c.nextInvoke()
	resp, err := c.roundTrip(ctx, &GetRequestNormal{InvokeID: iip, Attribute: attr, Access: access})
	if err != nil {
		return nil, fmt.Errorf("get %v: %w", attr, err)
	}
	switch r := resp.(type) {
	case *GetResponseNormal:
		if err := r.Result.Err(); err != nil {
			return nil, fmt.Errorf("get %v: %w", attr, err)
		}
		return r.Result.Data, nil
	case *GetResponseWithDatablock:
		raw, err := c.getBlocks(ctx, iip, r)
		if err != nil {
			return nil, fmt.Errorf("get %v: %w", attr, err)
		}
		n, err := skipData(raw, 0)
		if err != nil {
			return nil, fmt.Errorf("get %v: decode blocks: %w", attr, err)
		}
		if n < len(raw) {
			c.ch.log("dlms: %d bytes after the value of %v (ignored)", len(raw)-n, attr)
		}
		return Data(raw[:n]), nil
	}
	return nil, fmt.Errorf("get %v: %w: %s", attr, ErrUnexpectedAPDU, Name(resp))
}

// GetList reads several attributes in one request. Each result carries its
// own Data-Access-Result.
func (c *Client) GetList(ctx context.Context, items []AttributeAccess) ([]GetResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	iip := c.nextInvoke()
	resp, err := c.roundTrip(ctx, &GetRequestWithList{InvokeID: iip, Items: items})
	if err != nil {
		return nil, fmt.Errorf("get list: %w", err)
	}
	switch r := resp.(type) {
	case *GetResponseWithList:
		return r.Results, nil
	case *GetResponseWithDatablock:
		raw, err := c.getBlocks(ctx, iip, r)
		if err != nil {
			return nil, fmt.Errorf("get list: %w", err)
		}
		rd := &reader{b: raw}
		n := rd.count(2)
		var out []GetResult
		for i := 0; i < n && rd.err == nil; i++ {
			out = append(out, rd.getResult())
		}
		if rd.err != nil {
			return nil, fmt.Errorf("get list: decode blocks: %w", rd.err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("get list: %w: %s", ErrUnexpectedAPDU, Name(resp))
}

// Set writes one attribute, in datablocks when the request is larger than
// the server accepts and block transfer with SET was negotiated.
func (c *Client) Set(ctx context.Context, attr AttributeDescriptor, access *SelectiveAccess, value Data) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	iip := c.nextInvoke()
	req := &SetRequestNormal{InvokeID: iip, Attribute: attr, Access: access, Value: value}
	enc, _ := Encode(req)
	var resp APDU
	var err error
	if len(enc) > c.maxSend() && c.negotiated.Conformance.Has(ConfBlockTransferWithSet) {
		resp, err = c.setBlocks(ctx, iip, attr, access, value)
	} else {
		resp, err = c.roundTrip(ctx, req)
	}
	if err != nil {
		return fmt.Errorf("set %v: %w", attr, err)
	}
	switch r := resp.(type) {
	case *SetResponseNormal:
		if r.Result != Success {
			return fmt.Errorf("set %v: %w", attr, r.Result)
		}
		return nil
	case *SetResponseLastDatablock:
		if r.Result != Success {
			return fmt.Errorf("set %v: %w", attr, r.Result)
		}
		return nil
	}
	return fmt.Errorf("set %v: %w: %s", attr, ErrUnexpectedAPDU, Name(resp))
}

// Action invokes a method and returns its return data (nil when the server
// sends none). Parameters larger than the server accepts go in pblocks
// when block transfer with ACTION was negotiated; long return data is
// collected from pblocks.
func (c *Client) Action(ctx context.Context, m MethodDescriptor, params Data) (Data, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.action(ctx, m, params)
}

func (c *Client) action(ctx context.Context, m MethodDescriptor, params Data) (Data, error) {
	iip := c.nextInvoke()
	req := &ActionRequestNormal{InvokeID: iip, Method: m, Parameters: params}
	enc, _ := Encode(req)
	var resp APDU
	var err error
	if len(enc) > c.maxSend() && c.negotiated.Conformance.Has(ConfBlockTransferWithAction) {
		resp, err = c.actionBlocks(ctx, iip, m, params)
	} else {
		resp, err = c.roundTrip(ctx, req)
	}
	if err != nil {
		return nil, fmt.Errorf("action %v: %w", m, err)
	}
	switch r := resp.(type) {
	case *ActionResponseNormal:
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("action %v: %w", m, err)
		}
		if r.Return == nil {
			return nil, nil
		}
		return r.Return.Data, nil
	case *ActionResponseWithPblock:
		return c.actionResponseBlocks(ctx, iip, m, r)
	}
	return nil, fmt.Errorf("action %v: %w: %s", m, ErrUnexpectedAPDU, Name(resp))
}

// Release ends the association with RLRQ and waits for RLRE. The Client
// cannot be used afterwards. A server that closes the transport instead of
// answering is accepted.
func (c *Client) Release(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if err := c.ch.send(ctx, &ReleaseRequest{HasReason: true}); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	for {
		a, err := c.ch.receive(ctx)
		if err != nil {
			if errors.Is(err, ErrPeerRestarted) {
				return nil
			}
			return fmt.Errorf("release: %w", err)
		}
		if r, ok := a.(*ReleaseResponse); ok {
			if r.HasReason && r.Reason != 0 {
				return fmt.Errorf("release: server answered reason %d", r.Reason)
			}
			return nil
		}
		c.ch.log("dlms: %s while waiting for RLRE (skipped)", Name(a))
	}
}

// String describes the configuration without its secrets.
func (c ClientConfig) String() string {
	return fmt.Sprintf("ClientConfig{mechanism %s, ciphered %t, keys %v, password %s, title %X, ic %d}",
		c.Mechanism, c.Ciphered, c.Keys, redact(c.Password), c.SystemTitle, c.InvocationCounter)
}

// GoString keeps %#v from printing secrets.
func (c ClientConfig) GoString() string { return c.String() }

// ReadInvocationCounter reads a frame counter object (class 1, attribute
// 2, usually 0.0.43.1.x.255) as a double-long-unsigned; read it through a
// public association before opening a ciphered one (PROTOCOLS.md §8.2).
func (c *Client) ReadInvocationCounter(ctx context.Context, obis [6]byte) (uint32, error) {
	d, err := c.Get(ctx, AttributeDescriptor{Class: 1, Instance: obis, Attribute: 2}, nil)
	if err != nil {
		return 0, err
	}
	r := &reader{b: d}
	if r.u8() != 0x06 {
		return 0, fmt.Errorf("read invocation counter: %w: not a double-long-unsigned", ErrMalformed)
	}
	v := r.u32()
	return v, r.err
}

// Access runs one ACCESS-Request (IEC 62056-5-3 §9.3.9) and returns the
// server's ACCESS-Response with the same long-invoke-id. Per-spec results
// are in the response; the error reports only transport and protocol
// failures.
func (c *Client) Access(ctx context.Context, req *AccessRequest) (*AccessResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrNotAssociated
	}
	if err := c.ch.send(ctx, req); err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	for {
		a, err := c.await(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("access: %w", err)
		}
		if r, ok := a.(*AccessResponse); ok && r.LongInvokeID == req.LongInvokeID {
			return r, nil
		}
		c.ch.log("dlms: %s while waiting for ACCESS-Response (skipped)", Name(a))
	}
}

// SetList writes several attributes in one request and returns one
// Data-Access-Result per attribute.
func (c *Client) SetList(ctx context.Context, items []AttributeAccess, values []Data) ([]DataAccessResult, error) {
	if len(items) != len(values) {
		return nil, fmt.Errorf("set list: %d attributes but %d values", len(items), len(values))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	resp, err := c.roundTrip(ctx, &SetRequestWithList{InvokeID: c.nextInvoke(), Items: items, Values: values})
	if err != nil {
		return nil, fmt.Errorf("set list: %w", err)
	}
	r, ok := resp.(*SetResponseWithList)
	if !ok {
		return nil, fmt.Errorf("set list: %w: %s", ErrUnexpectedAPDU, Name(resp))
	}
	return r.Results, nil
}
