package dlms

import (
	"bytes"
	"fmt"
)

// ApplicationContext is the last arc of the DLMS application context name
// 2.16.756.5.8.1.x (IEC 62056-5-3 §7.3.7.1; PROTOCOLS.md §4.1).
type ApplicationContext uint8

// Application contexts.
const (
	ContextLN         ApplicationContext = 1
	ContextSN         ApplicationContext = 2
	ContextLNCiphered ApplicationContext = 3
	ContextSNCiphered ApplicationContext = 4
)

// Ciphered reports whether the context uses ciphered APDUs.
func (c ApplicationContext) Ciphered() bool { return c == ContextLNCiphered || c == ContextSNCiphered }

func (c ApplicationContext) String() string {
	switch c {
	case ContextLN:
		return "LN"
	case ContextSN:
		return "SN"
	case ContextLNCiphered:
		return "LN-ciphered"
	case ContextSNCiphered:
		return "SN-ciphered"
	}
	return fmt.Sprintf("context(%d)", uint8(c))
}

// Mechanism is the last arc of the authentication mechanism name
// 2.16.756.5.8.2.m (IEC 62056-5-3 §7.3.7.2).
type Mechanism uint8

// Authentication mechanisms.
const (
	MechanismNone   Mechanism = 0
	MechanismLLS    Mechanism = 1 // password
	MechanismHLS    Mechanism = 2 // manufacturer specific
	MechanismMD5    Mechanism = 3
	MechanismSHA1   Mechanism = 4
	MechanismGMAC   Mechanism = 5
	MechanismSHA256 Mechanism = 6
	MechanismECDSA  Mechanism = 7
)

func (m Mechanism) String() string {
	names := [...]string{"none", "LLS", "HLS", "HLS-MD5", "HLS-SHA1", "HLS-GMAC", "HLS-SHA256", "HLS-ECDSA"}
	if int(m) < len(names) {
		return names[m]
	}
	return fmt.Sprintf("mechanism(%d)", uint8(m))
}

// oidPrefix is 2.16.756.5.8 (DLMS UA) in BER.
var oidPrefix = []byte{0x60, 0x85, 0x74, 0x05, 0x08}

func appendOID(dst []byte, kind, last byte) []byte {
	dst = append(dst, oidPrefix...)
	return append(dst, kind, last)
}

func parseOID(b []byte, kind byte) (byte, error) {
	if len(b) != 7 || !bytes.Equal(b[:5], oidPrefix) || b[5] != kind {
		return 0, fmt.Errorf("%w: object identifier % X", ErrMalformed, b)
	}
	return b[6], nil
}

// acseRequirementsAuth is the sender/responder-acse-requirements bit string
// with the authentication functional unit (`07 80`).
var acseRequirementsAuth = []byte{0x07, 0x80}

// AARQ is the A-ASSOCIATE request (tag 60; IEC 62056-5-3 §7.3, PROTOCOLS.md §4.1).
//
//	60 L  [80 protocol-version] A1 context  [A6 calling-AP-title]
//	      [8A 02 07 80  8B mechanism  AC calling-authentication-value]  BE user-information
type AARQ struct {
	ProtocolVersion []byte             // raw bit string of field 80, nil when absent
	Context         ApplicationContext // A1
	CallingAPTitle  []byte             // A6: client system title
	Mechanism       Mechanism          // 8B, sent with 8A when not MechanismNone
	CallingAuth     []byte             // AC: password (LLS) or CtoS challenge (HLS)
	UserInformation []byte             // BE: InitiateRequest or glo-/ded-InitiateRequest
}

func (*AARQ) apduName() string { return "AARQ" }

// AppendAPDU appends the BER encoding of the AARQ.
func (a *AARQ) AppendAPDU(dst []byte) ([]byte, error) {
	var b []byte
	if a.ProtocolVersion != nil {
		b = appendBER(b, 0x80, a.ProtocolVersion)
	}
	b = appendBERWrapped(b, 0xA1, 0x06, appendOID(nil, 1, byte(a.Context)))
	if a.CallingAPTitle != nil {
		b = appendBERWrapped(b, 0xA6, 0x04, a.CallingAPTitle)
	}
	if a.Mechanism != MechanismNone {
		b = appendBER(b, 0x8A, acseRequirementsAuth)
		b = appendBER(b, 0x8B, appendOID(nil, 2, byte(a.Mechanism)))
	}
	if a.CallingAuth != nil {
		b = appendBERWrapped(b, 0xAC, 0x80, a.CallingAuth)
	}
	if a.UserInformation != nil {
		b = appendBERWrapped(b, 0xBE, 0x04, a.UserInformation)
	}
	return appendBER(dst, 0x60, b), nil
}

