package dlms

import "context"

// fitGet sends a GET result normally, or starts datablocks when it does not
// fit the client's max PDU (PROTOCOLS.md §5.7).
func (ss *session) fitGet(iip byte, resp *GetResponseNormal, d Data, res DataAccessResult) APDU {
	if res != Success || 4+len(d) <= ss.limit() {
		return resp
	}
	if !ss.conf.Has(ConfBlockTransferWithGet) {
		return &GetResponseNormal{InvokeID: iip, Result: GetResult{Result: OtherReason}}
	}
	return ss.startLong(iip, d, false)
}

func (ss *session) startLong(iip byte, raw []byte, action bool) APDU {
	ss.longRaw, ss.longBlock, ss.longIsAct, ss.longInvoke = raw, 0, action, iip
	return ss.nextBlock(iip)
}

func (ss *session) nextBlock(iip byte) APDU {
	n := min(ss.blockSize(), len(ss.longRaw))
	chunk := ss.longRaw[:n]
	ss.longRaw = ss.longRaw[n:]
	ss.longBlock++
	last := len(ss.longRaw) == 0
	block := ss.longBlock
	if last {
		ss.longRaw = nil
	}
	if ss.longIsAct {
		if last {
			ss.longIsAct = false
		}
		return &ActionResponseWithPblock{InvokeID: iip, Datablock: Datablock{Last: last, Block: block, Raw: chunk}}
	}
	if last {
		ss.longBlock = 0
	}
	return &GetResponseWithDatablock{InvokeID: iip, Last: last, Block: block, Raw: chunk}
}

func (ss *session) setBlock(ctx context.Context, iip byte, db Datablock) APDU {
	if db.Block != ss.inBlock+1 {
		ss.inKind = 0
		return &SetResponseLastDatablock{InvokeID: iip, Result: DataBlockNumberInvalid, Block: db.Block}
	}
	if len(ss.inRaw)+len(db.Raw) > maxAssembled {
		ss.inKind = 0
		return &SetResponseLastDatablock{InvokeID: iip, Result: LongSetAborted, Block: db.Block}
	}
	ss.inBlock = db.Block
	ss.inRaw = append(ss.inRaw, db.Raw...)
	if !db.Last {
		return &SetResponseDatablock{InvokeID: iip, Block: db.Block}
	}
	ss.inKind = 0
	res := TypeUnmatched
	if n, err := skipData(ss.inRaw, 0); err == nil && n == len(ss.inRaw) {
		res = ss.s.model.SetAttribute(ctx, ss.inAttr, ss.inAccess, Data(ss.inRaw))
	}
	return &SetResponseLastDatablock{InvokeID: iip, Result: res, Block: db.Block}
}

func (ss *session) actionBlock(ctx context.Context, iip byte, db Datablock) APDU {
	if db.Block != ss.inBlock+1 || len(ss.inRaw)+len(db.Raw) > maxAssembled {
		ss.inKind = 0
		return &ActionResponseNormal{InvokeID: iip, ActionOutcome: ActionOutcome{Result: 15}}
	}
	ss.inBlock = db.Block
	ss.inRaw = append(ss.inRaw, db.Raw...)
	if !db.Last {
		return &ActionResponseNextPblock{InvokeID: iip, Block: db.Block}
	}
	ss.inKind = 0
	if n, err := skipData(ss.inRaw, 0); err != nil || n != len(ss.inRaw) {
		return &ActionResponseNormal{InvokeID: iip, ActionOutcome: ActionOutcome{Result: ActionResult(TypeUnmatched)}}
	}
	return ss.invoke(ctx, iip, ss.inMethod, Data(ss.inRaw))
}

func (ss *session) invoke(ctx context.Context, iip byte, md MethodDescriptor, params Data) APDU {
	d, res := ss.s.model.Invoke(ctx, md, params)
	o := ActionOutcome{Result: res}
	if d != nil {
		o.Return = &GetResult{Data: d}
	}
	resp := &ActionResponseNormal{InvokeID: iip, ActionOutcome: o}
	enc, _ := Encode(resp)
	if len(enc) <= ss.limit() {
		return resp
	}
	if !ss.conf.Has(ConfBlockTransferWithAction) {
		return &ActionResponseNormal{InvokeID: iip, ActionOutcome: ActionOutcome{Result: ActionResult(OtherReason)}}
	}
	return ss.startLong(iip, appendOutcome(nil, o), true)
}
