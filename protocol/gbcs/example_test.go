package gbcs_test

import (
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/gbcs"
)

// The GBCS §18.4 critical command (ECS04b), as printed in the spec.
const spec184 = `DD00000000000081A91100000000DF0901000000000000000108123456789ABC
DEF008FFFFFFFFFFFFFFFE000200B335D92000000100030300700000130A00FF
020300700000130A01FF020300700000130A02FF020305000000000500000000
05000000004059045AB0F554622B0360340B9D87B5A23ED5723B41DE3F206E58
CDD10F915B9FE2E12E2DA3632478A8DF678E418895869AC1E55318CCE04D120D
2D6B44DC167B5D832D15B57A56D620F198B3`

func ExampleDecodeText() {
	d, err := gbcs.DecodeText(spec184)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Header.Kind, d.Header.CRA, d.Header.Originator, "->", d.Header.Recipient)
	fmt.Println(d.MessageCode, "|", d.Payload.Kind, "|", len(d.Payload.DLMS.Requests), "requests")
	// Output:
	// GeneralCiphering Command 123456789ABCDEF0 -> FFFFFFFFFFFFFFFE
	// 0x00B3 ECS04b Reset Meter Balance on the ESME | DLMS ACCESS-Request | 3 requests
}

// A GSME answers a GCS28 set-clock command: build the ASN.1 response, the
// reply frame and its bytes.
func ExampleMessage_Reply() {
	cmd := &gbcs.Message{
		Kind:          gbcs.FrameGeneralSigning,
		TransactionID: gbcs.TransactionID{CRA: gbcs.CRACommand, Counter: 1000},
		OtherInfo:     gbcs.OtherInfo{MessageCode: gbcs.CodeGCS28},
		Payload:       []byte{0x05, 0x00},
		Signature:     gbcs.Hex{},
	}
	cmd.Originator.UnmarshalText([]byte("90B3D51F30010000"))
	cmd.Recipient.UnmarshalText([]byte("00DB1234567890A1"))

	body, _ := (&gbcs.SetTimeResponse{
		DeviceTime: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
		Status:     gbcs.TimeReliable,
	}).AppendBinary(nil)
	resp := cmd.Reply(body)
	wire, _ := resp.MarshalBinary()

	d, _ := gbcs.Decode(wire)
	fmt.Println(d.Header.CRA, d.UseCase, d.Facts.DeviceTime, d.Facts.TimeStatus)
	// Output:
	// Response GCS28 2015-01-01T00:00:00Z Reliable
}

func ExampleDecoded_Summary() {
	d, _ := gbcs.DecodeText(spec184)
	fmt.Print(d.Summary())
	// Output:
	// GeneralCiphering Command, 178 bytes
	// 123456789ABCDEF0 -> FFFFFFFFFFFFFFFE, originator counter 1
	// message code 0x00B3 ECS04b Reset Meter Balance on the ESME
	// signature: 64 bytes
	// payload: DLMS ACCESS-Request, 53 bytes
}

func ExampleLinkKeyFromInstallCode() {
	// ZigBee specification example install code (DOMAIN.md §10.1).
	code := []byte{0x83, 0xFE, 0xD3, 0x40, 0x7A, 0x93, 0x97, 0x23, 0xA5, 0xC6, 0x39, 0xB2, 0x69, 0x16, 0xD5, 0x05}
	key, _ := gbcs.LinkKeyFromInstallCode(code)
	fmt.Printf("CRC %04X key %X\n", gbcs.InstallCodeCRC(code), key)
	// Output:
	// CRC B5C3 key 66B6900981E1EE3CA4206B6B861C02BB
}
