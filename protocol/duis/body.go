package duis

import (
	"reflect"
	"time"
)

// Body is the content of a request's sr:Body: one typed body from this
// file, a SignedPreCommand, or a GenericBody for any other element.
type Body interface {
	// BodyElement returns the local name of the element inside sr:Body.
	BodyElement() string
}

// GenericBody keeps a body element the package has no typed form for (or
// one that did not bind), so that any DUIS request re-serialises without
// loss.
type GenericBody struct {
	Node *Node
}

// BodyElement implements Body.
func (g *GenericBody) BodyElement() string {
	if g == nil || g.Node == nil {
		return ""
	}
	return g.Node.Local
}

// DateTime is an xs:dateTime kept as written, so it round-trips exactly.
type DateTime string

// NewDateTime formats t in UTC with second precision.
func NewDateTime(t time.Time) DateTime { return DateTime(t.UTC().Format("2006-01-02T15:04:05Z")) }

// Time parses the value (with or without zone and fraction; no zone means UTC).
func (d DateTime) Time() (time.Time, error) { return parseXSDTime(string(d), false) }

// Date is an xs:date kept as written.
type Date string

// Time parses the date.
func (d Date) Time() (time.Time, error) { return parseXSDTime(string(d), true) }

// --- 12.x ---

// PartialAddress is PostCode + AddressIdentifier (12.1, and PropertyFilter in 8.2).
type PartialAddress struct {
	PostCode          string `duis:"PostCode" check:"len=6,8"`
	AddressIdentifier string `duis:"AddressIdentifier" check:"len=0,30"`
}

// RequestWANMatrix is the 12.1 body: a UPRN or a partial address.
type RequestWANMatrix struct {
	UPRN           *uint64         `duis:"UPRN" check:"digits=12" choice:"q"`
	PartialAddress *PartialAddress `duis:"PartialAddress" choice:"q"`
}

// DevicePrenotification is the 12.2 body. Giving a CHF and its GPF the
// same ID is rejected by the DCC with E120201.
type DevicePrenotification struct {
	DeviceID              EUI64        `duis:"DeviceID"`
	DeviceManufacturer    string       `duis:"DeviceManufacturer" check:"len=0,30"`
	DeviceModel           string       `duis:"DeviceModel" check:"len=0,30"`
	DeviceType            DeviceType   `duis:"DeviceType"`
	SMETSCHTSVersion      *string      `duis:"SMETSCHTSVersion" check:"len=1,20"`
	FirmwareVersion       *string      `duis:"FirmwareVersion" check:"len=1,8"`
	ESMEVariant           *ESMEVariant `duis:"ESMEVariant"`
	AssociatedGPFDeviceID *EUI64       `duis:"AssociatedGPFDeviceID"`
}

// --- 8.x non-device ---

// ReadInventory is the 8.2 body: exactly one query.
type ReadInventory struct {
	UPRN           *uint64         `duis:"UPRN" check:"digits=12" choice:"q"`
	DeviceID       *EUI64          `duis:"DeviceID" choice:"q"`
	MPxN           *MPxN           `duis:"MPxN" check:"len=1,13" choice:"q"`
	PropertyFilter *PartialAddress `duis:"PropertyFilter" choice:"q"`
}

// DecommissionDevice is the 8.3 body.
type DecommissionDevice struct {
	DeviceID EUI64 `duis:"DeviceID"`
}

// UpdateDeviceDetails is the 8.4 details update.
type UpdateDeviceDetails struct {
	DeviceManufacturer *string      `duis:"DeviceManufacturer" check:"len=0,30"`
	DeviceModel        *string      `duis:"DeviceModel" check:"len=0,30"`
	SMETSCHTSVersion   *string      `duis:"SMETSCHTSVersion" check:"len=1,20"`
	FirmwareVersion    *string      `duis:"FirmwareVersion" check:"len=1,8"`
	ESMEVariant        *ESMEVariant `duis:"ESMEVariant"`
}

// UpdateMPxN is the 8.4 MPxN update: exactly one of the three.
type UpdateMPxN struct {
	ImportMPxN          *MPxN `duis:"ImportMPxN" check:"len=1,13" choice:"m"`
	SecondaryImportMPAN *MPAN `duis:"SecondaryImportMPAN" check:"len=13,13" choice:"m"`
	ExportMPAN          *MPAN `duis:"ExportMPAN" check:"len=13,13" choice:"m"`
}

