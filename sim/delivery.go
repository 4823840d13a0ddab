package sim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/gbcs"
)

// Errors of local delivery.
var (
	ErrReplay        = errors.New("sim: originator counter not above the last one accepted")
	ErrUnknownTarget = errors.New("sim: recipient is not on this hub's HAN")
	ErrUnsupported   = errors.New("sim: use case not simulated")
)

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, ErrDisconnected) || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed)
}

// GBCS use cases the hub applies (DOMAIN.md §6.1, §10.2).
const (
	codeJoinCS03A1 gbcs.MessageCode = 0x000D
	codeJoinCS03B  gbcs.MessageCode = 0x000E
	codeUnjoinAC   gbcs.MessageCode = 0x000F
	codeUnjoinB    gbcs.MessageCode = 0x0010
	codeJoinCS03A2 gbcs.MessageCode = 0x00AB
	codeJoinCS03C  gbcs.MessageCode = 0x00AF
)

// Deliver applies one GBCS command, as the local-delivery method does:
// the command's MAC is checked when the hub has keys, its originator
// counter must exceed the last one accepted from that originator (GBCS
// §4.3.1.5 anti-replay, DOMAIN.md §12), and the recipient must be the CHF
// or a meter on the HAN. DLMS ACCESS payloads run against the recipient's
// object model; joins and unjoins answer an ASN.1 INTEGER code. The
// response echoes the counter (Message.Reply), is signed with the hub's
// signing key (Secrets.SigningKey) and sealed with its key-agreement key
// when it has them.
func (h *Hub) Deliver(cmd []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.deliver(cmd)
}

// deliver is Deliver with h.mu held.
func (h *Hub) deliver(cmd []byte) ([]byte, error) {
	m, err := gbcs.Parse(cmd)
	if err != nil {
		return nil, fmt.Errorf("parse command: %w", err)
	}
	sealed := m.Kind == gbcs.FrameGeneralCiphering && h.cfg.KeyAgreement != nil && h.cfg.ACB != nil
	if sealed {
		key, err := gbcs.MACKey(h.cfg.KeyAgreement, h.cfg.ACB, m)
		if err != nil {
			return nil, fmt.Errorf("derive MAC key: %w", err)
		}
		if err := gbcs.VerifyMAC(key[:], m); err != nil {
			return nil, fmt.Errorf("check command MAC: %w", err)
		}
	}
	orig := EUI64(m.Originator)
	if last, seen := h.counters[orig]; seen && m.Counter <= last {
		return nil, fmt.Errorf("%w: %d after %d from %s", ErrReplay, m.Counter, last, orig)
	}
	target := EUI64(m.Recipient)
	var payload []byte
	switch code := m.MessageCode(); {
	case code == codeJoinCS03A1 || code == codeJoinCS03B || code == codeJoinCS03A2 || code == codeJoinCS03C:
		var dev hanDevice
		if m, ok := h.meters[target]; ok {
			dev = m
		} else if g, ok := h.gasMeters[target]; ok {
			dev = g // through the GPF (CS03C, GSME ↔ PPMID)
		} else {
			return nil, fmt.Errorf("%w: %s", ErrUnknownTarget, target)
		}
		rc := h.join(dev)
		payload = gbcs.AppendIntegerPayload(nil, int64(rc))
	case code == codeUnjoinAC || code == codeUnjoinB:
		payload = gbcs.AppendIntegerPayload(nil, 0)
	case len(m.Payload) > 0 && m.Payload[0] == dlms.TagAccessRequest:
		var model dlms.ObjectModel
		switch {
		case target == h.id:
			model = &view{t: h.objects, level: LevelManagement, unlocked: true}
		default:
			meter, ok := h.meters[target]
			if !ok {
				return nil, fmt.Errorf("%w: %s", ErrUnknownTarget, target)
			}
			model = &view{t: meter.objects, level: LevelManagement} // no optical-port quirks on the HAN
		}
		a, err := dlms.Decode(m.Payload)
		if err != nil {
			return nil, fmt.Errorf("decode DLMS payload: %w", err)
		}
		resp := access(model, a.(*dlms.AccessRequest))
		if payload, err = dlms.Encode(resp); err != nil {
			return nil, fmt.Errorf("encode ACCESS-Response: %w", err)
		}
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, m.MessageCode())
	}
	h.counters[orig] = m.Counter
	r := m.Reply(payload)
	if key := h.cfg.Secrets.SigningKey; key != nil {
		// Device-signed response (GBCS §7.2.8, DOMAIN.md §16.7).
		if err := gbcs.Sign(rand.Reader, key, r); err != nil {
			return nil, fmt.Errorf("sign response: %w", err)
		}
	}
	if sealed {
		key, err := gbcs.MACKey(h.cfg.KeyAgreement, h.cfg.ACB, r)
		if err != nil {
			return nil, fmt.Errorf("derive MAC key: %w", err)
		}
		if err := gbcs.Seal(key[:], r); err != nil {
			return nil, fmt.Errorf("seal response: %w", err)
		}
	}
	out, err := r.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return out, nil
}

// access answers an ACCESS-Request spec by spec (IEC 62056-5-3 §9.3.9),
// as the hub or meter named in a GBCS command.
func access(model dlms.ObjectModel, r *dlms.AccessRequest) *dlms.AccessResponse {
	ctx := context.Background()
	resp := &dlms.AccessResponse{LongInvokeID: r.LongInvokeID}
	for i, sp := range r.Specs {
		var in dlms.Data
		if i < len(r.Data) {
			in = r.Data[i]
		}
		out := dlms.Data{0}
		var res uint8
		kind := sp.Kind
		switch sp.Kind {
		case dlms.AccessGet, dlms.AccessGetWithSelection:
			d, dar := model.GetAttribute(ctx, sp.Attribute, sp.Access)
			if dar == dlms.Success {
				out = d
			}
			res, kind = uint8(dar), dlms.AccessGet
		case dlms.AccessSet, dlms.AccessSetWithSelection:
			res, kind = uint8(model.SetAttribute(ctx, sp.Attribute, sp.Access, in)), dlms.AccessSet
		case dlms.AccessAction:
			d, ar := model.Invoke(ctx, sp.Method, in)
			if d != nil {
				out = d
			}
			res = uint8(ar)
		}
		resp.Data = append(resp.Data, out)
		resp.Results = append(resp.Results, dlms.AccessResponseSpec{Kind: kind, Result: res})
	}
	return resp
}
