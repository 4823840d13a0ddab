package dlms

import "fmt"

// DataNotification (tag 0F) pushes data without a request
// (IEC 62056-5-3 §9.3.10; PROTOCOLS.md §5.6); GBCS alerts use it.
//
//	0F | long-invoke-id-and-priority u32 | date-time: 00, or 0C + 12 bytes | Data
type DataNotification struct {
	LongInvokeID uint32
	DateTime     []byte // 12-byte COSEM date-time, nil or empty when absent
	Body         Data
}

func (*DataNotification) apduName() string { return "DataNotification" }

// AppendAPDU appends the A-XDR encoding.
func (a *DataNotification) AppendAPDU(dst []byte) ([]byte, error) {
	dst = appendU32(append(dst, TagDataNotification), a.LongInvokeID)
	dst = appendOctets(dst, a.DateTime)
	return append(dst, a.Body...), nil
}

func decodeDataNotification(r *reader) APDU {
	a := &DataNotification{LongInvokeID: r.u32()}
	if dt := r.octets(); len(dt) > 0 {
		a.DateTime = dt
	}
	a.Body = r.data()
	return a
}

// EventNotification (tag C2) reports one attribute value unsolicited
// (IEC 62056-5-3 §9.3.11): `C2 | 00 or 01 octet-string time | class obis attr | Data`.
type EventNotification struct {
	Time      []byte // nil when absent
	Attribute AttributeDescriptor
	Value     Data
}

func (*EventNotification) apduName() string { return "EventNotification" }

// AppendAPDU appends the A-XDR encoding.
func (a *EventNotification) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagEventNotification)
	if a.Time != nil {
		dst = appendOctets(append(dst, 1), a.Time)
	} else {
		dst = append(dst, 0)
	}
	return append(appendAttr(dst, a.Attribute), a.Value...), nil
}

func decodeEventNotification(r *reader) APDU {
	a := &EventNotification{}
	if r.flag() {
		a.Time = r.octets()
	}
	a.Attribute = r.attr()
	a.Value = r.data()
	return a
}

// Exception service errors (PROTOCOLS.md §5.6).
const (
	ExcOperationNotPossible   = 1
	ExcServiceNotSupported    = 2
	ExcOtherReason            = 3
	ExcPDUTooLong             = 4
	ExcDecipheringError       = 5
	ExcInvocationCounterError = 6
)

// ExceptionResponse (tag D8) is the server's answer to an APDU it cannot
// process (IEC 62056-5-3 §9.3.16): `D8 state-error service-error
// [expected invocation counter u32 when service-error = 6]`.
type ExceptionResponse struct {
	StateError        uint8 // 1 service-not-allowed, 2 service-unknown
	ServiceError      uint8
	InvocationCounter uint32 // expected counter, with ExcInvocationCounterError
}

func (*ExceptionResponse) apduName() string { return "ExceptionResponse" }

func (a *ExceptionResponse) String() string {
	state := map[uint8]string{1: "service-not-allowed", 2: "service-unknown"}[a.StateError]
	if state == "" {
		state = fmt.Sprintf("state-error(%d)", a.StateError)
	}
	svc := map[uint8]string{1: "operation-not-possible", 2: "service-not-supported", 3: "other-reason",
		4: "pdu-too-long", 5: "deciphering-error", 6: "invocation-counter-error"}[a.ServiceError]
	if svc == "" {
		svc = fmt.Sprintf("service-error(%d)", a.ServiceError)
	}
	if a.ServiceError == ExcInvocationCounterError {
		svc += fmt.Sprintf(" (expected %d)", a.InvocationCounter)
	}
	return state + "/" + svc
}

// AppendAPDU appends the A-XDR encoding.
func (a *ExceptionResponse) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, TagExceptionResponse, a.StateError, a.ServiceError)
	if a.ServiceError == ExcInvocationCounterError {
		dst = appendU32(dst, a.InvocationCounter)
	}
	return dst, nil
}

func decodeExceptionResponse(r *reader) APDU {
	a := &ExceptionResponse{StateError: r.u8(), ServiceError: r.u8()}
	if a.ServiceError == ExcInvocationCounterError && r.remaining() >= 4 {
		a.InvocationCounter = r.u32()
	}
	return a
}

// GeneralBlockTransfer (tag E0) carries one block of any APDU when
// general-block-transfer is negotiated (IEC 62056-5-3 §9.3.5;
// PROTOCOLS.md §5.6).
//
//	E0 | block-control (bit 7 last, bit 6 streaming, bits 5..0 window) |
//	     block-number u16 | block-number-ack u16 | block-data (length + bytes)
type GeneralBlockTransfer struct {
	Last      bool
	Streaming bool
	Window    uint8
	Block     uint16
	BlockAck  uint16
	Data      []byte
}

func (*GeneralBlockTransfer) apduName() string { return "general-block-transfer" }

// AppendAPDU appends the encoding.
func (a *GeneralBlockTransfer) AppendAPDU(dst []byte) ([]byte, error) {
	c := a.Window & 0x3F
	if a.Last {
		c |= 0x80
	}
	if a.Streaming {
		c |= 0x40
	}
	dst = append(dst, TagGeneralBlockTransfer, c)
	dst = appendU16(appendU16(dst, a.Block), a.BlockAck)
	return appendOctets(dst, a.Data), nil
}

func decodeGeneralBlockTransfer(r *reader) APDU {
	c := r.u8()
	a := &GeneralBlockTransfer{Last: c&0x80 != 0, Streaming: c&0x40 != 0, Window: c & 0x3F}
	a.Block = r.u16()
	a.BlockAck = r.u16()
	a.Data = r.octets()
	return a
}
