package cosem

import (
	"github.com/smetskit/smetskit/protocol/axdr"
)

// AssociationLN is the typed view of an Association LN object (class 15,
// usually 0-0:40.0.0*255, the current association): what the meter lets
// this client see and how it was reached.
type AssociationLN struct {
	ObjectList         []ObjectListElement // attribute 2
	ClientSAP          int8                // attribute 3 associated_partners_id
	ServerSAP          uint16
	ApplicationContext uint8             // attribute 4, last arc: 1 LN, 2 SN, 3 LN ciphered, 4 SN ciphered
	Context            XDLMSContext      // attribute 5
	Mechanism          uint8             // attribute 6, last arc: 0 none, 1 LLS, 5 HLS-GMAC, 7 HLS-ECDSA (PROTOCOLS.md §4.1)
	Status             AssociationStatus // attribute 8
	SecuritySetup      OBIS              // attribute 9
}

// XDLMSContext is attribute 5 of Association LN:
//
//	structure{conformance bit-string(24), max_receive_pdu_size long-unsigned,
//	          max_send_pdu_size long-unsigned, dlms_version_number unsigned,
//	          quality_of_service integer, cyphering_info octet-string}
type XDLMSContext struct {
	Conformance      uint32 // the 24 bits, bit 0 (MSB) first as in PROTOCOLS.md §4.3
	MaxReceivePDU    uint16
	MaxSendPDU       uint16
	DLMSVersion      uint8
	QualityOfService int8
	CypheringInfo    []byte
}

// SetAttribute stores attribute index from its decoded value.
func (a *AssociationLN) SetAttribute(index int8, v axdr.Value) error {
	switch index {
	case 2:
		list, err := ParseObjectList(v)
		if err != nil {
			return err
		}
		a.ObjectList = list
	case 3:
		if v.Type() != axdr.TypeStructure || v.Len() != 2 || v.Index(0).Type() != axdr.TypeInteger || v.Index(1).Type() != axdr.TypeLongUnsigned {
			return shapeErr("associated_partners_id", "want structure{integer, long-unsigned}, got %s of %d elements", v.Type(), v.Len())
		}
		a.ClientSAP, a.ServerSAP = int8(v.Index(0).Int()), uint16(v.Index(1).Uint())
	case 4:
		arc, err := lastArc("application_context_name", v)
		if err != nil {
			return err
		}
		a.ApplicationContext = arc
	case 5:
		c, err := parseXDLMSContext(v)
		if err != nil {
			return err
		}
		a.Context = c
	case 6:
		arc, err := lastArc("authentication_mechanism_name", v)
		if err != nil {
			return err
		}
		a.Mechanism = arc
	case 8:
		if v.Type() != axdr.TypeEnum {
			return shapeErr("association_status", "%s, want enum", v.Type())
		}
		a.Status = AssociationStatus(v.Uint())
	case 9:
		if v.Type() != axdr.TypeOctetString {
			return shapeErr("security_setup_reference", "%s, want octet-string", v.Type())
		}
		o, err := OBISFromBytes(v.Bytes())
		if err != nil {
			return &ShapeError{What: "security_setup_reference", Err: err}
		}
		a.SecuritySetup = o
	}
	return nil
}

// lastArc reads the last arc of a context or mechanism name, sent either as
// a structure of 7 unsigned integers (joint-iso-ctt, country, country-name,
// organization, DLMS UA, kind, id) or as the BER-encoded OID in an
// octet-string (60 85 74 05 08 01 01).
func lastArc(what string, v axdr.Value) (uint8, error) {
	switch v.Type() {
	case axdr.TypeStructure:
		if v.Len() != 7 {
			return 0, shapeErr(what, "structure of %d elements, want 7", v.Len())
		}
		last := v.Index(6)
		if _, ok := last.Number(); !ok {
			return 0, shapeErr(what, "last arc is %s", last.Type())
		}
		return uint8(last.Uint()), nil
	case axdr.TypeOctetString:
		b := v.Bytes()
		if len(b) < 7 || b[0] != 0x60 || b[1] != 0x85 || b[2] != 0x74 || b[3] != 0x05 || b[4] != 0x08 {
			return 0, shapeErr(what, "octet-string %x is not a DLMS UA object identifier", b)
		}
		return b[len(b)-1], nil
	}
	return 0, shapeErr(what, "%s, want structure or octet-string", v.Type())
}

func parseXDLMSContext(v axdr.Value) (XDLMSContext, error) {
	if v.Type() != axdr.TypeStructure || v.Len() != 6 {
		return XDLMSContext{}, shapeErr("xDLMS_context_info", "%s of %d elements, want structure of 6", v.Type(), v.Len())
	}
	conf, rx, tx, ver, qos, ci := v.Index(0), v.Index(1), v.Index(2), v.Index(3), v.Index(4), v.Index(5)
	if conf.Type() != axdr.TypeBitString || conf.BitLen() != 24 || len(conf.Bytes()) != 3 || rx.Type() != axdr.TypeLongUnsigned ||
		tx.Type() != axdr.TypeLongUnsigned || ver.Type() != axdr.TypeUnsigned || qos.Type() != axdr.TypeInteger ||
		ci.Type() != axdr.TypeOctetString {
		return XDLMSContext{}, shapeErr("xDLMS_context_info", "structure{%s, %s, %s, %s, %s, %s}",
			conf.Type(), rx.Type(), tx.Type(), ver.Type(), qos.Type(), ci.Type())
	}
	cb := conf.Bytes()
	return XDLMSContext{
		Conformance:   uint32(cb[0])<<16 | uint32(cb[1])<<8 | uint32(cb[2]),
		MaxReceivePDU: uint16(rx.Uint()), MaxSendPDU: uint16(tx.Uint()),
		DLMSVersion: uint8(ver.Uint()), QualityOfService: int8(qos.Int()), CypheringInfo: ci.Bytes(),
	}, nil
}
