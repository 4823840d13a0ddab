package dlms

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test with errors.Is; the structured errors below unwrap
// to them.
var (
	ErrTruncated          = errors.New("dlms: truncated apdu")
	ErrBadLength          = errors.New("dlms: bad length")
	ErrUnknownTag         = errors.New("dlms: unknown tag")
	ErrTooDeep            = errors.New("dlms: data nested too deeply")
	ErrMalformed          = errors.New("dlms: malformed apdu")
	ErrTrailingBytes      = errors.New("dlms: trailing bytes after apdu")
	ErrRejected           = errors.New("dlms: association rejected")
	ErrAuthentication     = errors.New("dlms: authentication failure")
	ErrContextUnsupported = errors.New("dlms: application context not supported")
	ErrMechanism          = errors.New("dlms: authentication mechanism not supported")
	ErrDecipher           = errors.New("dlms: deciphering error")
	ErrInvocationCounter  = errors.New("dlms: invocation counter not increasing")
	ErrNoKey              = errors.New("dlms: no key for ciphered apdu")
	ErrNotAssociated      = errors.New("dlms: not associated")
	ErrUnexpectedAPDU     = errors.New("dlms: unexpected apdu")
	ErrBlockSequence      = errors.New("dlms: block transfer out of sequence")
	ErrPeerRestarted      = errors.New("dlms: meter restarted or dropped the association")
	ErrTooLarge           = errors.New("dlms: apdu larger than negotiated")
	ErrServiceError       = errors.New("dlms: service error")
	ErrException          = errors.New("dlms: exception response")
	ErrWrapperVersion     = errors.New("dlms: wrapper version not 1")
)

// DecodeError reports where in an APDU decoding stopped.
type DecodeError struct {
	APDU   string // APDU being decoded, e.g. "AARE", "GET-Response"
	Offset int    // byte offset in the APDU
	Err    error
}

func (e *DecodeError) Error() string {
	if e.APDU == "" {
		return fmt.Sprintf("decode apdu at offset %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("decode %s at offset %d: %v", e.APDU, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// named sets the APDU name on a DecodeError produced by a reader.
func named(err error, apdu string) error {
	var de *DecodeError
	if errors.As(err, &de) && de.APDU == "" {
		de.APDU = apdu
	}
	return err
}

// DataAccessResult is the result of a GET or SET on one attribute
// (IEC 62056-5-3 Data-Access-Result; PROTOCOLS.md §5.2). It is an error
// when not Success.
type DataAccessResult uint8

// Data-Access-Result codes.
const (
	Success                 DataAccessResult = 0
	HardwareFault           DataAccessResult = 1
	TemporaryFailure        DataAccessResult = 2
	ReadWriteDenied         DataAccessResult = 3
	ObjectUndefined         DataAccessResult = 4
	ObjectClassInconsistent DataAccessResult = 9
	ObjectUnavailable       DataAccessResult = 11
	TypeUnmatched           DataAccessResult = 12
	ScopeOfAccessViolated   DataAccessResult = 13
	DataBlockUnavailable    DataAccessResult = 14
	LongGetAborted          DataAccessResult = 15
	NoLongGetInProgress     DataAccessResult = 16
	LongSetAborted          DataAccessResult = 17
	NoLongSetInProgress     DataAccessResult = 18
	DataBlockNumberInvalid  DataAccessResult = 19
	OtherReason             DataAccessResult = 250
)

var darNames = map[DataAccessResult]string{
	0: "success", 1: "hardware-fault", 2: "temporary-failure", 3: "read-write-denied",
	4: "object-undefined", 9: "object-class-inconsistent", 11: "object-unavailable",
	12: "type-unmatched", 13: "scope-of-access-violated", 14: "data-block-unavailable",
	15: "long-get-aborted", 16: "no-long-get-in-progress", 17: "long-set-aborted",
	18: "no-long-set-in-progress", 19: "data-block-number-invalid", 250: "other-reason",
}

func (d DataAccessResult) String() string {
	if s, ok := darNames[d]; ok {
		return s
	}
	return fmt.Sprintf("data-access-result(%d)", uint8(d))
}

func (d DataAccessResult) Error() string { return "dlms: " + d.String() }

// ActionResult is the result of an ACTION (IEC 62056-5-3 Action-Result).
// Codes equal DataAccessResult except 15 long-action-aborted and
// 16 no-long-action-in-progress.
type ActionResult uint8

func (a ActionResult) String() string {
	switch a {
	case 15:
		return "long-action-aborted"
	case 16:
		return "no-long-action-in-progress"
	case 17, 18, 19:
		return fmt.Sprintf("action-result(%d)", uint8(a))
	}
	return DataAccessResult(a).String()
}

func (a ActionResult) Error() string { return "dlms: " + a.String() }

// ServiceError is a ConfirmedServiceError or ExceptionResponse received from
// the peer, as an error.
type ServiceError struct {
	APDU APDU
}

func (e *ServiceError) Error() string {
	switch a := e.APDU.(type) {
	case *ConfirmedServiceError:
		return "dlms: confirmed service error: " + a.String()
	case *ExceptionResponse:
		return "dlms: exception response: " + a.String()
	}
	return "dlms: service error"
}

func (e *ServiceError) Unwrap() []error {
	errs := []error{ErrServiceError}
	switch a := e.APDU.(type) {
	case *ExceptionResponse:
		errs[0] = ErrException
		if a.ServiceError == ExcInvocationCounterError {
			errs = append(errs, ErrInvocationCounter)
		}
		if a.ServiceError == ExcDecipheringError {
			errs = append(errs, ErrDecipher)
		}
	case *ConfirmedServiceError:
		if a.ErrorType == 0 && a.Value == 6 { // application-reference / deciphering-error
			errs = append(errs, ErrDecipher)
		}
	}
	return errs
}
