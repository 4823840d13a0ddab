package gbcs

import (
	"fmt"
)

// DeviceType is the GBCS ASN.1 device type of a device-log entry or join
// command (GBCS ASN.1 "DeviceType"; DOMAIN.md §10).
type DeviceType int

// Device types.
const (
	DeviceGSME   DeviceType = 0
	DeviceESME   DeviceType = 1
	DeviceCHF    DeviceType = 2
	DeviceGPF    DeviceType = 3
	DeviceHCALCS DeviceType = 4
	DevicePPMID  DeviceType = 5
	DeviceType2  DeviceType = 6
)

func (d DeviceType) String() string {
	names := [...]string{"GSME", "ESME", "CHF", "GPF", "HCALCS", "PPMID", "Type 2"}
	if d >= 0 && int(d) < len(names) {
		return names[d]
	}
	return fmt.Sprintf("DeviceType(%d)", int(d))
}

// MarshalText implements encoding.TextMarshaler.
func (d DeviceType) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// JoinMethod is the joinMethodAndRole of a JoinDevice command (GBCS §13.7;
// DOMAIN.md §10.2).
type JoinMethod int

// Join methods and roles.
const (
	JoinMethodAInitiator JoinMethod = 0
	JoinMethodAResponder JoinMethod = 1
	JoinMethodB          JoinMethod = 2
	JoinMethodC          JoinMethod = 3
)

func (j JoinMethod) String() string {
	names := [...]string{"Method A initiator", "Method A responder", "Method B", "Method C"}
	if j >= 0 && int(j) < len(names) {
		return names[j]
	}
	return fmt.Sprintf("JoinMethod(%d)", int(j))
}

// MarshalText implements encoding.TextMarshaler.
func (j JoinMethod) MarshalText() ([]byte, error) { return []byte(j.String()), nil }

// JoinDeviceCommand is the payload of CS03A1, CS03A2, CS03B and CS03C
// commands:
//
//	SEQUENCE { joinMethodAndRole INTEGER, otherDeviceEntityIdentifier
//	           OCTET STRING (8), otherDeviceType INTEGER,
//	           otherDeviceKeyAgreementCertificate Certificate OPTIONAL }
type JoinDeviceCommand struct {
	Method      JoinMethod  `json:"joinMethodAndRole"`
	EntityID    SystemTitle `json:"otherDeviceEntityId"`
	DeviceType  DeviceType  `json:"otherDeviceType"`
	Certificate Hex         `json:"certificate,omitempty"` // DER, when present
}

