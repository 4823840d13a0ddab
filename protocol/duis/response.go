package duis

import (
	"bytes"
	"fmt"
	"reflect"
	"time"
)

// Response is a DUIS response or alert from the DCC (XSD complexType
// Response; DOMAIN.md §11.2). Exactly one of ResponseMessage,
// DeviceAlertMessage, DCCAlertMessage or Other is set.
type Response struct {
	SchemaVersion string
	Header        ResponseHeader

	ResponseMessage    *ResponseMessage
	DeviceAlertMessage *DeviceAlertMessage
	DCCAlertMessage    *DCCAlertMessage
	// Other keeps a body this package has no typed form for
	// (SMETS1ResponseMessage) or one that did not bind.
	Other *Node

	Signature *Node
	bodyErr   error
}

// ResponseHeader is the response header. ResponseID is the request ID with
// originator and target swapped; a synchronous error has none.
type ResponseHeader struct {
	RequestID        *RequestID   `duis:"RequestID"`
	ResponseID       *RequestID   `duis:"ResponseID"`
	ResponseCode     ResponseCode `duis:"ResponseCode"`
	ResponseDateTime DateTime     `duis:"ResponseDateTime" check:"datetime"`
}

// ResponseMessage answers a service request. At most one payload field is
// set; Other keeps payloads without a typed form (CINMessage, DSPOptIn,
// DSPSchedulesRead, DSPScheduledMessage, DSPScheduleID,
// DSPUpdateFirmwareWarning, DSPUpdatePPMIDFirmwareWarning).
type ResponseMessage struct {
	ServiceReference              string                  `duis:"ServiceReference"`
	ServiceReferenceVariant       string                  `duis:"ServiceReferenceVariant"`
	DSPInventory                  *DSPInventory           `duis:"DSPInventory" choice:"p?"`
	DSPWANMatrix                  *DSPWANMatrix           `duis:"DSPWANMatrix" choice:"p?"`
	FutureDatedDeviceAlertMessage *FutureDatedDeviceAlert `duis:"FutureDatedDeviceAlertMessage" choice:"p?"`
	GBCSPayload                   *Base64Binary           `duis:"GBCSPayload" choice:"p?"`
	LocalCommand                  *LocalCommand           `duis:"LocalCommand" choice:"p?"`
	PreCommand                    *PreCommand             `duis:"PreCommand" choice:"p?"`
	Other                         *Node                   `duis:"*" choice:"p?"`
}

// PreCommand is the CV 4 answer to a critical SR: the GBCS command for the
// User to check and sign (DOMAIN.md §13).
type PreCommand struct {
	GBCSVersion string       `duis:"GBCSVersion"`
	GBCSPayload Base64Binary `duis:"GBCSPayload"`
}

// LocalCommand is the command for local delivery returned for CV 2, 3, 6, 7.
type LocalCommand struct {
	GBCSPayload Base64Binary `duis:"GBCSPayload"`
}

// DSPInventory is the 8.2 answer: up to 17 devices.
type DSPInventory struct {
	Device []InventoryDevice `duis:"Device"`
}

// InventoryDevice is one SMI record as 8.2 returns it (DOMAIN.md §3.2).
type InventoryDevice struct {
	DeviceID                    EUI64           `duis:"DeviceID"`
	DeviceType                  DeviceType      `duis:"DeviceType"`
	DeviceStatus                *DeviceStatus   `duis:"DeviceStatus"`
	DeviceManufacturer          string          `duis:"DeviceManufacturer" check:"len=0,30"`
	DeviceModel                 string          `duis:"DeviceModel" check:"len=0,30"`
	SMETSCHTSVersion            *string         `duis:"SMETSCHTSVersion" check:"len=1,20"`
	DeviceFirmwareVersion       *string         `duis:"DeviceFirmwareVersion" check:"len=1,8"`
	DeviceFirmwareVersionStatus *CPLStatus      `duis:"DeviceFirmwareVersionStatus"`
	CPLStatus                   *CPLStatus      `duis:"CPLStatus"`
	DateCommissioned            *Date           `duis:"DateCommissioned" check:"datetime=date"`
	ImportMPxN                  *MPxN           `duis:"ImportMPxN" check:"len=1,13"`
	SecondaryImportMPAN         *MPAN           `duis:"SecondaryImportMPAN" check:"len=13,13"`
	ExportMPAN                  *MPAN           `duis:"ExportMPAN" check:"len=13,13"`
	ESMEVariant                 *ESMEVariant    `duis:"ESMEVariant"`
	UPRN                        *uint64         `duis:"UPRN" check:"digits=12"`
	PropertyFilter              *PartialAddress `duis:"PropertyFilter"`
	CSPRegion                   *CSPRegion      `duis:"CSPRegion"`
	DeviceGBCSVersion           *string         `duis:"DeviceGBCSVersion"`
	HANVariant                  *string         `duis:"HANVariant"`
	S1SP                        *string         `duis:"S1SP"`
	Connectivity                *Connectivity   `duis:"Connectivity"`
}

