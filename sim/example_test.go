package sim_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

// A simulated meter answering DLMS over the IEC 62056-47 wrapper on an
// in-memory connection; a public client reads its logical device name
// and energy register.
func ExampleESME_ServeWrapper() {
	m, err := sim.NewESME(sim.ESMEConfig{
		Identity: sim.Identity{Flag: "SMK", Serial: "23110007", DeviceID: "00-DB-12-34-56-78-90-A0"},
		Start:    time.Date(2026, 7, 14, 9, 41, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	client, meter := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.ServeWrapper(ctx, meter, nil)

	c, err := dlms.Associate(ctx, dlms.NewWrapperConn(client, sim.SAPReader, 1),
		dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword})
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := c.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassData, Instance: cosem.OBIS{0, 0, 42, 0, 0, 255}, Attribute: 2}, nil)
	ldn, _, _ := axdr.Decode(d)
	fmt.Printf("%s\n", ldn.Bytes())
	d, _ = c.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassRegister, Instance: sim.ImportOBIS, Attribute: 3}, nil)
	v, _, _ := axdr.Decode(d)
	su, _ := cosem.ParseScalerUnit(v)
	fmt.Println(su.Scaler, su.Unit)
	_ = c.Release(ctx)
	// Output:
	// SMK0000023110007
	// 0 Wh
}