func decodeAARQ(body []byte) (*AARQ, error) {
	els, err := berElements(body)
	if err != nil {
		return nil, err
	}
	a := &AARQ{}
	seenContext := false
	for _, e := range els {
		var err error
		switch e.tag {
		case 0x80:
			a.ProtocolVersion = e.val
		case 0xA1:
			var v []byte
			if v, err = berInner(e.val, 0x06); err == nil {
				var c byte
				c, err = parseOID(v, 1)
				a.Context, seenContext = ApplicationContext(c), true
			}
		case 0xA6:
			a.CallingAPTitle, err = berInner(e.val, 0x04)
		case 0x8B:
			var m byte
			m, err = parseOID(e.val, 2)
			a.Mechanism = Mechanism(m)
		case 0xAC:
			a.CallingAuth, err = berInner(e.val, 0x80)
		case 0xBE:
			a.UserInformation, err = berInner(e.val, 0x04)
		}
		if err != nil {
			return nil, &DecodeError{Offset: 2 + e.off, Err: err}
		}
	}
	if !seenContext {
		return nil, &DecodeError{Err: fmt.Errorf("%w: no application context name", ErrMalformed)}
	}
	return a, nil
}

// AssociationResult is the AARE result field (A2).
type AssociationResult uint8

// Association results.
const (
	Accepted          AssociationResult = 0
	RejectedPermanent AssociationResult = 1
	RejectedTransient AssociationResult = 2
)

func (r AssociationResult) String() string {
	switch r {
	case Accepted:
		return "accepted"
	case RejectedPermanent:
		return "rejected-permanent"
	case RejectedTransient:
		return "rejected-transient"
	}
	return fmt.Sprintf("result(%d)", uint8(r))
}

// DiagnosticSource says who gave the AARE diagnostic (A3 choice).
type DiagnosticSource uint8

// Diagnostic sources.
const (
	ServiceUser     DiagnosticSource = 1 // acse-service-user (A1)
	ServiceProvider DiagnosticSource = 2 // acse-service-provider (A2)
)

// acse-service-user diagnostics (PROTOCOLS.md §4.1).
const (
	DiagNull                   = 0
	DiagNoReason               = 1
	DiagContextNotSupported    = 2
	DiagMechanismNotRecognised = 11
	DiagMechanismRequired      = 12
	DiagAuthenticationFailure  = 13
	DiagAuthenticationRequired = 14
)

var userDiagNames = map[uint8]string{
	0: "null", 1: "no-reason-given", 2: "application-context-name-not-supported",
	3: "calling-AP-title-not-recognized", 4: "calling-AP-invocation-identifier-not-recognized",
	5: "calling-AE-qualifier-not-recognized", 6: "calling-AE-invocation-identifier-not-recognized",
	7: "called-AP-title-not-recognized", 8: "called-AP-invocation-identifier-not-recognized",
	9: "called-AE-qualifier-not-recognized", 10: "called-AE-invocation-identifier-not-recognized",
	11: "authentication-mechanism-name-not-recognised", 12: "authentication-mechanism-name-required",
	13: "authentication-failure", 14: "authentication-required",
}

// AARE is the A-ASSOCIATE response (tag 61; IEC 62056-5-3 §7.3).
//
//	61 L  A1 context  A2 result  A3 diagnostic  [A4 responding-AP-title]
//	      [88 02 07 80  89 mechanism  AA responding-authentication-value]  [BE user-information]
//
// User-information is optional: Landis+Gyr meters reject without it
// (PROTOCOLS.md §11.6).
type AARE struct {
	Context           ApplicationContext
	Result            AssociationResult
	Source            DiagnosticSource
	Diagnostic        uint8
	RespondingAPTitle []byte    // A4: server system title
	Mechanism         Mechanism // 89, sent with 88 when not MechanismNone
	RespondingAuth    []byte    // AA: StoC challenge
	UserInformation   []byte    // BE: InitiateResponse, ConfirmedServiceError or ciphered forms
}

