package cosem

import (
	"errors"
	"testing"

	"github.com/smetskit/smetskit/protocol/axdr"
)

func TestAssociationLN(t *testing.T) {
	var a AssociationLN
	sets := map[int8]axdr.Value{
		3: axdr.Structure(axdr.Int8(16), axdr.Uint16(1)),
		// application context LN, as structure (2.16.756.5.8.1.1) and mechanism as BER OID (PROTOCOLS.md §4.1)
		4: axdr.Structure(axdr.Uint8(2), axdr.Uint8(16), axdr.Uint16(756), axdr.Uint8(5), axdr.Uint8(8), axdr.Uint8(1), axdr.Uint8(1)),
		6: axdr.OctetString([]byte{0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05}),
		// conformance 00501F as in the InitiateResponse example of PROTOCOLS.md §4.2
		5: axdr.Structure(axdr.BitString([]byte{0x00, 0x50, 0x1F}, 24), axdr.Uint16(0x01F4), axdr.Uint16(0x01F4),
			axdr.Uint8(6), axdr.Int8(0), axdr.OctetString(nil)),
		8: axdr.Enum(2),
		9: axdr.OctetString([]byte{0, 0, 43, 0, 0, 255}),
		2: axdr.Array(),
	}
	for i, v := range sets {
		if err := a.SetAttribute(i, v); err != nil {
			t.Fatalf("SetAttribute(%d, %v): %v", i, v, err)
		}
	}
	if a.ClientSAP != 16 || a.ServerSAP != 1 || a.ApplicationContext != 1 || a.Mechanism != 5 ||
		a.Context.Conformance != 0x00501F || a.Context.MaxReceivePDU != 500 || a.Context.DLMSVersion != 6 ||
		a.Status.String() != "associated" || a.SecuritySetup.Name() != "Security setup 0" {
		t.Errorf("association = %+v", a)
	}
	for i, bad := range map[int8]axdr.Value{
		3: axdr.Uint8(1), 4: axdr.OctetString([]byte{1, 2, 3}), 5: axdr.Structure(), 6: axdr.Uint8(5),
		8: axdr.Uint8(2), 9: axdr.OctetString([]byte{1}), 2: axdr.Uint8(0),
	} {
		if err := a.SetAttribute(i, bad); !errors.Is(err, ErrShape) && !errors.Is(err, ErrBadOBIS) {
			t.Errorf("SetAttribute(%d, %v) = %v", i, bad, err)
		}
	}
}