// UpdateInventory is the 8.4 body: a device and exactly one change.
type UpdateInventory struct {
	DeviceID                   EUI64                `duis:"DeviceID"`
	UpdateDeviceStatusExceptCH *StatusExceptCH      `duis:"UpdateDeviceStatusExceptCH" choice:"u"`
	UpdateDeviceStatusCH       *StatusCH            `duis:"UpdateDeviceStatusCH" choice:"u"`
	UpdateDeviceDetails        *UpdateDeviceDetails `duis:"UpdateDeviceDetails" choice:"u"`
	DeleteDevice               *Empty               `duis:"DeleteDevice" choice:"u"`
	UpdateMPxN                 *UpdateMPxN          `duis:"UpdateMPxN" choice:"u"`
}

// MeterMPxNs lists a meter's MPxNs (8.6).
type MeterMPxNs struct {
	ImportMPxN          MPxN  `duis:"ImportMPxN" check:"len=1,13"`
	SecondaryImportMPAN *MPAN `duis:"SecondaryImportMPAN" check:"len=13,13"`
	ExportMPAN          *MPAN `duis:"ExportMPAN" check:"len=13,13"`
}

// ServiceOptIn is the 8.6 body.
type ServiceOptIn struct {
	DeviceID   EUI64      `duis:"DeviceID"`
	DeviceType DeviceType `duis:"DeviceType"`
	MPxNs      MeterMPxNs `duis:"MPxNs"`
	OptInDate  Date       `duis:"OptInDate" check:"datetime=date"`
}

// ReturnLocalCommandResponse is the 8.13 body: the device's GBCS response
// to a command delivered locally (DOMAIN.md §8.2).
type ReturnLocalCommandResponse struct {
	OriginalRequestID  *RequestID   `duis:"OriginalRequestID"`
	DeviceGBCSResponse Base64Binary `duis:"DeviceGBCSResponse"`
}

// CHFInstallSuccessSMWAN is the 8.14.1 body (CH installed, SM WAN available).
type CHFInstallSuccessSMWAN struct {
	DeviceID              EUI64          `duis:"DeviceID"`
	CHFInstallType        CHFInstallType `duis:"CHFInstallType"`
	InstallDateTime       *DateTime      `duis:"InstallDateTime" check:"datetime"`
	UserRefID             *string        `duis:"UserRefID" check:"len=0,25"`
	MPxN                  MPxN           `duis:"MPxN" check:"len=1,13"`
	GISData               *string        `duis:"GISData" check:"len=0,25"`
	AerialInstall         bool           `duis:"AerialInstall"`
	CHFLocation           CHFLocation    `duis:"CHFLocation"`
	AdditionalInformation *string        `duis:"AdditionalInformation" check:"len=0,200"`
}

// CHFInstallSuccessNoSMWAN is the 8.14.2 body (CH installed, no SM WAN).
type CHFInstallSuccessNoSMWAN struct {
	DeviceID                     EUI64          `duis:"DeviceID"`
	CHFInstallType               CHFInstallType `duis:"CHFInstallType"`
	InstallDateTime              *DateTime      `duis:"InstallDateTime" check:"datetime"`
	UserRefID                    *string        `duis:"UserRefID" check:"len=0,25"`
	MPxN                         MPxN           `duis:"MPxN" check:"len=1,13"`
	GISData                      *string        `duis:"GISData" check:"len=0,25"`
	AerialInstall                bool           `duis:"AerialInstall"`
	CHFLocation                  CHFLocation    `duis:"CHFLocation"`
	PremiseType                  PremiseType    `duis:"PremiseType"`
	MetalObstructionCheck        bool           `duis:"MetalObstructionCheck"`
	ConnectivityObstructionCheck bool           `duis:"ConnectivityObstructionCheck"`
	SharedObstructionCheck       bool           `duis:"SharedObstructionCheck"`
	AdditionalInformation        *string        `duis:"AdditionalInformation" check:"len=0,200"`
}

// CHFFaultReturn is the 8.14.3 body.
type CHFFaultReturn struct {
	DeviceID              EUI64               `duis:"DeviceID"`
	CHFFaultReturnType    CHFFaultReturnType  `duis:"CHFFaultReturnType"`
	UserRefDateTime       *DateTime           `duis:"UserRefDateTime" check:"datetime"`
	UserRefID             *string             `duis:"UserRefID" check:"len=0,25"`
	OtherDeviceID         EUI64               `duis:"OtherDeviceID"`
	IncidentReference     *string             `duis:"IncidentReference" check:"len=0,15"`
	CHFConnectionMethod   CHFConnectionMethod `duis:"CHFConnectionMethod"`
	CHFFaultReason        CHFFaultReason      `duis:"CHFFaultReason"`
	AdditionalInformation *string             `duis:"AdditionalInformation" check:"len=0,200"`
}

