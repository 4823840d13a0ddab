package gbcs

import (
	"encoding/binary"
	"fmt"
)

// OtherInfo is the other-information field of the grouping header
// (GBCS §7.2.7; DOMAIN.md §16.3). Its length selects the fields present:
//
//	 2  message code
//	10  + supplementary remote party ID (8)
//	18  + supplementary remote party counter (8)
//	26  + supplementary originator counter (8)
//	>26 + supplementary remote party key-agreement certificate (after byte 18)
type OtherInfo struct {
	MessageCode MessageCode `json:"messageCode"`
	// SupplementaryRemotePartyID is present when an ACB-originated command
	// acts on behalf of another remote party (e.g. the supplier).
	SupplementaryRemotePartyID *SystemTitle `json:"supplementaryRemotePartyId,omitempty"`
	// SupplementaryRemotePartyCounter is the counter of that remote party
	// (equal to the DUIS request counter in RTDS messages).
	SupplementaryRemotePartyCounter *uint64 `json:"supplementaryRemotePartyCounter,omitempty"`
	// SupplementaryOriginatorCounter is present in 26-byte fields.
	SupplementaryOriginatorCounter *uint64 `json:"supplementaryOriginatorCounter,omitempty"`
	// KeyAgreementCertificate is the DER certificate of longer fields.
	KeyAgreementCertificate Hex `json:"keyAgreementCertificate,omitempty"`
}

func parseOtherInfo(b []byte) (OtherInfo, error) {
	var oi OtherInfo
	if len(b) < 2 {
		return oi, fmt.Errorf("%w: other-information of %d bytes", ErrLength, len(b))
	}
	oi.MessageCode = MessageCode(binary.BigEndian.Uint16(b))
	switch {
	case len(b) == 2:
	case len(b) == 10, len(b) == 18, len(b) >= 26:
		var id SystemTitle
		copy(id[:], b[2:10])
		oi.SupplementaryRemotePartyID = &id
		if len(b) >= 18 {
			c := binary.BigEndian.Uint64(b[10:])
			oi.SupplementaryRemotePartyCounter = &c
		}
		if len(b) == 26 {
			c := binary.BigEndian.Uint64(b[18:])
			oi.SupplementaryOriginatorCounter = &c
		} else if len(b) > 26 {
			oi.KeyAgreementCertificate = b[18:]
		}
	default:
		return oi, fmt.Errorf("%w: other-information of %d bytes, want 2, 10, 18 or at least 26", ErrLength, len(b))
	}
	return oi, nil
}

func (oi OtherInfo) encodedLen() int {
	switch {
	case oi.SupplementaryRemotePartyID == nil:
		return 2
	case oi.SupplementaryRemotePartyCounter == nil:
		return 10
	case oi.SupplementaryOriginatorCounter != nil:
		return 26
	default:
		return 18 + len(oi.KeyAgreementCertificate)
	}
}

// appendTo appends the length and the field.
func (oi OtherInfo) appendTo(b []byte) ([]byte, error) {
	if oi.SupplementaryRemotePartyID == nil && (oi.SupplementaryRemotePartyCounter != nil || oi.SupplementaryOriginatorCounter != nil || oi.KeyAgreementCertificate != nil) {
		return nil, fmt.Errorf("encode other-information: %w: supplementary fields without a remote party ID", ErrLength)
	}
	if oi.SupplementaryRemotePartyCounter == nil && (oi.SupplementaryOriginatorCounter != nil || oi.KeyAgreementCertificate != nil) {
		return nil, fmt.Errorf("encode other-information: %w: originator counter or certificate without a remote party counter", ErrLength)
	}
	if oi.SupplementaryOriginatorCounter != nil && oi.KeyAgreementCertificate != nil {
		return nil, fmt.Errorf("encode other-information: %w: both originator counter and certificate", ErrLength)
	}
	if oi.KeyAgreementCertificate != nil && len(oi.KeyAgreementCertificate) <= 8 {
		return nil, fmt.Errorf("encode other-information: %w: certificate of %d bytes", ErrLength, len(oi.KeyAgreementCertificate))
	}
	b = appendBERLength(b, oi.encodedLen())
	b = binary.BigEndian.AppendUint16(b, uint16(oi.MessageCode))
	if oi.SupplementaryRemotePartyID == nil {
		return b, nil
	}
	b = append(b, oi.SupplementaryRemotePartyID[:]...)
	if oi.SupplementaryRemotePartyCounter == nil {
		return b, nil
	}
	b = binary.BigEndian.AppendUint64(b, *oi.SupplementaryRemotePartyCounter)
	if oi.SupplementaryOriginatorCounter != nil {
		b = binary.BigEndian.AppendUint64(b, *oi.SupplementaryOriginatorCounter)
	}
	return append(b, oi.KeyAgreementCertificate...), nil
}
