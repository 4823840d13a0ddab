package gbcs

import (
	"fmt"
	"time"
)

// ActivateFirmwareCommand is the CS06 command payload: SEQUENCE {
// manufacturerImageHash OCTET STRING, originatorCounter INTEGER,
// executionDateTime GeneralizedTime OPTIONAL }.
type ActivateFirmwareCommand struct {
	ManufacturerImageHash Hex        `json:"manufacturerImageHash"`
	OriginatorCounter     int64      `json:"originatorCounter"`
	ExecutionDateTime     *time.Time `json:"executionDateTime,omitempty"`
}

// ParseActivateFirmwareCommand decodes a CS06 command payload.
func ParseActivateFirmwareCommand(b []byte) (*ActivateFirmwareCommand, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "CS06 command"
	if !n.is(DERSequence, true) || len(n.Children) < 2 || len(n.Children) > 3 {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE of 2 or 3", ErrTag))
	}
	if !n.Children[0].is(DEROctetString, false) {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: image hash not an OCTET STRING", ErrTag))
	}
	c := &ActivateFirmwareCommand{ManufacturerImageHash: n.Children[0].Value}
	if c.OriginatorCounter, err = n.Children[1].Int(); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	if len(n.Children) == 3 {
		t, err := parseGeneralizedTime(n.Children[2])
		if err != nil {
			return nil, decodeErr(op, 0, err)
		}
		c.ExecutionDateTime = &t
	}
	return c, nil
}

// AppendBinary appends the DER encoding of c.
func (c *ActivateFirmwareCommand) AppendBinary(b []byte) ([]byte, error) {
	s := derSeq(derOctets(c.ManufacturerImageHash), derInt(c.OriginatorCounter))
	if c.ExecutionDateTime != nil {
		s.Children = append(s.Children, derTime(*c.ExecutionDateTime))
	}
	return s.AppendDER(b), nil
}

// FirmwareOutcome is the result of a firmware activation or transfer: a
// response code and, where reported, the firmware version now running.
type FirmwareOutcome struct {
	Response        ResponseCode `json:"response"`
	FirmwareVersion Hex          `json:"firmwareVersion,omitempty"`
}

// ActivateFirmwareResponse is the CS06 response payload: NULL when the
// command was accepted for future-dated execution, otherwise SEQUENCE {
// responseCode INTEGER, firmwareVersion OCTET STRING }.
type ActivateFirmwareResponse struct {
	Accepted bool             `json:"accepted,omitempty"`
	Outcome  *FirmwareOutcome `json:"outcome,omitempty"`
}

// ParseActivateFirmwareResponse decodes a CS06 response payload.
func ParseActivateFirmwareResponse(b []byte) (*ActivateFirmwareResponse, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	if n.is(DERNull, false) {
		return &ActivateFirmwareResponse{Accepted: true}, nil
	}
	o, err := parseFirmwareOutcome(n, activateFirmwareNames)
	if err != nil {
		return nil, decodeErr("CS06 response", 0, err)
	}
	return &ActivateFirmwareResponse{Outcome: o}, nil
}

func parseFirmwareOutcome(n DERNode, names []string) (*FirmwareOutcome, error) {
	if !n.is(DERSequence, true) || len(n.Children) != 2 || !n.Children[1].is(DEROctetString, false) {
		return nil, fmt.Errorf("%w: want SEQUENCE { INTEGER, OCTET STRING }", ErrTag)
	}
	v, err := n.Children[0].Int()
	if err != nil {
		return nil, err
	}
	return &FirmwareOutcome{Response: responseCode(v, names), FirmwareVersion: n.Children[1].Value}, nil
}

// FirmwareTransferAlert is the CCS08 alert payload: SEQUENCE { alertCode
// INTEGER, executionDateTime GeneralizedTime, entityId OCTET STRING (8),
// firmwareVersion OCTET STRING, responseCode INTEGER }.
type FirmwareTransferAlert struct {
	AlertCode         AlertCode    `json:"alertCode"`
	ExecutionDateTime time.Time    `json:"executionDateTime"`
	EntityID          SystemTitle  `json:"entityId"`
	FirmwareVersion   Hex          `json:"firmwareVersion"`
	Response          ResponseCode `json:"response"`
}

