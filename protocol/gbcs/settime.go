package gbcs

import (
	"fmt"
	"time"
)

const generalizedTimeLayout = "20060102150405Z"

func parseGeneralizedTime(n DERNode) (time.Time, error) {
	if !n.is(DERGeneralizedTime, false) {
		return time.Time{}, fmt.Errorf("%w: want GeneralizedTime", ErrTag)
	}
	t, err := time.Parse(generalizedTimeLayout, string(n.Value))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: GeneralizedTime %q", ErrTag, n.Value)
	}
	return t, nil
}

func derTime(t time.Time) DERNode {
	return DERNode{Tag: DERGeneralizedTime, Value: Hex(t.UTC().Format(generalizedTimeLayout))}
}

// SetTimeCommand is the GCS28 (Set Clock on GSME) command payload:
// SEQUENCE { validityIntervalStart GeneralizedTime, validityIntervalEnd
// GeneralizedTime }.
type SetTimeCommand struct {
	ValidityStart time.Time `json:"validityIntervalStart"`
	ValidityEnd   time.Time `json:"validityIntervalEnd"`
}

// ParseSetTimeCommand decodes a GCS28 command payload.
func ParseSetTimeCommand(b []byte) (*SetTimeCommand, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "GCS28 command"
	if !n.is(DERSequence, true) || len(n.Children) != 2 {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE of 2", ErrTag))
	}
	var c SetTimeCommand
	if c.ValidityStart, err = parseGeneralizedTime(n.Children[0]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	if c.ValidityEnd, err = parseGeneralizedTime(n.Children[1]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	return &c, nil
}

// AppendBinary appends the DER encoding of c.
func (c *SetTimeCommand) AppendBinary(b []byte) ([]byte, error) {
	return derSeq(derTime(c.ValidityStart), derTime(c.ValidityEnd)).AppendDER(b), nil
}

// TimeStatus is the GSME's view of its own clock in a GCS28 response.
type TimeStatus int

// Time statuses.
const (
	TimeReliable   TimeStatus = 0
	TimeInvalid    TimeStatus = 1
	TimeUnreliable TimeStatus = 2
)

func (s TimeStatus) String() string {
	if s >= 0 && int(s) < len(timeStatusNames) {
		return timeStatusNames[s]
	}
	return fmt.Sprintf("TimeStatus(%d)", int(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s TimeStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// SetTimeResponse is the GCS28 response payload: SEQUENCE { deviceTime
// GeneralizedTime, deviceTimeStatus INTEGER }.
type SetTimeResponse struct {
	DeviceTime time.Time  `json:"deviceTime"`
	Status     TimeStatus `json:"timeStatus"`
}

// ParseSetTimeResponse decodes a GCS28 response payload.
func ParseSetTimeResponse(b []byte) (*SetTimeResponse, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "GCS28 response"
	if !n.is(DERSequence, true) || len(n.Children) != 2 {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE of 2", ErrTag))
	}
	var r SetTimeResponse
	if r.DeviceTime, err = parseGeneralizedTime(n.Children[0]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	v, err := n.Children[1].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	r.Status = TimeStatus(v)
	return &r, nil
}

// AppendBinary appends the DER encoding of r.
func (r *SetTimeResponse) AppendBinary(b []byte) ([]byte, error) {
	return derSeq(derTime(r.DeviceTime), derInt(int64(r.Status))).AppendDER(b), nil
}