// DSPWANMatrix is the 12.1 answer: the request echoed and one entry per
// CSP region.
type DSPWANMatrix struct {
	Request              RequestWANMatrix    `duis:"Request"`
	DSPWANMatrixResponse []WANMatrixResponse `duis:"DSPWANMatrixResponse"`
}

// WANMatrixResponse is the coverage outlook for one CSP region.
type WANMatrixResponse struct {
	CSPRegion                  CSPRegion               `duis:"CSPRegion"`
	CSPRegionResponseCode      ResponseCode            `duis:"CSPRegionResponseCode"`
	CoverageAvailability       *bool                   `duis:"CoverageAvailability"`
	AnticipatedCoverageDate    *Date                   `duis:"AnticipatedCoverageDate" check:"datetime=date"`
	WANTechnology              *string                 `duis:"WANTechnology" check:"len=1,30"`
	ConnectivityLikelihood     *ConnectivityLikelihood `duis:"ConnectivityLikelihood"`
	AuxiliaryEquipmentRequired *string                 `duis:"AuxiliaryEquipmentRequired" check:"len=0,50"`
	AdditionalInformation      *string                 `duis:"AdditionalInformation" check:"len=0,250"`
}

// FutureDatedDeviceAlert reports the outcome of a future-dated command
// (alert code 8F66 success, 8F67 failure).
type FutureDatedDeviceAlert struct {
	FutureDatedAlertCode     HexBinary    `duis:"FutureDatedAlertCode"`
	GBCSPayload              Base64Binary `duis:"GBCSPayload"`
	InstructionNumber        uint16       `duis:"InstructionNumber"`
	TotalCommandInstructions uint16       `duis:"TotalCommandInstructions"`
}

// DeviceAlertMessage is an alert raised by a device, with its GBCS frame.
type DeviceAlertMessage struct {
	AlertCode                HexBinary    `duis:"AlertCode"`
	ThrottledAlertSequenceId *uint32      `duis:"ThrottledAlertSequenceId"`
	ThrottledAlertCount      *uint32      `duis:"ThrottledAlertCount"`
	GBCSPayload              Base64Binary `duis:"GBCSPayload"`
}

// DCCAlertMessage is an alert raised by the DCC (N24 is the outcome of an
// 8.11; DOMAIN.md §11.2).
type DCCAlertMessage struct {
	DCCAlertCode             DCCAlertCode `duis:"DCCAlertCode"`
	ThrottledAlertSequenceId *uint32      `duis:"ThrottledAlertSequenceId"`
	ThrottledAlertCount      *uint32      `duis:"ThrottledAlertCount"`
	DCCAlert                 DCCAlert     `duis:"DCCAlert"`
}

// DCCAlert is the alert body; Other keeps the kinds without a typed form.
type DCCAlert struct {
	UpdateHANDeviceLogResult *UpdateHANDeviceLogResult `duis:"UpdateHANDeviceLogResult" choice:"a"`
	DeviceStatusChangeEvent  *DeviceStatusChangeEvent  `duis:"DeviceStatusChangeEvent" choice:"a"`
	Other                    *Node                     `duis:"*" choice:"a"`
}

// UpdateHANDeviceLogResult names the 8.11 request an N24 alert reports on.
type UpdateHANDeviceLogResult struct {
	UpdateHANDeviceLogServiceRequestID RequestID `duis:"UpdateHANDeviceLogServiceRequestID"`
}

// DeviceStatusChangeEvent tells a User that the DCC changed a device's SMI
// record; Change keeps the change element (MeterIdentity,
// DeviceSuspended, ...) as read.
type DeviceStatusChangeEvent struct {
	DeviceID EUI64 `duis:"DeviceID"`
	Change   *Node `duis:"*"`
}

// NewResponse starts the response to req: the header carries req's
// Request ID, the Response ID (originator and target swapped), code and
// the time at (UTC, millisecond precision as the DCC writes it); the body
// is a ResponseMessage naming req's service reference and variant. The
// caller adds the payload (DSPInventory, PreCommand, ...).
func NewResponse(req *Request, code ResponseCode, at time.Time) *Response {
	id := req.Header.RequestID
	rid := id.ResponseID()
	return &Response{
		SchemaVersion: SchemaVersion,
		Header: ResponseHeader{RequestID: &id, ResponseID: &rid, ResponseCode: code,
			ResponseDateTime: DateTime(at.UTC().Format("2006-01-02T15:04:05.000Z"))},
		ResponseMessage: &ResponseMessage{ServiceReference: req.Header.ServiceReference,
			ServiceReferenceVariant: req.Header.ServiceReferenceVariant},
	}
}

// Kind names the change: MeterIdentity, MeterDecommissioningOrWithdrawal,
// DeviceRemovedFromInventory, CHFDecommissioning, DeviceSuspended,
// DeviceRestored, RecoveryCompleteACBCredentials or RecoveryComplete
// (DOMAIN.md §4).
func (e *DeviceStatusChangeEvent) Kind() string {
	if e == nil || e.Change == nil {
		return ""
	}
	return e.Change.Local
}

