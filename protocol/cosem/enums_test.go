package cosem

import (
	"encoding/hex"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/axdr"
)

func TestEnums(t *testing.T) {
	if Connected.String() != "connected" || ControlState(9).String() != "control state 9" {
		t.Errorf("ControlState strings")
	}
	if ImageTransferStatus(6).String() != "activation successful" {
		t.Errorf("ImageTransferStatus(6) = %s", ImageTransferStatus(6))
	}
	if AssociationStatus(2).String() != "associated" {
		t.Errorf("AssociationStatus(2) = %s", AssociationStatus(2))
	}
	// PROTOCOLS.md §7: proposed baud 0 = 300 … 6 = 19200 … 9 = 115200
	for code, rate := range map[Baud]int{0: 300, 5: 9600, 6: 19200, 9: 115200, 10: 0} {
		if Baud(code).Rate() != rate {
			t.Errorf("Baud(%d).Rate() = %d, want %d", code, Baud(code).Rate(), rate)
		}
	}
	if b, ok := BaudOf(9600); !ok || b != 5 || b.String() != "9600 Bd" {
		t.Errorf("BaudOf(9600) = %v, %v", b, ok)
	}
}

func TestGSMCellInfo(t *testing.T) {
	c, err := ParseGSMCellInfo(axdr.Structure(axdr.Uint32(0x1234), axdr.Uint16(7), axdr.Uint8(20), axdr.Uint8(99),
		axdr.Uint16(234), axdr.Uint16(15), axdr.Uint32(62)))
	if err != nil || c.CellID != 0x1234 || c.MCC != 234 || c.MNC != 15 || c.ChannelNumber != 62 {
		t.Fatalf("ParseGSMCellInfo = %+v, %v", c, err)
	}
	if dbm, ok := c.SignalDBm(); !ok || dbm != -73 {
		t.Errorf("SignalDBm = %d, %v", dbm, ok)
	}
	if _, err := ParseGSMCellInfo(axdr.Structure(axdr.Int8(1), axdr.Uint8(1), axdr.Uint8(1), axdr.Uint8(1))); err == nil {
		t.Errorf("signed element accepted")
	}
}

// TestConformanceGSMCellInfo reads vector axdr-gsm-cell-info (dlms-cosem's
// GSM diagnostic cell_info) through the typed view.
func TestConformanceGSMCellInfo(t *testing.T) {
	for _, v := range conformance.Vectors(t, "dlms/axdr_data.json") {
		if v.ID != "axdr-gsm-cell-info" {
			continue
		}
		b, _ := hex.DecodeString(v.Hex)
		val, _, err := axdr.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseGSMCellInfo(val)
		if err != nil || c != (GSMCellInfo{}) {
			t.Errorf("cell_info = %+v, %v, want all zero", c, err)
		}
		return
	}
	t.Fatal("vector axdr-gsm-cell-info not found")
}