// ParseFirmwareTransferAlert decodes a CCS08 alert payload.
func ParseFirmwareTransferAlert(b []byte) (*FirmwareTransferAlert, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "CCS08 alert"
	if !n.is(DERSequence, true) || len(n.Children) != 5 || !n.Children[3].is(DEROctetString, false) {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE of 5", ErrTag))
	}
	var a FirmwareTransferAlert
	code, err := n.Children[0].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	a.AlertCode = AlertCode(code)
	if a.ExecutionDateTime, err = parseGeneralizedTime(n.Children[1]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	if a.EntityID, err = entityID(n.Children[2]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	a.FirmwareVersion = n.Children[3].Value
	v, err := n.Children[4].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	a.Response = responseCode(v, fwTransferNames)
	return &a, nil
}

// AppendBinary appends the DER encoding of a.
func (a *FirmwareTransferAlert) AppendBinary(b []byte) ([]byte, error) {
	return derSeq(derInt(int64(a.AlertCode)), derTime(a.ExecutionDateTime), derOctets(a.EntityID[:]),
		derOctets(a.FirmwareVersion), derInt(int64(a.Response.Code))).AppendDER(b), nil
}

// ReadFirmwareVersion is the CS08 (Read PPMID/HCALCS Firmware Version)
// response payload: SEQUENCE { firmwareVersion OCTET STRING, responseCode
// INTEGER }.
type ReadFirmwareVersion struct {
	FirmwareVersion Hex          `json:"firmwareVersion"`
	Response        ResponseCode `json:"response"`
}

// ParseReadFirmwareVersion decodes a CS08 response payload.
func ParseReadFirmwareVersion(b []byte) (*ReadFirmwareVersion, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "CS08 response"
	if !n.is(DERSequence, true) || len(n.Children) != 2 || !n.Children[0].is(DEROctetString, false) {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE { OCTET STRING, INTEGER }", ErrTag))
	}
	v, err := n.Children[1].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	return &ReadFirmwareVersion{FirmwareVersion: n.Children[0].Value, Response: responseCode(v, readFWResponseNames)}, nil
}

// AppendBinary appends the DER encoding of r.
func (r *ReadFirmwareVersion) AppendBinary(b []byte) ([]byte, error) {
	return derSeq(derOctets(r.FirmwareVersion), derInt(int64(r.Response.Code))).AppendDER(b), nil
}

// FirmwareActivationAlert is the payload of the future-dated firmware
// activation alert (message code 0x00CA, the deferred outcome of CS06):
// SEQUENCE { alertCode INTEGER, executionDateTime GeneralizedTime,
// originatorCounter INTEGER, executionOutcome SEQUENCE { responseCode
// INTEGER, firmwareVersion OCTET STRING } }.
type FirmwareActivationAlert struct {
	AlertCode         AlertCode       `json:"alertCode"`
	ExecutionDateTime time.Time       `json:"executionDateTime"`
	OriginatorCounter int64           `json:"originatorCounter"`
	Outcome           FirmwareOutcome `json:"outcome"`
}

// ParseFirmwareActivationAlert decodes a 0x00CA alert payload.
func ParseFirmwareActivationAlert(b []byte) (*FirmwareActivationAlert, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "firmware activation alert"
	if !n.is(DERSequence, true) || len(n.Children) != 4 {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE of 4", ErrTag))
	}
	var a FirmwareActivationAlert
	code, err := n.Children[0].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	a.AlertCode = AlertCode(code)
	if a.ExecutionDateTime, err = parseGeneralizedTime(n.Children[1]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	if a.OriginatorCounter, err = n.Children[2].Int(); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	o, err := parseFirmwareOutcome(n.Children[3], activateFirmwareNames)
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	a.Outcome = *o
	return &a, nil
}

// AppendBinary appends the DER encoding of a.
func (a *FirmwareActivationAlert) AppendBinary(b []byte) ([]byte, error) {
	return derSeq(derInt(int64(a.AlertCode)), derTime(a.ExecutionDateTime), derInt(a.OriginatorCounter),
		derSeq(derInt(int64(a.Outcome.Response.Code)), derOctets(a.Outcome.FirmwareVersion))).AppendDER(b), nil
}
