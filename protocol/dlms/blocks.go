package dlms

// Service-specific block transfer on the client side (IEC 62056-5-3
// §9.4.6.5; PROTOCOLS.md §5.7).

import (
	"context"
	"fmt"
)

// getBlocks collects raw-data blocks, asking for each next one. It accepts
// any first block number, ignores a repeated block and rejects gaps.
func (c *Client) getBlocks(ctx context.Context, iip byte, r *GetResponseWithDatablock) ([]byte, error) {
	var raw []byte
	expect := r.Block
	for {
		if r.Result != Success {
			return nil, fmt.Errorf("block %d: %w", r.Block, r.Result)
		}
		switch {
		case r.Block == expect:
			if len(raw)+len(r.Raw) > c.cfg.MaxResponseSize {
				return nil, fmt.Errorf("%w: response over %d bytes", ErrTooLarge, c.cfg.MaxResponseSize)
			}
			raw = append(raw, r.Raw...)
			if r.Last {
				return raw, nil
			}
			expect++
			if err := c.ch.send(ctx, &GetRequestNext{InvokeID: iip, Block: r.Block}); err != nil {
				return nil, err
			}
		case r.Block+1 == expect:
			c.ch.log("dlms: block %d repeated (ignored)", r.Block)
		default:
			return nil, fmt.Errorf("%w: block %d, want %d", ErrBlockSequence, r.Block, expect)
		}
		a, err := c.await(ctx, &GetRequestNext{InvokeID: iip})
		if err != nil {
			return nil, err
		}
		next, ok := a.(*GetResponseWithDatablock)
		if !ok {
			return nil, fmt.Errorf("%w: %s during block transfer", ErrUnexpectedAPDU, Name(a))
		}
		r = next
	}
}

// blockSize is the raw-data size that keeps a block APDU under the
// server's limit (header: tag, choice, iip, descriptor, selector, last,
// block number, length).
func (c *Client) blockSize() int {
	n := c.maxSend() - 32
	if n < 16 {
		n = 16
	}
	return n
}

func (c *Client) setBlocks(ctx context.Context, iip byte, attr AttributeDescriptor, access *SelectiveAccess, value Data) (APDU, error) {
	size := c.blockSize()
	for block, off := uint32(1), 0; ; block++ {
		end := min(off+size, len(value))
		db := Datablock{Last: end == len(value), Block: block, Raw: value[off:end]}
		var req APDU = &SetRequestWithDatablock{InvokeID: iip, Datablock: db}
		if block == 1 {
			req = &SetRequestWithFirstDatablock{InvokeID: iip, Attribute: attr, Access: access, Datablock: db}
		}
		resp, err := c.roundTrip(ctx, req)
		if err != nil {
			return nil, err
		}
		if db.Last {
			return resp, nil
		}
		ack, ok := resp.(*SetResponseDatablock)
		if !ok {
			if n, ok := resp.(*SetResponseLastDatablock); ok && n.Result != Success {
				return resp, nil
			}
			return nil, fmt.Errorf("%w: %s during block transfer", ErrUnexpectedAPDU, Name(resp))
		}
		if ack.Block != block {
			return nil, fmt.Errorf("%w: acknowledged block %d, sent %d", ErrBlockSequence, ack.Block, block)
		}
		off = end
	}
}

func (c *Client) actionBlocks(ctx context.Context, iip byte, m MethodDescriptor, params Data) (APDU, error) {
	size := c.blockSize()
	for block, off := uint32(1), 0; ; block++ {
		end := min(off+size, len(params))
		db := Datablock{Last: end == len(params), Block: block, Raw: params[off:end]}
		var req APDU = &ActionRequestWithPblock{InvokeID: iip, Datablock: db}
		if block == 1 {
			req = &ActionRequestWithFirstPblock{InvokeID: iip, Method: m, Datablock: db}
		}
		resp, err := c.roundTrip(ctx, req)
		if err != nil {
			return nil, err
		}
		if db.Last {
			return resp, nil
		}
		ack, ok := resp.(*ActionResponseNextPblock)
		if !ok {
			return resp, nil // an early result ends the transfer
		}
		if ack.Block != block {
			return nil, fmt.Errorf("%w: acknowledged pblock %d, sent %d", ErrBlockSequence, ack.Block, block)
		}
		off = end
	}
}

func (c *Client) actionResponseBlocks(ctx context.Context, iip byte, m MethodDescriptor, r *ActionResponseWithPblock) (Data, error) {
	var raw []byte
	expect := r.Block
	for {
		if r.Block != expect {
			return nil, fmt.Errorf("action %v: %w: pblock %d, want %d", m, ErrBlockSequence, r.Block, expect)
		}
		if len(raw)+len(r.Raw) > c.cfg.MaxResponseSize {
			return nil, fmt.Errorf("action %v: %w", m, ErrTooLarge)
		}
		raw = append(raw, r.Raw...)
		if r.Last {
			break
		}
		expect++
		resp, err := c.roundTrip(ctx, &ActionRequestNextPblock{InvokeID: iip, Block: r.Block})
		if err != nil {
			return nil, fmt.Errorf("action %v: %w", m, err)
		}
		next, ok := resp.(*ActionResponseWithPblock)
		if !ok {
			return nil, fmt.Errorf("action %v: %w: %s during block transfer", m, ErrUnexpectedAPDU, Name(resp))
		}
		r = next
	}
	// The blocks carry Action-Response-With-Optional-Data: result, then optional Get-Data-Result.
	rd := &reader{b: raw}
	o := rd.outcome()
	if rd.err != nil {
		return nil, fmt.Errorf("action %v: decode pblocks: %w", m, rd.err)
	}
	if err := o.Err(); err != nil {
		return nil, fmt.Errorf("action %v: %w", m, err)
	}
	if o.Return == nil {
		return nil, nil
	}
	return o.Return.Data, nil
}
