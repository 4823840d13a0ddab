package gbcs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Profile-wide ZCL command IDs (ZigBee Cluster Library, general
// command frames).
const (
	zclReadAttributes         = 0x00
	zclReadAttributesResponse = 0x01
	zclDefaultResponse        = 0x0B
)

var zclProfileCommands = map[byte]string{
	0x00: "Read Attributes", 0x01: "Read Attributes Response", 0x02: "Write Attributes",
	0x03: "Write Attributes Undivided", 0x04: "Write Attributes Response", 0x05: "Write Attributes No Response",
	0x06: "Configure Reporting", 0x07: "Configure Reporting Response", 0x08: "Read Reporting Configuration",
	0x09: "Read Reporting Configuration Response", 0x0A: "Report Attributes", 0x0B: "Default Response",
	0x0C: "Discover Attributes", 0x0D: "Discover Attributes Response",
}

// zclCluster names a cluster and its cluster-specific commands by
// direction (ZigBee Smart Energy 1.2 / ZCL).
type zclCluster struct {
	name       string
	toServer   map[byte]string // client → server
	toClient   map[byte]string // server → client
	attributes map[uint16]string
}

var zclClusters = map[uint16]zclCluster{
	0x0000: {name: "Basic", attributes: map[uint16]string{
		0x0000: "ZCL Version", 0x0001: "Application Version", 0x0002: "Stack Version", 0x0003: "HW Version",
		0x0004: "Manufacturer Name", 0x0005: "Model Identifier", 0x0006: "Date Code", 0x0007: "Power Source",
		0x4000: "SW Build ID",
	}},
	0x000A: {name: "Time", attributes: map[uint16]string{0x0000: "Time", 0x0001: "Time Status"}},
	0x0019: {name: "OTA Upgrade"},
	0x0700: {name: "Price",
		toServer: map[byte]string{0x00: "Get Current Price", 0x01: "Get Scheduled Prices", 0x02: "Price Acknowledgement",
			0x03: "Get Block Periods", 0x04: "Get Conversion Factor", 0x05: "Get Calorific Value", 0x06: "Get Tariff Information",
			0x07: "Get Price Matrix", 0x08: "Get Block Thresholds", 0x09: "Get CO2 Value", 0x0A: "Get Tier Labels",
			0x0B: "Get Billing Period", 0x0C: "Get Consolidated Bill", 0x0D: "CPP Event Response", 0x0E: "Get Credit Payment",
			0x0F: "Get Currency Conversion", 0x10: "Get Tariff Cancellation"},
		toClient: map[byte]string{0x00: "Publish Price", 0x01: "Publish Block Period", 0x02: "Publish Conversion Factor",
			0x03: "Publish Calorific Value", 0x04: "Publish Tariff Information", 0x05: "Publish Price Matrix",
			0x06: "Publish Block Thresholds", 0x07: "Publish CO2 Value", 0x08: "Publish Tier Labels",
			0x09: "Publish Billing Period", 0x0A: "Publish Consolidated Bill", 0x0B: "Publish CPP Event",
			0x0C: "Publish Credit Payment", 0x0D: "Publish Currency Conversion", 0x0E: "Cancel Tariff"},
	},
	0x0701: {name: "Demand Response and Load Control"},
	0x0702: {name: "Metering",
		toServer: map[byte]string{0x00: "Get Profile", 0x01: "Request Mirror Response", 0x02: "Mirror Removed",
			0x03: "Request Fast Poll Mode", 0x04: "Schedule Snapshot", 0x05: "Take Snapshot", 0x06: "Get Snapshot",
			0x07: "Start Sampling", 0x08: "Get Sampled Data", 0x09: "Mirror Report Attribute Response",
			0x0A: "Reset Load Limit Counter", 0x0B: "Change Supply", 0x0C: "Local Change Supply",
			0x0D: "Set Supply Status", 0x0E: "Set Uncontrolled Flow Threshold"},
		toClient: map[byte]string{0x00: "Get Profile Response", 0x01: "Request Mirror", 0x02: "Remove Mirror",
			0x03: "Request Fast Poll Mode Response", 0x04: "Schedule Snapshot Response", 0x05: "Take Snapshot Response",
			0x06: "Publish Snapshot", 0x07: "Get Sampled Data Response", 0x08: "Configure Mirror",
			0x09: "Configure Notification Scheme", 0x0A: "Configure Notification Flags", 0x0B: "Get Notified Message",
			0x0C: "Supply Status Response", 0x0D: "Start Sampling Response"},
		attributes: map[uint16]string{
			0x0000: "Current Summation Delivered", 0x0014: "Supply Status", 0x0100: "Current Tier 1 Summation Delivered",
			0x0102: "Current Tier 2 Summation Delivered", 0x0104: "Current Tier 3 Summation Delivered",
			0x0106: "Current Tier 4 Summation Delivered", 0x0200: "Status", 0x0205: "Remaining Battery Life in Days",
			0x0206: "Current Meter ID", 0x0300: "Unit of Measure", 0x0301: "Multiplier", 0x0302: "Divisor",
			0x0306: "Metering Device Type", 0x0307: "Site ID", 0x0308: "Meter Serial Number",
			0x0607: "Supply Tamper State", 0x0608: "Supply Depletion State",
			0x0700: "Current No Tier Block 1 Summation Delivered", 0x0701: "Current No Tier Block 2 Summation Delivered",
			0x0702: "Current No Tier Block 3 Summation Delivered", 0x0703: "Current No Tier Block 4 Summation Delivered",
			0x0A00: "Bill to Date Delivered",
		},
	},
	0x0703: {name: "Messaging",
		toServer: map[byte]string{0x00: "Get Last Message", 0x01: "Message Confirmation", 0x02: "Get Message Cancellation"},
		toClient: map[byte]string{0x00: "Display Message", 0x01: "Cancel Message", 0x02: "Display Protected Message", 0x03: "Cancel All Messages"},
	},
	0x0704: {name: "Tunneling"},
	0x0705: {name: "Prepayment",
		toServer: map[byte]string{0x00: "Select Available Emergency Credit", 0x02: "Change Debt", 0x03: "Emergency Credit Setup",
			0x04: "Consumer Top Up", 0x05: "Credit Adjustment", 0x06: "Change Payment Mode", 0x07: "Get Prepay Snapshot",
			0x08: "Get Top Up Log", 0x09: "Set Low Credit Warning Level", 0x0A: "Get Debt Repayment Log",
			0x0B: "Set Maximum Credit Limit", 0x0C: "Set Overall Debt Cap"},
		toClient: map[byte]string{0x01: "Publish Prepay Snapshot", 0x02: "Change Payment Mode Response",
			0x03: "Consumer Top Up Response", 0x05: "Publish Top Up Log", 0x06: "Publish Debt Log"},
		attributes: map[uint16]string{0x0000: "Payment Control Configuration", 0x0001: "Credit Remaining",
			0x0002: "Emergency Credit Remaining", 0x0005: "Accumulated Debt", 0x0006: "Overall Debt Cap",
			0x0010: "Emergency Credit Limit", 0x0011: "Emergency Credit Threshold", 0x0021: "Max Credit Limit",
			0x0022: "Max Credit Per Top Up", 0x0031: "Low Credit Warning Level", 0x0040: "Cut Off Value"},
	},
	0x0706: {name: "Energy Management"},
	0x0707: {name: "Calendar",
		toServer: map[byte]string{0x00: "Get Calendar", 0x01: "Get Day Profiles", 0x02: "Get Week Profiles",
			0x03: "Get Seasons", 0x04: "Get Special Days", 0x05: "Get Calendar Cancellation"},
		toClient: map[byte]string{0x00: "Publish Calendar", 0x01: "Publish Day Profile", 0x02: "Publish Week Profile",
			0x03: "Publish Seasons", 0x04: "Publish Special Days", 0x05: "Cancel Calendar"},
	},
	0x0708: {name: "Device Management",
		toServer: map[byte]string{0x00: "Get Change of Tenancy", 0x01: "Get Change of Supplier", 0x02: "Request New Password",
			0x03: "Get Site ID", 0x04: "Report Event Configuration", 0x05: "Get CIN"},
		toClient: map[byte]string{0x00: "Request New Password Response", 0x01: "Publish Change of Tenancy",
			0x02: "Publish Change of Supplier", 0x03: "Update Site ID", 0x04: "Set Event Configuration",
			0x05: "Get Event Configuration", 0x06: "Update CIN"},
	},
	0x0709: {name: "Events",
		toServer: map[byte]string{0x00: "Get Event Log", 0x01: "Clear Event Log Request"},
		toClient: map[byte]string{0x00: "Publish Event", 0x01: "Publish Event Log", 0x02: "Clear Event Log Response"},
	},
	0x070A: {name: "MDU Pairing"},
	0x0800: {name: "Key Establishment"},
}

// ClusterName returns the name of a ZCL cluster, or "" when unknown.
func ClusterName(id uint16) string { return zclClusters[id].name }

func zclCommandName(cluster uint16, fc, id byte) string {
	var name string
	switch fc & 0x03 {
	case 0:
		name = zclProfileCommands[id]
	case 1:
		cl := zclClusters[cluster]
		if fc&0x08 != 0 {
			name = cl.toClient[id]
		} else {
			name = cl.toServer[id]
		}
	}
	if name == "" {
		dir := "client to server"
		if fc&0x08 != 0 {
			dir = "server to client"
		}
		name = fmt.Sprintf("command %#02x (%s)", id, dir)
	}
	return name
}

func zclAttributeName(cluster, id uint16) string { return zclClusters[cluster].attributes[id] }

// ZCLStatus is a ZCL status code (ZigBee Cluster Library status
// enumeration); GBCS devices also answer 0xC0 and up.
type ZCLStatus byte

var zclStatusNames = map[ZCLStatus]string{
	0x00: "Success", 0x01: "Failure", 0x7E: "Not Authorized", 0x80: "Malformed Command", 0x81: "Unsupported Cluster Command",
	0x82: "Unsupported General Command", 0x85: "Invalid Field", 0x86: "Unsupported Attribute", 0x87: "Invalid Value",
	0x88: "Read Only", 0x89: "Insufficient Space", 0x8B: "Not Found", 0x8C: "Unreportable Attribute",
	0x8D: "Invalid Data Type", 0x94: "Timeout",
}

func (s ZCLStatus) String() string {
	if n, ok := zclStatusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("status %#02x", byte(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s ZCLStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ZCLDefaultResponse is the body of a ZCL Default Response.
type ZCLDefaultResponse struct {
	CommandID byte      `json:"commandId"`
	Status    ZCLStatus `json:"status"`
}

// ZCLAttribute is one attribute record: its ID and, in a Read Attributes
// Response, the status, ZCL data type and raw value.
type ZCLAttribute struct {
	ID       uint16     `json:"id"`
	Name     string     `json:"name,omitempty"`
	Status   *ZCLStatus `json:"status,omitempty"`
	DataType *byte      `json:"dataType,omitempty"`
	Value    Hex        `json:"value,omitempty"`
	// Text is the value of a character string, without its length.
	Text string `json:"text,omitempty"`
}

// zclFixedSize returns the size of fixed-length ZCL data types (ZigBee
// Cluster Library data types), or 0 for types handled elsewhere or unknown.
func zclFixedSize(t byte) int {
	switch {
	case t >= 0x08 && t <= 0x0F: // data8..data64
		return int(t-0x08) + 1
	case t == 0x10: // boolean
		return 1
	case t >= 0x18 && t <= 0x1F: // bitmap8..bitmap64
		return int(t-0x18) + 1
	case t >= 0x20 && t <= 0x27: // uint8..uint64
		return int(t-0x20) + 1
	case t >= 0x28 && t <= 0x2F: // int8..int64
		return int(t-0x28) + 1
	case t == 0x30:
		return 1
	case t == 0x31, t == 0x38, t == 0xE8, t == 0xE9:
		return 2
	case t == 0x39, t == 0xE0, t == 0xE1, t == 0xE2, t == 0xEA:
		return 4
	case t == 0x3A, t == 0xF0:
		return 8
	case t == 0xF1:
		return 16
	}
	return 0
}

// parseReadAttributesResponse decodes the attribute records of a Read
// Attributes Response (ZigBee
// Cluster Library general commands): id (LE), status, and when the status
// is success, data type and value.
func parseReadAttributesResponse(cluster uint16, b []byte) ([]ZCLAttribute, error) {
	var out []ZCLAttribute
	p := 0
	for p < len(b) {
		if p+3 > len(b) {
			return nil, ErrShort
		}
		a := ZCLAttribute{ID: binary.LittleEndian.Uint16(b[p:])}
		a.Name = zclAttributeName(cluster, a.ID)
		st := ZCLStatus(b[p+2])
		a.Status = &st
		p += 3
		if st == 0 {
			if p >= len(b) {
				return nil, ErrShort
			}
			t := b[p]
			a.DataType = &t
			p++
			var n int
			switch t {
			case 0x41, 0x42: // octet string, character string: 1-byte length
				if p >= len(b) {
					return nil, ErrShort
				}
				n = 1 + int(b[p])
				if b[p] == 0xFF {
					n = 1
				}
			case 0x43, 0x44: // long strings: 2-byte length, LE
				if p+2 > len(b) {
					return nil, ErrShort
				}
				n = 2 + int(binary.LittleEndian.Uint16(b[p:]))
				if n == 2+0xFFFF {
					n = 2
				}
			default:
				n = zclFixedSize(t)
				if n == 0 {
					return nil, fmt.Errorf("%w: ZCL data type %#02x", ErrTag, t)
				}
			}
			if p+n > len(b) {
				return nil, ErrShort
			}
			a.Value = b[p : p+n]
			if t == 0x42 && n > 1 {
				a.Text = zclText(a.Value[1:])
			}
			p += n
		}
		out = append(out, a)
	}
	return out, nil
}

// zclText renders a ZCL character string up to its first NUL, trimmed,
// or "" when it holds non-printable bytes.
func zclText(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return ""
		}
	}
	return strings.TrimSpace(string(b))
}