// CHFNoFaultReturn is the 8.14.4 body.
type CHFNoFaultReturn struct {
	DeviceID              EUI64                `duis:"DeviceID"`
	CHFNoFaultReturnType  CHFNoFaultReturnType `duis:"CHFNoFaultReturnType"`
	UserRefDateTime       *DateTime            `duis:"UserRefDateTime" check:"datetime"`
	UserRefID             *string              `duis:"UserRefID" check:"len=0,25"`
	IncidentReference     *string              `duis:"IncidentReference" check:"len=0,15"`
	AdditionalInformation *string              `duis:"AdditionalInformation" check:"len=0,200"`
}

// --- 8.x device ---

// AddDeviceToCHFWhitelist carries what the CHF needs to let a device join
// (8.11 Add): join window in seconds and the ZigBee install code.
type AddDeviceToCHFWhitelist struct {
	JoinTimePeriod      int       `duis:"JoinTimePeriod" check:"range=1,3600"`
	InstallCode         HexBinary `duis:"InstallCode" check:"hex=6,16"`
	ImportMPxN          *MPxN     `duis:"ImportMPxN" check:"len=1,13"`
	SecondaryImportMPAN *MPAN     `duis:"SecondaryImportMPAN" check:"len=13,13"`
	ExportMPAN          *MPAN     `duis:"ExportMPAN" check:"len=13,13"`
}

// UpdateHANDeviceLog is the 8.11 body (CHF whitelist add/remove; GBCS
// CCS01/CCS02). The Request ID target is the CHF.
type UpdateHANDeviceLog struct {
	ExecutionDateTime       *DateTime                `duis:"ExecutionDateTime" check:"datetime"`
	DeviceID                EUI64                    `duis:"DeviceID"`
	RequestType             HANRequestType           `duis:"RequestType"`
	AddDeviceToCHFWhitelist *AddDeviceToCHFWhitelist `duis:"AddDeviceToCHFWhitelist"`
}

// RestoreHANDeviceLog is the 8.12.1 body (GBCS CCS03).
type RestoreHANDeviceLog struct {
	OldCHFID EUI64 `duis:"OldCHFID"`
}

// RestoreGPFDeviceLog is the 8.12.2 body (GBCS GCS59).
type RestoreGPFDeviceLog struct {
	OldGPFID EUI64 `duis:"OldGPFID"`
}

// SynchroniseClock is the 6.11 body and, as CommissionDevice, the 8.1.1
// body: the GBCS command carries the window [CurrentDateTime,
// CurrentDateTime+TolerancePeriod].
type SynchroniseClock struct {
	CurrentDateTime DateTime `duis:"CurrentDateTime" check:"datetime"`
	TolerancePeriod int      `duis:"TolerancePeriod" check:"range=0,86400"`
}

// CommissionDevice is the 8.1.1 body (element CommissionDeviceSynchroniseClock).
type CommissionDevice SynchroniseClock

// JoinDevice is the body of 8.7.1, 8.7.2, 8.8.1 and 8.8.2: the device to
// join to (or unjoin from) the Request ID's target.
type JoinDevice struct {
	OtherDeviceID EUI64 `duis:"OtherDeviceID"`
}

// JoinServiceCritical is the 8.7.1 body.
type JoinServiceCritical JoinDevice

// JoinServiceNonCritical is the 8.7.2 body.
type JoinServiceNonCritical JoinDevice

// UnjoinServiceCritical is the 8.8.1 body.
type UnjoinServiceCritical JoinDevice

// UnjoinServiceNonCritical is the 8.8.2 body.
type UnjoinServiceNonCritical JoinDevice

// ReadDeviceLog is the 8.9 body. To a CHF, ReadSecurityDetails selects
// CCS07 instead of CCS06.
type ReadDeviceLog struct {
	ExecutionDateTime   *DateTime `duis:"ExecutionDateTime" check:"datetime"`
	ReadSecurityDetails *Empty    `duis:"ReadSecurityDetails"`
}

// ImportMPANs is the MPAN choice of 6.20.1.
type ImportMPANs struct {
	ImportMPAN          MPAN  `duis:"ImportMPAN" check:"len=13,13"`
	SecondaryImportMPAN *MPAN `duis:"SecondaryImportMPAN" check:"len=13,13"`
}

// SetDeviceConfigurationImportMPxN is the 6.20.1 body: MPANs for an ESME or
// an MPRN for a GSME.
type SetDeviceConfigurationImportMPxN struct {
	ExecutionDateTime *DateTime    `duis:"ExecutionDateTime" check:"datetime"`
	ImportMPANs       *ImportMPANs `duis:"ImportMPANs" choice:"m"`
	ImportMPRN        *MPRN        `duis:"ImportMPRN" check:"len=1,10" choice:"m"`
}

// ReadFirmwareVersion is the 11.2 body.
type ReadFirmwareVersion struct {
	ExecutionDateTime *DateTime `duis:"ExecutionDateTime" check:"datetime"`
}

