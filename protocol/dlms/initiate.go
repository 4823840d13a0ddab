package dlms

import (
	"fmt"
	"strings"
)

// Conformance is the 24-bit xDLMS conformance block (IEC 62056-5-3 §7.3.1;
// PROTOCOLS.md §4.3). Bit 0 is the most significant, so each constant is
// 1 << (23 - bit).
type Conformance uint32

// Conformance bits.
const (
	ConfGeneralProtection       Conformance = 0x400000
	ConfGeneralBlockTransfer    Conformance = 0x200000
	ConfRead                    Conformance = 0x100000
	ConfWrite                   Conformance = 0x080000
	ConfUnconfirmedWrite        Conformance = 0x040000
	ConfDeltaValueEncoding      Conformance = 0x020000
	ConfAttribute0WithSet       Conformance = 0x008000
	ConfPriorityMgmt            Conformance = 0x004000
	ConfAttribute0WithGet       Conformance = 0x002000
	ConfBlockTransferWithGet    Conformance = 0x001000
	ConfBlockTransferWithSet    Conformance = 0x000800
	ConfBlockTransferWithAction Conformance = 0x000400
	ConfMultipleReferences      Conformance = 0x000200
	ConfInformationReport       Conformance = 0x000100
	ConfDataNotification        Conformance = 0x000080
	ConfAccess                  Conformance = 0x000040
	ConfParameterizedAccess     Conformance = 0x000020
	ConfGet                     Conformance = 0x000010
	ConfSet                     Conformance = 0x000008
	ConfSelectiveAccess         Conformance = 0x000004
	ConfEventNotification       Conformance = 0x000002
	ConfAction                  Conformance = 0x000001
)

// DefaultConformance is what the Client proposes for an LN association:
// GET/SET/ACTION with block transfer, selective access, multiple references,
// event and data notification and general block transfer.
const DefaultConformance = ConfGeneralBlockTransfer | ConfBlockTransferWithGet | ConfBlockTransferWithSet |
	ConfBlockTransferWithAction | ConfMultipleReferences | ConfGet | ConfSet | ConfSelectiveAccess |
	ConfAction | ConfEventNotification | ConfDataNotification | ConfAccess

var confNames = [24]string{
	"reserved-zero", "general-protection", "general-block-transfer", "read", "write", "unconfirmed-write",
	"delta-value-encoding", "reserved-seven", "attribute0-supported-with-set", "priority-mgmt-supported",
	"attribute0-supported-with-get", "block-transfer-with-get-or-read", "block-transfer-with-set-or-write",
	"block-transfer-with-action", "multiple-references", "information-report", "data-notification", "access",
	"parameterized-access", "get", "set", "selective-access", "event-notification", "action",
}

// Has reports whether all bits of f are set.
func (c Conformance) Has(f Conformance) bool { return c&f == f }

func (c Conformance) String() string {
	var names []string
	for bit := 0; bit < 24; bit++ {
		if c&(1<<(23-bit)) != 0 {
			names = append(names, confNames[bit])
		}
	}
	return fmt.Sprintf("%06X(%s)", uint32(c), strings.Join(names, ","))
}

// conformance is encoded `5F 1F 04 00 <3 bytes>`: [APPLICATION 31], length 4,
// zero unused bits.
func appendConformance(dst []byte, c Conformance) []byte {
	return append(dst, 0x5F, 0x1F, 0x04, 0x00, byte(c>>16), byte(c>>8), byte(c))
}

func (r *reader) conformance() Conformance {
	h := r.bytes(4)
	if h == nil {
		return 0
	}
	if h[0] != 0x5F || h[1] != 0x1F || h[2] != 0x04 {
		r.fail(fmt.Errorf("%w: conformance block header % X", ErrMalformed, h))
		return 0
	}
	v := r.bytes(3)
	if v == nil {
		return 0
	}
	return Conformance(v[0])<<16 | Conformance(v[1])<<8 | Conformance(v[2])
}

// InitiateRequest is the xDLMS InitiateRequest (tag 01) carried in the AARQ
// user-information (IEC 62056-5-3 §9.5; PROTOCOLS.md §4.2).
//
//	01 | 00 or 01 10 <dedicated key> | 00 or 01 <response-allowed> |
//	     00 or 01 <proposed QoS> | 06 | 5F 1F 04 00 <conformance> | <max receive PDU u16>
type InitiateRequest struct {
	DedicatedKey    []byte // nil when absent
	ResponseAllowed *bool  // nil: default (true)
	QoS             *int8
	Version         uint8 // 6
	Conformance     Conformance
	MaxReceivePDU   uint16
}

func (*InitiateRequest) apduName() string { return "InitiateRequest" }

// String describes the request without the dedicated key, which must not be logged.
func (a *InitiateRequest) String() string {
	return fmt.Sprintf("InitiateRequest{dlms %d, conformance %v, max pdu %d, dedicated key %t}",
		a.Version, a.Conformance, a.MaxReceivePDU, a.DedicatedKey != nil)
}

