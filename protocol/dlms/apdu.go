package dlms

import (
	"fmt"
)

// APDU tags (IEC 62056-5-3 §8; PROTOCOLS.md §5.1).
const (
	TagInitiateRequest          = 0x01
	TagInitiateResponse         = 0x08
	TagConfirmedServiceError    = 0x0E
	TagDataNotification         = 0x0F
	TagAARQ                     = 0x60
	TagAARE                     = 0x61
	TagRLRQ                     = 0x62
	TagRLRE                     = 0x63
	TagGetRequest               = 0xC0
	TagSetRequest               = 0xC1
	TagEventNotification        = 0xC2
	TagActionRequest            = 0xC3
	TagGetResponse              = 0xC4
	TagSetResponse              = 0xC5
	TagActionResponse           = 0xC7
	TagExceptionResponse        = 0xD8
	TagAccessRequest            = 0xD9
	TagAccessResponse           = 0xDA
	TagGeneralGloCiphering      = 0xDB
	TagGeneralDedCiphering      = 0xDC
	TagGeneralCiphering         = 0xDD
	TagGeneralSigning           = 0xDF
	TagGeneralBlockTransfer     = 0xE0
	TagGloInitiateRequest       = 0x21
	TagGloInitiateResponse      = 0x28
	TagGloConfirmedServiceError = 0x2E
	TagDedInitiateRequest       = 0x41
	TagDedInitiateResponse      = 0x48
	TagDedConfirmedServiceError = 0x4E
	TagGloGetRequest            = 0xC8
	TagDedGetRequest            = 0xD0
)

// APDU is one decoded DLMS/COSEM APDU. Each concrete type (*AARQ,
// *GetRequestNormal, *CipheredAPDU, ...) appends its own encoding.
type APDU interface {
	// AppendAPDU appends the encoded APDU to dst.
	AppendAPDU(dst []byte) ([]byte, error)
	apduName() string
}

// Name returns the APDU's name in the words of the standard, such as
// "GET-Response-Normal".
func Name(a APDU) string { return a.apduName() }

// Encode returns the encoding of a.
func Encode(a APDU) ([]byte, error) { return a.AppendAPDU(nil) }

// Decode decodes one APDU that fills b. When bytes remain after a complete
// APDU, Decode returns the APDU together with an error wrapping
// ErrTrailingBytes, so a caller may accept the APDU and report the surplus
// (PROTOCOLS.md §11.5). No input makes it panic; lengths are checked against
// the bytes present before anything is allocated from them.
func Decode(b []byte) (APDU, error) {
	a, n, err := DecodePrefix(b)
	if err != nil {
		return nil, err
	}
	if n < len(b) {
		return a, &DecodeError{APDU: a.apduName(), Offset: n,
			Err: fmt.Errorf("%w: %d bytes", ErrTrailingBytes, len(b)-n)}
	}
	return a, nil
}