// SignedPreCommand is the body of a critical SR sent with command variant
// 5, 6 or 7: the pre-command returned for CV 4, signed by the User.
type SignedPreCommand struct {
	ExecutionDateTime *DateTime    `duis:"ExecutionDateTime" check:"datetime"`
	GBCSPayload       Base64Binary `duis:"GBCSPayload"`
}

func (*RequestWANMatrix) BodyElement() string           { return "RequestWANMatrix" }
func (*DevicePrenotification) BodyElement() string      { return "DevicePrenotification" }
func (*ReadInventory) BodyElement() string              { return "ReadInventory" }
func (*DecommissionDevice) BodyElement() string         { return "DecommissionDevice" }
func (*UpdateInventory) BodyElement() string            { return "UpdateInventory" }
func (*ServiceOptIn) BodyElement() string               { return "ServiceOptIn" }
func (*ReturnLocalCommandResponse) BodyElement() string { return "ReturnLocalCommandResponse" }
func (*CHFInstallSuccessSMWAN) BodyElement() string     { return "CHFInstallSuccessSMWAN" }
func (*CHFInstallSuccessNoSMWAN) BodyElement() string   { return "CHFInstallSuccessNoSMWAN" }
func (*CHFFaultReturn) BodyElement() string             { return "CHFFaultReturn" }
func (*CHFNoFaultReturn) BodyElement() string           { return "CHFNoFaultReturn" }
func (*UpdateHANDeviceLog) BodyElement() string         { return "UpdateHANDeviceLog" }
func (*RestoreHANDeviceLog) BodyElement() string        { return "RestoreHANDeviceLog" }
func (*RestoreGPFDeviceLog) BodyElement() string        { return "RestoreGPFDeviceLog" }
func (*SynchroniseClock) BodyElement() string           { return "SynchroniseClock" }
func (*CommissionDevice) BodyElement() string           { return "CommissionDeviceSynchroniseClock" }
func (*JoinServiceCritical) BodyElement() string        { return "JoinServiceCritical" }
func (*JoinServiceNonCritical) BodyElement() string     { return "JoinServiceNonCritical" }
func (*UnjoinServiceCritical) BodyElement() string      { return "UnjoinServiceCritical" }
func (*UnjoinServiceNonCritical) BodyElement() string   { return "UnjoinServiceNonCritical" }
func (*ReadDeviceLog) BodyElement() string              { return "ReadDeviceLog" }
func (*SetDeviceConfigurationImportMPxN) BodyElement() string {
	return "SetDeviceConfigurationImportMPxN"
}
func (*ReadFirmwareVersion) BodyElement() string { return "ReadFirmwareVersion" }
func (*SignedPreCommand) BodyElement() string    { return "SignedPreCommand" }

// typedBodies maps a body element name to its Go type.
var typedBodies = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, b := range []Body{
		&RequestWANMatrix{}, &DevicePrenotification{}, &ReadInventory{}, &DecommissionDevice{},
		&UpdateInventory{}, &ServiceOptIn{}, &ReturnLocalCommandResponse{}, &CHFInstallSuccessSMWAN{},
		&CHFInstallSuccessNoSMWAN{}, &CHFFaultReturn{}, &CHFNoFaultReturn{}, &UpdateHANDeviceLog{},
		&RestoreHANDeviceLog{}, &RestoreGPFDeviceLog{}, &SynchroniseClock{}, &CommissionDevice{},
		&JoinServiceCritical{}, &JoinServiceNonCritical{}, &UnjoinServiceCritical{},
		&UnjoinServiceNonCritical{}, &ReadDeviceLog{}, &SetDeviceConfigurationImportMPxN{},
		&ReadFirmwareVersion{}, &SignedPreCommand{},
	} {
		m[b.BodyElement()] = reflect.TypeOf(b).Elem()
	}
	return m
}()

// decodeBody binds n to its typed body when there is one. On a binding
// error it returns the body as a GenericBody together with the error.
func decodeBody(n *Node) (Body, error) {
	t, ok := typedBodies[n.Local]
	if !ok || n.Space != NamespaceSR {
		return &GenericBody{Node: n}, nil
	}
	v := reflect.New(t)
	if err := decodeValue(n, v.Elem(), "Body/"+n.Local); err != nil {
		return &GenericBody{Node: n}, err
	}
	return v.Interface().(Body), nil
}

// encodeBody returns the element for b.
func encodeBody(b Body) *Node {
	if g, ok := b.(*GenericBody); ok {
		return g.Node
	}
	v := reflect.ValueOf(b)
	return encodeValue(b.BodyElement(), v.Elem())
}
