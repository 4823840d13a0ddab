package hdlc_test

import (
	"encoding/json"
	"fmt"

	"github.com/smetskit/smetskit/protocol/hdlc"
)

// The SNRM of PROTOCOLS.md §2.2, decoded as `smetsctl decode hdlc` shows it.
func ExampleInspectHex() {
	d, err := hdlc.InspectHex("7E A0 08 02 23 21 93 BD 64 7E")
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(d)
	fmt.Println(string(b))
	// Output:
	// {"length":8,"segmented":false,"dst":"0223","src":"21","dst_decoded":[1,17],"src_decoded":[16],"control":"93","control_decoded":"SNRM P/F=1","info":""}
}

func ExampleFrame_MarshalBinary() {
	f := hdlc.Frame{
		Dst:     hdlc.ServerAddress(1, 0, 1),
		Src:     hdlc.ClientAddress(16),
		Control: hdlc.RRControl(4, true),
	}
	b, _ := f.MarshalBinary()
	fmt.Printf("% X\n", b)
	// Output: 7E A0 07 03 21 91 1D 22 7E
}