// AppendAPDU appends the A-XDR encoding.
func (a *InitiateRequest) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagInitiateRequest)
	if a.DedicatedKey != nil {
		dst = append(dst, 1)
		dst = appendOctets(dst, a.DedicatedKey)
	} else {
		dst = append(dst, 0)
	}
	if a.ResponseAllowed != nil {
		dst = append(dst, 1)
		dst = appendBool(dst, *a.ResponseAllowed)
	} else {
		dst = append(dst, 0)
	}
	if a.QoS != nil {
		dst = append(dst, 1, byte(*a.QoS))
	} else {
		dst = append(dst, 0)
	}
	v := a.Version
	if v == 0 {
		v = 6
	}
	dst = append(dst, v)
	dst = appendConformance(dst, a.Conformance)
	return appendU16(dst, a.MaxReceivePDU), nil
}

func decodeInitiateRequest(r *reader) *InitiateRequest {
	a := &InitiateRequest{}
	if r.flag() {
		a.DedicatedKey = r.octets()
	}
	if r.flag() {
		v := r.bool()
		a.ResponseAllowed = &v
	}
	if r.flag() {
		v := int8(r.u8())
		a.QoS = &v
	}
	a.Version = r.u8()
	a.Conformance = r.conformance()
	a.MaxReceivePDU = r.u16()
	return a
}

// InitiateResponse is the xDLMS InitiateResponse (tag 08) carried in the
// AARE user-information (IEC 62056-5-3 §9.5; PROTOCOLS.md §4.2).
//
//	08 | 00 or 01 <negotiated QoS> | 06 | 5F 1F 04 00 <conformance> |
//	     <max receive PDU u16> | <VAA name u16: 0007 LN, FA00 SN>
type InitiateResponse struct {
	QoS           *int8
	Version       uint8
	Conformance   Conformance
	MaxReceivePDU uint16
	VAAName       uint16
}

func (*InitiateResponse) apduName() string { return "InitiateResponse" }

// AppendAPDU appends the A-XDR encoding.
func (a *InitiateResponse) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagInitiateResponse)
	if a.QoS != nil {
		dst = append(dst, 1, byte(*a.QoS))
	} else {
		dst = append(dst, 0)
	}
	v := a.Version
	if v == 0 {
		v = 6
	}
	dst = append(dst, v)
	dst = appendConformance(dst, a.Conformance)
	dst = appendU16(dst, a.MaxReceivePDU)
	return appendU16(dst, a.VAAName), nil
}

func decodeInitiateResponse(r *reader) *InitiateResponse {
	a := &InitiateResponse{}
	if r.flag() {
		v := int8(r.u8())
		a.QoS = &v
	}
	a.Version = r.u8()
	a.Conformance = r.conformance()
	a.MaxReceivePDU = r.u16()
	a.VAAName = r.u16()
	return a
}

// ConfirmedServiceError (tag 0E) reports that a confirmed service, in
// particular the Initiate, could not be performed (IEC 62056-5-3 §9.5;
// PROTOCOLS.md §5.6): `0E service error-type value`.
type ConfirmedServiceError struct {
	Service   uint8 // 1 initiateError, 5 read, 6 write
	ErrorType uint8 // 0 application-reference ... 6 initiate ... 10 other
	Value     uint8
}

func (*ConfirmedServiceError) apduName() string { return "ConfirmedServiceError" }

var cseTypes = [...]string{"application-reference", "hardware-resource", "vde-state-error", "service",
	"definition", "access", "initiate", "load-data-set", "change-scope", "task", "other"}

func (a *ConfirmedServiceError) String() string {
	svc := fmt.Sprintf("service(%d)", a.Service)
	switch a.Service {
	case 1:
		svc = "initiateError"
	case 5:
		svc = "read"
	case 6:
		svc = "write"
	}
	typ := fmt.Sprintf("error-type(%d)", a.ErrorType)
	if int(a.ErrorType) < len(cseTypes) {
		typ = cseTypes[a.ErrorType]
	}
	val := fmt.Sprint(a.Value)
	switch {
	case a.ErrorType == 6:
		if n := [...]string{"other", "dlms-version-too-low", "incompatible-conformance", "pdu-size-too-short",
			"refused-by-the-VDE-Handler"}; int(a.Value) < len(n) {
			val = n[a.Value]
		}
	case a.ErrorType == 0 && a.Value == 6:
		val = "deciphering-error"
	}
	return svc + "/" + typ + "/" + val
}

// AppendAPDU appends `0E service error-type value`.
func (a *ConfirmedServiceError) AppendAPDU(dst []byte) ([]byte, error) {
	return append(dst, TagConfirmedServiceError, a.Service, a.ErrorType, a.Value), nil
}

func decodeConfirmedServiceError(b []byte) (*ConfirmedServiceError, error) {
	if len(b) < 4 || b[0] != TagConfirmedServiceError {
		return nil, ErrTruncated
	}
	return &ConfirmedServiceError{Service: b[1], ErrorType: b[2], Value: b[3]}, nil
}
