package gbcs

import "fmt"

// PayloadKind classifies a GBCS payload by its first bytes (DOMAIN.md
// §16.5).
type PayloadKind uint8

// Payload kinds.
const (
	PayloadUnknown              PayloadKind = iota
	PayloadDLMSAccessRequest                // D9
	PayloadDLMSAccessResponse               // DA
	PayloadDLMSDataNotification             // 0F
	PayloadGBZ                              // 01 09: ZigBee ZCL (GBZ) profile
	PayloadASN1Sequence                     // 30
	PayloadASN1Integer                      // 02
	PayloadASN1OctetString                  // 04
	PayloadASN1Null                         // 05 00
)

var payloadKindNames = [...]string{
	PayloadUnknown:              "unknown",
	PayloadDLMSAccessRequest:    "DLMS ACCESS-Request",
	PayloadDLMSAccessResponse:   "DLMS ACCESS-Response",
	PayloadDLMSDataNotification: "DLMS DATA-NOTIFICATION",
	PayloadGBZ:                  "GBZ",
	PayloadASN1Sequence:         "ASN.1 SEQUENCE",
	PayloadASN1Integer:          "ASN.1 INTEGER",
	PayloadASN1OctetString:      "ASN.1 OCTET STRING",
	PayloadASN1Null:             "ASN.1 NULL",
}

func (k PayloadKind) String() string {
	if int(k) < len(payloadKindNames) {
		return payloadKindNames[k]
	}
	return fmt.Sprintf("PayloadKind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k PayloadKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// GBZProfileID is the ZigBee Smart Energy profile identifier that starts
// every GBZ payload.
const GBZProfileID = 0x0109

// KindOf classifies payload by its first bytes.
func KindOf(payload []byte) PayloadKind {
	if len(payload) == 0 {
		return PayloadUnknown
	}
	switch payload[0] {
	case 0xD9:
		return PayloadDLMSAccessRequest
	case 0xDA:
		return PayloadDLMSAccessResponse
	case 0x0F:
		return PayloadDLMSDataNotification
	case 0x01:
		if len(payload) > 1 && payload[1] == 0x09 {
			return PayloadGBZ
		}
	case 0x30:
		return PayloadASN1Sequence
	case 0x02:
		return PayloadASN1Integer
	case 0x04:
		return PayloadASN1OctetString
	case 0x05:
		if len(payload) > 1 && payload[1] == 0 {
			return PayloadASN1Null
		}
	}
	return PayloadUnknown
}