func (*AARE) apduName() string { return "AARE" }

// AppendAPDU appends the BER encoding of the AARE.
func (a *AARE) AppendAPDU(dst []byte) ([]byte, error) {
	var b []byte
	b = appendBERWrapped(b, 0xA1, 0x06, appendOID(nil, 1, byte(a.Context)))
	b = appendBERWrapped(b, 0xA2, 0x02, []byte{byte(a.Result)})
	src := a.Source
	if src == 0 {
		src = ServiceUser
	}
	b = appendBER(b, 0xA3, appendBERWrapped(nil, 0xA0|byte(src), 0x02, []byte{a.Diagnostic}))
	if a.RespondingAPTitle != nil {
		b = appendBERWrapped(b, 0xA4, 0x04, a.RespondingAPTitle)
	}
	if a.Mechanism != MechanismNone {
		b = appendBER(b, 0x88, acseRequirementsAuth)
		b = appendBER(b, 0x89, appendOID(nil, 2, byte(a.Mechanism)))
	}
	if a.RespondingAuth != nil {
		b = appendBERWrapped(b, 0xAA, 0x80, a.RespondingAuth)
	}
	if a.UserInformation != nil {
		b = appendBERWrapped(b, 0xBE, 0x04, a.UserInformation)
	}
	return appendBER(dst, 0x61, b), nil
}

func decodeAARE(body []byte) (*AARE, error) {
	els, err := berElements(body)
	if err != nil {
		return nil, err
	}
	a := &AARE{}
	var seen byte
	for _, e := range els {
		var err error
		switch e.tag {
		case 0xA1:
			var v []byte
			if v, err = berInner(e.val, 0x06); err == nil {
				var c byte
				c, err = parseOID(v, 1)
				a.Context = ApplicationContext(c)
				seen |= 1
			}
		case 0xA2:
			var r int
			r, err = berInt(e.val)
			a.Result = AssociationResult(r)
			seen |= 2
		case 0xA3:
			if len(e.val) < 1 || (e.val[0] != 0xA1 && e.val[0] != 0xA2) {
				err = fmt.Errorf("%w: result-source-diagnostic", ErrMalformed)
				break
			}
			a.Source = DiagnosticSource(e.val[0] & 0x0F)
			var inner []byte
			if inner, err = berInner(e.val, e.val[0]); err == nil {
				var d int
				d, err = berInt(inner)
				a.Diagnostic = uint8(d)
			}
		case 0xA4:
			a.RespondingAPTitle, err = berInner(e.val, 0x04)
		case 0x89:
			var m byte
			m, err = parseOID(e.val, 2)
			a.Mechanism = Mechanism(m)
		case 0xAA:
			a.RespondingAuth, err = berInner(e.val, 0x80)
		case 0xBE:
			a.UserInformation, err = berInner(e.val, 0x04)
		}
		if err != nil {
			return nil, &DecodeError{Offset: 2 + e.off, Err: err}
		}
	}
	if seen != 3 {
		return nil, &DecodeError{Err: fmt.Errorf("%w: AARE without context or result", ErrMalformed)}
	}
	return a, nil
}

// DiagnosticString names the diagnostic in the words of the standard.
func (a *AARE) DiagnosticString() string {
	if a.Source == ServiceProvider {
		switch a.Diagnostic {
		case 0:
			return "provider: null"
		case 1:
			return "provider: no-reason-given"
		case 2:
			return "provider: no-common-acse-version"
		}
		return fmt.Sprintf("provider: diagnostic(%d)", a.Diagnostic)
	}
	if s, ok := userDiagNames[a.Diagnostic]; ok {
		return s
	}
	return fmt.Sprintf("diagnostic(%d)", a.Diagnostic)
}