// ParseResponse reads a DUIS response or alert. A body element that does
// not bind to its typed form is kept in Other; Validate reports why.
func ParseResponse(data []byte) (*Response, error) {
	root, err := ParseXML(data)
	if err != nil {
		return nil, err
	}
	return responseFromNode(root)
}

func responseFromNode(root *Node) (*Response, error) {
	if root.Local != "Response" || root.Space != NamespaceSR {
		return nil, fmt.Errorf("%w: <%s> in %q", ErrNotResponse, root.Local, root.Space)
	}
	r := &Response{}
	r.SchemaVersion, _ = root.Attr("schemaVersion")
	b, sig, err := readEnvelope(root, reflect.ValueOf(&r.Header).Elem())
	if err != nil {
		return nil, err
	}
	r.Signature = sig
	var target any
	switch b.Local {
	case "ResponseMessage":
		r.ResponseMessage = &ResponseMessage{}
		target = r.ResponseMessage
	case "DeviceAlertMessage":
		r.DeviceAlertMessage = &DeviceAlertMessage{}
		target = r.DeviceAlertMessage
	case "DCCAlertMessage":
		r.DCCAlertMessage = &DCCAlertMessage{}
		target = r.DCCAlertMessage
	}
	if target != nil {
		if err := decodeValue(b, reflect.ValueOf(target).Elem(), "Body/"+b.Local); err != nil {
			r.ResponseMessage, r.DeviceAlertMessage, r.DCCAlertMessage = nil, nil, nil
			r.bodyErr = err
			target = nil
		}
	}
	if target == nil {
		r.Other = b
	}
	return r, nil
}

func (r *Response) bodyNode() (*Node, error) {
	switch {
	case r.ResponseMessage != nil:
		return encodeValue("ResponseMessage", reflect.ValueOf(r.ResponseMessage).Elem()), nil
	case r.DeviceAlertMessage != nil:
		return encodeValue("DeviceAlertMessage", reflect.ValueOf(r.DeviceAlertMessage).Elem()), nil
	case r.DCCAlertMessage != nil:
		return encodeValue("DCCAlertMessage", reflect.ValueOf(r.DCCAlertMessage).Elem()), nil
	case r.Other != nil:
		return r.Other, nil
	}
	return nil, fmt.Errorf("%w: response has no body", ErrStructure)
}

// Marshal writes r as an indented DUIS document.
func (r *Response) Marshal() ([]byte, error) {
	body, err := r.bodyNode()
	if err != nil {
		return nil, err
	}
	root := &Node{Kind: ElementNode, Prefix: "sr", Local: "Response", Space: NamespaceSR,
		NS: []NSDecl{{"sr", NamespaceSR}}}
	if usesNamespace(body, NamespaceRA) {
		root.NS = append(root.NS, NSDecl{"ra", NamespaceRA})
	}
	v := r.SchemaVersion
	if v == "" {
		v = SchemaVersion
	}
	root.Attrs = []Attr{{Local: "schemaVersion", Value: v}}
	h := newElem("Header")
	encodeStruct(h, reflect.ValueOf(r.Header))
	root.Children = []*Node{h, newElem("Body", body)}
	if r.Signature != nil {
		root.Children = append(root.Children, r.Signature)
	}
	declareDS(root)
	var b bytes.Buffer
	if err := WriteXML(&b, root); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Validate checks r against the XSD constraints of its typed parts.
func (r *Response) Validate() Problems {
	var ps Problems
	if r.SchemaVersion == "" {
		ps.add("Response/@schemaVersion", "required attribute missing")
	}
	validateStruct(reflect.ValueOf(r.Header), "Response/Header", &ps)
	if r.Header.RequestID != nil && r.Header.ResponseID != nil && *r.Header.ResponseID != r.Header.RequestID.ResponseID() {
		ps.warn("Response/Header/ResponseID", "%s is not the request ID %s with originator and target swapped", r.Header.ResponseID, r.Header.RequestID)
	}
	if r.bodyErr != nil {
		path, msg := "Response/Body", r.bodyErr.Error()
		if fe, ok := r.bodyErr.(*FieldError); ok {
			path, msg = "Response/"+fe.Path, plain(fe.Err)
		}
		ps.add(path, "%s", msg)
	}
	switch {
	case r.ResponseMessage != nil:
		validateValue(reflect.ValueOf(r.ResponseMessage).Elem(), "", "Response/Body/ResponseMessage", &ps)
		if inv := r.ResponseMessage.DSPInventory; inv != nil && (len(inv.Device) < 1 || len(inv.Device) > 17) {
			ps.add("Response/Body/ResponseMessage/DSPInventory", "%d devices, want 1 to 17", len(inv.Device))
		}
	case r.DeviceAlertMessage != nil:
		validateValue(reflect.ValueOf(r.DeviceAlertMessage).Elem(), "", "Response/Body/DeviceAlertMessage", &ps)
	case r.DCCAlertMessage != nil:
		validateValue(reflect.ValueOf(r.DCCAlertMessage).Elem(), "", "Response/Body/DCCAlertMessage", &ps)
	}
	return ps
}
