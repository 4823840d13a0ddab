package dlms

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// Associate opens an association: AARQ, AARE and, for HLS mechanisms 5 and
// 7, the 4-pass authentication (IEC 62056-5-3 §7.2, §9.2.3; PROTOCOLS.md
// §8.3). A rejection is an *AssociationError (errors.Is ErrRejected,
// ErrAuthentication, ErrContextUnsupported, ...).
func Associate(ctx context.Context, t Transport, cfg ClientConfig) (*Client, error) {
	if cfg.Conformance == 0 {
		cfg.Conformance = DefaultConformance
	}
	if cfg.MaxReceivePDU == 0 {
		cfg.MaxReceivePDU = 0xFFFF
	}
	if cfg.SecurityControl == 0 {
		cfg.SecurityControl = SCAuthentication | SCEncryption
	}
	if cfg.MaxResponseSize == 0 {
		cfg.MaxResponseSize = maxAssembled
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	c := &Client{cfg: cfg, ch: &channel{t: t, ciphered: cfg.Ciphered, keys: cfg.Keys, ownTitle: cfg.SystemTitle,
		sc: cfg.SecurityControl, sendIC: cfg.InvocationCounter, maxBuild: cfg.MaxResponseSize, logf: cfg.Logf}}
	if err := c.associate(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) associate(ctx context.Context) error {
	cfg := c.cfg
	ir := &InitiateRequest{Version: 6, Conformance: cfg.Conformance, MaxReceivePDU: cfg.MaxReceivePDU}
	aarq := &AARQ{Context: ContextLN, Mechanism: cfg.Mechanism}
	if cfg.Ciphered || cfg.Mechanism == MechanismGMAC || cfg.Mechanism == MechanismECDSA {
		if len(cfg.SystemTitle) != 8 {
			return fmt.Errorf("associate: client system title of %d bytes, want 8", len(cfg.SystemTitle))
		}
		aarq.CallingAPTitle = cfg.SystemTitle
	}
	ui, err := Encode(ir)
	if err != nil {
		return err
	}
	if cfg.Ciphered {
		aarq.Context = ContextLNCiphered
		ir.DedicatedKey = cfg.Keys.Dedicated
		plain, _ := Encode(ir)
		ic, err := c.ch.nextIC()
		if err != nil {
			return err
		}
		g, err := Protect(plain, cfg.SecurityControl, cfg.Keys, cfg.SystemTitle, ic, false)
		if err != nil {
			return fmt.Errorf("associate: protect InitiateRequest: %w", err)
		}
		ui, _ = Encode(g)
	}
	aarq.UserInformation = ui
	var ctos []byte
	switch cfg.Mechanism {
	case MechanismNone:
	case MechanismLLS:
		aarq.CallingAuth = cfg.Password
	case MechanismGMAC, MechanismECDSA:
		ctos = cfg.Challenge
		if ctos == nil {
			ctos = make([]byte, 16)
			if cfg.Mechanism == MechanismECDSA {
				ctos = make([]byte, 32)
			}
			if _, err := io.ReadFull(cfg.Rand, ctos); err != nil {
				return fmt.Errorf("associate: make challenge: %w", err)
			}
		}
		aarq.CallingAuth = ctos
	default:
		return fmt.Errorf("associate: %w: %s", ErrMechanism, cfg.Mechanism)
	}
	if err := c.ch.send(ctx, aarq); err != nil {
		return fmt.Errorf("associate: %w", err)
	}
	a, err := c.ch.receive(ctx)
	if err != nil {
		return fmt.Errorf("associate: %w", err)
	}
	aare, ok := a.(*AARE)
	if !ok {
		return fmt.Errorf("associate: %w: %s instead of AARE", ErrUnexpectedAPDU, Name(a))
	}
	c.serverTitle = aare.RespondingAPTitle
	c.ch.peerTitle = aare.RespondingAPTitle
	if err := aare.Err(); err != nil {
		return err
	}
	if err := c.readInitiateResponse(aare.UserInformation); err != nil {
		return fmt.Errorf("associate: %w", err)
	}
	if cfg.Ciphered && cfg.Keys.Dedicated != nil {
		c.ch.dedicated = true
	}
	if aare.Diagnostic != DiagAuthenticationRequired {
		if cfg.Mechanism == MechanismGMAC || cfg.Mechanism == MechanismECDSA {
			return fmt.Errorf("associate: %w: server skipped HLS pass 2", ErrAuthentication)
		}
		return nil
	}
	return c.hls(ctx, ctos, aare.RespondingAuth)
}

func (c *Client) readInitiateResponse(ui []byte) error {
	if len(ui) == 0 {
		return fmt.Errorf("%w: AARE without InitiateResponse", ErrMalformed)
	}
	var a APDU
	var err error
	if c.cfg.Ciphered {
		if ui[0] != TagGloInitiateResponse && ui[0] != TagGloConfirmedServiceError {
			return fmt.Errorf("%w: unprotected user-information in a ciphered AARE", ErrDecipher)
		}
		a, err = c.ch.open(ui)
	} else {
		a, err = Decode(ui)
	}
	if err != nil {
		return err
	}
	switch r := a.(type) {
	case *InitiateResponse:
		c.negotiated = *r
		c.ch.maxSend = int(r.MaxReceivePDU)
		return nil
	case *ConfirmedServiceError:
		return &AssociationError{Result: RejectedPermanent, ServiceErr: r, diag: "initiate refused"}
	}
	return fmt.Errorf("%w: %s in AARE user-information", ErrUnexpectedAPDU, Name(a))
}

// hls runs passes 3 and 4: reply_to_HLS_authentication with f(StoC), then
// check f(CtoS) from the server.
func (c *Client) hls(ctx context.Context, ctos, stoc []byte) error {
	cfg := c.cfg
	if len(stoc) == 0 {
		return fmt.Errorf("associate: %w: no StoC challenge", ErrAuthentication)
	}
	var f []byte
	var err error
	switch cfg.Mechanism {
	case MechanismGMAC:
		ic, e := c.ch.nextIC()
		if e != nil {
			return e
		}
		f, err = GMAC(SCAuthentication|(cfg.SecurityControl&SCSuiteMask), cfg.Keys.EK, cfg.Keys.AK, cfg.SystemTitle, ic, stoc)
	case MechanismECDSA:
		f, err = SignECDSA(cfg.SigningKey, cfg.Rand, cfg.SystemTitle, c.serverTitle, stoc, ctos)
	default:
		return fmt.Errorf("associate: %w: %s", ErrMechanism, cfg.Mechanism)
	}
	if err != nil {
		return fmt.Errorf("associate: HLS pass 3: %w", err)
	}
	resp, err := c.action(ctx, ReplyToHLSAuth, octetString(f))
	if err != nil {
		if errors.Is(err, ErrPeerRestarted) {
			return err
		}
		return fmt.Errorf("associate: HLS pass 3: %w: %w", ErrAuthentication, err)
	}
	fc, err := parseOctetString(resp)
	if err != nil {
		return fmt.Errorf("associate: HLS pass 4: %w: %w", ErrAuthentication, err)
	}
	switch cfg.Mechanism {
	case MechanismGMAC:
		err = VerifyGMAC(cfg.Keys.EK, cfg.Keys.AK, c.serverTitle, ctos, fc)
	case MechanismECDSA:
		err = VerifyECDSA(cfg.ServerKey, fc, c.serverTitle, cfg.SystemTitle, ctos, stoc)
	}
	if err != nil {
		return fmt.Errorf("associate: HLS pass 4: %w", err)
	}
	return nil
}

// octetString returns the Data encoding of an octet-string.
func octetString(b []byte) Data {
	return appendOctets(Data{0x09}, b)
}

func parseOctetString(d Data) ([]byte, error) {
	r := &reader{b: d}
	if r.u8() != 0x09 {
		return nil, fmt.Errorf("%w: want octet-string", ErrMalformed)
	}
	v := r.octets()
	return v, r.err
}