// ParseJoinDeviceCommand decodes a JoinDevice command payload.
func ParseJoinDeviceCommand(b []byte) (*JoinDeviceCommand, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "join command"
	if !n.is(DERSequence, true) || len(n.Children) < 3 || len(n.Children) > 4 {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE of 3 or 4", ErrTag))
	}
	var c JoinDeviceCommand
	m, err := n.Children[0].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	c.Method = JoinMethod(m)
	if c.EntityID, err = entityID(n.Children[1]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	d, err := n.Children[2].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	c.DeviceType = DeviceType(d)
	if len(n.Children) == 4 {
		c.Certificate = n.Children[3].AppendDER(nil)
	}
	return &c, nil
}

// AppendBinary appends the DER encoding of c.
func (c *JoinDeviceCommand) AppendBinary(b []byte) ([]byte, error) {
	s := derSeq(derInt(int64(c.Method)), derOctets(c.EntityID[:]), derInt(int64(c.DeviceType)))
	if len(c.Certificate) > 0 {
		cert, err := ParseDER(c.Certificate)
		if err != nil {
			return nil, fmt.Errorf("encode join command certificate: %w", err)
		}
		s.Children = append(s.Children, cert)
	}
	return s.AppendDER(b), nil
}

func entityID(n DERNode) (SystemTitle, error) {
	var id SystemTitle
	if !n.is(DEROctetString, false) || len(n.Value) != 8 {
		return id, fmt.Errorf("%w: want OCTET STRING (8) entity identifier", ErrTag)
	}
	copy(id[:], n.Value)
	return id, nil
}

// ResponseCode is an ASN.1 INTEGER response code with the name its use case
// gives it.
type ResponseCode struct {
	Code int    `json:"code"`
	Name string `json:"name"`
	// OK reports success (code 0 in every GBCS response table).
	OK bool `json:"ok"`
}

// Response-code tables (GBCS ASN.1 modules; DOMAIN.md §10.3).
var (
	joinResponseNames = []string{
		"Success", "Invalid Message Code for Join Method and Role", "Invalid Join Method and Role",
		"Incompatible with Existing Entry", "Device Log Full", "Write Failure",
		"Key Agreement No Resources", "Key Agreement Unknown Issuer", "Key Agreement Unsupported Suite",
		"Key Agreement Bad Message", "Key Agreement Bad Key Confirm", "Invalid or Missing Certificate",
		"No Partner Link Key Received", "No CBKE Response",
	}
	unjoinResponseNames   = []string{"Success", "Not in Device Log", "Other Failure"}
	readJoinResponseNames = []string{"Success", "Read Failure"}
	readFWResponseNames   = []string{"Read Success", "Read Failure"}
	timeStatusNames       = []string{"Reliable", "Invalid", "Unreliable"}
	fwTransferNames       = []string{"Success", "Image Discarded", "Hardware Version Mismatch", "File Transfer Failure"}
	activateFirmwareNames = []string{"Success", "No Image Held", "Hash Mismatch", "Activation Failure"}
)

func responseCode(v int64, names []string) ResponseCode {
	r := ResponseCode{Code: int(v), OK: v == 0}
	if v >= 0 && v < int64(len(names)) {
		r.Name = names[v]
	} else {
		r.Name = fmt.Sprintf("unknown (%d)", v)
	}
	return r
}

// JoinResponseCode names a JoinDevice response code (CS03x responses and
// GCS59 restore outcomes).
func JoinResponseCode(v int) ResponseCode { return responseCode(int64(v), joinResponseNames) }

// UnjoinResponseCode names an UnjoinDevice response code (CS04x responses).
func UnjoinResponseCode(v int) ResponseCode { return responseCode(int64(v), unjoinResponseNames) }

// ParseIntegerPayload decodes a payload that is a single ASN.1 INTEGER (the
// join and unjoin responses).
func ParseIntegerPayload(b []byte) (int64, error) {
	n, err := ParseDER(b)
	if err != nil {
		return 0, err
	}
	v, err := n.Int()
	if err != nil {
		return 0, decodeErr("INTEGER payload", 0, err)
	}
	return v, nil
}

// AppendIntegerPayload appends an ASN.1 INTEGER (join/unjoin responses).
func AppendIntegerPayload(b []byte, v int64) []byte { return derInt(v).AppendDER(b) }

// ParseUnjoinCommand decodes a CS04AC/CS04B payload: the other device's
// entity identifier as an OCTET STRING (8).
func ParseUnjoinCommand(b []byte) (SystemTitle, error) {
	n, err := ParseDER(b)
	if err != nil {
		return SystemTitle{}, err
	}
	id, err := entityID(n)
	if err != nil {
		return id, decodeErr("unjoin command", 0, err)
	}
	return id, nil
}

// AppendUnjoinCommand appends a CS04x payload.
func AppendUnjoinCommand(b []byte, id SystemTitle) []byte { return derOctets(id[:]).AppendDER(b) }

// DeviceLogEntry is one entry of a device log exchanged in ASN.1 (CS07,
// GCS59, GCS62): SEQUENCE { deviceId OCTET STRING (8), deviceType INTEGER }.
type DeviceLogEntry struct {
	EntityID   SystemTitle `json:"entityId"`
	DeviceType DeviceType  `json:"deviceType"`
}

func parseDeviceLogEntry(n DERNode) (DeviceLogEntry, error) {
	var e DeviceLogEntry
	if !n.is(DERSequence, true) || len(n.Children) != 2 {
		return e, fmt.Errorf("%w: device-log entry: want SEQUENCE of 2", ErrTag)
	}
	id, err := entityID(n.Children[0])
	if err != nil {
		return e, err
	}
	t, err := n.Children[1].Int()
	if err != nil {
		return e, err
	}
	return DeviceLogEntry{EntityID: id, DeviceType: DeviceType(t)}, nil
}

func (e DeviceLogEntry) der() DERNode {
	return derSeq(derOctets(append([]byte(nil), e.EntityID[:]...)), derInt(int64(e.DeviceType)))
}

func parseDeviceLogEntries(n DERNode) ([]DeviceLogEntry, error) {
	if !n.is(DERSequence, true) {
		return nil, fmt.Errorf("%w: device-log entries: want SEQUENCE OF", ErrTag)
	}
	out := make([]DeviceLogEntry, 0, len(n.Children))
	for _, c := range n.Children {
		e, err := parseDeviceLogEntry(c)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func deviceLogEntriesDER(es []DeviceLogEntry) DERNode {
	s := derSeq()
	for _, e := range es {
		s.Children = append(s.Children, e.der())
	}
	return s
}

// ReadDeviceJoinDetails is the CS07 response: SEQUENCE { responseCode
// INTEGER, deviceLogEntries SEQUENCE OF DeviceLogEntry OPTIONAL }.
type ReadDeviceJoinDetails struct {
	Response ResponseCode     `json:"response"`
	Entries  []DeviceLogEntry `json:"entries,omitempty"`
}

// ParseReadDeviceJoinDetails decodes a CS07 response payload.
func ParseReadDeviceJoinDetails(b []byte) (*ReadDeviceJoinDetails, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "CS07 response"
	if !n.is(DERSequence, true) || len(n.Children) < 1 || len(n.Children) > 2 {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE of 1 or 2", ErrTag))
	}
	v, err := n.Children[0].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	r := &ReadDeviceJoinDetails{Response: responseCode(v, readJoinResponseNames)}
	if len(n.Children) == 2 {
		if r.Entries, err = parseDeviceLogEntries(n.Children[1]); err != nil {
			return nil, decodeErr(op, 0, err)
		}
	}
	return r, nil
}

// AppendBinary appends the DER encoding of r.
func (r *ReadDeviceJoinDetails) AppendBinary(b []byte) ([]byte, error) {
	s := derSeq(derInt(int64(r.Response.Code)))
	if r.Entries != nil {
		s.Children = append(s.Children, deviceLogEntriesDER(r.Entries))
	}
	return s.AppendDER(b), nil
}
