package duis

import (
	"slices"
	"strings"
)

// ResponseCode is a DUIS response code (XSD ResponseCode): I0 and I99 for
// success and acknowledgement, E… for errors, W… for warnings. SR-specific
// codes have the form Essvvnn / Wssvvnn where ssvv is the Service
// Reference (DOMAIN.md §14).
type ResponseCode string

// Response codes with a documented meaning.
const (
	CodeSuccess         ResponseCode = "I0"
	CodeAcknowledgement ResponseCode = "I99"
)

// responseCodes is the XSD 5.4 enumeration in schema order.
var responseCodes = strings.Fields(`I0 I99 E1 E2 E3 E4 E5 E11 E12 E13 E17 E19 E20 E21 E30 E31
E40 E41 E42 E43 E44 E45 E46 E47 E48 E49 E50 E51 E52 E53 E54 E55 E56 E57 E58 E59 E60 E61 E62 E63
E64 E65 E66 E67 E68 E69 E70 E71 E100 E1000 E1001 E1003 E1004 E1006 E1007 E1008 E1010 E1011
E010101 E010102 E010201 E030301 E030302 E040101 E041701 E050101 E050102 E050103 E050105 E050107
E050108 E050109 E050110 E050111 E050112 E050201 E050202 W050201 E050301 E050302 W050301 E060501
E060502 E060701 E060801 E060802 E060803 E061301 E061304 E061305 E061501 E061504 E061505 E061506
E061507 E061508 E061509 E061801 E061802 E061803 E062101 E062102 E062103 E062105 E062201 E062202
E062203 E062301 E062302 E062303 E062304 E062305 E062306 E062401 E062402 E062403 E062801 E062802
E062803 E080201 E080202 E080301 E080302 E080405 E080406 E080407 E080408 E080409 E080410 E080411
E080412 E080413 E080414 E080415 E080501 E080502 E080503 E080601 E080602 E080604 E080606 E080607
E080702 E080721 E080722 E080723 E080801 E080821 E080822 E080901 E080902 E080903 E081101 E081102
E081104 E081105 E081106 E081107 E081108 E081109 E081110 E081111 E081202 E081204 E081205 E081221
E081222 E081223 E081301 E081302 E081303 E081401 E081402 E081405 E081406 W081401 E110101 E110102
E110103 E110105 E110106 W110101 E110401 E110402 E110403 E110405 W110401 E120101 E120102 E120103
E120201 E120203 E120204 E120207`)

// responseMeanings holds the meanings the sources document (DOMAIN.md §14).
var responseMeanings = map[ResponseCode]string{
	"I0":      "success",
	"I99":     "acknowledgement: accepted and passed access control (device SR), or success of a non-device SR with no data",
	"E1":      "authorisation failed: invalid User / User Role combination",
	"E2":      "authorisation failed: role not allowed this Service Reference",
	"E3":      "authorisation failed: User status does not allow this service request",
	"E4":      "authorisation failed: role not authorised for this device at the required date/time",
	"E5":      "authorisation failed: device SMI status incompatible with the service request",
	"E11":     "validation failed: service request not compatible with the device type",
	"E12":     "validation failed: command variant not applicable to the request",
	"E13":     "validation failed: request type not valid for the URL",
	"E17":     "authorisation failed: not available for local command services for this role or device status",
	"E19":     "authorisation failed: device does not exist",
	"E20":     "communications failure: DCC cannot reach the device",
	"E21":     "communications failure: no response from the device",
	"E30":     "time-out of a future-dated command",
	"E120201": "CHF and GPF device IDs are identical",
}

// ResponseCodes returns the XSD enumeration of response codes in schema order.
func ResponseCodes() []ResponseCode {
	out := make([]ResponseCode, len(responseCodes))
	for i, c := range responseCodes {
		out[i] = ResponseCode(c)
	}
	return out
}

func (c ResponseCode) Known() bool      { return slices.Contains(responseCodes, string(c)) }
func (c ResponseCode) Values() []string { return responseCodes }

// IsSuccess reports whether c is I0 or I99.
func (c ResponseCode) IsSuccess() bool { return c == CodeSuccess || c == CodeAcknowledgement }

// IsWarning reports whether c is a W… code.
func (c ResponseCode) IsWarning() bool { return strings.HasPrefix(string(c), "W") }

// IsError reports whether c is an E… code.
func (c ResponseCode) IsError() bool { return strings.HasPrefix(string(c), "E") }

// ServiceReference returns the Service Reference an SR-specific code
// (Essvvnn / Wssvvnn) belongs to, for example "8.11" for E081101, or "".
func (c ResponseCode) ServiceReference() string {
	s := string(c)
	if len(s) != 7 || (s[0] != 'E' && s[0] != 'W') {
		return ""
	}
	ss, vv := strings.TrimLeft(s[1:3], "0"), strings.TrimLeft(s[3:5], "0")
	if ss == "" || vv == "" {
		return ""
	}
	return ss + "." + vv
}

// Meaning returns what the code means. Codes whose meaning the sources do
// not give map to "DCC rejected: <code>" (or "DCC warning: <code>"), so
// the raw code is always kept (DOMAIN.md §14).
func (c ResponseCode) Meaning() string {
	if m, ok := responseMeanings[c]; ok {
		return m
	}
	if c.IsWarning() {
		return "DCC warning: " + string(c)
	}
	return "DCC rejected: " + string(c)
}
