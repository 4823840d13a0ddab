package gbcs

import "fmt"

// Payload is the decoded content of a GBCS message. Exactly one of DLMS,
// GBZ and ASN1 is set when decoding succeeds.
type Payload struct {
	Kind PayloadKind  `json:"kind"`
	DLMS *DLMSPayload `json:"dlms,omitempty"`
	GBZ  *GBZPayload  `json:"gbz,omitempty"`
	ASN1 *ASN1Payload `json:"asn1,omitempty"`
}

// ASN1Payload is a decoded ASN.1 DER payload: the GBCS structure it was
// recognised as and its typed value, or the generic DER tree when the
// message code has no typed decoder here.
type ASN1Payload struct {
	Structure string   `json:"structure"`
	Value     any      `json:"value,omitempty"`
	Tree      *DERNode `json:"tree,omitempty"`
}

// DecodePayload decodes m.Payload. The message code and CRA flag select
// the structure before the first-byte rule, as GBCS does for the ASN.1 use
// cases (DOMAIN.md §16.5).
func DecodePayload(m *Message) (*Payload, error) {
	b := m.Payload
	p := &Payload{Kind: KindOf(b)}
	if a, ok, err := decodeByCode(m); ok {
		if err != nil {
			return p, err
		}
		p.ASN1 = a
		return p, nil
	}
	var err error
	switch p.Kind {
	case PayloadDLMSAccessRequest, PayloadDLMSAccessResponse, PayloadDLMSDataNotification:
		p.DLMS, err = ParseDLMS(b)
	case PayloadGBZ:
		p.GBZ, err = ParseGBZ(b, m.CRA == CRAAlert)
	case PayloadASN1Sequence, PayloadASN1Integer, PayloadASN1OctetString, PayloadASN1Null:
		var n DERNode
		n, err = ParseDER(b)
		if err == nil {
			p.ASN1 = &ASN1Payload{Structure: "DER", Tree: &n}
		}
	default:
		err = decodeErr("payload", 0, fmt.Errorf("%w: first byte %#02x", ErrTag, firstByte(b)))
	}
	return p, err
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// decodeByCode handles the message codes whose payload is an ASN.1
// structure selected by code and CRA flag. ok is false when the code is
// not one of them.
func decodeByCode(m *Message) (a *ASN1Payload, ok bool, err error) {
	b := m.Payload
	cmd := m.CRA == CRACommand
	wrap := func(name string, v any, err error) (*ASN1Payload, bool, error) {
		if err != nil {
			return nil, true, err
		}
		return &ASN1Payload{Structure: name, Value: v}, true, nil
	}
	switch c := m.MessageCode(); {
	case c == CodeCS03A1 || c == CodeCS03A2 || c == CodeCS03B || c == CodeCS03C:
		if cmd {
			v, err := ParseJoinDeviceCommand(b)
			return wrap("JoinDeviceCommand", v, err)
		}
		v, err := ParseIntegerPayload(b)
		return wrap("JoinDeviceResponse", JoinResponseCode(int(v)), err)
	case c == CodeCS04AC || c == CodeCS04B:
		if cmd {
			v, err := ParseUnjoinCommand(b)
			return wrap("UnjoinDeviceCommand", v, err)
		}
		v, err := ParseIntegerPayload(b)
		return wrap("UnjoinDeviceResponse", UnjoinResponseCode(int(v)), err)
	case c == CodeCS06:
		if cmd {
			v, err := ParseActivateFirmwareCommand(b)
			return wrap("ActivateFirmwareCommand", v, err)
		}
		v, err := ParseActivateFirmwareResponse(b)
		return wrap("ActivateFirmwareResponse", v, err)
	case c == CodeCS07:
		if cmd {
			return wrap("ReadDeviceJoinDetailsCommand", nil, parseNullPayload(b))
		}
		v, err := ParseReadDeviceJoinDetails(b)
		return wrap("ReadDeviceJoinDetailsResponse", v, err)
	case c == CodeCS08:
		if cmd {
			return wrap("ReadFirmwareVersionCommand", nil, parseNullPayload(b))
		}
		v, err := ParseReadFirmwareVersion(b)
		return wrap("ReadFirmwareVersionResponse", v, err)
	case c == CodeGCS28:
		if cmd {
			v, err := ParseSetTimeCommand(b)
			return wrap("SetTimeCommand", v, err)
		}
		v, err := ParseSetTimeResponse(b)
		return wrap("SetTimeResponse", v, err)
	case c == CodeGCS59:
		if cmd {
			v, err := ParseGPFDeviceLogRestore(b)
			return wrap("GPFDeviceLogRestoreCommand", v, err)
		}
		v, err := ParseGPFDeviceLogRestoreResponse(b)
		return wrap("GPFDeviceLogRestoreResponse", v, err)
	case c == CodeGCS62:
		v, err := ParseGPFDeviceLogBackup(b)
		return wrap("GPFDeviceLogBackupAlert", v, err)
	case c == CodeFutureDatedFirmwareActivation:
		v, err := ParseFirmwareActivationAlert(b)
		return wrap("FirmwareActivationAlert", v, err)
	case c == CodeCCS08:
		v, err := ParseFirmwareTransferAlert(b)
		return wrap("FirmwareTransferAlert", v, err)
	case c == CodeCS02a || (c >= 0x0100 && c <= 0x0109) || c == 0x000A || c == 0x000B || c == 0x000C || c == CodeFutureDatedCredentials:
		n, err := ParseDER(b)
		if err != nil {
			return nil, true, err
		}
		name := "SecurityCredentials" + m.CRA.String()
		return &ASN1Payload{Structure: name, Tree: &n}, true, nil
	}
	return nil, false, nil
}

func parseNullPayload(b []byte) error {
	n, err := ParseDER(b)
	if err != nil {
		return err
	}
	if !n.is(DERNull, false) || len(n.Value) != 0 {
		return decodeErr("NULL payload", 0, fmt.Errorf("%w: want NULL", ErrTag))
	}
	return nil
}