// DecodePrefix decodes the APDU at the start of b and returns how many bytes
// it used.
func DecodePrefix(b []byte) (APDU, int, error) {
	if len(b) == 0 {
		return nil, 0, &DecodeError{Err: ErrTruncated}
	}
	tag := b[0]
	switch tag {
	case TagAARQ, TagAARE, TagRLRQ, TagRLRE:
		n, size, err := readBERLength(b[1:])
		if err != nil {
			return nil, 0, &DecodeError{APDU: acseName(tag), Offset: 1, Err: err}
		}
		body := b[1+size : 1+size+n]
		var a APDU
		switch tag {
		case TagAARQ:
			a, err = decodeAARQ(body)
		case TagAARE:
			a, err = decodeAARE(body)
		case TagRLRQ:
			var r ReleaseRequest
			r.HasReason, r.Reason, r.UserInformation, err = decodeRelease(body)
			a = &r
		case TagRLRE:
			var r ReleaseResponse
			r.HasReason, r.Reason, r.UserInformation, err = decodeRelease(body)
			a = &r
		}
		if err != nil {
			return nil, 0, named(err, acseName(tag))
		}
		return a, 1 + size + n, nil
	}
	if isCipheredTag(tag) {
		return decodeCiphered(b)
	}
	r := &reader{b: b, off: 1}
	var a APDU
	switch tag {
	case TagInitiateRequest:
		a = decodeInitiateRequest(r)
	case TagInitiateResponse:
		a = decodeInitiateResponse(r)
	case TagConfirmedServiceError:
		a = &ConfirmedServiceError{Service: r.u8(), ErrorType: r.u8(), Value: r.u8()}
	case TagDataNotification:
		a = decodeDataNotification(r)
	case TagEventNotification:
		a = decodeEventNotification(r)
	case TagExceptionResponse:
		a = decodeExceptionResponse(r)
	case TagGeneralBlockTransfer:
		a = decodeGeneralBlockTransfer(r)
	case TagReadRequest, TagWriteRequest, TagReadResponse, TagWriteResponse, TagUnconfirmedWriteRequest:
		a = decodeSN(r, tag)
	case TagAccessRequest:
		a = decodeAccessRequest(r)
	case TagAccessResponse:
		a = decodeAccessResponse(r)
	case TagGetRequest, TagSetRequest, TagActionRequest, TagGetResponse, TagSetResponse, TagActionResponse:
		choice := r.u8()
		switch tag {
		case TagGetRequest:
			a = decodeGetRequest(r, choice)
		case TagSetRequest:
			a = decodeSetRequest(r, choice)
		case TagActionRequest:
			a = decodeActionRequest(r, choice)
		case TagGetResponse:
			a = decodeGetResponse(r, choice)
		case TagSetResponse:
			a = decodeSetResponse(r, choice)
		case TagActionResponse:
			a = decodeActionResponse(r, choice)
		}
		if a == nil && r.err == nil {
			return nil, 0, &DecodeError{Offset: 1, Err: fmt.Errorf("%w: choice %d of tag %#02x", ErrUnknownTag, choice, tag)}
		}
	default:
		return nil, 0, &DecodeError{Err: fmt.Errorf("%w: %#02x", ErrUnknownTag, tag)}
	}
	if r.err != nil {
		name := fmt.Sprintf("apdu %#02x", tag)
		if a != nil {
			name = a.apduName()
		}
		return nil, 0, named(r.err, name)
	}
	return a, r.off, nil
}

func acseName(tag byte) string {
	return map[byte]string{TagAARQ: "AARQ", TagAARE: "AARE", TagRLRQ: "RLRQ", TagRLRE: "RLRE"}[tag]
}

// InvokeIDOf returns the invoke-id-and-priority byte of a service APDU, and
// false for APDUs without one.
func InvokeIDOf(a APDU) (byte, bool) {
	switch a := a.(type) {
	case *GetRequestNormal:
		return a.InvokeID, true
	case *GetRequestNext:
		return a.InvokeID, true
	case *GetRequestWithList:
		return a.InvokeID, true
	case *GetResponseNormal:
		return a.InvokeID, true
	case *GetResponseWithDatablock:
		return a.InvokeID, true
	case *GetResponseWithList:
		return a.InvokeID, true
	case *SetRequestNormal:
		return a.InvokeID, true
	case *SetRequestWithFirstDatablock:
		return a.InvokeID, true
	case *SetRequestWithDatablock:
		return a.InvokeID, true
	case *SetRequestWithList:
		return a.InvokeID, true
	case *SetResponseNormal:
		return a.InvokeID, true
	case *SetResponseDatablock:
		return a.InvokeID, true
	case *SetResponseLastDatablock:
		return a.InvokeID, true
	case *SetResponseWithList:
		return a.InvokeID, true
	case *ActionRequestNormal:
		return a.InvokeID, true
	case *ActionRequestNextPblock:
		return a.InvokeID, true
	case *ActionRequestWithList:
		return a.InvokeID, true
	case *ActionRequestWithFirstPblock:
		return a.InvokeID, true
	case *ActionRequestWithPblock:
		return a.InvokeID, true
	case *ActionResponseNormal:
		return a.InvokeID, true
	case *ActionResponseWithPblock:
		return a.InvokeID, true
	case *ActionResponseWithList:
		return a.InvokeID, true
	case *ActionResponseNextPblock:
		return a.InvokeID, true
	case *SetRequestWithListAndFirstDatablock:
		return a.InvokeID, true
	case *SetResponseLastDatablockWithList:
		return a.InvokeID, true
	case *ActionRequestWithListAndFirstPblock:
		return a.InvokeID, true
	}
	return 0, false
}