// AssociationError explains a rejected association. It unwraps to
// ErrRejected and, where the diagnostic says so, to ErrAuthentication,
// ErrContextUnsupported or ErrMechanism; ServiceErr holds the xDLMS
// ConfirmedServiceError carried in user-information, if any.
type AssociationError struct {
	Result     AssociationResult
	Source     DiagnosticSource
	Diagnostic uint8
	ServiceErr *ConfirmedServiceError
	diag       string
}

func (e *AssociationError) Error() string {
	s := fmt.Sprintf("dlms: association %s: %s", e.Result, e.diag)
	if e.ServiceErr != nil {
		s += " (" + e.ServiceErr.String() + ")"
	}
	return s
}

func (e *AssociationError) Unwrap() []error {
	errs := []error{ErrRejected}
	if e.Source != ServiceProvider {
		switch e.Diagnostic {
		case DiagAuthenticationFailure, DiagAuthenticationRequired:
			errs = append(errs, ErrAuthentication)
		case DiagContextNotSupported:
			errs = append(errs, ErrContextUnsupported)
		case DiagMechanismNotRecognised, DiagMechanismRequired:
			errs = append(errs, ErrMechanism)
		}
	}
	if e.ServiceErr != nil && e.ServiceErr.ErrorType == 0 && e.ServiceErr.Value == 6 {
		errs = append(errs, ErrDecipher)
	}
	return errs
}

// Err returns nil when the AARE accepts the association, or an
// *AssociationError. Accepted with authentication-required (14) is the HLS
// pass 2 and is not an error.
func (a *AARE) Err() error {
	if a.Result == Accepted {
		return nil
	}
	e := &AssociationError{Result: a.Result, Source: a.Source, Diagnostic: a.Diagnostic, diag: a.DiagnosticString()}
	if len(a.UserInformation) > 0 && a.UserInformation[0] == TagConfirmedServiceError {
		if cse, err := decodeConfirmedServiceError(a.UserInformation); err == nil {
			e.ServiceErr = cse
		}
	}
	return e
}

// ReleaseRequest is RLRQ (tag 62) and ReleaseResponse is RLRE (tag 63)
// (IEC 62056-5-3 §7.3; PROTOCOLS.md §4.1): `80 01 reason` and an optional
// user-information that may hold a (ciphered) Initiate APDU.
type ReleaseRequest struct {
	HasReason       bool
	Reason          uint8 // 0 normal, 1 urgent, 30 user-defined
	UserInformation []byte
}

// ReleaseResponse is RLRE: reason 0 normal, 1 not-finished, 30 user-defined.
type ReleaseResponse struct {
	HasReason       bool
	Reason          uint8
	UserInformation []byte
}

func (*ReleaseRequest) apduName() string  { return "RLRQ" }
func (*ReleaseResponse) apduName() string { return "RLRE" }

// AppendAPDU appends the BER encoding of the RLRQ.
func (a *ReleaseRequest) AppendAPDU(dst []byte) ([]byte, error) {
	return appendRelease(dst, 0x62, a.HasReason, a.Reason, a.UserInformation), nil
}

// AppendAPDU appends the BER encoding of the RLRE.
func (a *ReleaseResponse) AppendAPDU(dst []byte) ([]byte, error) {
	return appendRelease(dst, 0x63, a.HasReason, a.Reason, a.UserInformation), nil
}

func appendRelease(dst []byte, tag byte, has bool, reason uint8, ui []byte) []byte {
	var b []byte
	if has {
		b = appendBER(b, 0x80, []byte{reason})
	}
	if ui != nil {
		b = appendBERWrapped(b, 0xBE, 0x04, ui)
	}
	return appendBER(dst, tag, b)
}

func decodeRelease(body []byte) (has bool, reason uint8, ui []byte, err error) {
	els, err := berElements(body)
	if err != nil {
		return false, 0, nil, err
	}
	for _, e := range els {
		switch e.tag {
		case 0x80:
			if len(e.val) != 1 {
				return false, 0, nil, &DecodeError{Offset: 2 + e.off, Err: fmt.Errorf("%w: release reason", ErrMalformed)}
			}
			has, reason = true, e.val[0]
		case 0xBE:
			if ui, err = berInner(e.val, 0x04); err != nil {
				return false, 0, nil, &DecodeError{Offset: 2 + e.off, Err: err}
			}
		}
	}
	return has, reason, ui, nil
}
