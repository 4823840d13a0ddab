package gbcs

import (
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// DLMSPayload is the decoded view of a DLMS payload carried in GBCS: an
// ACCESS-Request (D9), ACCESS-Response (DA) or DATA-NOTIFICATION (0F).
type DLMSPayload struct {
	APDU         string `json:"apdu"`
	LongInvokeID uint32 `json:"longInvokeId"`
	// DateTime is the APDU's date-time, rendered by axdr, when present.
	DateTime string            `json:"dateTime,omitempty"`
	Requests []DLMSRequestItem `json:"requests,omitempty"`
	Results  []DLMSResultItem  `json:"results,omitempty"`
	// Notification is the body of a DATA-NOTIFICATION.
	Notification *axdr.Value `json:"notification,omitempty"`

	apdu dlms.APDU
}

// DLMSRequestItem is one element of an ACCESS-Request list.
type DLMSRequestItem struct {
	Service   string      `json:"service"` // get, set, action, get-with-selection, set-with-selection
	ClassID   uint16      `json:"classId"`
	Instance  string      `json:"instance"` // OBIS, as cosem.OBIS prints it
	Attribute int8        `json:"attribute,omitempty"`
	Method    int8        `json:"method,omitempty"`
	Selector  *uint8      `json:"selector,omitempty"`
	Data      *axdr.Value `json:"data,omitempty"`
}

// DLMSResultItem is one element of an ACCESS-Response: the result and the
// data returned with it (GET data; null for SET and most ACTIONs).
type DLMSResultItem struct {
	Service string      `json:"service"`
	Result  uint8       `json:"result"`
	Name    string      `json:"resultName"`
	OK      bool        `json:"ok"`
	Data    *axdr.Value `json:"data,omitempty"`
}

// APDUValue returns the dlms APDU the view was built from.
func (d *DLMSPayload) APDUValue() dlms.APDU { return d.apdu }

var accessServiceNames = map[uint8]string{
	dlms.AccessGet: "get", dlms.AccessSet: "set", dlms.AccessAction: "action",
	dlms.AccessGetWithSelection: "get-with-selection", dlms.AccessSetWithSelection: "set-with-selection",
}

func accessService(k uint8) string {
	if n, ok := accessServiceNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind %d", k)
}

// decodeData decodes one A-XDR value; a null-data value is returned as nil.
func decodeData(d dlms.Data) (*axdr.Value, error) {
	if len(d) == 0 {
		return nil, nil
	}
	v, n, err := axdr.Decode(d)
	if err != nil {
		return nil, err
	}
	if n != len(d) {
		return nil, fmt.Errorf("%w: %d bytes after A-XDR value", ErrTrailing, len(d)-n)
	}
	if v.Type() == axdr.TypeNull {
		return nil, nil
	}
	return &v, nil
}

func dlmsDateTime(b []byte) string {
	if len(b) != 12 {
		return ""
	}
	dt, err := axdr.ParseDateTime(b)
	if err != nil {
		return ""
	}
	return dateTimeText(dt)
}

// dateTimeText renders a COSEM date-time as RFC 3339 in UTC when it names
// an instant (GBCS devices keep UTC, so an unspecified deviation reads as
// UTC), and in axdr's field-by-field form otherwise.
func dateTimeText(dt axdr.DateTime) string {
	t, err := dt.Time(time.UTC, axdr.DeviationNormal)
	if err != nil {
		return dt.String()
	}
	return t.UTC().Format(time.RFC3339)
}

// ParseDLMS decodes a DLMS payload (D9, DA or 0F) through package dlms and
// its A-XDR values through package axdr.
func ParseDLMS(b []byte) (*DLMSPayload, error) {
	a, err := dlms.Decode(b)
	if err != nil {
		return nil, decodeErr("DLMS payload", 0, err)
	}
	p := &DLMSPayload{APDU: dlms.Name(a), apdu: a}
	switch a := a.(type) {
	case *dlms.AccessRequest:
		p.LongInvokeID = a.LongInvokeID
		p.DateTime = dlmsDateTime(a.DateTime)
		for i, s := range a.Specs {
			it := DLMSRequestItem{Service: accessService(s.Kind)}
			if s.Kind == dlms.AccessAction {
				it.ClassID, it.Instance, it.Method = uint16(s.Method.Class), s.Method.Instance.String(), s.Method.Method
			} else {
				it.ClassID, it.Instance, it.Attribute = uint16(s.Attribute.Class), s.Attribute.Instance.String(), s.Attribute.Attribute
			}
			if s.Access != nil {
				sel := s.Access.Selector
				it.Selector = &sel
			}
			if i < len(a.Data) {
				if it.Data, err = decodeData(a.Data[i]); err != nil {
					return nil, decodeErr("DLMS request data", 0, fmt.Errorf("item %d: %w", i, err))
				}
			}
			p.Requests = append(p.Requests, it)
		}
	case *dlms.AccessResponse:
		p.LongInvokeID = a.LongInvokeID
		p.DateTime = dlmsDateTime(a.DateTime)
		for i, r := range a.Results {
			it := DLMSResultItem{Service: accessService(r.Kind), Result: r.Result, OK: r.Result == 0}
			if r.Kind == dlms.AccessAction {
				it.Name = dlms.ActionResult(r.Result).String()
			} else {
				it.Name = dlms.DataAccessResult(r.Result).String()
			}
			if i < len(a.Data) {
				if it.Data, err = decodeData(a.Data[i]); err != nil {
					return nil, decodeErr("DLMS response data", 0, fmt.Errorf("item %d: %w", i, err))
				}
			}
			p.Results = append(p.Results, it)
		}
	case *dlms.DataNotification:
		p.LongInvokeID = a.LongInvokeID
		p.DateTime = dlmsDateTime(a.DateTime)
		if p.Notification, err = decodeData(a.Body); err != nil {
			return nil, decodeErr("DLMS notification body", 0, err)
		}
	default:
		return nil, decodeErr("DLMS payload", 0, fmt.Errorf("%w: %s is not a GBCS payload APDU", ErrTag, p.APDU))
	}
	return p, nil
}
