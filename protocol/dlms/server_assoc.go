package dlms

import (
	"crypto/subtle"
	"io"
)

// associate answers an AARQ (PROTOCOLS.md §12: LLS wrong password → result
// 1 diagnostic 13; HLS → result 0 diagnostic 14 with StoC; unknown
// mechanism → 11).
func (ss *session) associate(q *AARQ) APDU {
	cfg := ss.s.cfg
	ctxWant := ContextLN
	if cfg.Ciphered {
		ctxWant = ContextLNCiphered
	}
	aare := &AARE{Context: q.Context, Source: ServiceUser, RespondingAPTitle: nil}
	if cfg.Ciphered || cfg.Mechanism == MechanismGMAC || cfg.Mechanism == MechanismECDSA {
		aare.RespondingAPTitle = cfg.SystemTitle
	}
	reject := func(diag uint8) APDU {
		aare.Result, aare.Diagnostic = RejectedPermanent, diag
		return aare
	}
	if q.Context != ctxWant {
		aare.Context = ctxWant
		return reject(DiagContextNotSupported)
	}
	if q.Mechanism != cfg.Mechanism {
		if q.Mechanism > MechanismECDSA {
			return reject(DiagMechanismNotRecognised)
		}
		return reject(DiagAuthenticationFailure)
	}
	ss.clientTitle = q.CallingAPTitle
	ss.ch.peerTitle = q.CallingAPTitle
	// xDLMS part.
	ir, cse := ss.readInitiate(q.UserInformation)
	if cse != nil {
		aare.Result, aare.Diagnostic = RejectedPermanent, DiagNoReason
		aare.UserInformation = ss.protectInitiate(cse)
		return aare
	}
	switch cfg.Mechanism {
	case MechanismNone:
	case MechanismLLS:
		if subtle.ConstantTimeCompare(q.CallingAuth, cfg.Password) != 1 {
			return reject(DiagAuthenticationFailure)
		}
	case MechanismGMAC, MechanismECDSA:
		if len(q.CallingAuth) < 8 || len(q.CallingAuth) > 64 || len(ss.clientTitle) != 8 {
			return reject(DiagAuthenticationFailure)
		}
		ss.ctos = q.CallingAuth
		ss.stoc = make([]byte, len(q.CallingAuth))
		if _, err := io.ReadFull(cfg.Rand, ss.stoc); err != nil {
			return reject(DiagNoReason)
		}
		aare.Diagnostic = DiagAuthenticationRequired
		aare.Mechanism = cfg.Mechanism
		aare.RespondingAuth = ss.stoc
		ss.authPending = true
	default:
		return reject(DiagMechanismNotRecognised)
	}
	ss.conf = ir.Conformance & cfg.Conformance
	ss.clientMax = int(ir.MaxReceivePDU)
	if ss.clientMax == 0 {
		ss.clientMax = 0xFFFF
	}
	if ir.DedicatedKey != nil && cfg.Ciphered {
		ss.ch.keys.Dedicated = ir.DedicatedKey
	}
	ss.mechanism = cfg.Mechanism
	ss.associated = true
	aare.UserInformation = ss.protectInitiate(&InitiateResponse{Version: 6, Conformance: ss.conf,
		MaxReceivePDU: cfg.MaxReceivePDU, VAAName: 0x0007})
	return aare
}

func (ss *session) readInitiate(ui []byte) (*InitiateRequest, *ConfirmedServiceError) {
	refuse := &ConfirmedServiceError{Service: 1, ErrorType: 6, Value: 0}
	if len(ui) == 0 {
		return nil, refuse
	}
	var a APDU
	var err error
	if ss.s.cfg.Ciphered {
		if ui[0] != TagGloInitiateRequest {
			return nil, &ConfirmedServiceError{Service: 1, ErrorType: 0, Value: 6}
		}
		a, err = ss.ch.open(ui)
		if err != nil {
			ss.s.logf("dlms server: %v", err)
			return nil, &ConfirmedServiceError{Service: 1, ErrorType: 0, Value: 6}
		}
	} else {
		a, err = Decode(ui)
		if err != nil {
			return nil, refuse
		}
	}
	ir, ok := a.(*InitiateRequest)
	if !ok {
		return nil, refuse
	}
	if ir.Version < 6 {
		return nil, &ConfirmedServiceError{Service: 1, ErrorType: 6, Value: 1}
	}
	if ir.MaxReceivePDU != 0 && ir.MaxReceivePDU < 12 {
		return nil, &ConfirmedServiceError{Service: 1, ErrorType: 6, Value: 3}
	}
	return ir, nil
}

// protectInitiate encodes the AARE user-information, ciphered in a
// ciphered association (glo-InitiateResponse 28, glo-ConfirmedServiceError 2E).
func (ss *session) protectInitiate(a APDU) []byte {
	plain, _ := Encode(a)
	if !ss.s.cfg.Ciphered {
		return plain
	}
	ic, err := ss.ch.nextIC()
	if err != nil {
		return plain
	}
	c, err := Protect(plain, ss.ch.sc, Keys{EK: ss.ch.keys.EK, AK: ss.ch.keys.AK}, ss.ch.ownTitle, ic, false)
	if err != nil {
		return plain
	}
	b, _ := Encode(c)
	return b
}

// replyToHLS checks f(StoC) from the client and answers f(CtoS)
// (PROTOCOLS.md §8.3, passes 3 and 4).
func (ss *session) replyToHLS(r *ActionRequestNormal) APDU {
	cfg := ss.s.cfg
	fail := &ActionResponseNormal{InvokeID: r.InvokeID, ActionOutcome: ActionOutcome{Result: ActionResult(ReadWriteDenied)}}
	f, err := parseOctetString(r.Parameters)
	if err != nil {
		return fail
	}
	var reply []byte
	switch ss.mechanism {
	case MechanismGMAC:
		if err := VerifyGMAC(cfg.Keys.EK, cfg.Keys.AK, ss.clientTitle, ss.stoc, f); err != nil {
			ss.s.logf("dlms server: HLS pass 3: %v", err)
			return fail
		}
		ic, err := ss.ch.nextIC()
		if err != nil {
			return fail
		}
		reply, err = GMAC(SCAuthentication|(ss.ch.sc&SCSuiteMask), cfg.Keys.EK, cfg.Keys.AK, cfg.SystemTitle, ic, ss.ctos)
		if err != nil {
			return fail
		}
	case MechanismECDSA:
		if err := VerifyECDSA(cfg.ClientKey, f, ss.clientTitle, cfg.SystemTitle, ss.stoc, ss.ctos); err != nil {
			ss.s.logf("dlms server: HLS pass 3: %v", err)
			return fail
		}
		reply, err = SignECDSA(cfg.SigningKey, cfg.Rand, cfg.SystemTitle, ss.clientTitle, ss.ctos, ss.stoc)
		if err != nil {
			return fail
		}
	default:
		return fail
	}
	ss.authPending = false
	return &ActionResponseNormal{InvokeID: r.InvokeID, ActionOutcome: ActionOutcome{Return: &GetResult{Data: octetString(reply)}}}
}
