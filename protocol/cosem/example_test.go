package cosem_test

import (
	"fmt"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
)

func ExampleParseOBIS() {
	o, _ := cosem.ParseOBIS("1.0.1.8.2.255")
	fmt.Println(o, o.Dotted(), o.Name())
	// Output: 1-0:1.8.2*255 1.0.1.8.2.255 Active energy import (+A), rate 2
}

func ExampleRegister() {
	r := cosem.Register{Value: axdr.Uint32(12345), ScalerUnit: cosem.ScalerUnit{Scaler: -3, Unit: cosem.UnitWattHour}}
	fmt.Println(r)
	// Output: 12.345 Wh
}

func ExampleAttributeName() {
	fmt.Println(cosem.AttributeName(cosem.ClassClock, 4), cosem.MethodName(cosem.ClassDisconnectControl, 1))
	// Output: status remote_disconnect
}
